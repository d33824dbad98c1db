#include "mtproto/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "mtproto/crypto/hash.h"
#include "mtproto/crypto/openssl_util.h"

namespace mtproto::crypto {

void SecureRandom::Fill(MutableByteSpan out) {
  while (!out.empty()) {
    const size_t chunk = std::min<size_t>(out.size(), INT_MAX);
    internal::CheckOpenSsl(RAND_bytes(out.data(), static_cast<int>(chunk)) == 1, "RAND_bytes");
    out = out.subspan(chunk);
  }
}

void DeterministicRandom::Fill(MutableByteSpan out) {
  while (!out.empty()) {
    uint8_t input[16];
    for (int i = 0; i < 8; ++i) {
      input[i] = static_cast<uint8_t>(seed_ >> (8 * i));
      input[8 + i] = static_cast<uint8_t>(counter_ >> (8 * i));
    }
    ++counter_;
    const Sha256Digest block = Sha256(ByteSpan(input));
    const size_t n = std::min(out.size(), block.size());
    std::copy_n(block.begin(), n, out.begin());
    out = out.subspan(n);
  }
}

}  // namespace mtproto::crypto

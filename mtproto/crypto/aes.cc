#include "mtproto/crypto/aes.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mtproto::crypto {
namespace {

using internal::CheckOpenSsl;

// One AES block held as two words so XORs compile to a single SSE instruction.
struct Block {
  uint64_t w[2];
};
inline Block Load(const uint8_t* p) {
  Block b;
  std::memcpy(b.w, p, kAesBlockSize);
  return b;
}
inline void Store(uint8_t* p, Block b) { std::memcpy(p, b.w, kAesBlockSize); }
inline Block Xor(Block a, Block b) { return Block{{a.w[0] ^ b.w[0], a.w[1] ^ b.w[1]}}; }

absl::Status CheckIgeArgs(ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  if (key.size() != 32 && key.size() != 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-IGE key must be 32 (or 16) bytes, got ", key.size()));
  }
  if (iv.size() != kAesIgeIvSize) {
    return absl::InvalidArgumentError(absl::StrCat("AES-IGE iv must be 32 bytes, got ", iv.size()));
  }
  if (in.size() % kAesBlockSize != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-IGE input must be a multiple of 16 bytes, got ", in.size()));
  }
  if (out.size() != in.size()) {
    return absl::InvalidArgumentError("AES-IGE output size differs from input size");
  }
  const uint8_t* in_begin = in.data();
  const uint8_t* out_begin = out.data();
  const bool overlap = !in.empty() && in_begin != out_begin && in_begin < out_begin + out.size() &&
                       out_begin < in_begin + in.size();
  if (overlap) {
    return absl::InvalidArgumentError("AES-IGE buffers overlap without being identical");
  }
  return absl::OkStatus();
}

const char* EcbName(ByteSpan key) { return key.size() == 32 ? "AES-256-ECB" : "AES-128-ECB"; }
const char* CbcName(ByteSpan key) { return key.size() == 32 ? "AES-256-CBC" : "AES-128-CBC"; }

// Blocks per pass of the encryptor: small enough that the three passes over a chunk stay in L1.
constexpr size_t kChunkBlocks = 256;

}  // namespace

// IGE encryption as one CBC encryption plus XOR passes. With y_i = c_i ^ p_{i-1}:
//   y_i = E(p_i ^ c_{i-1}) = E(p_i ^ p_{i-2} ^ y_{i-1}),
// i.e. y is the CBC encryption of x_i = p_i ^ p_{i-2} with iv y_0 = c_0, taking p_{-1} = 0
// (so x_1 = p_1 and y_1 = E(p_1 ^ c_0)). Then c_i = y_i ^ p_{i-1}. OpenSSL pipelines CBC
// encryption with AES-NI far better than a loop of single-block calls could.
absl::Status AesIgeEncrypt(ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  if (absl::Status status = CheckIgeArgs(key, iv, in, out); !status.ok()) return status;
  if (in.empty()) return absl::OkStatus();
  internal::CipherCtxPtr ctx =
      internal::NewCipherCtx(CbcName(key), key, iv.first(kAesBlockSize), /*encrypt=*/true);

  alignas(16) uint8_t scratch[kChunkBlocks * kAesBlockSize];
  Block p_minus_2{{0, 0}};                            // p_{i-2} while building x
  Block p_minus_1 = Load(iv.data() + kAesBlockSize);  // p_{i-1}: p_0 from the iv
  // The plaintext block preceding the current chunk, for the final XOR pass. Kept in a local
  // because in-place operation overwrites the input as the output is written.
  Block prev_plain = p_minus_1;
  const size_t total_blocks = in.size() / kAesBlockSize;
  for (size_t first = 0; first < total_blocks; first += kChunkBlocks) {
    const size_t blocks = std::min(kChunkBlocks, total_blocks - first);
    const uint8_t* src = in.data() + first * kAesBlockSize;
    uint8_t* dst = out.data() + first * kAesBlockSize;
    const size_t bytes = blocks * kAesBlockSize;

    for (size_t j = 0; j < blocks; ++j) {  // x_i = p_i ^ p_{i-2}
      const Block p = Load(src + j * kAesBlockSize);
      Store(scratch + j * kAesBlockSize, Xor(p, p_minus_2));
      p_minus_2 = p_minus_1;
      p_minus_1 = p;
    }
    int written = 0;  // y = CBC(x); the context carries y_{i-1} across chunks
    CheckOpenSsl(
        EVP_EncryptUpdate(ctx.get(), scratch, &written, scratch, static_cast<int>(bytes)) == 1 &&
            written == static_cast<int>(bytes),
        "EVP_EncryptUpdate(CBC)");
    for (size_t j = 0; j < blocks; ++j) {  // c_i = y_i ^ p_{i-1}; read p_i before writing c_i
      const Block p = Load(src + j * kAesBlockSize);
      Store(dst + j * kAesBlockSize, Xor(Load(scratch + j * kAesBlockSize), prev_plain));
      prev_plain = p;
    }
  }
  return absl::OkStatus();
}

// IGE decryption p_i = D(c_i ^ p_{i-1}) ^ c_{i-1} is inherently sequential (each block cipher
// input depends on the previous output), so it is a loop of single-block ECB calls; EVP_Cipher
// on a reused context is the cheapest per-call path EVP offers.
absl::Status AesIgeDecrypt(ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  if (absl::Status status = CheckIgeArgs(key, iv, in, out); !status.ok()) return status;
  if (in.empty()) return absl::OkStatus();
  internal::CipherCtxPtr ctx = internal::NewCipherCtx(EcbName(key), key, {}, /*encrypt=*/false);
  EVP_CIPHER_CTX* raw = ctx.get();

  Block c_prev = Load(iv.data());
  Block p_prev = Load(iv.data() + kAesBlockSize);
  alignas(16) uint8_t buffer[kAesBlockSize];
  for (size_t offset = 0; offset < in.size(); offset += kAesBlockSize) {
    const Block c = Load(in.data() + offset);  // read before a possible in-place overwrite
    Store(buffer, Xor(c, p_prev));
    CheckOpenSsl(EVP_Cipher(raw, buffer, buffer, kAesBlockSize) > 0, "EVP_Cipher(ECB)");
    p_prev = Xor(Load(buffer), c_prev);
    Store(out.data() + offset, p_prev);
    c_prev = c;
  }
  return absl::OkStatus();
}

absl::StatusOr<Bytes> AesIgeEncrypt(ByteSpan key, ByteSpan iv, ByteSpan in) {
  Bytes out(in.size());
  if (absl::Status status = AesIgeEncrypt(key, iv, in, out); !status.ok()) return status;
  return out;
}

absl::StatusOr<Bytes> AesIgeDecrypt(ByteSpan key, ByteSpan iv, ByteSpan in) {
  Bytes out(in.size());
  if (absl::Status status = AesIgeDecrypt(key, iv, in, out); !status.ok()) return status;
  return out;
}

absl::StatusOr<AesCtr256> AesCtr256::Create(ByteSpan key, ByteSpan iv) {
  if (key.size() != kAes256KeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-CTR key must be 32 bytes, got ", key.size()));
  }
  if (iv.size() != kAesCtrIvSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-CTR iv must be 16 bytes, got ", iv.size()));
  }
  return AesCtr256(internal::NewCipherCtx("AES-256-CTR", key, iv, /*encrypt=*/true));
}

void AesCtr256::Apply(MutableByteSpan data) {
  (void)Apply(ByteSpan(data), data);  // sizes match by construction
}

absl::Status AesCtr256::Apply(ByteSpan in, MutableByteSpan out) {
  if (in.size() != out.size()) {
    return absl::InvalidArgumentError("AES-CTR output size differs from input size");
  }
  while (!in.empty()) {
    const size_t chunk = std::min<size_t>(in.size(), INT_MAX / 2);
    int written = 0;
    CheckOpenSsl(EVP_EncryptUpdate(ctx_.get(), out.data(), &written, in.data(),
                                   static_cast<int>(chunk)) == 1 &&
                     written == static_cast<int>(chunk),
                 "EVP_EncryptUpdate(CTR)");
    in = in.subspan(chunk);
    out = out.subspan(chunk);
  }
  return absl::OkStatus();
}

}  // namespace mtproto::crypto

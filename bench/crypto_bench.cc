// AES-256-IGE throughput against the ceiling of a sequential AES-256 chain on one core
// (OpenSSL EVP AES-256-CBC encryption), on message-sized and bulk buffers.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/random.h"

namespace bench {
namespace {

namespace crypto = mtproto::crypto;

double MegabytesPerSecond(size_t size, double calls_per_second) {
  return calls_per_second * static_cast<double>(size) / 1e6;
}

}  // namespace

void RunCryptoBench() {
  crypto::DeterministicRandom random(1);
  const crypto::Bytes key = random.Generate(32), iv = random.Generate(32);
  std::printf("AES-256, MB/s:    size   IGE enc   IGE dec   CBC enc  IGE enc/CBC  IGE dec/CBC\n");
  for (size_t size : {size_t{4096}, size_t{1} << 20}) {
    crypto::Bytes buffer = random.Generate(size);
    const double ige_encrypt =
        MegabytesPerSecond(size, RatePerSecond([&] {
                             if (!crypto::AesIgeEncrypt(key, iv, buffer, buffer).ok()) std::abort();
                           }));
    const double ige_decrypt =
        MegabytesPerSecond(size, RatePerSecond([&] {
                             if (!crypto::AesIgeDecrypt(key, iv, buffer, buffer).ok()) std::abort();
                           }));
    // The reference: a fresh EVP context per call, as the IGE functions do.
    const EVP_CIPHER* cbc = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    const double cbc_encrypt = MegabytesPerSecond(
        size, RatePerSecond([&] {
          EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
          int written = 0;
          if (EVP_EncryptInit_ex2(ctx, cbc, key.data(), iv.data(), nullptr) != 1 ||
              EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
              EVP_EncryptUpdate(ctx, buffer.data(), &written, buffer.data(),
                                static_cast<int>(size)) != 1) {
            std::abort();
          }
          EVP_CIPHER_CTX_free(ctx);
        }));
    EVP_CIPHER_free(const_cast<EVP_CIPHER*>(cbc));
    std::printf("%21zu %9.0f %9.0f %9.0f %11.0f%% %11.0f%%\n", size, ige_encrypt, ige_decrypt,
                cbc_encrypt, 100 * ige_encrypt / cbc_encrypt, 100 * ige_decrypt / cbc_encrypt);
  }
}

}  // namespace bench

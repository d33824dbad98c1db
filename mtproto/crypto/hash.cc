#include "mtproto/crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"
#include "mtproto/crypto/openssl_util.h"

namespace mtproto::crypto {
namespace {

using internal::CheckOpenSsl;

template <size_t N>
std::array<uint8_t, N> Digest(const char* name, std::initializer_list<ByteSpan> parts) {
  // One context per thread, reused: allocating a context per hash shows up in the KDF.
  thread_local internal::OpenSslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  CheckOpenSsl(ctx != nullptr, "EVP_MD_CTX_new");
  CheckOpenSsl(EVP_DigestInit_ex2(ctx.get(), internal::CachedDigest(name), nullptr) == 1,
               "EVP_DigestInit_ex2");
  for (ByteSpan part : parts) {
    CheckOpenSsl(EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1, "EVP_DigestUpdate");
  }
  std::array<uint8_t, N> out;
  unsigned int size = 0;
  CheckOpenSsl(EVP_DigestFinal_ex(ctx.get(), out.data(), &size) == 1 && size == N,
               "EVP_DigestFinal_ex");
  return out;
}

template <size_t N>
std::array<uint8_t, N> Hmac(const char* digest, ByteSpan key, ByteSpan data) {
  std::array<uint8_t, N> out;
  unsigned int size = 0;
  CheckOpenSsl(HMAC(internal::CachedDigest(digest), key.data(), static_cast<int>(key.size()),
                    data.data(), data.size(), out.data(), &size) != nullptr &&
                   size == N,
               "HMAC");
  return out;
}

}  // namespace

Sha1Digest Sha1(ByteSpan data) { return Digest<20>("SHA1", {data}); }
Sha1Digest Sha1(std::initializer_list<ByteSpan> parts) { return Digest<20>("SHA1", parts); }
Sha256Digest Sha256(ByteSpan data) { return Digest<32>("SHA256", {data}); }
Sha256Digest Sha256(std::initializer_list<ByteSpan> parts) { return Digest<32>("SHA256", parts); }
Sha512Digest Sha512(ByteSpan data) { return Digest<64>("SHA512", {data}); }
Sha512Digest Sha512(std::initializer_list<ByteSpan> parts) { return Digest<64>("SHA512", parts); }

Sha256Digest HmacSha256(ByteSpan key, ByteSpan data) { return Hmac<32>("SHA256", key, data); }
Sha512Digest HmacSha512(ByteSpan key, ByteSpan data) { return Hmac<64>("SHA512", key, data); }

absl::StatusOr<Sha512Digest> Pbkdf2HmacSha512(ByteSpan password, ByteSpan salt, int iterations) {
  if (iterations < 1) {
    return absl::InvalidArgumentError("PBKDF2 needs at least one iteration");
  }
  Sha512Digest out;
  // An empty password or salt is valid input; OpenSSL wants non-null pointers for them.
  static const char kEmpty[1] = {0};
  const char* pass = password.empty() ? kEmpty : reinterpret_cast<const char*>(password.data());
  const uint8_t* salt_data = salt.empty() ? reinterpret_cast<const uint8_t*>(kEmpty) : salt.data();
  CheckOpenSsl(PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), salt_data,
                                 static_cast<int>(salt.size()), iterations,
                                 internal::CachedDigest("SHA512"), out.size(), out.data()) == 1,
               "PKCS5_PBKDF2_HMAC");
  return out;
}

}  // namespace mtproto::crypto

#include "mtproto/crypto/openssl_util.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace mtproto::crypto::internal {

std::string TakeOpenSslErrors() {
  std::string result;
  char buffer[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!result.empty()) result += "; ";
    result += buffer;
  }
  return result;
}

void FatalOpenSslError(const char* what) {
  std::fprintf(stderr, "mtproto::crypto: fatal OpenSSL failure in %s: %s\n", what,
               TakeOpenSslErrors().c_str());
  std::abort();
}

namespace {

// Fetched algorithms live for the whole process; the maps only ever grow by a handful of names.
template <typename T, typename Fetch>
const T* CachedFetch(const char* name, Fetch fetch) {
  static std::mutex mutex;
  static std::map<std::string, const T*> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = cache.try_emplace(name, nullptr);
  if (inserted) it->second = fetch(name);
  CheckOpenSsl(it->second != nullptr, name);
  return it->second;
}

}  // namespace

const EVP_CIPHER* CachedCipher(const char* name) {
  return CachedFetch<EVP_CIPHER>(
      name, [](const char* n) { return EVP_CIPHER_fetch(nullptr, n, nullptr); });
}

const EVP_MD* CachedDigest(const char* name) {
  return CachedFetch<EVP_MD>(name, [](const char* n) { return EVP_MD_fetch(nullptr, n, nullptr); });
}

CipherCtxPtr NewCipherCtx(const char* name, ByteSpan key, ByteSpan iv, bool encrypt) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  CheckOpenSsl(ctx != nullptr, "EVP_CIPHER_CTX_new");
  CheckOpenSsl(EVP_CipherInit_ex2(ctx.get(), CachedCipher(name), key.data(),
                                  iv.empty() ? nullptr : iv.data(), encrypt ? 1 : 0, nullptr) == 1,
               "EVP_CipherInit_ex2");
  CheckOpenSsl(EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1, "EVP_CIPHER_CTX_set_padding");
  return ctx;
}

BnPtr BnFromBytes(ByteSpan big_endian) {
  BnPtr bn(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
  CheckOpenSsl(bn != nullptr, "BN_bin2bn");
  return bn;
}

Bytes BnToBytes(const BIGNUM* bn, size_t width) {
  Bytes out(width);
  CheckOpenSsl(BN_bn2binpad(bn, out.data(), static_cast<int>(width)) >= 0, "BN_bn2binpad");
  return out;
}

BnCtxPtr NewBnCtx() {
  BnCtxPtr ctx(BN_CTX_new());
  CheckOpenSsl(ctx != nullptr, "BN_CTX_new");
  return ctx;
}

}  // namespace mtproto::crypto::internal

// Private helpers for the crypto module: RAII owners for OpenSSL objects, cached algorithm
// fetches and error reporting. Not part of the module's public interface.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "mtproto/crypto/bytes.h"

namespace mtproto::crypto::internal {

struct OpenSslDeleter {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter>;
using CipherCtxPtr = OpenSslPtr<EVP_CIPHER_CTX>;
using BnPtr = OpenSslPtr<BIGNUM>;
using BnCtxPtr = OpenSslPtr<BN_CTX>;
using PkeyPtr = OpenSslPtr<EVP_PKEY>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX>;

// Drains OpenSSL's thread-local error queue into one line (empty if there was nothing).
std::string TakeOpenSslErrors();

// OpenSSL calls that can only fail on allocation failure or a library bug (hashing, keyed AES
// with a valid key) abort the process instead of returning a status: there is no sensible
// recovery, and a silent wrong answer would be far worse.
[[noreturn]] void FatalOpenSslError(const char* what);
inline void CheckOpenSsl(bool ok, const char* what) {
  if (!ok) FatalOpenSslError(what);
}

// Cipher and digest implementations fetched once: implicit fetches (EVP_aes_256_cbc() etc.)
// repeat a provider lookup on every init, which dominates the cost of short messages.
const EVP_CIPHER* CachedCipher(const char* name);
const EVP_MD* CachedDigest(const char* name);

// A new, initialised cipher context for `name` (encrypt or decrypt), padding disabled.
CipherCtxPtr NewCipherCtx(const char* name, ByteSpan key, ByteSpan iv, bool encrypt);

BnPtr BnFromBytes(ByteSpan big_endian);
// Big-endian bytes of `bn`, left-padded with zeros to `width` (aborts if it does not fit).
Bytes BnToBytes(const BIGNUM* bn, size_t width);
BnCtxPtr NewBnCtx();

}  // namespace mtproto::crypto::internal

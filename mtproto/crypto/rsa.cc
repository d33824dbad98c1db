#include "mtproto/crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/hash.h"
#include "mtproto/crypto/openssl_util.h"
#include "mtproto/tl/writer.h"

namespace mtproto::crypto {
namespace {

using internal::CheckOpenSsl;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, internal::OpenSslDeleter());
}

uint64_t ComputeFingerprint(ByteSpan n, ByteSpan e) {
  // SHA-1 of n and e serialized as TL `bytes`; the fingerprint is its last 8 bytes.
  tl::Writer serialized;
  serialized.Bytes({reinterpret_cast<const char*>(n.data()), n.size()});
  serialized.Bytes({reinterpret_cast<const char*>(e.data()), e.size()});
  const Sha1Digest digest = Sha1(AsBytes(serialized.data()));
  uint64_t value = 0;
  for (int i = 19; i >= 12; --i) value = (value << 8) | digest[i];
  return value;
}

Bytes GetBnParam(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  CheckOpenSsl(EVP_PKEY_get_bn_param(key, name, &raw) == 1, name);
  internal::BnPtr bn(raw);
  return internal::BnToBytes(bn.get(), static_cast<size_t>(BN_num_bytes(bn.get())));
}

// Pads a big-endian number to the modulus width; fails if it is wider.
absl::StatusOr<Bytes> ToModulusWidth(ByteSpan number, const char* what) {
  if (number.size() > kRsaModulusSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", number.size(), " bytes, longer than the 256-byte modulus"));
  }
  Bytes out(kRsaModulusSize - number.size(), 0);
  out.insert(out.end(), number.begin(), number.end());
  return out;
}

constexpr std::array<uint8_t, 32> kZeroIgeIv{};
// RSA_PAD draws a new temp_key while the padded block is not below the modulus; this bounds
// the loop against a broken random source (the chance of one retry is below 1/2).
constexpr int kRsaPadMaxAttempts = 64;

absl::StatusOr<Bytes> TryDecodeRsaPad(ByteSpan block) {
  // block = temp_key_xor (32) + aes_encrypted (224)
  const ByteSpan temp_key_xor = block.first(32);
  const ByteSpan aes_encrypted = block.subspan(32);
  const Sha256Digest mask = Sha256(aes_encrypted);
  std::array<uint8_t, 32> temp_key;
  for (size_t i = 0; i < 32; ++i) temp_key[i] = temp_key_xor[i] ^ mask[i];
  absl::StatusOr<Bytes> data_with_hash = AesIgeDecrypt(temp_key, kZeroIgeIv, aes_encrypted);
  if (!data_with_hash.ok()) return data_with_hash.status();
  Bytes data_with_padding(data_with_hash->begin(), data_with_hash->begin() + kRsaPadPaddedSize);
  std::reverse(data_with_padding.begin(), data_with_padding.end());
  const Sha256Digest expected = Sha256({temp_key, data_with_padding});
  if (CRYPTO_memcmp(expected.data(), data_with_hash->data() + kRsaPadPaddedSize, 32) != 0) {
    return absl::InvalidArgumentError("RSA_PAD hash check failed");
  }
  return data_with_padding;
}

absl::StatusOr<Bytes> TryDecodeLegacy(ByteSpan block) {
  // block = 0x00 + SHA1(data) + data + padding; the data length is not transmitted, so find
  // the prefix the hash covers (at most 236 short hashes, and only for legacy clients).
  if (block[0] != 0) return absl::InvalidArgumentError("legacy block does not start with 0");
  const ByteSpan hash = block.subspan(1, 20);
  const ByteSpan body = block.subspan(21);
  for (size_t length = 0; length <= body.size(); ++length) {
    const Sha1Digest digest = Sha1(body.first(length));
    if (CRYPTO_memcmp(digest.data(), hash.data(), digest.size()) == 0) {
      return Bytes(body.begin(), body.begin() + length);
    }
  }
  return absl::InvalidArgumentError("legacy SHA-1 check failed");
}

}  // namespace

RsaPublicKey::RsaPublicKey(std::shared_ptr<EVP_PKEY> key, Bytes n, Bytes e)
    : key_(std::move(key)),
      n_(std::move(n)),
      e_(std::move(e)),
      fingerprint_(ComputeFingerprint(n_, e_)) {}

absl::StatusOr<RsaPublicKey> RsaPublicKey::FromPkey(std::shared_ptr<EVP_PKEY> key) {
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1) {
    return absl::InvalidArgumentError("not an RSA key");
  }
  if (EVP_PKEY_get_bits(key.get()) != 2048) {
    return absl::InvalidArgumentError(
        absl::StrCat("MTProto needs a 2048-bit RSA key, got ", EVP_PKEY_get_bits(key.get())));
  }
  Bytes n = GetBnParam(key.get(), OSSL_PKEY_PARAM_RSA_N);
  Bytes e = GetBnParam(key.get(), OSSL_PKEY_PARAM_RSA_E);
  return RsaPublicKey(std::move(key), std::move(n), std::move(e));
}

absl::StatusOr<RsaPublicKey> RsaPublicKey::FromPem(std::string_view pem) {
  EVP_PKEY* raw = nullptr;
  // A null structure lets the decoder take both PKCS#1 and SubjectPublicKeyInfo.
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA",
                                                        EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  CheckOpenSsl(ctx != nullptr, "OSSL_DECODER_CTX_new_for_pkey");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t size = pem.size();
  const int ok = OSSL_DECODER_from_data(ctx, &data, &size);
  OSSL_DECODER_CTX_free(ctx);
  if (ok != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    return absl::InvalidArgumentError(
        absl::StrCat("not an RSA public key PEM: ", internal::TakeOpenSslErrors()));
  }
  internal::TakeOpenSslErrors();  // the decoder leaves notes from the structures it tried
  return FromPkey(Share(raw));
}

absl::StatusOr<RsaPublicKey> RsaPublicKey::FromComponents(ByteSpan n, ByteSpan e) {
  internal::BnPtr n_bn = internal::BnFromBytes(n);
  internal::BnPtr e_bn = internal::BnFromBytes(e);
  if (BN_is_zero(e_bn.get()) || !BN_is_odd(n_bn.get())) {
    return absl::InvalidArgumentError("invalid RSA modulus or exponent");
  }
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  CheckOpenSsl(builder != nullptr && OSSL_PARAM_BLD_push_BN(builder, "n", n_bn.get()) == 1 &&
                   OSSL_PARAM_BLD_push_BN(builder, "e", e_bn.get()) == 1,
               "OSSL_PARAM_BLD");
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  OSSL_PARAM_BLD_free(builder);
  CheckOpenSsl(params != nullptr, "OSSL_PARAM_BLD_to_param");
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  const bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                  EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot build RSA key: ", internal::TakeOpenSslErrors()));
  }
  return FromPkey(Share(raw));
}

std::string RsaPublicKey::ToPkcs1Pem() const {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key_.get(), EVP_PKEY_PUBLIC_KEY, "PEM",
                                                        "type-specific", nullptr);
  CheckOpenSsl(ctx != nullptr, "OSSL_ENCODER_CTX_new_for_pkey");
  unsigned char* data = nullptr;
  size_t size = 0;
  const int ok = OSSL_ENCODER_to_data(ctx, &data, &size);
  OSSL_ENCODER_CTX_free(ctx);
  CheckOpenSsl(ok == 1, "OSSL_ENCODER_to_data");
  std::string pem(reinterpret_cast<const char*>(data), size);
  OPENSSL_free(data);
  return pem;
}

absl::StatusOr<Bytes> RsaPublicKey::EncryptRaw(ByteSpan number) const {
  absl::StatusOr<Bytes> padded = ToModulusWidth(number, "RSA input");
  if (!padded.ok()) return padded.status();
  if (!std::lexicographical_compare(padded->begin(), padded->end(), n_.begin(), n_.end())) {
    return absl::InvalidArgumentError("RSA input is not below the modulus");
  }
  internal::BnCtxPtr bn_ctx = internal::NewBnCtx();
  internal::BnPtr m = internal::BnFromBytes(*padded);
  internal::BnPtr n = internal::BnFromBytes(n_);
  internal::BnPtr e = internal::BnFromBytes(e_);
  internal::BnPtr c(BN_new());
  CheckOpenSsl(c != nullptr && BN_mod_exp(c.get(), m.get(), e.get(), n.get(), bn_ctx.get()) == 1,
               "BN_mod_exp");
  return internal::BnToBytes(c.get(), kRsaModulusSize);
}

absl::StatusOr<Bytes> RsaPublicKey::EncryptRsaPad(ByteSpan data, RandomSource& random) const {
  if (data.size() > kRsaPadMaxDataSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA_PAD data is ", data.size(), " bytes, at most 144 allowed"));
  }
  Bytes data_with_padding(data.begin(), data.end());
  data_with_padding.resize(kRsaPadPaddedSize);
  random.Fill(MutableByteSpan(data_with_padding).subspan(data.size()));
  Bytes data_pad_reversed(data_with_padding.rbegin(), data_with_padding.rend());

  for (int attempt = 0; attempt < kRsaPadMaxAttempts; ++attempt) {
    std::array<uint8_t, 32> temp_key;
    random.Fill(temp_key);
    Bytes data_with_hash = data_pad_reversed;
    const Sha256Digest hash = Sha256({temp_key, data_with_padding});
    data_with_hash.insert(data_with_hash.end(), hash.begin(), hash.end());
    absl::StatusOr<Bytes> aes_encrypted = AesIgeEncrypt(temp_key, kZeroIgeIv, data_with_hash);
    if (!aes_encrypted.ok()) return aes_encrypted.status();
    const Sha256Digest mask = Sha256(*aes_encrypted);
    Bytes key_aes_encrypted(32);
    for (size_t i = 0; i < 32; ++i) key_aes_encrypted[i] = temp_key[i] ^ mask[i];
    key_aes_encrypted.insert(key_aes_encrypted.end(), aes_encrypted->begin(), aes_encrypted->end());
    // The value must be below the modulus to survive RSA; otherwise try another temp_key.
    if (std::lexicographical_compare(key_aes_encrypted.begin(), key_aes_encrypted.end(), n_.begin(),
                                     n_.end())) {
      return EncryptRaw(key_aes_encrypted);
    }
  }
  return absl::InternalError("RSA_PAD found no temp_key below the modulus (broken random?)");
}

absl::StatusOr<Bytes> RsaPublicKey::EncryptLegacy(ByteSpan data, RandomSource& random) const {
  if (data.size() > kRsaLegacyMaxDataSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("legacy RSA data is ", data.size(), " bytes, at most 235 allowed"));
  }
  const Sha1Digest hash = Sha1(data);
  Bytes block(hash.begin(), hash.end());
  block.insert(block.end(), data.begin(), data.end());
  const size_t used = block.size();
  block.resize(255);  // 255 bytes are always below a 2048-bit modulus
  random.Fill(MutableByteSpan(block).subspan(used));
  return EncryptRaw(block);
}

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::FromPkey(std::shared_ptr<EVP_PKEY> key) {
  absl::StatusOr<RsaPublicKey> public_key = RsaPublicKey::FromPkey(key);
  if (!public_key.ok()) return public_key.status();
  return RsaPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::Generate() {
  // Each try succeeds with probability 15/16; the bound only guards against a broken library.
  for (int attempt = 0; attempt < 256; ++attempt) {
    internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* raw = nullptr;
    const bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
                    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1 &&
                    EVP_PKEY_generate(ctx.get(), &raw) == 1;
    if (!ok) {
      return absl::InternalError(
          absl::StrCat("RSA key generation failed: ", internal::TakeOpenSslErrors()));
    }
    absl::StatusOr<RsaPrivateKey> key = FromPkey(Share(raw));
    if (!key.ok()) return key.status();
    if (key->Fingerprint() >= 0x1000000000000000ULL &&
        key->public_key().exponent() == Bytes{0x01, 0x00, 0x01}) {
      return key;
    }
  }
  return absl::InternalError("RSA key generation never met the fingerprint condition");
}

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::FromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  CheckOpenSsl(bio != nullptr, "BIO_new_mem_buf");
  // A callback that supplies no passphrase: an encrypted PEM fails instead of prompting.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (raw == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an unencrypted private key PEM: ", internal::TakeOpenSslErrors()));
  }
  return FromPkey(Share(raw));
}

std::string RsaPrivateKey::ToPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  CheckOpenSsl(bio != nullptr, "BIO_new");
  const int ok = PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem = ok == 1 && size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
  BIO_free(bio);
  CheckOpenSsl(!pem.empty(), "PEM_write_bio_PrivateKey");
  return pem;
}

absl::StatusOr<Bytes> RsaPrivateKey::DecryptRaw(ByteSpan ciphertext) const {
  absl::StatusOr<Bytes> padded = ToModulusWidth(ciphertext, "RSA ciphertext");
  if (!padded.ok()) return padded.status();
  const Bytes& n = public_key_.modulus();
  if (!std::lexicographical_compare(padded->begin(), padded->end(), n.begin(), n.end())) {
    return absl::InvalidArgumentError("RSA ciphertext is not below the modulus");
  }
  // Through EVP rather than BN_mod_exp so OpenSSL's CRT and blinding protect the private key.
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  Bytes out(kRsaModulusSize);
  size_t out_size = out.size();
  const bool ok =
      ctx != nullptr && EVP_PKEY_decrypt_init(ctx.get()) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1 &&
      EVP_PKEY_decrypt(ctx.get(), out.data(), &out_size, padded->data(), padded->size()) == 1;
  if (!ok || out_size != kRsaModulusSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA decryption failed: ", internal::TakeOpenSslErrors()));
  }
  return out;
}

absl::StatusOr<RsaInnerData> RsaPrivateKey::DecryptInnerData(ByteSpan encrypted_data) const {
  absl::StatusOr<Bytes> block = DecryptRaw(encrypted_data);
  if (!block.ok()) return block.status();
  // RSA_PAD first: modern clients use it, and a false match has probability 2^-256. A legacy
  // block fails it and falls through to the SHA-1 check.
  absl::StatusOr<Bytes> rsa_pad = TryDecodeRsaPad(*block);
  if (rsa_pad.ok()) return RsaInnerData{*std::move(rsa_pad), RsaScheme::kRsaPad};
  absl::StatusOr<Bytes> legacy = TryDecodeLegacy(*block);
  if (legacy.ok()) return RsaInnerData{*std::move(legacy), RsaScheme::kLegacy};
  return absl::InvalidArgumentError(
      "encrypted_data passes neither the RSA_PAD nor the legacy SHA-1 check");
}

}  // namespace mtproto::crypto

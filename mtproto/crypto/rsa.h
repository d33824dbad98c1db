// RSA as the MTProto handshake uses it: server public keys (PKCS#1 or SPKI PEM), their 64-bit
// fingerprints, the client's encryption of p_q_inner_data (RSA_PAD of MTProto 2.0, and the
// legacy sha1+data+padding scheme), and the server side our emulator needs: 2048-bit key
// generation, private-key PEM storage and decryption of req_DH_params.encrypted_data.
// Spec: https://core.telegram.org/mtproto/auth_key (steps 2 and 4.1)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/random.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace mtproto::crypto {

// MTProto handshakes use 2048-bit keys only: encrypted_data is exactly 256 bytes.
inline constexpr size_t kRsaModulusSize = 256;
// The longest p_q_inner_data each scheme can carry.
inline constexpr size_t kRsaPadMaxDataSize = 144;
inline constexpr size_t kRsaLegacyMaxDataSize = 235;
// RSA_PAD pads the data to this size; decryption returns the data with that padding (the TL
// reader knows where the inner object ends).
inline constexpr size_t kRsaPadPaddedSize = 192;

// A 2048-bit RSA public key, as clients hold the server's. Cheap to copy (shares the key).
class RsaPublicKey {
 public:
  // Parses "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1) or "-----BEGIN PUBLIC KEY-----" (SPKI).
  [[nodiscard]] static absl::StatusOr<RsaPublicKey> FromPem(std::string_view pem);
  // From the big-endian modulus and public exponent.
  [[nodiscard]] static absl::StatusOr<RsaPublicKey> FromComponents(ByteSpan n, ByteSpan e);

  // PKCS#1 "RSA PUBLIC KEY" PEM, the form Telegram publishes.
  [[nodiscard]] std::string ToPkcs1Pem() const;
  // Lower 64 bits of SHA1(TL-bytes(n) + TL-bytes(e)), i.e. its last 8 bytes read as the
  // little-endian long that resPQ.server_public_key_fingerprints carries.
  [[nodiscard]] uint64_t Fingerprint() const { return fingerprint_; }
  // Big-endian modulus (256 bytes) and minimal big-endian exponent.
  [[nodiscard]] const Bytes& modulus() const { return n_; }
  [[nodiscard]] const Bytes& exponent() const { return e_; }

  // RSA_PAD (MTProto 2.0): data of at most 144 bytes → 256 bytes of encrypted_data. Draws the
  // padding and temp_key from `random`.
  [[nodiscard]] absl::StatusOr<Bytes> EncryptRsaPad(ByteSpan data, RandomSource& random) const;
  // Legacy scheme: RSA(SHA1(data) + data + random padding to 255 bytes), data ≤ 235 bytes.
  [[nodiscard]] absl::StatusOr<Bytes> EncryptLegacy(ByteSpan data, RandomSource& random) const;
  // Textbook RSA of a big-endian number below the modulus; the result is 256 bytes.
  [[nodiscard]] absl::StatusOr<Bytes> EncryptRaw(ByteSpan number) const;

 private:
  RsaPublicKey(std::shared_ptr<EVP_PKEY> key, Bytes n, Bytes e);
  static absl::StatusOr<RsaPublicKey> FromPkey(std::shared_ptr<EVP_PKEY> key);
  friend class RsaPrivateKey;

  std::shared_ptr<EVP_PKEY> key_;
  Bytes n_;
  Bytes e_;
  uint64_t fingerprint_;
};

// Which scheme a client used for req_DH_params.encrypted_data.
enum class RsaScheme { kRsaPad, kLegacy };

// The data a client encrypted, as the server recovers it.
struct RsaInnerData {
  // RSA_PAD: the 192-byte data_with_padding (the inner object followed by random padding).
  // Legacy: exactly the data the SHA-1 covered.
  Bytes data;
  RsaScheme scheme;
};

// A server's 2048-bit RSA key pair (our emulator's). Cheap to copy (shares the key).
class RsaPrivateKey {
 public:
  // A fresh 2048-bit key with e = 65537, regenerated until its fingerprint, read unsigned, is
  // at least 0x1000000000000000. Uses OpenSSL's own generator (key generation cannot take an
  // injected source).
  [[nodiscard]] static absl::StatusOr<RsaPrivateKey> Generate();
  // Reads an unencrypted PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY" PEM.
  [[nodiscard]] static absl::StatusOr<RsaPrivateKey> FromPem(std::string_view pem);
  // Unencrypted PKCS#8 PEM: store it with file permissions that protect it.
  [[nodiscard]] std::string ToPem() const;

  [[nodiscard]] const RsaPublicKey& public_key() const { return public_key_; }
  [[nodiscard]] uint64_t Fingerprint() const { return public_key_.Fingerprint(); }

  // Decrypts req_DH_params.encrypted_data, accepting RSA_PAD (verifying its SHA-256) and the
  // legacy scheme (verifying its SHA-1). Any failed check is an InvalidArgument error.
  [[nodiscard]] absl::StatusOr<RsaInnerData> DecryptInnerData(ByteSpan encrypted_data) const;
  // Textbook RSA decryption to 256 bytes; `ciphertext` must be below the modulus.
  [[nodiscard]] absl::StatusOr<Bytes> DecryptRaw(ByteSpan ciphertext) const;

 private:
  RsaPrivateKey(std::shared_ptr<EVP_PKEY> key, RsaPublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<RsaPrivateKey> FromPkey(std::shared_ptr<EVP_PKEY> key);

  std::shared_ptr<EVP_PKEY> key_;
  RsaPublicKey public_key_;
};

}  // namespace mtproto::crypto

// AES modes used by MTProto: AES-256-IGE for encrypted messages and the handshake
// (https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector)
// and AES-256-CTR for the obfuscated2 transport
// (https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation).
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/openssl_util.h"

namespace mtproto::crypto {

inline constexpr size_t kAesBlockSize = 16;
inline constexpr size_t kAes256KeySize = 32;
// An IGE iv is two blocks: the first is c_0 (the "previous ciphertext"), the second p_0 (the
// "previous plaintext") of the standard definition c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}.
inline constexpr size_t kAesIgeIvSize = 32;
inline constexpr size_t kAesCtrIvSize = 16;

// AES-IGE. MTProto uses 32-byte keys; 16-byte keys are accepted too because the published IGE
// test vectors (OpenSSL's) are AES-128. `in` must be a whole number of blocks; `out` must have
// the same size and either be exactly `in` (in-place) or not overlap it.
[[nodiscard]] absl::Status AesIgeEncrypt(ByteSpan key, ByteSpan iv, ByteSpan in,
                                         MutableByteSpan out);
[[nodiscard]] absl::Status AesIgeDecrypt(ByteSpan key, ByteSpan iv, ByteSpan in,
                                         MutableByteSpan out);
[[nodiscard]] absl::StatusOr<Bytes> AesIgeEncrypt(ByteSpan key, ByteSpan iv, ByteSpan in);
[[nodiscard]] absl::StatusOr<Bytes> AesIgeDecrypt(ByteSpan key, ByteSpan iv, ByteSpan in);

// A stateful AES-256-CTR keystream: successive Apply calls continue the same stream, as each
// direction of an obfuscated2 connection needs. Encryption and decryption are the same
// operation. Movable, not copyable.
class AesCtr256 {
 public:
  // key: 32 bytes; iv: the 16-byte initial counter block (big-endian counter).
  [[nodiscard]] static absl::StatusOr<AesCtr256> Create(ByteSpan key, ByteSpan iv);

  // XORs the next keystream bytes into `data`.
  void Apply(MutableByteSpan data);
  // Writes `in` XOR keystream to `out` (same size; may be the same buffer). Returns an error
  // only for a size mismatch.
  [[nodiscard]] absl::Status Apply(ByteSpan in, MutableByteSpan out);

 private:
  explicit AesCtr256(internal::CipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  internal::CipherCtxPtr ctx_;
};

}  // namespace mtproto::crypto

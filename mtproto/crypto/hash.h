// Hash functions used by MTProto: SHA-1 (MTProto 1.0 KDF, auth_key_id, RSA fingerprints, the
// handshake), SHA-256 (MTProto 2.0 KDF, RSA_PAD, SRP), SHA-512 and HMAC/PBKDF2 (SRP 2FA).
// Spec: https://core.telegram.org/mtproto/description and https://core.telegram.org/api/srp
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"

namespace mtproto::crypto {

using Sha1Digest = std::array<uint8_t, 20>;
using Sha256Digest = std::array<uint8_t, 32>;
using Sha512Digest = std::array<uint8_t, 64>;

// Each hash comes in two forms: of one byte string, and of the concatenation of several
// (MTProto hashes concatenations everywhere; this avoids building temporary buffers), e.g.
// Sha256({msg_key, auth_key_part}).
[[nodiscard]] Sha1Digest Sha1(ByteSpan data);
[[nodiscard]] Sha1Digest Sha1(std::initializer_list<ByteSpan> parts);
[[nodiscard]] Sha256Digest Sha256(ByteSpan data);
[[nodiscard]] Sha256Digest Sha256(std::initializer_list<ByteSpan> parts);
[[nodiscard]] Sha512Digest Sha512(ByteSpan data);
[[nodiscard]] Sha512Digest Sha512(std::initializer_list<ByteSpan> parts);

[[nodiscard]] Sha256Digest HmacSha256(ByteSpan key, ByteSpan data);
[[nodiscard]] Sha512Digest HmacSha512(ByteSpan key, ByteSpan data);

// PBKDF2 with HMAC-SHA512 and a 64-byte output, as SRP's password KDF uses it.
// Fails only for iterations < 1.
[[nodiscard]] absl::StatusOr<Sha512Digest> Pbkdf2HmacSha512(ByteSpan password, ByteSpan salt,
                                                            int iterations);

}  // namespace mtproto::crypto

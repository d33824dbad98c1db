// Key derivation of MTProto: the 2.0 msg_key and AES key/iv (both directions), the 1.0 (SHA-1)
// msg_key and KDF that auth.bindTempAuthKey's inner message still uses, auth_key_id, and the
// handshake's tmp_aes_key/iv, new_nonce_hash and initial server salt.
// Spec: https://core.telegram.org/mtproto/description,
// https://core.telegram.org/mtproto/auth_key, https://core.telegram.org/api/pfs
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mtproto/crypto/bytes.h"

namespace mtproto::crypto {

inline constexpr size_t kAuthKeySize = 256;
using AuthKeySpan = std::span<const uint8_t, kAuthKeySize>;
using MsgKey = std::array<uint8_t, 16>;
using MsgKeySpan = std::span<const uint8_t, 16>;
using Int128Span = std::span<const uint8_t, 16>;  // nonce, server_nonce (wire byte order)
using Int256Span = std::span<const uint8_t, 32>;  // new_nonce (wire byte order)

// Which half of the auth_key the KDF reads: x = 0 for client→server messages, x = 8 for
// server→client ones.
enum class Direction { kClientToServer, kServerToClient };

// An AES-256-IGE key and its 32-byte iv.
struct AesKeyIv {
  std::array<uint8_t, 32> key;
  std::array<uint8_t, 32> iv;
};

// MTProto 2.0: msg_key = middle 128 bits of SHA256(substr(auth_key, 88+x, 32) + plaintext),
// where `plaintext` includes the random padding.
[[nodiscard]] MsgKey ComputeMsgKey(AuthKeySpan auth_key, Direction direction,
                                   ByteSpan plaintext_with_padding);
// MTProto 2.0 aes_key/aes_iv from auth_key and msg_key (SHA-256 based).
[[nodiscard]] AesKeyIv DeriveAesKeyIv(AuthKeySpan auth_key, MsgKeySpan msg_key,
                                      Direction direction);

// MTProto 1.0: msg_key = lower 128 bits of SHA1(plaintext) over the message without padding.
[[nodiscard]] MsgKey ComputeMsgKeyV1(ByteSpan plaintext_without_padding);
// MTProto 1.0 aes_key/aes_iv (SHA-1 based).
[[nodiscard]] AesKeyIv DeriveAesKeyIvV1(AuthKeySpan auth_key, MsgKeySpan msg_key,
                                        Direction direction);

// auth_key_id: the lower 64 bits of SHA1(auth_key), i.e. its last 8 bytes read as the
// little-endian long that goes on the wire.
[[nodiscard]] uint64_t AuthKeyId(AuthKeySpan auth_key);

// tmp_aes_key/tmp_aes_iv that encrypt server_DH_inner_data and client_DH_inner_data.
[[nodiscard]] AesKeyIv DeriveTmpAesKeyIv(Int256Span new_nonce, Int128Span server_nonce);

// new_nonce_hash1/2/3 of dh_gen_ok/retry/fail: the lower 128 bits of
// SHA1(new_nonce + number + auth_key_aux_hash), auth_key_aux_hash = upper 64 bits of SHA1(key).
[[nodiscard]] std::array<uint8_t, 16> NewNonceHash(Int256Span new_nonce, AuthKeySpan auth_key,
                                                   uint8_t number);

// The first server_salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8), as the
// little-endian long the session sends.
[[nodiscard]] uint64_t InitialServerSalt(Int256Span new_nonce, Int128Span server_nonce);

}  // namespace mtproto::crypto

// The two packet envelopes of MTProto: unencrypted (auth_key_id 0, used by the handshake) and
// encrypted with an auth key (MTProto 2.0; 1.0 decryption only for auth.bindTempAuthKey).
// Spec: https://core.telegram.org/mtproto/description
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/session/auth_key.h"

namespace mtproto::session {

// The auth_key_id a packet starts with (0 for an unencrypted one); nullopt if too short.
[[nodiscard]] std::optional<uint64_t> PeekAuthKeyId(std::string_view packet);

// An unencrypted message: auth_key_id = 0, msg_id, length, body.
struct PlainMessage {
  uint64_t msg_id = 0;
  std::string body;
};
[[nodiscard]] std::string PackPlain(uint64_t msg_id, std::string_view body);
[[nodiscard]] absl::StatusOr<PlainMessage> UnpackPlain(std::string_view packet);

// The plaintext of an encrypted message.
struct InnerMessage {
  uint64_t salt = 0;
  uint64_t session_id = 0;
  uint64_t msg_id = 0;
  int32_t seqno = 0;
  std::string body;
};

// auth_key_id + msg_key + AES-256-IGE(salt, session_id, msg_id, seqno, length, body, padding),
// with 12..1024 bytes of random padding and the msg_key of the sender's direction.
[[nodiscard]] std::string EncryptMessage(const AuthKey& key, Role sender, const InnerMessage& inner,
                                         crypto::RandomSource& random);

// Reverses EncryptMessage, checking everything the spec asks a receiver to check: the key id,
// the length, msg_key against the decrypted plaintext, the padding's size. Errors say which.
[[nodiscard]] absl::StatusOr<InnerMessage> DecryptMessage(const AuthKey& key, Role sender,
                                                          std::string_view packet);

// MTProto 1.0 decryption (SHA-1 msg_key over the unpadded plaintext): auth.bindTempAuthKey's
// encrypted_message is made this way with the permanent key.
[[nodiscard]] absl::StatusOr<InnerMessage> DecryptMessageV1(const AuthKey& key, Role sender,
                                                            std::string_view packet);

}  // namespace mtproto::session

// An MTProto authorization key and its id.
// Spec: https://core.telegram.org/mtproto/description#authorization-key-auth-key
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mtproto/crypto/kdf.h"

namespace mtproto::session {

// The 2048-bit key shared by client and server after the handshake, with its 64-bit id
// (the lower 64 bits of SHA1(key)) that prefixes every encrypted packet.
struct AuthKey {
  std::array<uint8_t, crypto::kAuthKeySize> bytes{};
  uint64_t id = 0;

  static AuthKey FromBytes(std::span<const uint8_t, crypto::kAuthKeySize> bytes) {
    AuthKey key;
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
    key.id = crypto::AuthKeyId(key.bytes);
    return key;
  }
};

// Which end of a connection this is.
enum class Role { kClient, kServer };

}  // namespace mtproto::session

// The obfuscated2 wrapper: a 64-byte random header from which both sides derive AES-256-CTR
// keys for each direction, after which every byte is encrypted. It hides the framing's preamble
// and lengths from DPI; it is not authentication (MTProto's own encryption is).
// Spec: https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/random.h"
#include "mtproto/transport/framing.h"

namespace mtproto::transport {

inline constexpr size_t kObfuscated2HeaderSize = 64;

// The two keystreams of one side of an obfuscated2 connection.
struct Obfuscated2Ciphers {
  crypto::AesCtr256 encrypt;  // For bytes this side sends.
  crypto::AesCtr256 decrypt;  // For bytes this side receives.
};

// A client's header, ready to send, and its ciphers (already advanced past the header).
struct Obfuscated2Client {
  std::string header;  // 64 bytes: random, with the encrypted tag and dc id in bytes 56..63.
  Obfuscated2Ciphers ciphers;
};

// What a server learns from a client's header.
struct Obfuscated2Server {
  Framing framing;
  int16_t dc_id;  // Random unless the client meant it for an MTProxy; don't route on it.
  Obfuscated2Ciphers ciphers;  // Decrypt already advanced past the header.
};

// True if a 64-byte header starting with these bytes could be mistaken for another transport's
// opening (abridged 0xef, intermediate/padded tags, HTTP verbs, TLS, full's seq no 0); clients
// draw again until it is false.
bool IsForbiddenObfuscated2Start(std::string_view header);

// Draws a client header for `framing` (not kFull: obfuscation carries only the three tagged
// framings). `dc_id` 0 leaves bytes 60..61 random, as direct connections may.
[[nodiscard]] absl::StatusOr<Obfuscated2Client> MakeObfuscated2Client(Framing framing,
                                                                      int16_t dc_id,
                                                                      crypto::RandomSource& random);

// Reads a client's 64-byte header; fails if the decrypted tag names no framing.
[[nodiscard]] absl::StatusOr<Obfuscated2Server> AcceptObfuscated2Client(std::string_view header);

}  // namespace mtproto::transport

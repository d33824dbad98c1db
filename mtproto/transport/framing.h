// MTProto transport framings and the frames they carry.
// Spec: https://core.telegram.org/mtproto/mtproto-transports (abridged, intermediate, padded
// intermediate, full, quick ack, transport errors) and
// https://core.telegram.org/mtproto/transports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtproto::transport {

// How packets are delimited on the byte stream.
enum class Framing {
  kAbridged,            // 0xef; length in words, 1 or 4 bytes.
  kIntermediate,        // 0xeeeeeeee; 4-byte length.
  kPaddedIntermediate,  // 0xdddddddd; 4-byte length covering 0-15 random padding bytes.
  kFull,                // no preamble; length, seq no, payload, CRC32.
};

// For log messages and test names.
const char* FramingName(Framing framing);

// One unit decoded from the stream.
struct Frame {
  enum class Kind {
    kPacket,    // An MTProto packet (payload).
    kQuickAck,  // Server -> client: quick_ack_token acknowledges a packet.
    kError,     // Server -> client: a transport error, error_code (e.g. -404).
  };
  Kind kind = Kind::kPacket;
  // The packet bytes. For padded intermediate this is the received bytes cut down to a whole
  // number of 4-byte words (MTProto packets always are); up to 12 padding bytes can remain and
  // the session layer ignores them: an unencrypted message states its own length, an encrypted
  // one is 24 + 16k bytes.
  std::string payload;
  // Client -> server: the client asked for a quick ack of this packet.
  bool quick_ack_requested = false;
  // The quick ack token as received, most significant bit set (the spec sets it to tell a quick
  // ack from a length); compare with (token_from_sha256 | 0x80000000).
  uint32_t quick_ack_token = 0;
  // A negative transport error code: -404 auth key not found, -429 flood, -444 invalid dc.
  int32_t error_code = 0;

  friend bool operator==(const Frame&, const Frame&) = default;
};

// Well-known transport error codes.
inline constexpr int32_t kErrorAuthKeyNotFound = -404;
inline constexpr int32_t kErrorFlood = -429;
inline constexpr int32_t kErrorInvalidDc = -444;

// Default bound on a packet's payload: a declared length above it is a stream error, so a peer
// cannot make us wait for (and buffer) an absurd amount.
inline constexpr size_t kDefaultMaxPacketSize = size_t{16} << 20;

}  // namespace mtproto::transport

// Internal: the byte forms of each framing, without state or encryption. Codec keeps the state
// (buffers, seq numbers, ciphers) and calls these.
// Spec: https://core.telegram.org/mtproto/mtproto-transports
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "mtproto/transport/framing.h"

namespace mtproto::transport::internal {

inline constexpr uint32_t kQuickAckBit = 0x80000000u;
// Full-transport overhead: length, seq no, CRC32.
inline constexpr size_t kFullOverhead = 12;
// Padded intermediate's padding is 0..kMaxPadding bytes.
inline constexpr size_t kMaxPadding = 15;

// Appends `payload` framed for `framing`. `quick_ack` sets the quick-ack request bit (abridged,
// intermediate, padded only); `seq` is used by full; `padding` by padded intermediate.
void AppendPacket(Framing framing, std::string_view payload, bool quick_ack, uint32_t seq,
                  std::string_view padding, std::string* out);

// Appends a server's quick-ack reply: the token with its top bit set, as 4 raw bytes (big-endian
// for abridged, so the first byte has its top bit set, little-endian otherwise).
void AppendQuickAck(Framing framing, uint32_t token, std::string* out);

// Outcome of trying to read one frame from the front of a buffer.
struct ParseResult {
  enum class State { kNeedMore, kFrame, kError } state = State::kNeedMore;
  size_t consumed = 0;  // kFrame: bytes the frame occupied.
  Frame frame;          // kFrame.
  absl::Status error;   // kError.
};

// Reads one frame. `from_server` says who sent the bytes: servers send quick-ack replies and
// transport errors, clients send quick-ack requests. `max_packet` bounds the declared payload
// size; `expected_seq` is the full transport's next seq no.
ParseResult ParseFrame(Framing framing, bool from_server, std::string_view buf, size_t max_packet,
                       uint32_t expected_seq);

uint32_t LoadLe32(const char* p);
void AppendLe32(uint32_t v, std::string* out);
uint32_t Crc32(std::string_view data);

}  // namespace mtproto::transport::internal

#include "mtproto/transport/framing.h"

#include <zlib.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "mtproto/transport/frame_format.h"

namespace mtproto::transport {

const char* FramingName(Framing framing) {
  switch (framing) {
    case Framing::kAbridged:
      return "abridged";
    case Framing::kIntermediate:
      return "intermediate";
    case Framing::kPaddedIntermediate:
      return "padded_intermediate";
    case Framing::kFull:
      return "full";
  }
  return "unknown";
}

namespace internal {
namespace {

using State = ParseResult::State;

ParseResult NeedMore() { return {}; }

ParseResult Error(const char* framing, const std::string& what) {
  ParseResult r;
  r.state = State::kError;
  r.error = absl::DataLossError(absl::StrCat("mtproto transport (", framing, "): ", what));
  return r;
}

ParseResult Packet(std::string_view bytes, size_t consumed, bool quick_ack_requested) {
  ParseResult r;
  r.state = State::kFrame;
  r.consumed = consumed;
  r.frame.kind = Frame::Kind::kPacket;
  r.frame.payload.assign(bytes);
  r.frame.quick_ack_requested = quick_ack_requested;
  return r;
}

ParseResult QuickAck(uint32_t token, size_t consumed) {
  ParseResult r;
  r.state = State::kFrame;
  r.consumed = consumed;
  r.frame.kind = Frame::Kind::kQuickAck;
  r.frame.quick_ack_token = token;
  return r;
}

// A server's packet of one word holding a negative int32 is a transport error, not MTProto. With
// padded intermediate the word may be followed by padding; no real MTProto packet is shorter than
// 24 bytes, so anything under that starting with a negative word is an error too.
void ClassifyServerPacket(Framing framing, ParseResult* r) {
  const std::string& p = r->frame.payload;
  const size_t limit = framing == Framing::kPaddedIntermediate ? 23 : 4;
  if (p.size() < 4 || p.size() > limit) return;
  const auto code = static_cast<int32_t>(LoadLe32(p.data()));
  if (code >= 0) return;
  r->frame.kind = Frame::Kind::kError;
  r->frame.error_code = code;
  r->frame.payload.clear();
}

ParseResult ParseAbridged(bool from_server, std::string_view buf, size_t max_packet) {
  if (buf.empty()) return NeedMore();
  uint8_t first = static_cast<uint8_t>(buf[0]);
  const bool top_bit = (first & 0x80) != 0;
  if (from_server && top_bit) {
    // Quick-ack reply: 4 bytes, big-endian, top bit set.
    if (buf.size() < 4) return NeedMore();
    uint32_t token = 0;
    for (int i = 0; i < 4; ++i) token = (token << 8) | static_cast<uint8_t>(buf[i]);
    return QuickAck(token, 4);
  }
  first &= 0x7f;
  size_t header = 1;
  size_t words = first;
  if (first == 0x7f) {
    if (buf.size() < 4) return NeedMore();
    header = 4;
    words = static_cast<uint8_t>(buf[1]) | (static_cast<uint8_t>(buf[2]) << 8) |
            (static_cast<size_t>(static_cast<uint8_t>(buf[3])) << 16);
  }
  if (words == 0) return Error("abridged", "empty packet");
  if (words > max_packet / 4) {
    return Error("abridged", absl::StrCat("packet of ", words * 4, " bytes exceeds the limit"));
  }
  const size_t size = words * 4;
  if (buf.size() < header + size) return NeedMore();
  return Packet(buf.substr(header, size), header + size, !from_server && top_bit);
}

ParseResult ParseIntermediate(Framing framing, bool from_server, std::string_view buf,
                              size_t max_packet) {
  const char* name = FramingName(framing);
  if (buf.size() < 4) return NeedMore();
  uint32_t length = LoadLe32(buf.data());
  const bool top_bit = (length & kQuickAckBit) != 0;
  if (from_server && top_bit) return QuickAck(length, 4);
  length &= ~kQuickAckBit;
  if (length == 0) return Error(name, "empty packet");
  // Padded intermediate may add up to 15 padding bytes to a payload of the maximum size.
  const size_t max_length =
      max_packet + (framing == Framing::kPaddedIntermediate ? kMaxPadding : 0);
  if (length > max_length) {
    return Error(name, absl::StrCat("packet of ", length, " bytes exceeds the limit"));
  }
  if (buf.size() < 4 + size_t{length}) return NeedMore();
  size_t size = length;
  if (framing == Framing::kPaddedIntermediate) {
    size -= size % 4;  // Padding past the last whole word; see Frame::payload.
    if (size == 0) return Error(name, "packet shorter than one word");
  }
  return Packet(buf.substr(4, size), 4 + size_t{length}, !from_server && top_bit);
}

ParseResult ParseFull(std::string_view buf, size_t max_packet, uint32_t expected_seq) {
  if (buf.size() < 8) return NeedMore();
  const uint32_t length = LoadLe32(buf.data());
  const uint32_t seq = LoadLe32(buf.data() + 4);
  if (length < kFullOverhead + 4 || length % 4 != 0) {
    return Error("full", absl::StrCat("bad packet length ", length));
  }
  if (length - kFullOverhead > max_packet) {
    return Error("full", absl::StrCat("packet of ", length, " bytes exceeds the limit"));
  }
  if (seq != expected_seq) {
    return Error("full", absl::StrCat("seq no ", seq, ", expected ", expected_seq));
  }
  if (buf.size() < length) return NeedMore();
  const uint32_t crc = LoadLe32(buf.data() + length - 4);
  if (crc != Crc32(buf.substr(0, length - 4))) return Error("full", "CRC32 mismatch");
  return Packet(buf.substr(8, length - kFullOverhead), length, false);
}

}  // namespace

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

void AppendLe32(uint32_t v, std::string* out) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out->append(b, 4);
}

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; packets are bounded far below 4 GiB, but loop anyway.
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

void AppendPacket(Framing framing, std::string_view payload, bool quick_ack, uint32_t seq,
                  std::string_view padding, std::string* out) {
  const size_t start = out->size();
  switch (framing) {
    case Framing::kAbridged: {
      const size_t words = payload.size() / 4;
      const char qa = quick_ack ? '\x80' : '\0';
      if (words < 0x7f) {
        out->push_back(static_cast<char>(words) | qa);
      } else {
        out->push_back('\x7f' | qa);
        out->push_back(static_cast<char>(words));
        out->push_back(static_cast<char>(words >> 8));
        out->push_back(static_cast<char>(words >> 16));
      }
      out->append(payload);
      return;
    }
    case Framing::kIntermediate:
    case Framing::kPaddedIntermediate: {
      const auto length = static_cast<uint32_t>(payload.size() + padding.size());
      AppendLe32(length | (quick_ack ? kQuickAckBit : 0), out);
      out->append(payload);
      out->append(padding);
      return;
    }
    case Framing::kFull:
      AppendLe32(static_cast<uint32_t>(payload.size() + kFullOverhead), out);
      AppendLe32(seq, out);
      out->append(payload);
      AppendLe32(Crc32(std::string_view(*out).substr(start)), out);
      return;
  }
}

void AppendQuickAck(Framing framing, uint32_t token, std::string* out) {
  token |= kQuickAckBit;
  if (framing == Framing::kAbridged) {
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(token >> shift));
  } else {
    AppendLe32(token, out);
  }
}

ParseResult ParseFrame(Framing framing, bool from_server, std::string_view buf, size_t max_packet,
                       uint32_t expected_seq) {
  ParseResult r;
  switch (framing) {
    case Framing::kAbridged:
      r = ParseAbridged(from_server, buf, max_packet);
      break;
    case Framing::kIntermediate:
    case Framing::kPaddedIntermediate:
      r = ParseIntermediate(framing, from_server, buf, max_packet);
      break;
    case Framing::kFull:
      r = ParseFull(buf, max_packet, expected_seq);
      break;
  }
  if (from_server && r.state == ParseResult::State::kFrame &&
      r.frame.kind == Frame::Kind::kPacket) {
    ClassifyServerPacket(framing, &r);
  }
  return r;
}

}  // namespace internal
}  // namespace mtproto::transport

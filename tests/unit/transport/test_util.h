// Helpers shared by the transport tests and the cross-check vector program.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "mtproto/transport/codec.h"

namespace mtproto::transport::testing {

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// Parses lowercase/uppercase hex without separators; returns false on anything else.
inline bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

// Feeds `bytes` in chunks of `chunk` bytes (0: all at once); stops at the first error.
inline absl::Status FeedChunked(Codec& codec, std::string_view bytes, size_t chunk,
                                std::vector<Frame>* frames) {
  if (chunk == 0) chunk = bytes.size() + 1;
  for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
    absl::Status s = codec.Feed(bytes.substr(pos, chunk), frames);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// A test parameter: one framing, plain or obfuscated.
struct FramingCase {
  Framing framing;
  bool obfuscated;
};

// Without it GoogleTest prints the struct's raw bytes, padding included (an uninitialised read).
inline void PrintTo(const FramingCase& c, std::ostream* out) {
  *out << FramingName(c.framing) << (c.obfuscated ? " obfuscated" : " plain");
}

inline std::string FramingCaseName(const FramingCase& c) {
  return std::string(FramingName(c.framing)) + (c.obfuscated ? "_obfuscated" : "_plain");
}

// Every framing, plain and obfuscated (obfuscated2 has no tag for full).
inline std::vector<FramingCase> AllFramingCases() {
  std::vector<FramingCase> out;
  for (Framing f :
       {Framing::kAbridged, Framing::kIntermediate, Framing::kPaddedIntermediate, Framing::kFull}) {
    out.push_back({f, false});
    if (f != Framing::kFull) out.push_back({f, true});
  }
  return out;
}

}  // namespace mtproto::transport::testing

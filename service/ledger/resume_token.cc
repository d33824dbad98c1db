#include "service/ledger/resume_token.h"

#include <zlib.h>

#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace invitegate::ledger {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kBodySize = 1 + 8 + 8;
constexpr size_t kTokenSize = kBodySize + 4;
// Longer input is rejected before decoding (a token is 28 characters).
constexpr size_t kMaxTokenChars = 64;

void PutBe(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBe(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

uint32_t Crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

}  // namespace

std::string EncodeResumeToken(const ResumePosition& position) {
  std::string raw;
  raw.reserve(kTokenSize);
  raw.push_back(static_cast<char>(kVersion));
  PutBe(position.ledger_id, 8, &raw);
  PutBe(position.sequence, 8, &raw);
  PutBe(Crc(raw), 4, &raw);
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(raw.data(), raw.size()), &token);
  return token;
}

absl::StatusOr<ResumePosition> ParseResumeToken(std::string_view token) {
  if (token.empty()) return absl::InvalidArgumentError("resume token is empty");
  if (token.size() > kMaxTokenChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("resume token is malformed: ", token.size(), " characters"));
  }
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) {
    return absl::InvalidArgumentError("resume token is malformed: not web-safe base64");
  }
  if (raw.size() != kTokenSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("resume token is malformed: ", raw.size(), " bytes"));
  }
  const std::string_view bytes(raw);
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resume token has unknown version ", static_cast<int>(static_cast<uint8_t>(bytes[0]))));
  }
  if (GetBe(bytes, kBodySize, 4) != Crc(bytes.substr(0, kBodySize))) {
    return absl::InvalidArgumentError("resume token is corrupt: checksum mismatch");
  }
  return ResumePosition{GetBe(bytes, 1, 8), GetBe(bytes, 9, 8)};
}

}  // namespace invitegate::ledger

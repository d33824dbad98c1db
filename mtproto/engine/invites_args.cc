// Argument checks of the invite API (invites_internal.h): what is refused before sending.
#include "absl/strings/str_cat.h"
#include "mtproto/engine/invite_link.h"
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine::invites_internal {
namespace {

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool IsBareHash(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status Invalid(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(why)));
}

absl::Status CheckTitle(const std::optional<std::string>& title) {
  if (title && Utf8Length(*title) > kMaxLinkTitleChars) {
    return Invalid("title", absl::StrCat("at most ", kMaxLinkTitleChars, " characters, got ",
                                         Utf8Length(*title)));
  }
  return absl::OkStatus();
}

absl::Status CheckLimit(int32_t limit) {
  if (limit < 1 || limit > kMaxPageLimit) {
    return Invalid("limit", absl::StrCat("must be 1..", kMaxPageLimit, ", got ", limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LinkArgument(const std::string& text) {
  if (std::optional<std::string> hash = ParseInviteLink(text)) {
    if (text.starts_with("https://")) return text;
    return InviteLinkForHash(*hash);
  }
  if (IsBareHash(text)) return InviteLinkForHash(text);
  return Invalid("link", absl::StrCat("not an invite link: \"", text, "\""));
}

absl::StatusOr<std::optional<std::string>> LinkArgument(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  absl::StatusOr<std::string> link = LinkArgument(*text);
  if (!link.ok()) return link.status();
  return *std::move(link);
}

absl::StatusOr<std::string> HashArgument(const std::string& text) {
  if (std::optional<std::string> hash = ParseInviteLink(text)) return *hash;
  if (IsBareHash(text)) return text;
  return Invalid("link", absl::StrCat("not an invite link or hash: \"", text, "\""));
}

absl::StatusOr<std::string> UsernameArgument(std::string text) {
  if (std::optional<std::string> name = ParsePublicLink(text)) return *name;
  if (!text.empty() && text.front() == '@') text.erase(0, 1);
  if (text.empty()) return Invalid("username", "empty");
  return text;
}

}  // namespace mtproto::engine::invites_internal

// See validation.h.
#include "service/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mtproto/engine/invite_link.h"

namespace invitegate::service {
namespace {

constexpr char kTokenPrefix[] = "v1\x1f";
constexpr char kTokenSeparator = '\x1f';

bool IsHashChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; }

bool IsValidHash(std::string_view hash) {
  if (hash.empty() || hash.size() > 64) return false;
  for (char c : hash) {
    if (!IsHashChar(c)) return false;
  }
  return true;
}

// The chat segment: a username, or a Bot API id (negative for chats: users are not chats).
std::optional<std::string> ChatPeer(std::string_view segment) {
  int64_t id = 0;
  if (absl::SimpleAtoi(std::string(segment), &id)) {
    if (id >= 0) return std::nullopt;
    return std::string(segment);
  }
  if (mtproto::engine::LooksLikeUsername(segment)) return absl::StrCat("@", std::string(segment));
  return std::nullopt;
}

std::vector<std::string_view> Segments(std::string_view name) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    out.push_back(name.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

void Expect(std::string_view field, std::string_view form, std::string_view name,
            Violations& violations) {
  violations.Add(std::string(field),
                 name.empty() ? absl::StrCat("required: ", std::string(form))
                              : absl::StrCat("\"", std::string(name), "\" is not of the form ", std::string(form)));
}

constexpr char kChatForm[] = "accounts/{account}/chats/{chat}";

// Parses the first four segments as accounts/{account}/chats/{chat}.
std::optional<ChatName> ChatPrefix(const std::vector<std::string_view>& s) {
  if (s.size() < 4 || s[0] != "accounts" || !IsValidAccountId(s[1]) || s[2] != "chats") {
    return std::nullopt;
  }
  std::optional<std::string> peer = ChatPeer(s[3]);
  if (!peer.has_value()) return std::nullopt;
  return ChatName{std::string(s[1]), std::string(s[3]), *peer};
}

}  // namespace

bool IsValidAccountId(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

std::optional<std::string> ParseAccountName(std::string_view name, std::string_view field,
                                            Violations& violations) {
  const std::vector<std::string_view> s = Segments(name);
  if (s.size() == 2 && s[0] == "accounts" && IsValidAccountId(s[1])) return std::string(s[1]);
  Expect(field, "accounts/{account} ({account}: 1-63 characters of [a-z0-9_-])", name,
         violations);
  return std::nullopt;
}

std::optional<ChatName> ParseChatName(std::string_view name, std::string_view field,
                                      Violations& violations) {
  const std::vector<std::string_view> s = Segments(name);
  if (s.size() == 4) {
    if (std::optional<ChatName> chat = ChatPrefix(s)) return chat;
  }
  Expect(field, std::string(kChatForm) + " ({chat}: a username or a negative Bot API id)", name,
         violations);
  return std::nullopt;
}

std::optional<InviteLinkName> ParseInviteLinkName(std::string_view name, std::string_view field,
                                                  Violations& violations) {
  const std::vector<std::string_view> s = Segments(name);
  if (s.size() == 6 && s[4] == "inviteLinks" && IsValidHash(s[5])) {
    if (std::optional<ChatName> chat = ChatPrefix(s)) {
      return InviteLinkName{std::move(*chat), std::string(s[5])};
    }
  }
  Expect(field, std::string(kChatForm) + "/inviteLinks/{link}", name, violations);
  return std::nullopt;
}

std::optional<JoinRequestName> ParseJoinRequestName(std::string_view name,
                                                    std::string_view field,
                                                    Violations& violations) {
  const std::vector<std::string_view> s = Segments(name);
  int64_t user = 0;
  if (s.size() == 6 && s[4] == "joinRequests" && absl::SimpleAtoi(std::string(s[5]), &user) && user > 0) {
    if (std::optional<ChatName> chat = ChatPrefix(s)) {
      return JoinRequestName{std::move(*chat), user};
    }
  }
  Expect(field, std::string(kChatForm) + "/joinRequests/{user id}", name, violations);
  return std::nullopt;
}

std::optional<ChatName> ParseChatSettingsName(std::string_view name, std::string_view field,
                                              Violations& violations) {
  const std::vector<std::string_view> s = Segments(name);
  if (s.size() == 5 && s[4] == "settings") {
    if (std::optional<ChatName> chat = ChatPrefix(s)) return chat;
  }
  Expect(field, std::string(kChatForm) + "/settings", name, violations);
  return std::nullopt;
}

std::optional<std::string> ParseInviteRef(std::string_view text, std::string_view field,
                                          Violations& violations) {
  if (text.starts_with("accounts/")) {
    Violations local;
    std::optional<InviteLinkName> link = ParseInviteLinkName(text, field, local);
    if (link.has_value()) return link->hash;
  } else if (std::optional<std::string> hash = mtproto::engine::ParseInviteLink(text)) {
    return hash;
  } else if (IsValidHash(text)) {
    return std::string(text);
  }
  violations.Add(std::string(field),
                 text.empty() ? "required: an invite link (https://t.me/+HASH), its hash, or "
                                "its resource name"
                              : absl::StrCat("\"", std::string(text), "\" is not an invite link, hash or "
                                                         "inviteLinks resource name"));
  return std::nullopt;
}

int32_t ParsePageSize(int32_t page_size, int32_t default_size, int32_t max_size,
                      std::string_view field, Violations& violations) {
  if (page_size < 0) {
    violations.Add(std::string(field), "must not be negative");
    return default_size;
  }
  if (page_size == 0) return default_size;
  return std::min(page_size, max_size);
}

std::string AccountResourceName(std::string_view account) {
  return "accounts/" + std::string(account);
}
std::string ChatResourceName(std::string_view account, std::string_view chat) {
  return AccountResourceName(account) + "/chats/" + std::string(chat);
}
std::string InviteLinkResourceName(std::string_view account, std::string_view chat,
                                   std::string_view hash) {
  return ChatResourceName(account, chat) + "/inviteLinks/" + std::string(hash);
}
std::string JoinRequestResourceName(std::string_view account, std::string_view chat,
                                    int64_t user_id) {
  return ChatResourceName(account, chat) + "/joinRequests/" + std::to_string(user_id);
}

std::string EncodePageToken(const std::vector<std::string>& fields) {
  std::string raw = absl::StrCat(kTokenPrefix, absl::StrJoin(fields, std::string(1, kTokenSeparator)));
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return out;
}

std::optional<std::vector<std::string>> DecodePageToken(std::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(std::string(token), &raw)) return std::nullopt;
  const std::string prefix = kTokenPrefix;
  if (raw.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  raw.erase(0, prefix.size());
  std::vector<std::string> fields = absl::StrSplit(raw, kTokenSeparator);
  return fields;
}

}  // namespace invitegate::service

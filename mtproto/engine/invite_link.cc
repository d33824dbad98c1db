#include "mtproto/engine/invite_link.h"

#include <array>

namespace mtproto::engine {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool ConsumePrefixIgnoreCase(std::string_view& s, std::string_view prefix) {
  if (s.size() < prefix.size() || !EqualsIgnoreCase(s.substr(0, prefix.size()), prefix)) {
    return false;
  }
  s.remove_prefix(prefix.size());
  return true;
}

bool IsHashChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool IsHash(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsHashChar(c)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Cuts "?query" and "#fragment" off a path.
std::string_view StripQuery(std::string_view s) {
  const size_t end = s.find_first_of("?#");
  return end == std::string_view::npos ? s : s.substr(0, end);
}

// The path after a Telegram link host ("t.me/", "telegram.me/", "telegram.dog/", with an
// optional scheme and "www."), or nullopt when `text` is not such a link.
std::optional<std::string_view> TelegramPath(std::string_view text) {
  std::string_view s = text;
  if (!ConsumePrefixIgnoreCase(s, "https://")) (void)ConsumePrefixIgnoreCase(s, "http://");
  (void)ConsumePrefixIgnoreCase(s, "www.");
  for (std::string_view host : {"t.me", "telegram.me", "telegram.dog"}) {
    std::string_view rest = s;
    if (ConsumePrefixIgnoreCase(rest, host) && !rest.empty() && rest.front() == '/') {
      rest.remove_prefix(1);
      return rest;
    }
  }
  return std::nullopt;
}

// The value of `key` in a query string "a=1&b=2", if present.
std::optional<std::string_view> QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The query of a tg://<action>?... deep link, or nullopt.
std::optional<std::string_view> TgQuery(std::string_view text, std::string_view action) {
  std::string_view s = text;
  if (!ConsumePrefixIgnoreCase(s, "tg://") || !ConsumePrefixIgnoreCase(s, action)) {
    return std::nullopt;
  }
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  if (s.empty() || s.front() != '?') return std::nullopt;
  s.remove_prefix(1);
  return s.substr(0, s.find('#'));
}

// Paths of t.me that are not usernames (Telegram's deep-link actions).
constexpr std::array<std::string_view, 17> kReservedPaths = {
    "joinchat", "addstickers", "addemoji", "addlist",  "share",   "proxy",
    "socks",    "login",       "setlanguage", "addtheme", "confirmphone", "invoice",
    "boost",    "contact",     "giftcode",   "bg",       "iv"};

}  // namespace

bool LooksLikeUsername(std::string_view username) {
  if (username.size() < 4 || username.size() > 32) return false;
  const char first = Lower(username.front());
  if (first < 'a' || first > 'z') return false;
  for (char c : username) {
    if (!IsHashChar(c) || c == '-') return false;
  }
  return true;
}

std::optional<std::string> ParseInviteLink(std::string_view text) {
  text = Trim(text);
  if (std::optional<std::string_view> query = TgQuery(text, "join")) {
    std::optional<std::string_view> hash = QueryValue(*query, "invite");
    if (hash && IsHash(*hash)) return std::string(*hash);
    return std::nullopt;
  }
  std::string_view path;
  if (std::optional<std::string_view> p = TelegramPath(text)) {
    path = StripQuery(*p);
  } else if (!text.empty() && text.front() == '+') {
    path = text;  // the bare "+HASH" form
  } else {
    return std::nullopt;
  }
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (!path.empty() && path.front() == '+') {
    path.remove_prefix(1);
  } else if (!ConsumePrefixIgnoreCase(path, "joinchat/")) {
    return std::nullopt;
  }
  if (!IsHash(path)) return std::nullopt;
  return std::string(path);
}

std::optional<std::string> ParsePublicLink(std::string_view text) {
  text = Trim(text);
  if (std::optional<std::string_view> query = TgQuery(text, "resolve")) {
    std::optional<std::string_view> domain = QueryValue(*query, "domain");
    if (domain && LooksLikeUsername(*domain)) return std::string(*domain);
    return std::nullopt;
  }
  std::optional<std::string_view> p = TelegramPath(text);
  if (!p) return std::nullopt;
  std::string_view path = StripQuery(*p);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // "s/<username>" is the web preview of a public channel.
  if (path.size() > 2 && Lower(path[0]) == 's' && path[1] == '/') path.remove_prefix(2);
  std::string_view name = path.substr(0, path.find('/'));
  if (name.size() < path.size()) {
    // Only "<username>/<post id>" may follow.
    std::string_view post = path.substr(name.size() + 1);
    if (post.empty()) return std::nullopt;
    for (char c : post) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  for (std::string_view reserved : kReservedPaths) {
    if (EqualsIgnoreCase(name, reserved)) return std::nullopt;
  }
  if (!LooksLikeUsername(name)) return std::nullopt;
  return std::string(name);
}

std::string InviteLinkForHash(std::string_view hash) {
  return "https://t.me/+" + std::string(hash);
}

}  // namespace mtproto::engine

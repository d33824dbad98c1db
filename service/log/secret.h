// Secret: a value that must never reach a log line, an error message or a printed config (bearer
// token secrets, bot tokens, phone numbers, 2FA passwords, api_hash). The only way to the bytes is
// Reveal(), so every use is greppable; every printing path (operator<<, AbslStringify, the
// logger's fields) shows "<redacted>" instead.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace invitegate::logging {

// A secret string plus a description of where it came from ("file /run/secrets/x", "env
// INVITEGATE_BOT_TOKEN", "inline"): the source is safe to print, the value never is.
class Secret {
 public:
  Secret() = default;
  Secret(std::string value, std::string source)
      : value_(std::move(value)), source_(std::move(source)) {}

  // The secret bytes. Call only where the secret is used (a credential check, a sign-in).
  [[nodiscard]] const std::string& Reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  // Where the value came from; never the value.
  [[nodiscard]] const std::string& source() const { return source_; }
  // What printing shows: "<redacted>" or "<redacted: from file /x>"; "<unset>" when empty.
  [[nodiscard]] std::string Redacted() const {
    if (value_.empty()) return "<unset>";
    return source_.empty() ? "<redacted>" : "<redacted: " + source_ + ">";
  }

  friend bool operator==(const Secret&, const Secret&) = delete;  // use a constant-time compare

  friend std::ostream& operator<<(std::ostream& os, const Secret& s) { return os << s.Redacted(); }
  template <typename Sink>
  friend void AbslStringify(Sink& sink, const Secret& s) {
    sink.Append(s.Redacted());
  }

 private:
  std::string value_;
  std::string source_;
};

}  // namespace invitegate::logging

// Config loading: JSON (with comments) → env/flag overrides applied to the JSON tree → typed,
// validated Config. Keeping overrides at the JSON level means one parser and one set of
// validation messages whichever source a value came from.
#include "service/config/config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace invitegate::config {
namespace {

using nlohmann::json;

constexpr size_t kMinTokenSecretLength = 16;

// Where an overridden key got its value, for error messages.
using Origins = std::map<std::string, std::string>;

std::string Quote(std::string_view s) { return absl::StrCat("\"", std::string(s), "\""); }

// Debian's absl::string_view is its own type, not std::string_view.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string ReadTextFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *ok = false;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *ok = true;
  return ss.str();
}

bool IsLocalListen(std::string_view address) {
  if (address.starts_with("unix:") || address.starts_with("unix-abstract:")) return true;
  std::string_view host = address;
  if (auto colon = address.rfind(':'); colon != std::string_view::npos)
    host = address.substr(0, colon);
  if (host.starts_with("ipv4:")) host.remove_prefix(5);
  if (host.starts_with("ipv6:")) host.remove_prefix(5);
  return host == "localhost" || host == "[::1]" || host == "::1" || host.starts_with("127.");
}

// "host:port" with a numeric port 0-65535 (host may be [v6]), or unix:/path.
bool ValidListen(std::string_view address) {
  if (address.starts_with("unix:")) return address.size() > 5;
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  int port = 0;
  if (!absl::SimpleAtoi(A(address.substr(colon + 1)), &port) || port < 0 || port > 65535)
    return false;
  const std::string_view host = address.substr(0, colon);
  if (host.front() == '[') return host.back() == ']' && host.size() > 2;
  return host.find(':') == std::string_view::npos;  // a bare IPv6 address needs brackets
}

bool ValidAccountName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-')) return false;
  }
  return true;
}

// Durations: a number of seconds, or text like "15s", "1h30m", "500ms", "7d".
std::optional<absl::Duration> ParseDurationText(std::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(A(text)));
  if (t.empty()) return std::nullopt;
  int64_t days = 0;
  if (absl::EndsWith(t, "d") &&
      absl::SimpleAtoi(absl::string_view(t).substr(0, t.size() - 1), &days)) {
    if (days < 0) return std::nullopt;
    return absl::Hours(24 * days);
  }
  double seconds = 0;
  if (absl::SimpleAtod(t, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Duration d;
  if (!absl::ParseDuration(t, &d) || d < absl::ZeroDuration()) return std::nullopt;
  return d;
}

std::string DurationText(absl::Duration d) { return absl::FormatDuration(d); }

// Walks the JSON tree collecting the first error, each message prefixed with the field path.
class Parser {
 public:
  Parser(const Origins& origins, const EnvLookup& env, std::vector<std::string>* warnings)
      : origins_(origins), env_(env), warnings_(warnings) {}

  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

  void Fail(const std::string& path, std::string_view problem) {
    if (!error_.empty()) return;
    error_ = absl::StrCat(path.empty() ? "config" : path, ": ", A(problem));
    if (auto it = origins_.find(path); it != origins_.end())
      absl::StrAppend(&error_, " (set by ", it->second, ")");
  }

  // Fails on keys of `obj` outside `allowed` (catches typos instead of ignoring them).
  bool CheckKeys(const json& obj, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    if (!obj.is_object()) {
      Fail(path, "must be an object");
      return false;
    }
    for (const auto& [key, value] : obj.items()) {
      bool known = false;
      for (std::string_view a : allowed) known = known || a == key;
      if (!known) {
        std::string expected;
        for (std::string_view a : allowed)
          absl::StrAppend(&expected, expected.empty() ? "" : ", ", A(a));
        Fail(Join(path, key), absl::StrCat("unknown option (expected one of: ", expected, ")"));
        return false;
      }
    }
    return true;
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", std::string(key));
  }
  static std::string Index(const std::string& path, size_t i) {
    return absl::StrCat(path, "[", i, "]");
  }

  void String(const json& obj, std::string_view key, const std::string& path, std::string* out) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    if (!v.is_string()) return Fail(Join(path, key), "must be a string");
    *out = v.get<std::string>();
  }
  void Bool(const json& obj, std::string_view key, const std::string& path, bool* out) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    if (!v.is_boolean()) return Fail(Join(path, key), "must be true or false");
    *out = v.get<bool>();
  }
  template <typename Int>
  void Integer(const json& obj, std::string_view key, const std::string& path, Int* out,
               int64_t min, int64_t max) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    if (!v.is_number_integer()) return Fail(Join(path, key), "must be an integer");
    const int64_t n = v.get<int64_t>();
    if (n < min || n > max)
      return Fail(Join(path, key), absl::StrCat("must be between ", min, " and ", max));
    *out = static_cast<Int>(n);
  }
  void Duration(const json& obj, std::string_view key, const std::string& path,
                absl::Duration* out) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    std::optional<absl::Duration> d;
    if (v.is_number()) {
      if (v.get<double>() >= 0) d = absl::Seconds(v.get<double>());
    } else if (v.is_string()) {
      d = ParseDurationText(v.get<std::string>());
    }
    if (!d)
      return Fail(Join(path, key),
                  "must be a non-negative duration: seconds or text like \"15s\", \"10m\", "
                  "\"168h\", \"7d\"");
    *out = *d;
  }
  void StringList(const json& obj, std::string_view key, const std::string& path,
                  std::vector<std::string>* out) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    const std::string p = Join(path, key);
    if (v.is_string()) {  // one value is accepted for convenience
      *out = {v.get<std::string>()};
      return;
    }
    if (!v.is_array()) return Fail(p, "must be a list of strings");
    out->clear();
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) return Fail(Index(p, i), "must be a string");
      out->push_back(v[i].get<std::string>());
    }
  }

  // A secret: {"file": path} | {"env": NAME} | {"value": text} | a plain string (inline).
  void SecretField(const json& obj, std::string_view key, const std::string& path, Secret* out,
                   bool warn_inline) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(std::string(key));
    const std::string p = Join(path, key);
    if (v.is_string()) {
      if (warn_inline) {
        warnings_->push_back(absl::StrCat(
            p, ": secret written inline in the config; prefer {\"file\": ...} or {\"env\": ...}"));
      }
      *out = Secret(v.get<std::string>(), "inline");
      return;
    }
    if (!v.is_object() || v.size() != 1) {
      return Fail(
          p, "must be {\"file\": \"<path>\"}, {\"env\": \"<VARIABLE>\"} or {\"value\": \"...\"}");
    }
    if (!CheckKeys(v, p, {"file", "env", "value"})) return;
    const auto& [kind, source] = *v.items().begin();
    if (!source.is_string() || source.get<std::string>().empty())
      return Fail(Join(p, kind), "must be a non-empty string");
    const std::string s = source.get<std::string>();
    if (kind == "value") {
      if (warn_inline) {
        warnings_->push_back(absl::StrCat(
            p, ": secret written inline in the config; prefer {\"file\": ...} or {\"env\": ...}"));
      }
      *out = Secret(s, "inline");
    } else if (kind == "env") {
      std::optional<std::string> value = env_(s);
      if (!value || value->empty())
        return Fail(p, absl::StrCat("environment variable ", s, " is not set or empty"));
      *out =
          Secret(std::string(absl::StripTrailingAsciiWhitespace(*value)), absl::StrCat("env ", s));
    } else {
      bool ok = false;
      std::string text = ReadTextFile(s, &ok);
      if (!ok) return Fail(p, absl::StrCat("cannot read secret file ", Quote(s)));
      text = std::string(absl::StripTrailingAsciiWhitespace(text));  // files usually end in '\n'
      if (text.empty()) return Fail(p, absl::StrCat("secret file ", Quote(s), " is empty"));
      struct stat st {};
      if (::stat(s.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        warnings_->push_back(absl::StrCat(p, ": secret file ", Quote(s),
                                          " is readable by group or others (chmod 600)"));
      }
      *out = Secret(std::move(text), absl::StrCat("file ", s));
    }
  }

 private:
  const Origins& origins_;
  const EnvLookup& env_;
  std::vector<std::string>* warnings_;
  std::string error_;
};

void ParseTls(Parser& p, const json& j, TlsConfig& tls) {
  const std::string path = "tls";
  if (!p.CheckKeys(j, path, {"cert_file", "key_file", "client_ca_file", "require_client_cert"}))
    return;
  p.String(j, "cert_file", path, &tls.cert_file);
  p.String(j, "key_file", path, &tls.key_file);
  p.String(j, "client_ca_file", path, &tls.client_ca_file);
  p.Bool(j, "require_client_cert", path, &tls.require_client_cert);
}

void ParseTokens(Parser& p, const json& j, std::vector<TokenConfig>& tokens) {
  if (!j.is_array()) return p.Fail("tokens", "must be a list");
  for (size_t i = 0; i < j.size() && p.ok(); ++i) {
    const std::string path = Parser::Index("tokens", i);
    const json& t = j[i];
    if (!p.CheckKeys(t, path,
                     {"name", "secret", "accounts", "chats", "actions", "client_identities"}))
      return;
    TokenConfig token;
    token.chats = {"*"};
    p.String(t, "name", path, &token.name);
    p.SecretField(t, "secret", path, &token.secret, /*warn_inline=*/true);
    p.StringList(t, "accounts", path, &token.accounts);
    p.StringList(t, "chats", path, &token.chats);
    p.StringList(t, "client_identities", path, &token.client_identities);
    std::vector<std::string> actions;
    p.StringList(t, "actions", path, &actions);
    if (!p.ok()) return;
    if (token.name.empty()) return p.Fail(Parser::Join(path, "name"), "is required");
    if (!t.contains("secret"))
      return p.Fail(Parser::Join(path, "secret"),
                    "is required ({\"file\": ...} or {\"env\": ...})");
    if (token.secret.Reveal().size() < kMinTokenSecretLength) {
      return p.Fail(Parser::Join(path, "secret"),
                    absl::StrCat("is too short (at least ", kMinTokenSecretLength, " characters)"));
    }
    if (!t.contains("accounts") || token.accounts.empty()) {
      return p.Fail(Parser::Join(path, "accounts"), "is required: account names or [\"*\"]");
    }
    if (token.chats.empty())
      return p.Fail(Parser::Join(path, "chats"), "must not be empty (use [\"*\"] for every chat)");
    if (actions.empty()) {
      return p.Fail(Parser::Join(path, "actions"),
                    "is required: some of read, manage_links, moderate, admin");
    }
    for (size_t a = 0; a < actions.size(); ++a) {
      absl::StatusOr<Action> action = ParseAction(actions[a]);
      if (!action.ok())
        return p.Fail(Parser::Index(Parser::Join(path, "actions"), a),
                      std::string(action.status().message()));
      token.actions.push_back(*action);
    }
    tokens.push_back(std::move(token));
  }
}

void ParseAccounts(Parser& p, const json& j, std::vector<AccountConfig>& accounts) {
  if (!j.is_array()) return p.Fail("accounts", "must be a list");
  for (size_t i = 0; i < j.size() && p.ok(); ++i) {
    const std::string path = Parser::Index("accounts", i);
    const json& a = j[i];
    if (!p.CheckKeys(a, path,
                     {"name", "kind", "bot_token", "phone", "password", "api_id", "api_hash",
                      "session_path"}))
      return;
    AccountConfig account;
    std::string kind;
    p.String(a, "name", path, &account.name);
    p.String(a, "kind", path, &kind);
    p.SecretField(a, "bot_token", path, &account.bot_token, /*warn_inline=*/true);
    p.SecretField(a, "phone", path, &account.phone, /*warn_inline=*/false);
    p.SecretField(a, "password", path, &account.password, /*warn_inline=*/true);
    p.Integer(a, "api_id", path, &account.api_id, 0, INT32_MAX);
    p.SecretField(a, "api_hash", path, &account.api_hash, /*warn_inline=*/true);
    p.String(a, "session_path", path, &account.session_path);
    if (!p.ok()) return;
    if (!ValidAccountName(account.name)) {
      return p.Fail(Parser::Join(path, "name"), "is required: 1-64 of a-z, 0-9, '_', '-'");
    }
    if (kind == "bot") {
      account.kind = AccountKind::kBot;
      if (account.bot_token.empty())
        return p.Fail(Parser::Join(path, "bot_token"), "is required for a bot account");
      if (!account.phone.empty())
        return p.Fail(Parser::Join(path, "phone"), "is for user accounts, not bots");
    } else if (kind == "user") {
      account.kind = AccountKind::kUser;
      if (account.phone.empty())
        return p.Fail(Parser::Join(path, "phone"), "is required for a user account");
      if (!account.bot_token.empty())
        return p.Fail(Parser::Join(path, "bot_token"), "is for bot accounts, not users");
      std::string_view phone = account.phone.Reveal();
      if (phone.starts_with("+")) phone.remove_prefix(1);
      bool digits = phone.size() >= 5 && phone.size() <= 15;
      for (char c : phone) digits = digits && absl::ascii_isdigit(c);
      // The message names the field, never the number.
      if (!digits)
        return p.Fail(Parser::Join(path, "phone"),
                      "must be 5-15 digits (international format, optional '+')");
    } else {
      return p.Fail(Parser::Join(path, "kind"), "is required: \"bot\" or \"user\"");
    }
    accounts.push_back(std::move(account));
  }
}

void ParseTelegram(Parser& p, const json& j, TelegramConfig& tg) {
  const std::string path = "telegram";
  if (!p.CheckKeys(j, path,
                   {"target", "api_id", "api_hash", "ready_file", "dcs", "public_key_file",
                    "default_dc", "test_mode", "emulator"}))
    return;
  std::string target;
  p.String(j, "target", path, &target);
  p.Integer(j, "api_id", path, &tg.api_id, 0, INT32_MAX);
  p.SecretField(j, "api_hash", path, &tg.api_hash, /*warn_inline=*/true);
  p.String(j, "ready_file", path, &tg.ready_file);
  p.String(j, "public_key_file", path, &tg.public_key_file);
  p.Integer(j, "default_dc", path, &tg.default_dc, 1, 1000);
  p.Bool(j, "test_mode", path, &tg.test_mode);
  if (j.contains("dcs")) {
    const json& dcs = j.at("dcs");
    if (!dcs.is_array()) return p.Fail("telegram.dcs", "must be a list of {id, host, port}");
    for (size_t i = 0; i < dcs.size() && p.ok(); ++i) {
      const std::string dp = Parser::Index("telegram.dcs", i);
      if (!p.CheckKeys(dcs[i], dp, {"id", "host", "port"})) return;
      TelegramConfig::Dc dc;
      p.Integer(dcs[i], "id", dp, &dc.id, 1, 1000);
      p.String(dcs[i], "host", dp, &dc.host);
      p.Integer(dcs[i], "port", dp, &dc.port, 1, 65535);
      if (p.ok() && (dc.id == 0 || dc.host.empty() || dc.port == 0))
        return p.Fail(dp, "needs id, host and port");
      tg.dcs.push_back(dc);
    }
  }
  if (j.contains("emulator")) {
    const json& e = j.at("emulator");
    if (!p.CheckKeys(e, "telegram.emulator", {"state_dir", "world_file"})) return;
    p.String(e, "state_dir", "telegram.emulator", &tg.emulator_state_dir);
    p.String(e, "world_file", "telegram.emulator", &tg.emulator_world_file);
  }
  if (!p.ok() || target.empty()) return;
  if (target == "emulator") {
    tg.target = TelegramTarget::kEmulator;
  } else if (target == "production") {
    tg.target = TelegramTarget::kProduction;
  } else if (target == "test") {
    tg.target = TelegramTarget::kTest;
  } else if (target == "custom") {
    tg.target = TelegramTarget::kCustom;
  } else {
    p.Fail("telegram.target", absl::StrCat("unknown target ", Quote(target),
                                           " (expected emulator, production, test or custom)"));
  }
}

// Cross-field checks and defaults that depend on other fields.
void Validate(Parser& p, Config& c) {
  if (c.listen.empty()) return p.Fail("listen", "needs at least one address");
  bool remote = false;
  for (size_t i = 0; i < c.listen.size(); ++i) {
    if (!ValidListen(c.listen[i])) {
      return p.Fail(
          Parser::Index("listen", i),
          absl::StrCat(Quote(c.listen[i]), " is not host:port, [ipv6]:port or unix:/path"));
    }
    remote = remote || !IsLocalListen(c.listen[i]);
  }
  if (remote && !c.allow_insecure_remote && (!c.tls.enabled() || c.tokens.empty())) {
    return p.Fail("listen",
                  "listens beyond loopback: configure tls and at least one token, or set "
                  "allow_insecure_remote");
  }
  if (c.tls.enabled() != !c.tls.key_file.empty()) {
    return p.Fail(c.tls.enabled() ? "tls.key_file" : "tls.cert_file",
                  "is required with the other (cert_file and key_file go together)");
  }
  if (c.tls.mtls() && !c.tls.enabled())
    return p.Fail("tls.client_ca_file", "needs tls.cert_file and tls.key_file");
  for (auto [name, file] : {std::pair{"tls.cert_file", &c.tls.cert_file},
                            {"tls.key_file", &c.tls.key_file},
                            {"tls.client_ca_file", &c.tls.client_ca_file}}) {
    bool ok = false;
    if (!file->empty() && (ReadTextFile(*file, &ok), !ok))
      return p.Fail(name, absl::StrCat("cannot read ", Quote(*file)));
  }

  std::set<std::string> names;
  std::set<std::string> secrets;
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    if (!names.insert(c.tokens[i].name).second)
      return p.Fail(Parser::Index("tokens", i) + ".name",
                    absl::StrCat("duplicate token name ", Quote(c.tokens[i].name)));
    if (!secrets.insert(c.tokens[i].secret.Reveal()).second)
      return p.Fail(Parser::Index("tokens", i) + ".secret",
                    "is the same secret as another token's");
    if (!c.tokens[i].client_identities.empty() && !c.tls.mtls()) {
      return p.Fail(Parser::Index("tokens", i) + ".client_identities",
                    "needs mTLS (tls.client_ca_file)");
    }
  }
  names.clear();
  for (size_t i = 0; i < c.accounts.size(); ++i) {
    AccountConfig& a = c.accounts[i];
    if (!names.insert(a.name).second)
      return p.Fail(Parser::Index("accounts", i) + ".name",
                    absl::StrCat("duplicate account name ", Quote(a.name)));
    if (a.session_path.empty())
      a.session_path = absl::StrCat(c.state_dir, "/sessions/", a.name, ".sqlite");
    const bool real = c.telegram.target == TelegramTarget::kProduction ||
                      c.telegram.target == TelegramTarget::kTest;
    if (real && a.api_id == 0 && c.telegram.api_id == 0) {
      return p.Fail(
          Parser::Index("accounts", i) + ".api_id",
          "is required for real Telegram (here or telegram.api_id; from my.telegram.org)");
    }
    if (real && a.api_hash.empty() && c.telegram.api_hash.empty()) {
      return p.Fail(Parser::Index("accounts", i) + ".api_hash",
                    "is required for real Telegram (here or telegram.api_hash)");
    }
  }
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    for (const std::string& account : c.tokens[i].accounts) {
      if (account != "*" && !c.accounts.empty() && c.FindAccount(account) == nullptr) {
        c.warnings.push_back(
            absl::StrCat("tokens[", i, "].accounts: no configured account named ", Quote(account)));
      }
    }
  }
  const TelegramConfig& tg = c.telegram;
  if (tg.target == TelegramTarget::kCustom) {
    if (tg.ready_file.empty() == tg.dcs.empty()) {
      return p.Fail("telegram",
                    "target \"custom\" needs either ready_file (an emulator's ready file) or dcs "
                    "plus public_key_file");
    }
    if (!tg.dcs.empty() && tg.public_key_file.empty())
      return p.Fail("telegram.public_key_file", "is required with telegram.dcs");
  }
  if (tg.target != TelegramTarget::kEmulator && c.accounts.empty()) {
    return p.Fail(
        "accounts",
        absl::StrCat(
            "target ", Quote(TelegramTargetName(tg.target)),
            " needs at least one account (only the embedded emulator has sample accounts)"));
  }
  if (c.telegram.emulator_state_dir.empty())
    c.telegram.emulator_state_dir = c.state_dir + "/emulator";
  if (c.ledger.path.empty()) c.ledger.path = c.state_dir + "/ledger.sqlite";
  if (!c.metrics_listen.empty() && !ValidListen(c.metrics_listen)) {
    return p.Fail("metrics.listen", absl::StrCat(Quote(c.metrics_listen), " is not host:port"));
  }
  if (c.stream_heartbeat_interval < absl::Seconds(1))
    return p.Fail("stream.heartbeat_interval",
                  "must be at least 1s (the finest a stream may ask for)");
  if (c.tokens.empty()) {
    c.warnings.push_back(
        "no tokens configured: every caller is allowed every action (loopback only)");
  }
}

absl::StatusOr<Config> Build(const json& root, const Origins& origins, const EnvLookup& env) {
  Config c;
  Parser p(origins, env, &c.warnings);
  if (!p.CheckKeys(
          root, "",
          {"listen", "allow_insecure_remote", "state_dir", "tls", "tokens", "accounts", "telegram",
           "ledger", "metrics", "health", "log", "flood_wait", "stream", "shutdown"})) {
    return absl::InvalidArgumentError(p.error());
  }
  p.StringList(root, "listen", "", &c.listen);
  p.Bool(root, "allow_insecure_remote", "", &c.allow_insecure_remote);
  p.String(root, "state_dir", "", &c.state_dir);
  if (p.ok() && c.state_dir.empty()) p.Fail("state_dir", "must not be empty");
  if (p.ok() && root.contains("tls")) ParseTls(p, root.at("tls"), c.tls);
  if (p.ok() && root.contains("tokens")) ParseTokens(p, root.at("tokens"), c.tokens);
  if (p.ok() && root.contains("accounts")) ParseAccounts(p, root.at("accounts"), c.accounts);
  if (p.ok() && root.contains("telegram")) ParseTelegram(p, root.at("telegram"), c.telegram);
  if (p.ok() && root.contains("ledger")) {
    const json& l = root.at("ledger");
    if (p.CheckKeys(l, "ledger", {"path", "retention"})) {
      p.String(l, "path", "ledger", &c.ledger.path);
      if (l.contains("retention") &&
          p.CheckKeys(l.at("retention"), "ledger.retention", {"max_age", "max_events"})) {
        p.Duration(l.at("retention"), "max_age", "ledger.retention", &c.ledger.retention_max_age);
        p.Integer(l.at("retention"), "max_events", "ledger.retention",
                  &c.ledger.retention_max_events, 0, INT64_MAX);
      }
    }
  }
  auto section = [&](std::string_view name, std::initializer_list<std::string_view> keys,
                     auto&& body) {
    if (!p.ok() || !root.contains(name)) return;
    const json& s = root.at(std::string(name));
    if (p.CheckKeys(s, std::string(name), keys)) body(s, std::string(name));
  };
  section("metrics", {"listen"}, [&](const json& s, const std::string& path) {
    p.String(s, "listen", path, &c.metrics_listen);
  });
  section("health", {"require_all_accounts"}, [&](const json& s, const std::string& path) {
    p.Bool(s, "require_all_accounts", path, &c.health_require_all_accounts);
  });
  section("log", {"level", "format"}, [&](const json& s, const std::string& path) {
    std::string level, format;
    p.String(s, "level", path, &level);
    p.String(s, "format", path, &format);
    if (p.ok() && !level.empty()) {
      auto l = logging::ParseLevel(level);
      l.ok() ? void(c.log_level = *l) : p.Fail("log.level", std::string(l.status().message()));
    }
    if (p.ok() && !format.empty()) {
      auto f = logging::ParseFormat(format);
      f.ok() ? void(c.log_format = *f) : p.Fail("log.format", std::string(f.status().message()));
    }
  });
  section("flood_wait", {"threshold"}, [&](const json& s, const std::string& path) {
    p.Duration(s, "threshold", path, &c.flood_wait_threshold);
  });
  section("stream", {"heartbeat_interval", "subscriber_queue_size"},
          [&](const json& s, const std::string& path) {
            p.Duration(s, "heartbeat_interval", path, &c.stream_heartbeat_interval);
            p.Integer(s, "subscriber_queue_size", path, &c.stream_subscriber_queue_size, 1,
                      1'000'000);
          });
  section("shutdown", {"grace_period"}, [&](const json& s, const std::string& path) {
    p.Duration(s, "grace_period", path, &c.shutdown_grace_period);
  });
  if (p.ok()) Validate(p, c);
  if (!p.ok()) return absl::InvalidArgumentError(p.error());
  return c;
}

// --- overrides ---

const std::vector<OverridableOption>& Options() {
  static const auto* options = [] {
    auto* v = new std::vector<OverridableOption>;
    auto add = [&](std::string key, std::string type, std::string help) {
      std::string env = "INVITEGATE_" + absl::AsciiStrToUpper(key);
      for (char& ch : env) {
        if (ch == '.') ch = '_';
      }
      v->push_back({std::move(key), std::move(env), std::move(type), std::move(help)});
    };
    add("listen", "list", "gRPC listen addresses, comma-separated");
    add("allow_insecure_remote", "bool", "allow non-loopback listening without TLS and tokens");
    add("state_dir", "string", "directory for sessions, the ledger and the emulator's state");
    add("tls.cert_file", "string", "PEM server certificate chain");
    add("tls.key_file", "string", "PEM server private key");
    add("tls.client_ca_file", "string", "PEM CA bundle for client certificates (enables mTLS)");
    add("tls.require_client_cert", "bool", "with mTLS: reject clients without a certificate");
    add("telegram.target", "string", "emulator | production | test | custom");
    add("telegram.api_id", "int", "default api_id from my.telegram.org");
    add("telegram.api_hash", "secret", "default api_hash (environment only)");
    add("telegram.ready_file", "string", "custom target: an external emulator's ready file");
    add("telegram.public_key_file", "string", "custom target: the server's RSA public key (PEM)");
    add("telegram.default_dc", "int", "DC a fresh account starts on");
    add("telegram.test_mode", "bool", "custom target: the DCs are test DCs");
    add("telegram.emulator.state_dir", "string", "embedded emulator's state directory");
    add("telegram.emulator.world_file", "string",
        "embedded emulator's world file (default: sample world)");
    add("ledger.path", "string", "SQLite file of the join-request ledger");
    add("ledger.retention.max_age", "duration", "drop ledger events older than this (0: keep)");
    add("ledger.retention.max_events", "int", "keep at most this many ledger events (0: no limit)");
    add("metrics.listen", "string", "Prometheus /metrics HTTP address (empty: off)");
    add("health.require_all_accounts", "bool", "SERVING only when every account is signed in");
    add("log.level", "string", "debug | info | warn | error");
    add("log.format", "string", "json | logfmt");
    add("flood_wait.threshold", "duration", "FLOOD_WAIT waited out by the engine up to this");
    add("stream.heartbeat_interval", "duration",
        "heartbeat interval of Watch streams that ask for none");
    add("stream.subscriber_queue_size", "int",
        "events buffered per subscriber before it is cut off");
    add("shutdown.grace_period", "duration", "time given to streams to drain on shutdown");
    return v;
  }();
  return *options;
}

const OverridableOption* FindOption(std::string_view key) {
  for (const auto& o : Options()) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

json* Slot(json& root, const std::string& key) {
  json* node = &root;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    if (!node->is_object()) *node = json::object();
    node = &(*node)[std::string(part)];
  }
  return node;
}

absl::Status Apply(json& root, const OverridableOption& o, const std::string& value,
                   const std::string& origin, Origins& origins) {
  auto bad = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(o.key, ": ", A(what), " (set by ", origin, ")"));
  };
  json v;
  if (o.type == "string" || o.type == "duration") {
    v = value;
  } else if (o.type == "int") {
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n)) return bad(absl::StrCat(Quote(value), " is not an integer"));
    v = n;
  } else if (o.type == "bool") {
    const std::string t = absl::AsciiStrToLower(value);
    if (t == "true" || t == "1" || t == "yes" || t == "on") {
      v = true;
    } else if (t == "false" || t == "0" || t == "no" || t == "off") {
      v = false;
    } else {
      return bad(absl::StrCat(Quote(value), " is not a boolean (true/false)"));
    }
  } else if (o.type == "list") {
    v = json::array();
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      v.push_back(std::string(absl::StripAsciiWhitespace(part)));
    }
  } else {  // secret: only from the environment, referenced so the Secret says where it came from
    v = json{{"env", o.env}};
  }
  *Slot(root, o.key) = std::move(v);
  origins[o.key] = origin;
  return absl::OkStatus();
}

absl::StatusOr<Config> FromJson(json root, const LoadOptions& options) {
  const EnvLookup env = options.env ? options.env : ProcessEnv();
  Origins origins;
  for (const OverridableOption& o : Options()) {
    std::optional<std::string> value = env(o.env);
    if (!value) continue;
    if (absl::Status s = Apply(root, o, *value, "environment variable " + o.env, origins); !s.ok())
      return s;
  }
  for (const std::string& flag : options.flag_overrides) {
    const auto eq = flag.find('=');
    if (eq == std::string::npos)
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": expected --<option>=<value>"));
    const std::string key = flag.substr(0, eq);
    const OverridableOption* o = FindOption(key);
    if (o == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("--", key, ": unknown option (see --help)"));
    if (o->type == "secret") {
      // Never echo the value: it would be in the process list anyway, which is why this is refused.
      return absl::InvalidArgumentError(absl::StrCat(
          "--", key, ": secrets cannot be passed as flags (visible in the process list); use ",
          o->env, " or the config file"));
    }
    if (absl::Status s = Apply(root, *o, flag.substr(eq + 1), "flag --" + key, origins); !s.ok())
      return s;
  }
  return Build(root, origins, env);
}

}  // namespace

absl::StatusOr<Action> ParseAction(std::string_view text) {
  if (text == "read") return Action::kRead;
  if (text == "manage_links") return Action::kManageLinks;
  if (text == "moderate") return Action::kModerate;
  if (text == "admin") return Action::kAdmin;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown action ", Quote(text), " (expected read, manage_links, moderate or admin)"));
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kRead:
      return "read";
    case Action::kManageLinks:
      return "manage_links";
    case Action::kModerate:
      return "moderate";
    case Action::kAdmin:
      return "admin";
  }
  return "read";
}

std::string_view AccountKindName(AccountKind kind) {
  return kind == AccountKind::kBot ? "bot" : "user";
}

std::string_view TelegramTargetName(TelegramTarget target) {
  switch (target) {
    case TelegramTarget::kEmulator:
      return "emulator";
    case TelegramTarget::kProduction:
      return "production";
    case TelegramTarget::kTest:
      return "test";
    case TelegramTarget::kCustom:
      return "custom";
  }
  return "emulator";
}

const AccountConfig* Config::FindAccount(std::string_view name) const {
  for (const AccountConfig& a : accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string Config::ToRedactedJson() const {
  json j;
  j["listen"] = listen;
  j["allow_insecure_remote"] = allow_insecure_remote;
  j["state_dir"] = state_dir;
  j["tls"] = {{"cert_file", tls.cert_file},
              {"key_file", tls.key_file},
              {"client_ca_file", tls.client_ca_file},
              {"require_client_cert", tls.require_client_cert}};
  j["tokens"] = json::array();
  for (const TokenConfig& t : tokens) {
    json actions = json::array();
    for (Action a : t.actions) actions.push_back(std::string(ActionName(a)));
    j["tokens"].push_back({{"name", t.name},
                           {"secret", t.secret.Redacted()},
                           {"accounts", t.accounts},
                           {"chats", t.chats},
                           {"actions", actions},
                           {"client_identities", t.client_identities}});
  }
  j["accounts"] = json::array();
  for (const AccountConfig& a : accounts) {
    json account = {{"name", a.name},
                    {"kind", std::string(AccountKindName(a.kind))},
                    {"session_path", a.session_path}};
    if (!a.bot_token.empty()) account["bot_token"] = a.bot_token.Redacted();
    if (!a.phone.empty()) account["phone"] = a.phone.Redacted();
    if (!a.password.empty()) account["password"] = a.password.Redacted();
    if (a.api_id != 0) account["api_id"] = a.api_id;
    if (!a.api_hash.empty()) account["api_hash"] = a.api_hash.Redacted();
    j["accounts"].push_back(std::move(account));
  }
  json dcs = json::array();
  for (const auto& dc : telegram.dcs)
    dcs.push_back({{"id", dc.id}, {"host", dc.host}, {"port", dc.port}});
  j["telegram"] = {
      {"target", std::string(TelegramTargetName(telegram.target))},
      {"api_id", telegram.api_id},
      {"api_hash", telegram.api_hash.Redacted()},
      {"ready_file", telegram.ready_file},
      {"dcs", dcs},
      {"public_key_file", telegram.public_key_file},
      {"default_dc", telegram.default_dc},
      {"test_mode", telegram.test_mode},
      {"emulator",
       {{"state_dir", telegram.emulator_state_dir}, {"world_file", telegram.emulator_world_file}}}};
  j["ledger"] = {{"path", ledger.path},
                 {"retention",
                  {{"max_age", DurationText(ledger.retention_max_age)},
                   {"max_events", ledger.retention_max_events}}}};
  j["metrics"] = {{"listen", metrics_listen}};
  j["health"] = {{"require_all_accounts", health_require_all_accounts}};
  j["log"] = {{"level", std::string(logging::LevelName(log_level))},
              {"format", log_format == logging::Format::kJson ? "json" : "logfmt"}};
  j["flood_wait"] = {{"threshold", DurationText(flood_wait_threshold)}};
  j["stream"] = {{"heartbeat_interval", DurationText(stream_heartbeat_interval)},
                 {"subscriber_queue_size", stream_subscriber_queue_size}};
  j["shutdown"] = {{"grace_period", DurationText(shutdown_grace_period)}};
  return j.dump(2);
}

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

const std::vector<OverridableOption>& OverridableOptions() { return Options(); }

absl::StatusOr<Config> ParseConfig(std::string_view json_text, const LoadOptions& options) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (root.is_discarded()) {
    // Locate the error without exceptions being part of the API: parse again to get the position.
    try {
      const json unused = json::parse(json_text, nullptr, true, true);
      (void)unused;
    } catch (const json::parse_error& e) {
      return absl::InvalidArgumentError(absl::StrCat("config: not valid JSON: ", e.what()));
    }
    return absl::InvalidArgumentError("config: not valid JSON");
  }
  if (!root.is_object())
    return absl::InvalidArgumentError("config: the top level must be an object");
  return FromJson(std::move(root), options);
}

absl::StatusOr<Config> LoadConfig(const LoadOptions& options) {
  const EnvLookup env = options.env ? options.env : ProcessEnv();
  std::string path = options.config_path;
  if (path.empty()) path = env("INVITEGATE_CONFIG").value_or("");
  if (path.empty()) return FromJson(json::object(), options);
  bool ok = false;
  const std::string text = ReadTextFile(path, &ok);
  if (!ok) return absl::NotFoundError(absl::StrCat("config file ", Quote(path), " cannot be read"));
  absl::StatusOr<Config> config = ParseConfig(text, options);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next_value = [&](std::string_view flag) -> absl::StatusOr<std::string> {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(A(flag), " needs a value"));
      return std::string(argv[++i]);
    };
    if (arg == "--config" || arg == "-c") {
      absl::StatusOr<std::string> v = next_value(arg);
      if (!v.ok()) return v.status();
      cl.load.config_path = *v;
    } else if (arg.starts_with("--config=")) {
      cl.load.config_path = std::string(arg.substr(9));
    } else if (arg == "--set") {
      absl::StatusOr<std::string> v = next_value(arg);
      if (!v.ok()) return v.status();
      cl.load.flag_overrides.push_back(*v);
    } else if (arg.starts_with("--") && arg.find('=') != std::string_view::npos &&
               FindOption(arg.substr(2, arg.find('=') - 2)) != nullptr) {
      cl.load.flag_overrides.push_back(std::string(arg.substr(2)));
    } else {
      cl.rest.emplace_back(arg);
    }
  }
  return cl;
}

}  // namespace invitegate::config

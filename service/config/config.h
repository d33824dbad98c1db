// The server's configuration: a JSON file (comments allowed), then INVITEGATE_* environment
// variables, then command-line flags — later sources win (file < env < flags). Validation names
// the offending field ("tokens[1].actions[0]: unknown action ...") and, for overrides, where the
// value came from. Secrets (token secrets, bot tokens, phone numbers, 2FA passwords, api_hash) are
// read from files or the environment, kept in logging::Secret, and redacted in every printing.
// deploy/invitegate.example.json documents every option.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/log/logger.h"
#include "service/log/secret.h"

namespace invitegate::config {

using logging::Secret;

// What a bearer token may do. kAdmin implies every other action; the others are independent.
enum class Action { kRead, kManageLinks, kModerate, kAdmin };
// "read" | "manage_links" | "moderate" | "admin".
[[nodiscard]] absl::StatusOr<Action> ParseAction(std::string_view text);
[[nodiscard]] std::string_view ActionName(Action action);

// TLS for the gRPC listener. Off when cert_file is empty; mTLS when client_ca_file is set.
struct TlsConfig {
  std::string cert_file;            // PEM certificate chain
  std::string key_file;             // PEM private key
  std::string client_ca_file;       // PEM CA bundle that client certificates must chain to (mTLS)
  bool require_client_cert = true;  // with client_ca_file: reject clients without a certificate

  [[nodiscard]] bool enabled() const { return !cert_file.empty(); }
  [[nodiscard]] bool mtls() const { return !client_ca_file.empty(); }
};

// One bearer token: a name (safe to log), its secret, and its scopes.
struct TokenConfig {
  std::string name;
  Secret secret;
  std::vector<std::string> accounts;  // account names, or "*"
  std::vector<std::string> chats;     // chat ids / usernames, or "*" (the default)
  std::vector<Action> actions;
  // If non-empty, the token is accepted only over mTLS from a client certificate whose identity
  // (common name or a subject alternative name) is one of these.
  std::vector<std::string> client_identities;
};

enum class AccountKind { kBot, kUser };
[[nodiscard]] std::string_view AccountKindName(AccountKind kind);

// One Telegram account the server signs in and serves.
struct AccountConfig {
  std::string name;  // the {account} of resource names: [a-z0-9_-], 1-64 characters
  AccountKind kind = AccountKind::kBot;
  Secret bot_token;          // bots
  Secret phone;              // users: international format, digits only
  Secret password;           // users with 2FA (optional)
  int32_t api_id = 0;        // 0: telegram.api_id
  Secret api_hash;           // empty: telegram.api_hash
  std::string session_path;  // default: <state_dir>/sessions/<name>.sqlite
};

enum class TelegramTarget { kEmulator, kProduction, kTest, kCustom };
[[nodiscard]] std::string_view TelegramTargetName(TelegramTarget target);

// Which Telegram the engine talks to.
struct TelegramConfig {
  // kEmulator: the embedded emulator on loopback (the default; with no accounts configured the
  // server signs in the sample world's accounts). kProduction / kTest: Telegram's production or
  // test DCs (need api_id and api_hash). kCustom: `ready_file` of an external emulator, or `dcs`
  // plus `public_key_file`.
  TelegramTarget target = TelegramTarget::kEmulator;
  int32_t api_id = 0;
  Secret api_hash;
  std::string ready_file;
  struct Dc {
    int id = 0;
    std::string host;
    int port = 0;
  };
  std::vector<Dc> dcs;
  std::string public_key_file;
  int default_dc = 2;
  bool test_mode = false;
  std::string emulator_state_dir;   // default: <state_dir>/emulator
  std::string emulator_world_file;  // default: the built-in sample world
};

struct LedgerConfig {
  std::string path;                                        // default: <state_dir>/ledger.sqlite
  absl::Duration retention_max_age = absl::Hours(24 * 7);  // 0: no age limit
  int64_t retention_max_events = 1'000'000;                // 0: no count limit
};

// The whole configuration, validated; defaults filled in.
struct Config {
  std::vector<std::string> listen = {"127.0.0.1:50051"};  // host:port, [v6]:port or unix:/path
  // Listening beyond loopback requires TLS and at least one token unless this is set.
  bool allow_insecure_remote = false;
  std::string state_dir = "invitegate-state";  // sessions, ledger, emulator state (0700)
  TlsConfig tls;
  std::vector<TokenConfig> tokens;  // empty: no authentication (loopback only, logged at start)
  std::vector<AccountConfig> accounts;
  TelegramConfig telegram;
  LedgerConfig ledger;
  std::string metrics_listen;               // Prometheus /metrics HTTP address; empty: disabled
  bool health_require_all_accounts = true;  // SERVING only when every account is signed in
  logging::Level log_level = logging::Level::kInfo;
  logging::Format log_format = logging::Format::kJson;
  // FLOOD_WAIT at or below this is waited out by the engine; longer ones fail the call.
  absl::Duration flood_wait_threshold = absl::Seconds(10);
  absl::Duration stream_heartbeat_interval = absl::Seconds(30);
  int stream_subscriber_queue_size = 1024;  // events buffered per subscriber before cut-off
  absl::Duration shutdown_grace_period = absl::Seconds(10);  // streams drained within this

  // Non-fatal findings (inline secrets, group-readable secret files, ...); log them at start.
  std::vector<std::string> warnings;

  // The effective configuration as JSON with every secret shown as "<redacted...>".
  [[nodiscard]] std::string ToRedactedJson() const;
  // The account named `name`, or nullptr.
  [[nodiscard]] const AccountConfig* FindAccount(std::string_view name) const;
};

// Reads an environment variable; std::nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
[[nodiscard]] EnvLookup ProcessEnv();

struct LoadOptions {
  std::string config_path;  // empty: INVITEGATE_CONFIG, else no file (defaults)
  // "key.path=value" overrides from the command line, applied after the environment.
  std::vector<std::string> flag_overrides;
  EnvLookup env;  // default: ProcessEnv()
};

// Loads, overrides, resolves secrets and validates. Errors are INVALID_ARGUMENT (or NOT_FOUND for
// a missing config file) with the field's path in the message; secrets never appear in them.
[[nodiscard]] absl::StatusOr<Config> LoadConfig(const LoadOptions& options);
// Parses the JSON text as a config file would be (no environment/flags unless given in options;
// options.config_path is ignored). For tests and `--check-config`.
[[nodiscard]] absl::StatusOr<Config> ParseConfig(std::string_view json_text,
                                                 const LoadOptions& options = {});

// The command line of invitegate-server: `--config=<file>` (or `--config <file>`), overrides as
// `--<key.path>=<value>` or `--set <key.path>=<value>`; anything else is left in `rest` (in
// order) for the caller (--help, --print-config, ...).
struct CommandLine {
  LoadOptions load;
  std::vector<std::string> rest;
};
[[nodiscard]] absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);

// One option settable by environment and flags.
struct OverridableOption {
  std::string key;   // "log.level"
  std::string env;   // "INVITEGATE_LOG_LEVEL"
  std::string type;  // "string" | "int" | "bool" | "duration" | "list" | "secret"
  std::string help;
};
// Every option that INVITEGATE_* variables and --flags can set (for --help and the docs).
[[nodiscard]] const std::vector<OverridableOption>& OverridableOptions();

}  // namespace invitegate::config

// Config: parsing, defaults, precedence file < env < flags, validation messages naming the field
// (and the override that set it), secrets from files and the environment, redaction, the
// command line, and the deploy/ sample config.
#include "service/config/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/service/test_util.h"

namespace invitegate::config {
namespace {

using ::invitegate::testing::FakeEnv;
using ::invitegate::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTokenSecret[] = "tok-0123456789abcdef-SECRET";
constexpr char kBotToken[] = "2000001:AAEmulatorInvitegateBotToken0000001";

LoadOptions Options(std::string path, std::vector<std::string> flags, EnvLookup env) {
  LoadOptions options;
  options.config_path = std::move(path);
  options.flag_overrides = std::move(flags);
  options.env = std::move(env);
  return options;
}

absl::StatusOr<Config> Parse(std::string_view text, std::map<std::string, std::string> env = {},
                             std::vector<std::string> flags = {}) {
  return ParseConfig(text, Options("", std::move(flags), FakeEnv(std::move(env))));
}

// The error message of a parse expected to fail.
std::string Error(std::string_view text, std::map<std::string, std::string> env = {},
                  std::vector<std::string> flags = {}) {
  absl::StatusOr<Config> c = Parse(text, std::move(env), std::move(flags));
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(c.status().message());
}

TEST(ConfigTest, EmptyFileGivesTheEmbeddedDefault) {
  absl::StatusOr<Config> c = Parse("{}");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, std::vector<std::string>{"127.0.0.1:50051"});
  EXPECT_EQ(c->telegram.target, TelegramTarget::kEmulator);
  EXPECT_TRUE(c->accounts.empty());
  EXPECT_TRUE(c->tokens.empty());
  EXPECT_FALSE(c->tls.enabled());
  EXPECT_EQ(c->ledger.path, "invitegate-state/ledger.sqlite");
  EXPECT_EQ(c->telegram.emulator_state_dir, "invitegate-state/emulator");
  EXPECT_EQ(c->ledger.retention_max_age, absl::Hours(168));
  EXPECT_EQ(c->stream_heartbeat_interval, absl::Seconds(30));
  EXPECT_EQ(c->stream_subscriber_queue_size, 1024);
  EXPECT_EQ(c->flood_wait_threshold, absl::Seconds(10));
  EXPECT_EQ(c->log_level, logging::Level::kInfo);
  EXPECT_TRUE(c->metrics_listen.empty());
  // Running without tokens is allowed but called out.
  EXPECT_THAT(c->warnings, ::testing::Contains(HasSubstr("no tokens configured")));
}

TEST(ConfigTest, CommentsAreAllowed) {
  absl::StatusOr<Config> c =
      Parse("// header\n{ /* inline */ \"log\": {\"level\": \"debug\"} // tail\n}");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->log_level, logging::Level::kDebug);
}

TEST(ConfigTest, FullConfig) {
  TempDir dir;
  const std::string secret_file = dir.Write("ops.token", std::string(kTokenSecret) + "\n");
  const std::string phone_file = dir.Write("alice.phone", "+9996621234\n");
  const std::string text = R"({
    "listen": ["127.0.0.1:7000", "[::1]:7001", "unix:/tmp/ig.sock"],
    "state_dir": "/var/lib/ig",
    "tokens": [{"name": "ops", "secret": {"file": ")" +
                           secret_file + R"("}, "accounts": ["bot", "alice"],
                "chats": ["@Chan", "-1001"], "actions": ["read", "moderate"]}],
    "accounts": [
      {"name": "bot", "kind": "bot", "bot_token": {"env": "BOT_TOKEN"}},
      {"name": "alice", "kind": "user", "phone": {"file": ")" +
                           phone_file + R"("},
       "password": {"env": "ALICE_2FA"}, "session_path": "/x/alice.sqlite"}],
    "telegram": {"target": "test", "api_id": 17349, "api_hash": {"env": "API_HASH"}},
    "ledger": {"path": "/data/ledger.db", "retention": {"max_age": "36h", "max_events": 5000}},
    "metrics": {"listen": "127.0.0.1:9464"},
    "health": {"require_all_accounts": false},
    "log": {"level": "warn", "format": "logfmt"},
    "flood_wait": {"threshold": 30},
    "stream": {"heartbeat_interval": "2s", "subscriber_queue_size": 64},
    "shutdown": {"grace_period": "500ms"}
  })";
  absl::StatusOr<Config> c = Parse(text, {{"BOT_TOKEN", kBotToken},
                                          {"ALICE_2FA", "hunter2-2fa"},
                                          {"API_HASH", "0123456789abcdef0123456789abcdef"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen.size(), 3u);
  ASSERT_EQ(c->tokens.size(), 1u);
  EXPECT_EQ(c->tokens[0].secret.Reveal(), kTokenSecret);  // trailing newline stripped
  EXPECT_EQ(c->tokens[0].secret.source(), "file " + secret_file);
  EXPECT_EQ(c->tokens[0].actions, (std::vector<Action>{Action::kRead, Action::kModerate}));
  EXPECT_EQ(c->tokens[0].chats, (std::vector<std::string>{"@Chan", "-1001"}));
  ASSERT_EQ(c->accounts.size(), 2u);
  EXPECT_EQ(c->accounts[0].kind, AccountKind::kBot);
  EXPECT_EQ(c->accounts[0].bot_token.Reveal(), kBotToken);
  EXPECT_EQ(c->accounts[0].session_path, "/var/lib/ig/sessions/bot.sqlite");
  EXPECT_EQ(c->accounts[1].kind, AccountKind::kUser);
  EXPECT_EQ(c->accounts[1].phone.Reveal(), "+9996621234");
  EXPECT_EQ(c->accounts[1].password.Reveal(), "hunter2-2fa");
  EXPECT_EQ(c->accounts[1].session_path, "/x/alice.sqlite");
  EXPECT_EQ(c->telegram.target, TelegramTarget::kTest);
  EXPECT_EQ(c->telegram.api_id, 17349);
  EXPECT_EQ(c->ledger.path, "/data/ledger.db");
  EXPECT_EQ(c->ledger.retention_max_age, absl::Hours(36));
  EXPECT_EQ(c->ledger.retention_max_events, 5000);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9464");
  EXPECT_FALSE(c->health_require_all_accounts);
  EXPECT_EQ(c->log_level, logging::Level::kWarn);
  EXPECT_EQ(c->log_format, logging::Format::kLogfmt);
  EXPECT_EQ(c->flood_wait_threshold, absl::Seconds(30));
  EXPECT_EQ(c->stream_heartbeat_interval, absl::Seconds(2));
  EXPECT_EQ(c->stream_subscriber_queue_size, 64);
  EXPECT_EQ(c->shutdown_grace_period, absl::Milliseconds(500));
  ASSERT_NE(c->FindAccount("alice"), nullptr);
  EXPECT_EQ(c->FindAccount("nobody"), nullptr);

  // No secret anywhere in the printed config.
  const std::string printed = c->ToRedactedJson();
  for (std::string_view secret :
       {std::string_view(kTokenSecret), std::string_view(kBotToken), std::string_view("9996621234"),
        std::string_view("hunter2-2fa"), std::string_view("0123456789abcdef0123456789abcdef")}) {
    EXPECT_THAT(printed, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(printed, HasSubstr("<redacted: env BOT_TOKEN>"));
  EXPECT_THAT(printed, HasSubstr("<redacted: file " + secret_file + ">"));
}

TEST(ConfigTest, PrecedenceFileThenEnvThenFlags) {
  const std::string file = R"({"log": {"level": "error"}, "stream": {"subscriber_queue_size": 10},
                              "metrics": {"listen": "127.0.0.1:1"}})";
  // File alone.
  EXPECT_EQ(Parse(file)->log_level, logging::Level::kError);
  // Env beats the file.
  absl::StatusOr<Config> c = Parse(
      file, {{"INVITEGATE_LOG_LEVEL", "warn"}, {"INVITEGATE_STREAM_SUBSCRIBER_QUEUE_SIZE", "20"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->log_level, logging::Level::kWarn);
  EXPECT_EQ(c->stream_subscriber_queue_size, 20);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:1");
  // Flags beat env and file.
  c = Parse(file,
            {{"INVITEGATE_LOG_LEVEL", "warn"}, {"INVITEGATE_STREAM_SUBSCRIBER_QUEUE_SIZE", "20"}},
            {"log.level=debug", "metrics.listen=127.0.0.1:2"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->log_level, logging::Level::kDebug);
  EXPECT_EQ(c->stream_subscriber_queue_size, 20);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:2");
}

TEST(ConfigTest, OverrideTypes) {
  absl::StatusOr<Config> c = Parse("{}",
                                   {{"INVITEGATE_LISTEN", "127.0.0.1:1, 127.0.0.1:2"},
                                    {"INVITEGATE_HEALTH_REQUIRE_ALL_ACCOUNTS", "no"},
                                    {"INVITEGATE_LEDGER_RETENTION_MAX_AGE", "3d"},
                                    {"INVITEGATE_TELEGRAM_EMULATOR_STATE_DIR", "/tmp/emu"}},
                                   {"flood_wait.threshold=1m", "state_dir=/srv/ig"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  EXPECT_FALSE(c->health_require_all_accounts);
  EXPECT_EQ(c->ledger.retention_max_age, absl::Hours(72));
  EXPECT_EQ(c->flood_wait_threshold, absl::Minutes(1));
  EXPECT_EQ(c->telegram.emulator_state_dir, "/tmp/emu");
  EXPECT_EQ(c->ledger.path, "/srv/ig/ledger.sqlite");  // derived after overrides
}

TEST(ConfigTest, OverrideErrorsNameTheirSource) {
  EXPECT_EQ(Error("{}", {{"INVITEGATE_LOG_LEVEL", "loud"}}),
            "log.level: unknown log level \"loud\" (expected debug, info, warn or error) (set by "
            "environment variable INVITEGATE_LOG_LEVEL)");
  EXPECT_EQ(Error("{}", {}, {"stream.subscriber_queue_size=many"}),
            "stream.subscriber_queue_size: \"many\" is not an integer (set by flag "
            "--stream.subscriber_queue_size)");
  EXPECT_EQ(Error("{}", {}, {"stream.subscriber_queue_size=0"}),
            "stream.subscriber_queue_size: must be between 1 and 1000000 (set by flag "
            "--stream.subscriber_queue_size)");
  EXPECT_EQ(Error("{}", {}, {"nosuch.option=1"}), "--nosuch.option: unknown option (see --help)");
  EXPECT_EQ(
      Error("{}", {}, {"telegram.api_hash=abcdef0123"}),
      "--telegram.api_hash: secrets cannot be passed as flags (visible in the process list); use "
      "INVITEGATE_TELEGRAM_API_HASH or the config file");
}

TEST(ConfigTest, SecretFromEnvOverride) {
  absl::StatusOr<Config> c = Parse(
      R"({"telegram": {"target": "production", "api_id": 1},
          "accounts": [{"name": "b", "kind": "bot", "bot_token": {"env": "T"}}]})",
      {{"INVITEGATE_TELEGRAM_API_HASH", "feedfacefeedface"}, {"T", kBotToken}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->telegram.api_hash.Reveal(), "feedfacefeedface");
  EXPECT_EQ(c->telegram.api_hash.source(), "env INVITEGATE_TELEGRAM_API_HASH");
}

TEST(ConfigTest, ValidationErrorsNameTheField) {
  const std::string token =
      R"({"name": "t", "secret": {"env": "S"}, "accounts": ["*"], "actions": ["read"]})";
  const std::map<std::string, std::string> env = {{"S", kTokenSecret}, {"B", kBotToken}};
  struct Case {
    std::string text;
    std::string error;
  } cases[] = {
      {R"({"lisen": []})",
       "lisen: unknown option (expected one of: listen, allow_insecure_remote, state_dir, tls, "
       "tokens, accounts, telegram, ledger, metrics, health, log, flood_wait, stream, shutdown)"},
      {R"({"log": {"levle": "info"}})",
       "log.levle: unknown option (expected one of: level, format)"},
      {R"({"listen": "nowhere"})",
       "listen[0]: \"nowhere\" is not host:port, [ipv6]:port or unix:/path"},
      {R"({"listen": ["127.0.0.1:70000"]})",
       "listen[0]: \"127.0.0.1:70000\" is not host:port, [ipv6]:port or unix:/path"},
      {R"({"listen": ["0.0.0.0:50051"]})",
       "listen: listens beyond loopback: configure tls and at least one token, or set "
       "allow_insecure_remote"},
      {R"({"listen": 5})", "listen: must be a list of strings"},
      {R"({"stream": {"heartbeat_interval": "soon"}})",
       "stream.heartbeat_interval: must be a non-negative duration: seconds or text like \"15s\", "
       "\"10m\", \"168h\", \"7d\""},
      {R"({"stream": {"heartbeat_interval": "500ms"}})",
       "stream.heartbeat_interval: must be at least 1s (the finest a stream may ask for)"},
      {R"({"tokens": [)" + token +
           R"(, {"name": "u", "secret": {"env": "S"}, "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[1].secret: is the same secret as another token's"},
      {R"({"tokens": [{"name": "u", "secret": {"env": "S"}, "accounts": ["*"], "actions": ["read", "write"]}]})",
       "tokens[0].actions[1]: unknown action \"write\" (expected read, manage_links, moderate or "
       "admin)"},
      {R"({"tokens": [{"name": "u", "secret": {"env": "S"}, "actions": ["read"]}]})",
       "tokens[0].accounts: is required: account names or [\"*\"]"},
      {R"({"tokens": [{"name": "u", "secret": {"env": "S"}, "accounts": ["*"]}]})",
       "tokens[0].actions: is required: some of read, manage_links, moderate, admin"},
      {R"({"tokens": [{"name": "u", "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[0].secret: is required ({\"file\": ...} or {\"env\": ...})"},
      {R"({"tokens": [{"name": "u", "secret": {"env": "MISSING"}, "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[0].secret: environment variable MISSING is not set or empty"},
      {R"({"tokens": [{"name": "u", "secret": {"file": "/nonexistent/x"}, "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[0].secret: cannot read secret file \"/nonexistent/x\""},
      {R"({"tokens": [{"name": "u", "secret": {"path": "/x"}, "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[0].secret.path: unknown option (expected one of: file, env, value)"},
      {R"({"tokens": [{"name": "u", "secret": "short", "accounts": ["*"], "actions": ["read"]}]})",
       "tokens[0].secret: is too short (at least 16 characters)"},
      {R"({"tokens": [)" + token + "," + token + "]}",
       "tokens[1].name: duplicate token name \"t\""},
      {R"({"accounts": [{"name": "Bad Name", "kind": "bot", "bot_token": {"env": "B"}}]})",
       "accounts[0].name: is required: 1-64 of a-z, 0-9, '_', '-'"},
      {R"({"accounts": [{"name": "b", "kind": "robot"}]})",
       "accounts[0].kind: is required: \"bot\" or \"user\""},
      {R"({"accounts": [{"name": "b", "kind": "bot"}]})",
       "accounts[0].bot_token: is required for a bot account"},
      {R"({"accounts": [{"name": "u", "kind": "user"}]})",
       "accounts[0].phone: is required for a user account"},
      {R"({"accounts": [{"name": "u", "kind": "user", "phone": "12-34-secret"}]})",
       "accounts[0].phone: must be 5-15 digits (international format, optional '+')"},
      {R"({"accounts": [{"name": "b", "kind": "bot", "bot_token": {"env": "B"}},
                        {"name": "b", "kind": "bot", "bot_token": {"env": "B"}}]})",
       "accounts[1].name: duplicate account name \"b\""},
      {R"({"telegram": {"target": "production"}, "accounts": [{"name": "b", "kind": "bot", "bot_token": {"env": "B"}}]})",
       "accounts[0].api_id: is required for real Telegram (here or telegram.api_id; from "
       "my.telegram.org)"},
      {R"({"telegram": {"target": "production"}})",
       "accounts: target \"production\" needs at least one account (only the embedded emulator has "
       "sample accounts)"},
      {R"({"telegram": {"target": "mars"}})",
       "telegram.target: unknown target \"mars\" (expected emulator, production, test or custom)"},
      {R"({"telegram": {"target": "custom"}, "accounts": [{"name": "b", "kind": "bot", "bot_token": {"env": "B"}}]})",
       "telegram: target \"custom\" needs either ready_file (an emulator's ready file) or dcs plus "
       "public_key_file"},
      {R"({"telegram": {"dcs": [{"id": 2, "host": "h"}]}})",
       "telegram.dcs[0]: needs id, host and port"},
      {R"({"tls": {"cert_file": "/nonexistent.pem", "key_file": "/nonexistent.key"}})",
       "tls.cert_file: cannot read \"/nonexistent.pem\""},
      {R"({"tls": {"cert_file": "/etc/hostname"}})",
       "tls.key_file: is required with the other (cert_file and key_file go together)"},
      {R"({"tls": {"client_ca_file": "/etc/hostname"}})",
       "tls.client_ca_file: needs tls.cert_file and tls.key_file"},
      {R"({"ledger": {"retention": {"max_events": -1}}})",
       "ledger.retention.max_events: must be between 0 and 9223372036854775807"},
      {R"({"health": {"require_all_accounts": "yes"}})",
       "health.require_all_accounts: must be true or false"},
      {R"({"metrics": {"listen": "9464"}})", "metrics.listen: \"9464\" is not host:port"},
      {"[1, 2]", "config: the top level must be an object"},
  };
  for (const Case& c : cases) EXPECT_EQ(Error(c.text, env), c.error) << c.text;
  EXPECT_THAT(Error("{\"log\": "), HasSubstr("config: not valid JSON"));
}

TEST(ConfigTest, ErrorsNeverContainSecrets) {
  // A phone number that fails validation and a short token secret: the message names the field
  // only.
  EXPECT_THAT(Error(R"({"accounts": [{"name": "u", "kind": "user", "phone": "secret-phone-99"}]})"),
              Not(HasSubstr("secret-phone-99")));
  EXPECT_THAT(
      Error(
          R"({"tokens": [{"name": "u", "secret": "tiny-secret", "accounts": ["*"], "actions": ["read"]}]})"),
      Not(HasSubstr("tiny-secret")));
}

TEST(ConfigTest, WarnsAboutInlineSecretsAndLooseFileModes) {
  TempDir dir;
  const std::string loose = dir.Write("loose.token", kTokenSecret, 0644);
  absl::StatusOr<Config> c = Parse(R"({"tokens": [
      {"name": "a", "secret": "inline-secret-0123456789", "accounts": ["*"], "actions": ["read"]},
      {"name": "b", "secret": {"file": ")" +
                                   loose + R"("}, "accounts": ["ghost"], "actions": ["read"]}],
      "accounts": [{"name": "bot", "kind": "bot", "bot_token": {"value": ")" +
                                   kBotToken + R"("}}]})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->warnings,
              ::testing::Contains(HasSubstr("tokens[0].secret: secret written inline")));
  EXPECT_THAT(c->warnings, ::testing::Contains(HasSubstr("tokens[1].secret: secret file")));
  EXPECT_THAT(c->warnings,
              ::testing::Contains(HasSubstr("accounts[0].bot_token: secret written inline")));
  EXPECT_THAT(
      c->warnings,
      ::testing::Contains(HasSubstr("tokens[1].accounts: no configured account named \"ghost\"")));
  for (const std::string& w : c->warnings)
    EXPECT_THAT(w, Not(HasSubstr("inline-secret-0123456789")));
}

TEST(ConfigTest, RemoteListenNeedsTlsAndTokensOrAnExplicitOptOut) {
  EXPECT_TRUE(Parse(R"({"listen": ["0.0.0.0:1"], "allow_insecure_remote": true})").ok());
  EXPECT_TRUE(
      Parse(R"({"listen": ["localhost:1", "127.0.0.2:1", "[::1]:1", "unix:/tmp/x"]})").ok());
}

TEST(ConfigTest, LoadConfigReadsTheFileNamedByEnv) {
  TempDir dir;
  const std::string file = dir.Write("ig.json", R"({"log": {"format": "logfmt"}})");
  absl::StatusOr<Config> c = LoadConfig(Options("", {}, FakeEnv({{"INVITEGATE_CONFIG", file}})));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->log_format, logging::Format::kLogfmt);
  c = LoadConfig(Options((dir.path() / "missing.json").string(), {}, FakeEnv({})));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  const std::string bad = dir.Write("bad.json", R"({"log": {"format": "xml"}})");
  c = LoadConfig(Options(bad, {}, FakeEnv({})));
  EXPECT_EQ(c.status().message(),
            bad + ": log.format: unknown log format \"xml\" (expected json or logfmt)");
}

TEST(ConfigTest, CommandLine) {
  const char* argv[] = {"invitegate-server", "--config",    "/etc/ig.json",
                        "--log.level=debug", "--set",       "stream.heartbeat_interval=5s",
                        "--print-config",    "--unknown=1", "positional"};
  absl::StatusOr<CommandLine> cl = ParseCommandLine(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->load.config_path, "/etc/ig.json");
  EXPECT_EQ(cl->load.flag_overrides,
            (std::vector<std::string>{"log.level=debug", "stream.heartbeat_interval=5s"}));
  EXPECT_EQ(cl->rest, (std::vector<std::string>{"--print-config", "--unknown=1", "positional"}));
  const char* argv2[] = {"s", "--config=/a.json"};
  EXPECT_EQ(ParseCommandLine(2, argv2)->load.config_path, "/a.json");
  const char* argv3[] = {"s", "--set"};
  EXPECT_FALSE(ParseCommandLine(2, argv3).ok());
}

TEST(ConfigTest, OverridableOptionsHaveUniqueEnvNames) {
  std::set<std::string> envs;
  for (const OverridableOption& o : OverridableOptions()) {
    EXPECT_TRUE(envs.insert(o.env).second) << o.env;
    EXPECT_TRUE(o.env.starts_with("INVITEGATE_")) << o.env;
    EXPECT_FALSE(o.help.empty()) << o.key;
  }
}

// deploy/invitegate.example.json parses and means what its comments say (its paths redirected to
// a temp dir holding stand-in files).
TEST(ConfigTest, DeploySampleConfigParses) {
  std::ifstream in(std::string(INVITEGATE_SOURCE_DIR) + "/deploy/invitegate.example.json");
  ASSERT_TRUE(in) << "deploy/invitegate.example.json missing";
  std::stringstream ss;
  ss << in.rdbuf();
  TempDir dir;
  for (const char* name : {"server.pem", "server.key", "clients-ca.pem"})
    dir.Write(name, "-----BEGIN X-----\n");
  dir.Write("invitegate-token-ops", "ops-token-0123456789abcdef\n");
  dir.Write("alice-phone", "9996621234\n");
  dir.Write("alice-2fa", "emulator-2fa-pass\n");
  const std::string text =
      absl::StrReplaceAll(ss.str(), {{"/etc/invitegate/tls/", dir.path().string() + "/"},
                                     {"/run/secrets/", dir.path().string() + "/"}});
  absl::StatusOr<Config> c =
      Parse(text, {{"INVITEGATE_TOKEN_MODERATION", "moderation-0123456789abcdef"},
                   {"INVITEGATE_SUPPORT_BOT_TOKEN", kBotToken},
                   {"INVITEGATE_TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->tls.mtls());
  EXPECT_EQ(c->tokens.size(), 2u);
  EXPECT_EQ(c->accounts.size(), 2u);
  EXPECT_EQ(c->telegram.target, TelegramTarget::kProduction);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(c->ledger.retention_max_age, absl::Hours(24 * 7));
}

}  // namespace
}  // namespace invitegate::config

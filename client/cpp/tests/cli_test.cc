// The `invitegate` CLI as users and scripts run it: the binary as a subprocess against
// invitegate-server started as a child process on port 0 with its embedded emulator (the sample
// world: alice administers @invitegate_group, dave can join, bot is a bot). Covers the approval-
// gated tour (create a link needing approval, join as dave, watch the request arrive, approve,
// list importers), --help for every command, usage errors (exit 2), exit codes by gRPC status,
// error messages naming Telegram's reason, JSON output, login and parse-link.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cpp/tests/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace invitegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kCli[] = INVITEGATE_CLI;
constexpr char kServerBinary[] = INVITEGATE_SERVER;

std::filesystem::path MakeTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "invitegate-cli-XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

// The CLI with a clean environment: no account or server from the caller's shell.
RunResult Cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), kCli);
  for (const char* name : {"INVITEGATE_SERVER", "INVITEGATE_TOKEN", "INVITEGATE_ACCOUNT",
                           "INVITEGATE_PASSWORD", "INVITEGATE_BOT_TOKEN"}) {
    env.emplace(name, "");
  }
  return Run(args, env);
}

// Every JSON line of `text`, parsed (a parse failure fails the test).
std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    nlohmann::json parsed = nlohmann::json::parse(std::string(line), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
    out.push_back(parsed);
  }
  return out;
}

// The command paths `invitegate --help` lists.
std::vector<std::string> ListedCommands() {
  RunResult help = Cli({"--help"});
  std::vector<std::string> out;
  bool in_list = false;
  for (absl::string_view line : absl::StrSplit(help.out, '\n')) {
    if (line == "Commands:") {
      in_list = true;
      continue;
    }
    if (in_list && line.empty()) break;
    if (in_list) {
      std::string text(line.substr(2));
      out.push_back(text.substr(0, text.find("  ")));
    }
  }
  return out;
}

TEST(CliHelpTest, EveryCommandHasHelp) {
  RunResult top = Cli({"--help"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("Exit codes:"));
  const std::vector<std::string> commands = ListedCommands();
  // A subcommand per RPC, plus watch, login and parse-link.
  ASSERT_GE(commands.size(), 29u);
  for (const std::string& command : commands) {
    std::vector<std::string> args = absl::StrSplit(command, ' ');
    args.push_back("--help");
    RunResult help = Cli(args);
    EXPECT_EQ(help.exit_code, 0) << command << ": " << help.err;
    EXPECT_THAT(help.out, StartsWith("usage: invitegate " + command)) << command;
    EXPECT_THAT(help.out, HasSubstr("Exit codes:")) << command;
    EXPECT_TRUE(help.err.empty()) << command << ": " << help.err;
  }
  // `help <command>` and -h say the same; a group lists its commands.
  EXPECT_EQ(Cli({"help", "links", "create"}).out, Cli({"links", "create", "-h"}).out);
  RunResult group = Cli({"requests", "--help"});
  EXPECT_EQ(group.exit_code, 0);
  EXPECT_THAT(group.out, HasSubstr("requests approve-all"));
}

TEST(CliUsageTest, UsageErrorsExitTwoAndSendNothing) {
  // Port 1 on loopback: nothing listens, so any call would fail with UNAVAILABLE (8), not 2.
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"nonsense"},
      {"links"},
      {"links", "frobnicate"},
      {"links", "create", "--bogus"},
      {"links", "create", "--chat"},                         // missing value
      {"links", "create", "--chat", "g"},                    // no account
      {"--account", "alice", "links", "get"},                // missing LINK
      {"--account", "alice", "links", "get", "--chat", "g", "a", "b"},  // extra argument
      {"--account", "alice", "links", "get", "--chat", "g", "https://example.com/x"},
      {"--account", "alice", "links", "create", "--chat", "g", "--usage-limit", "lots"},
      {"--account", "alice", "links", "create", "--chat", "g", "--expire", "someday"},
      {"--account", "alice", "links", "update", "--chat", "g", "abc"},  // nothing to change
      {"--account", "alice", "requests", "approve", "--chat", "g", "not-a-user"},
      {"--account", "alice", "requests", "moderate", "--chat", "g", "--action", "maybe"},
      {"--account", "alice", "watch", "--type", "everything"},
      {"--account", "alice", "watch", "--snapshot", "--resume-token", "x"},
      {"--timeout", "soon", "accounts", "list"},
      {"--json=perhaps", "accounts", "list"},
      {"--cert", "c.pem", "accounts", "list"},               // --cert without --key
      {"--token", "a", "--token-file", "f", "accounts", "list"},
      {"parse-link"},
  };
  for (std::vector<std::string> args : bad) {
    args.insert(args.begin(), "--server=127.0.0.1:1");
    RunResult result = Cli(args);
    EXPECT_EQ(result.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << result.err;
    EXPECT_FALSE(result.err.empty()) << absl::StrJoin(args, " ");
    EXPECT_TRUE(result.out.empty()) << absl::StrJoin(args, " ") << "\n" << result.out;
  }
  // Under --json the usage error is JSON on stderr too.
  RunResult json = Cli({"--json", "links", "create", "--bogus"});
  EXPECT_EQ(json.exit_code, 2);
  std::vector<nlohmann::json> lines = JsonLines(json.err);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["error"]["usage"], true);
}

TEST(CliUsageTest, UnreachableServerExitsEight) {
  RunResult result = Cli({"--server=127.0.0.1:1", "--timeout=3s", "accounts", "list"});
  EXPECT_EQ(result.exit_code, 8) << result.err;
  EXPECT_THAT(result.err, HasSubstr("UNAVAILABLE"));
}

TEST(CliParseLinkTest, RecognizesLinksWithoutAServer) {
  RunResult human = Cli({"parse-link", "https://t.me/+AbC-d_1", "telegram.me/joinchat/XyZ",
                         "https://t.me/invitegate_group"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("invite  hash AbC-d_1  https://t.me/+AbC-d_1"));
  EXPECT_THAT(human.out, HasSubstr("invite  hash XyZ"));
  EXPECT_THAT(human.out, HasSubstr("public  username invitegate_group"));

  RunResult json = Cli({"--json", "parse-link", "tg://join?invite=Q1w2", "https://example.com/+x"});
  EXPECT_EQ(json.exit_code, 7);  // not every argument is a link
  std::vector<nlohmann::json> lines = JsonLines(json.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["kind"], "invite");
  EXPECT_EQ(lines[0]["hash"], "Q1w2");
  EXPECT_EQ(lines[0]["url"], "https://t.me/+Q1w2");
  EXPECT_EQ(lines[1]["kind"], "none");
}

// One invitegate-server (embedded emulator) per test process.
class CliServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(MakeTempDir());
    const std::filesystem::path ready = *dir_ / "ready.json";
    server_ = new Background({kServerBinary, "--listen=127.0.0.1:0", "--data-dir=" +
                              (*dir_ / "server").string(), "--ready-file=" + ready.string()},
                             *dir_ / "server.out", *dir_ / "server.err");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    nlohmann::json parsed = nlohmann::json::parse(ReadFile(ready), nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("address")) {
      address_ = new std::string(parsed["address"].get<std::string>());
    }
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      // Graceful stop (SIGTERM) as an operator would; the server exits 0.
      EXPECT_EQ(server_->Stop(SIGTERM), 0) << ReadFile(*dir_ / "server.err");
    }
    delete server_;
    delete address_;
    std::error_code ignored;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    server_ = nullptr;
    address_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(address_, nullptr) << "invitegate-server did not start:\n"
                                 << ReadFile(*dir_ / "server.err");
  }

  // The CLI against this server as `account` (may be empty).
  RunResult As(const std::string& account, std::vector<std::string> args) {
    args.insert(args.begin(), "--server=" + *address_);
    if (!account.empty()) args.insert(args.begin(), "--account=" + account);
    return Cli(args);
  }
  std::vector<std::string> CliArgs(const std::string& account, std::vector<std::string> args) {
    args.insert(args.begin(), {kCli, "--server=" + *address_, "--account=" + account});
    return args;
  }

  static std::filesystem::path* dir_;
  static Background* server_;
  static std::string* address_;
};

std::filesystem::path* CliServerTest::dir_ = nullptr;
Background* CliServerTest::server_ = nullptr;
std::string* CliServerTest::address_ = nullptr;

// The README's five-minute tour, step by step, as a user types it.
TEST_F(CliServerTest, ApprovalGatedTour) {
  // 1. Alice creates a link that needs approval.
  RunResult created = As("alice", {"--json", "links", "create", "--chat", "invitegate_group",
                                   "--request-needed", "--title", "tour"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::vector<nlohmann::json> link = JsonLines(created.out);
  ASSERT_EQ(link.size(), 1u);
  const std::string url = link[0]["url"];
  const std::string name = link[0]["name"];
  EXPECT_EQ(link[0]["request_needed"], true);
  EXPECT_EQ(link[0]["title"], "tour");
  EXPECT_THAT(url, StartsWith("https://t.me/+"));

  // The human form of the same link, by URL.
  RunResult got = As("alice", {"links", "get", "--chat", "invitegate_group", url});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr(url));
  EXPECT_THAT(got.out, HasSubstr("approval needed"));

  // 2. Alice watches (with a snapshot, so the request shows up whether it comes before or after
  //    the subscription starts).
  const std::filesystem::path watch_out = *dir_ / "watch.out", watch_err = *dir_ / "watch.err";
  Background watch(CliArgs("alice", {"--json", "watch", "--chat", "invitegate_group", "--snapshot",
                                     "--for", "60s"}),
                   watch_out, watch_err);
  ASSERT_TRUE(watch.started());

  // 3. Dave checks and joins: pending approval, which is no error.
  RunResult check = As("dave", {"links", "check", url});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("approval needed"));
  RunResult joined = As("dave", {"links", "join", url});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  EXPECT_THAT(joined.out, HasSubstr("pending approval"));

  // 4. The request is pending.
  RunResult pending =
      As("alice", {"--json", "requests", "list", "--chat", "invitegate_group", "--link", url});
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  std::vector<nlohmann::json> list = JsonLines(pending.out);
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0]["join_requests"].size(), 1u);
  EXPECT_EQ(list[0]["join_requests"][0]["user"]["id"], "1000004");  // int64 as a JSON string
  EXPECT_EQ(list[0]["join_requests"][0]["state"], "JOIN_REQUEST_STATE_PENDING");

  // The watcher saw it (or the server does not implement Watch yet: noted at the end).
  bool watch_saw_request = false;
  int watch_exit = -1;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    for (const nlohmann::json& event : JsonLines(ReadFile(watch_out))) {
      for (const char* kind : {"created", "snapshot"}) {
        if (!event.contains(kind)) continue;
        const nlohmann::json& r =
            std::string(kind) == "created" ? event[kind]["join_request"] : event[kind];
        watch_saw_request |= r["user"]["id"] == "1000004";
      }
    }
    if (watch_saw_request) break;
    watch_exit = watch.Wait(std::chrono::seconds(0));
    if (watch_exit != -1) break;  // it ended (UNIMPLEMENTED, or an error)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // 5. Alice approves Dave; 6. Dave is among the importers of the link.
  RunResult approved = As("alice", {"requests", "approve", "--chat", "invitegate_group", "1000004"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_THAT(approved.out, HasSubstr("approved accounts/alice/chats/invitegate_group/"
                                      "joinRequests/1000004"));
  RunResult importers =
      As("alice", {"requests", "importers", "--chat", "invitegate_group", "--link", url});
  ASSERT_EQ(importers.exit_code, 0) << importers.err;
  EXPECT_THAT(importers.out, HasSubstr("user 1000004"));
  EXPECT_THAT(importers.out, HasSubstr("1 of 1 members"));
  RunResult again = As("dave", {"links", "join", url});
  EXPECT_EQ(again.exit_code, 5) << again.err;  // ALREADY_EXISTS
  EXPECT_THAT(again.err, HasSubstr("USER_ALREADY_PARTICIPANT"));

  // Per-link statistics need the ledger; tolerated as UNIMPLEMENTED (exit 9) until it is wired.
  RunResult stats = As("alice", {"stats", "--chat", "invitegate_group", name});
  EXPECT_TRUE(stats.exit_code == 0 || stats.exit_code == 9) << stats.err;

  const int stopped = watch.Stop(SIGTERM);
  const std::string watch_errors = ReadFile(watch_err);
  if (!watch_saw_request && absl::StrContains(watch_errors, "UNIMPLEMENTED")) {
    EXPECT_EQ(watch_exit, 9);
    GTEST_SKIP() << "the watch step: the server does not implement WatchJoinRequests yet "
                    "(UNIMPLEMENTED, exit 9); every other step of the tour passed";
  }
  EXPECT_TRUE(watch_saw_request) << "watch printed:\n"
                                 << ReadFile(watch_out) << "\nstderr:\n" << watch_errors;
  EXPECT_EQ(stopped, 0) << watch_errors;  // SIGTERM ends a watch cleanly
}

TEST_F(CliServerTest, ExitCodesAndErrorsNameTelegramsReason) {
  // NOT_FOUND → 3, with Invitegate's reason.
  RunResult missing = As("", {"accounts", "get", "nobody"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(missing.err, HasSubstr("reason ACCOUNT_NOT_FOUND (invitegate)"));
  // The same under --json: a parseable error object on stderr.
  RunResult json = As("", {"--json", "accounts", "get", "nobody"});
  EXPECT_EQ(json.exit_code, 3);
  std::vector<nlohmann::json> error = JsonLines(json.err);
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(error[0]["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(error[0]["error"]["reason"], "ACCOUNT_NOT_FOUND");
  EXPECT_TRUE(json.out.empty());

  // A bot cannot list links: FAILED_PRECONDITION → 5, naming the account kind.
  RunResult bot = As("bot", {"links", "list", "--chat", "invitegate_group"});
  EXPECT_EQ(bot.exit_code, 5) << bot.err;
  EXPECT_THAT(bot.err, HasSubstr("NOT_ALLOWED_FOR_BOTS"));

  // Dave is no admin: Telegram's CHAT_ADMIN_REQUIRED → PERMISSION_DENIED → 4.
  RunResult denied = As("dave", {"links", "create", "--chat", "invitegate_group"});
  EXPECT_EQ(denied.exit_code, 4) << denied.err;
  EXPECT_THAT(denied.err, HasSubstr("CHAT_ADMIN_REQUIRED"));

  // The server's validation: INVALID_ARGUMENT → 7, naming the field.
  RunResult invalid = As("alice", {"links", "create", "--chat", "invitegate_group", "--title",
                                   std::string(40, 'x')});
  EXPECT_EQ(invalid.exit_code, 7) << invalid.err;
  EXPECT_THAT(invalid.err, HasSubstr("invite_link.title"));

  // A revoked link lets nobody in: Telegram's INVITE_HASH_EXPIRED → FAILED_PRECONDITION → 5.
  RunResult created = As("alice", {"--json", "links", "create", "--chat", "invitegate_group"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string url = JsonLines(created.out).at(0)["url"];
  RunResult revoked = As("alice", {"links", "revoke", "--chat", "invitegate_group", url});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_THAT(revoked.out, HasSubstr("revoked"));
  RunResult expired = As("dave", {"links", "join", url});
  EXPECT_EQ(expired.exit_code, 5) << expired.err;
  EXPECT_THAT(expired.err, HasSubstr("INVITE_HASH_EXPIRED"));
  RunResult deleted = As("alice", {"links", "delete", "--chat", "invitegate_group", url});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  RunResult gone = As("alice", {"links", "get", "--chat", "invitegate_group", url});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.exit_code, 2);
}

TEST_F(CliServerTest, JsonOutputParses) {
  RunResult accounts = As("", {"--json", "accounts", "list"});
  ASSERT_EQ(accounts.exit_code, 0) << accounts.err;
  std::vector<nlohmann::json> lines = JsonLines(accounts.out);
  ASSERT_EQ(lines.size(), 1u);
  std::vector<std::string> names;
  for (const auto& a : lines[0]["accounts"]) names.push_back(a["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"accounts/alice", "accounts/bot", "accounts/dave"}));

  RunResult chat = As("alice", {"--json", "chats", "get", "invitegate_group"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  lines = JsonLines(chat.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["kind"], "CHAT_KIND_SUPERGROUP");
  EXPECT_EQ(lines[0]["username"], "invitegate_group");

  RunResult resolved = As("dave", {"--json", "usernames", "resolve", "@invitegate_test_bot"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  lines = JsonLines(resolved.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["user"]["bot"], true);

  RunResult links = As("alice", {"--json", "links", "list", "--chat", "invitegate_group", "--all",
                                 "--page-size", "1"});
  ASSERT_EQ(links.exit_code, 0) << links.err;
  lines = JsonLines(links.out);
  ASSERT_EQ(lines.size(), 1u);  // --all merges the pages into one response
  EXPECT_GE(lines[0]["invite_links"].size(), 1u);
  EXPECT_EQ(lines[0]["next_page_token"], "");

  RunResult settings = As("alice", {"--json", "chats", "settings", "invitegate_group"});
  ASSERT_EQ(settings.exit_code, 0) << settings.err;
  EXPECT_EQ(JsonLines(settings.out).size(), 1u);
}

TEST_F(CliServerTest, LoginUserWithTwoFactorAndBot) {
  // Carol: phone and code from flags (no terminal: nothing is asked).
  RunResult carol = As("carol", {"login", "--phone", "+999 663 1111", "--code", "33333"});
  ASSERT_EQ(carol.exit_code, 0) << carol.err;
  EXPECT_THAT(carol.out, HasSubstr("SIGN_IN_STATE_SIGNED_IN"));
  EXPECT_THAT(carol.out, HasSubstr("carol_member"));

  // A wrong code from a flag fails with Telegram's reason (and is not retried).
  RunResult wrong = As("erin", {"login", "--phone", "9996641002", "--code", "12345"});
  EXPECT_EQ(wrong.exit_code, 7) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("PHONE_CODE_INVALID"));

  // Bob has 2FA: the password comes from a file. Without it and without a terminal, login says
  // which flag to pass (usage, 2) and a later run continues from the state the server kept.
  RunResult no_password = As("bob2", {"login", "--phone", "9996625678", "--code", "22222"});
  EXPECT_EQ(no_password.exit_code, 2) << no_password.err;
  EXPECT_THAT(no_password.err, HasSubstr("--password-file"));
  const std::filesystem::path password = *dir_ / "password";
  {
    std::ofstream(password) << "emulator-2fa-pass\n";
  }
  RunResult bob = As("bob2", {"--json", "login", "--password-file", password.string()});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<nlohmann::json> account = JsonLines(bob.out);
  ASSERT_EQ(account.size(), 1u);
  EXPECT_EQ(account[0]["state"], "SIGN_IN_STATE_SIGNED_IN");
  EXPECT_EQ(account[0]["kind"], "ACCOUNT_KIND_USER");

  // A bot by token file.
  const std::filesystem::path token = *dir_ / "bot-token";
  {
    std::ofstream(token) << "2000002:AAEmulatorHelperBotToken000000000002\n";
  }
  RunResult helper = As("helper", {"login", "--bot-token-file", token.string()});
  ASSERT_EQ(helper.exit_code, 0) << helper.err;
  EXPECT_THAT(helper.out, HasSubstr("ACCOUNT_KIND_BOT"));
  EXPECT_THAT(helper.out, HasSubstr("helper_test_bot"));
}

}  // namespace
}  // namespace invitegate::testing

namespace invitegate::testing {
namespace {

// `watch` survives a server restart: it resumes from its last token and prints the events that
// happened while it was away, each once.
TEST(CliWatchResumeTest, ResumesAcrossAServerRestart) {
  const std::filesystem::path dir = MakeTempDir();
  auto start = [&](const std::string& listen, const std::string& tag) {
    return std::make_unique<Background>(
        std::vector<std::string>{kServerBinary, "--listen=" + listen,
                                 "--data-dir=" + (dir / "server").string(),
                                 "--ready-file=" + (dir / (tag + ".json")).string()},
        dir / (tag + ".out"), dir / (tag + ".err"));
  };
  auto address_of = [&](const std::string& tag) -> std::string {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < until) {
      nlohmann::json ready = nlohmann::json::parse(ReadFile(dir / (tag + ".json")), nullptr, false);
      if (!ready.is_discarded() && ready.contains("address")) return ready["address"];
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "";
  };
  std::unique_ptr<Background> server = start("127.0.0.1:0", "first");
  const std::string address = address_of("first");
  ASSERT_FALSE(address.empty()) << ReadFile(dir / "first.err");
  auto cli = [&](const std::string& account, std::vector<std::string> args) {
    args.insert(args.begin(), {"--server=" + address, "--account=" + account});
    return Cli(args);
  };
  RunResult created = cli("alice", {"--json", "links", "create", "--chat", "invitegate_group",
                                    "--request-needed"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string url = JsonLines(created.out).at(0)["url"];

  Background watch({kCli, "--server=" + address, "--account=alice", "--json", "watch", "--chat",
                    "invitegate_group", "--type", "created", "--snapshot", "--for", "90s"},
                   dir / "watch.out", dir / "watch.err");
  auto requesters = [&] {
    std::vector<std::string> ids;
    for (const nlohmann::json& e : JsonLines(ReadFile(dir / "watch.out"))) {
      if (e.contains("created")) ids.push_back(e["created"]["join_request"]["user"]["id"]);
      if (e.contains("snapshot")) ids.push_back(e["snapshot"]["user"]["id"]);
    }
    return ids;
  };
  auto wait_for = [&](size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (requesters().size() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  ASSERT_EQ(cli("dave", {"links", "join", url}).exit_code, 0);
  wait_for(1);
  ASSERT_THAT(requesters(), ::testing::ElementsAre("1000004")) << ReadFile(dir / "watch.err");

  // Restart on the same port; Erin asks to join while the watcher is reconnecting.
  ASSERT_EQ(server->Stop(SIGTERM), 0);
  server = start(address, "second");
  ASSERT_EQ(address_of("second"), address) << ReadFile(dir / "second.err");
  RunResult erin = cli("erin", {"login", "--phone", "9996641002", "--code", "44444"});
  ASSERT_EQ(erin.exit_code, 0) << erin.err;
  ASSERT_EQ(cli("erin", {"links", "join", url}).exit_code, 0);
  wait_for(2);
  EXPECT_THAT(requesters(), ::testing::ElementsAre("1000004", "1000005"))
      << ReadFile(dir / "watch.err");
  EXPECT_THAT(ReadFile(dir / "watch.err"), ::testing::IsEmpty());  // --json keeps stderr quiet
  EXPECT_EQ(watch.Stop(SIGTERM), 0);
  EXPECT_EQ(server->Stop(SIGTERM), 0);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace invitegate::testing

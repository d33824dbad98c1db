// invitegate-server as a process: config precedence (file < INVITEGATE_* environment < flags)
// shown by --print-config with secrets redacted, and the embedded default serving then shutting
// down cleanly on SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "inline-secret-0123456789abcdef";

class ServerBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("invitegate-binary-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the server with `args` under `env` (VAR=value ...); returns stdout, sets *rc.
  std::string Run(const std::string& env, const std::string& args, int* rc) {
    const std::string command = absl::StrCat("cd '", dir_.string(), "' && env ", env, " '",
                                             INVITEGATE_SERVER_BINARY, "' ", args, " 2>&1");
    FILE* p = ::popen(command.c_str(), "r");
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    *rc = WEXITSTATUS(::pclose(p));
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(ServerBinaryTest, PrintConfigAppliesFileThenEnvironmentThenFlags) {
  std::ofstream(dir_ / "c.json") << R"({
    // comments are allowed
    "log": {"level": "warn"},
    "state_dir": "from-file",
    "tokens": [{"name": "ops", "secret": ")" << kSecret << R"(", "accounts": ["*"],
                "actions": ["admin"]}]
  })";
  int rc = 0;
  std::string out = Run("", "--config=c.json --print-config", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"warn\""));
  EXPECT_THAT(out, HasSubstr("from-file"));
  EXPECT_THAT(out, Not(HasSubstr(kSecret)));
  EXPECT_THAT(out, HasSubstr("redacted"));

  out = Run("INVITEGATE_LOG_LEVEL=error INVITEGATE_STATE_DIR=from-env",
            "--config=c.json --print-config", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"error\""));
  EXPECT_THAT(out, HasSubstr("from-env"));

  out = Run("INVITEGATE_LOG_LEVEL=error INVITEGATE_STATE_DIR=from-env",
            "--config=c.json --log.level=debug --data-dir=from-flag --print-config", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"debug\""));
  EXPECT_THAT(out, HasSubstr("from-flag"));
  EXPECT_THAT(out, Not(HasSubstr(kSecret)));
}

TEST_F(ServerBinaryTest, BadConfigAndUnknownFlagsAreRejected) {
  int rc = 0;
  std::string out = Run("", "--log.level=loud --print-config", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(out, HasSubstr("log.level"));
  out = Run("", "--no-such-flag", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(out, HasSubstr("unknown argument"));
}

TEST_F(ServerBinaryTest, EmbeddedDefaultServesThenStopsOnSigterm) {
  const std::filesystem::path ready = dir_ / "ready.json";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string data = "--data-dir=" + (dir_ / "data").string();
    const std::string ready_flag = "--ready-file=" + ready.string();
    ::freopen((dir_ / "server.log").c_str(), "w", stdout);
    ::freopen((dir_ / "server.log").c_str(), "a", stderr);
    ::execl(INVITEGATE_SERVER_BINARY, INVITEGATE_SERVER_BINARY, "--listen=127.0.0.1:0",
            data.c_str(), ready_flag.c_str(), "--shutdown.grace_period=2s",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 600 && !std::filesystem::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(std::filesystem::exists(ready));
  std::stringstream ready_json;
  ready_json << std::ifstream(ready).rdbuf();
  EXPECT_THAT(ready_json.str(), HasSubstr("\"address\": \"127.0.0.1:"));
  const auto start = std::chrono::steady_clock::now();
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::stringstream log;
  log << std::ifstream(dir_ / "server.log").rdbuf();
  EXPECT_THAT(log.str(), HasSubstr("\"msg\":\"serving\""));
  EXPECT_THAT(log.str(), HasSubstr("\"healthy\":true"));
  EXPECT_THAT(log.str(), HasSubstr("\"msg\":\"stopped\""));
}

}  // namespace

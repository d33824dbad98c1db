// The running server, over loopback: the ready-file contract the interop tests read, faults that
// act on the wire (drop, delay, migrate), state file permissions, and the binary itself
// (flags, ready file written atomically, clean stop on SIGTERM).
#include "mtproto/emulator/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/tl/api.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_client.h"
#include "tests/unit/emulator/test_util.h"

extern char** environ;

namespace mtproto::emulator {
namespace {

namespace api = tl::api;
using mtproto::testing::TestClient;
using testing::TempDir;

// Sends raw bytes on a fresh TCP connection and waits for the server to close it (or 2 s).
void SendRaw(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  char buffer[256];
  while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
  ::close(fd);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartWith(Faults faults) {
    EmulatorOptions options;
    options.state_dir = dir_.path() / "state";
    options.faults = std::move(faults);
    emulator_ = std::make_unique<Emulator>(std::move(options));
    auto endpoints = emulator_->Start();
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    endpoints_ = *endpoints;
  }

  std::unique_ptr<TestClient> Connect(int dc_index = 1) {
    auto key = crypto::RsaPublicKey::FromPem(endpoints_.public_key_pem);
    EXPECT_TRUE(key.ok());
    const DcEndpoint& dc = endpoints_.dcs[dc_index];
    auto client = std::make_unique<TestClient>(TestClient::Options{dc.host, dc.port, dc.id, *key});
    EXPECT_TRUE(client->Connect().ok());
    absl::Status handshake = client->Handshake();
    EXPECT_TRUE(handshake.ok()) << handshake;
    return client;
  }

  TempDir dir_;
  std::unique_ptr<Emulator> emulator_;
  EmulatorEndpoints endpoints_;
};

TEST_F(ServerTest, ReadyJsonCarriesTheContract) {
  StartWith({});
  const nlohmann::json ready = nlohmann::json::parse(emulator_->ReadyJson());
  ASSERT_EQ(ready["dcs"].size(), 2u);
  EXPECT_EQ(ready["dcs"][0]["id"], 1);
  EXPECT_EQ(ready["dcs"][1]["id"], 2);
  EXPECT_EQ(ready["dcs"][1]["host"], "127.0.0.1");
  EXPECT_EQ(ready["dcs"][1]["port"], endpoints_.dcs[1].port);
  EXPECT_NE(endpoints_.dcs[0].port, endpoints_.dcs[1].port);

  auto key = crypto::RsaPublicKey::FromPem(ready["public_key_pem"].get<std::string>());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_GE(key->Fingerprint(), 0x1000000000000000u);
  EXPECT_EQ(std::stoull(ready["fingerprint"].get<std::string>(), nullptr, 16), key->Fingerprint());
  EXPECT_EQ(std::stoll(ready["fingerprint_signed"].get<std::string>()),
            static_cast<int64_t>(key->Fingerprint()));
  EXPECT_EQ(ready["world"]["bots"][0]["token"], World::Sample().bots()[0].token);
  bool has_2fa_user = false;
  for (const auto& user : ready["world"]["users"]) has_2fa_user |= user.contains("password");
  EXPECT_TRUE(has_2fa_user);

  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() / "state" / "server_key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(ServerTest, RestartKeepsThePortsAndTheKey) {
  StartWith({});
  auto again = emulator_->Restart();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->dcs[0].port, endpoints_.dcs[0].port);
  EXPECT_EQ(again->dcs[1].port, endpoints_.dcs[1].port);
  EXPECT_EQ(again->fingerprint, endpoints_.fingerprint);
}

TEST_F(ServerTest, DropsTheConnectionAfterNMessages) {
  Faults faults;
  faults.drop_after_messages = 2;
  StartWith(faults);
  auto client = Connect();
  EXPECT_TRUE(client->Call(api::help_getNearestDc()).ok());
  absl::Status second = client->Call(api::help_getNearestDc()).status();
  absl::Status third = client->Call(api::help_getNearestDc()).status();
  EXPECT_FALSE(second.ok() && third.ok()) << "the connection was never dropped";
}

TEST_F(ServerTest, DelaysAnswers) {
  Faults faults;
  faults.delay = std::chrono::milliseconds(300);
  faults.delay_methods = {"help.getNearestDc"};
  StartWith(faults);
  auto client = Connect();
  const auto start = std::chrono::steady_clock::now();
  auto nearest = client->Call(api::help_getNearestDc());
  ASSERT_TRUE(nearest.ok()) << nearest.status();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(ServerTest, MigrateSendsTheClientToAnotherDc) {
  Faults faults;
  faults.migrate.push_back({"auth.sendCode", 2, ""});
  StartWith(faults);
  api::auth_sendCode send;
  send.phone_number = "9996621234";
  send.api_id = 1;
  send.api_hash = "0123456789abcdef";
  send.settings = std::make_unique<api::codeSettings>();
  auto on_dc1 = Connect(0);
  EXPECT_EQ(on_dc1->Call(send).status().message(), "303 PHONE_MIGRATE_2");
  auto on_dc2 = Connect(1);
  EXPECT_TRUE(on_dc2->Call(send).ok());
}

TEST_F(ServerTest, BadMsgNotificationIsRecoveredByResending) {
  Faults faults;
  faults.bad_msg_notification_code = 17;  // msg_id too high: the client resyncs and re-sends
  StartWith(faults);
  auto client = Connect();
  auto nearest = client->Call(api::help_getNearestDc());
  EXPECT_TRUE(nearest.ok()) << nearest.status();
}

TEST_F(ServerTest, GarbageOnTheWireOnlyClosesThatConnection) {
  StartWith({});
  for (const std::string& garbage :
       {std::string("\xef\x7f\x00\x00\x00", 5), std::string(64, '\x42'),
        std::string("\xee\xee\xee\xee\x10\x00\x00\x00") + std::string(16, '\x01')}) {
    SendRaw(endpoints_.dcs[1].port, garbage);
  }
  auto client = Connect();
  EXPECT_TRUE(client->Call(api::help_getNearestDc()).ok());
}

TEST_F(ServerTest, ConfigListsEveryDcWithItsPort) {
  StartWith({});
  auto client = Connect();
  auto config = client->Call(api::help_getConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& c = static_cast<const api::config&>(**config);
  EXPECT_EQ(c.this_dc, 2);
  ASSERT_EQ(c.dc_options.size(), 2u);
  EXPECT_EQ(static_cast<const api::dcOption&>(*c.dc_options[1]).port, endpoints_.dcs[1].port);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EmulatorBinary, WritesTheReadyFileAndStopsOnSigterm) {
  TempDir dir;
  const std::string ready = (dir.path() / "ready.json").string();
  const std::string state = (dir.path() / "state").string();
  std::vector<std::string> args = {INVITEGATE_EMULATOR_BINARY, "--state-dir", state, "--ready-file",
                                   ready, "--dcs", "1,2,3", "--flood-wait", "auth.sendCode:3:1"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  for (int i = 0; i < 300 && !std::filesystem::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(ready));
  const nlohmann::json json = nlohmann::json::parse(ReadFile(ready));
  EXPECT_EQ(json["dcs"].size(), 3u);
  EXPECT_TRUE(json["public_key_pem"].get<std::string>().starts_with("-----BEGIN RSA PUBLIC KEY-----"));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(EmulatorBinary, RejectsBadFlags) {
  std::vector<std::string> args = {INVITEGATE_EMULATOR_BINARY, "--flood-wait", "nonsense"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace mtproto::emulator

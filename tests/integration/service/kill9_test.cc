// The kill -9 test: the invitegate-server binary (embedded emulator, state in a temporary
// directory) is killed with SIGKILL again and again and restarted on the same port while users
// keep asking to join through a request-needed link and the bot keeps declining them. A
// subscriber follows the bot's join requests, reconnecting with its last resume token after every
// kill; in the end it must have seen every request exactly once, in sequence order.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "invitegate/v1/accounts.grpc.pb.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "invitegate/v1/join_requests.grpc.pb.h"

namespace invitegate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One server process at a time.
class ServerProcess {
 public:
  ServerProcess(std::filesystem::path dir, int port) : dir_(std::move(dir)), port_(port) {}
  ~ServerProcess() { Kill(); }

  // Starts the binary and waits for its ready file.
  bool Start() {
    const std::filesystem::path ready = dir_ / "ready.json";
    std::filesystem::remove(ready);
    const std::string data = "--data-dir=" + (dir_ / "data").string();
    const std::string listen = "--listen=127.0.0.1:" + std::to_string(port_);
    const std::string ready_flag = "--ready-file=" + ready.string();
    const std::string log = (dir_ / "server.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const char* argv[] = {INVITEGATE_SERVER_BINARY, data.c_str(), listen.c_str(),
                            ready_flag.c_str(), nullptr};
      ::execv(argv[0], const_cast<char* const*>(argv));
      ::_exit(127);
    }
    for (int i = 0; i < 600; ++i) {
      if (std::filesystem::exists(ready)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }
  void Kill(int signal = SIGKILL) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::filesystem::path dir_;
  int port_;
  pid_t pid_ = -1;
};

std::unique_ptr<grpc::ClientContext> Ctx(seconds timeout = seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

// Retries `call` (a grpc::Status-returning RPC) until it gives something other than a transient
// failure (the server is down or restarting).
template <typename Call>
grpc::Status Retry(Call call, seconds budget = seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + budget;
  while (true) {
    grpc::Status s = call();
    const bool transient = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                           s.error_code() == grpc::StatusCode::CANCELLED ||
                           s.error_code() == grpc::StatusCode::INTERNAL ||
                           s.error_code() == grpc::StatusCode::UNKNOWN ||
                           (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
                            s.error_message().find("not signed in") != std::string::npos);
    if (!transient || std::chrono::steady_clock::now() > until) return s;
    std::this_thread::sleep_for(milliseconds(100));
  }
}

TEST(Kill9Test, SubscribersSeeEveryJoinRequestExactlyOnce) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("invitegate-kill9-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int port = FreePort();
  ServerProcess server(dir, port);
  ASSERT_TRUE(server.Start()) << "see " << (dir / "server.log");
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto accounts = v1::AccountService::NewStub(channel);
  auto links = v1::InviteLinkService::NewStub(channel);
  auto requests = v1::JoinRequestService::NewStub(channel);

  // Joiners: Dave (a sample account) and Eve, Frank (signed in here; kept under the data dir).
  const std::vector<std::pair<std::string, int64_t>> joiners = {
      {"dave", 1000004}, {"eve", 1000005}, {"frank", 1000006}};
  for (const auto& [name, phone] : std::vector<std::pair<std::string, std::string>>{
           {"eve", "9996641002"}, {"frank", "9996641003"}}) {
    v1::StartSignInRequest start;
    start.set_name("accounts/" + name);
    start.set_phone_number(phone);
    v1::Account account;
    grpc::Status s = accounts->StartSignIn(Ctx().get(), start, &account);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::SubmitSignInCodeRequest code;
    code.set_name("accounts/" + name);
    code.set_code("44444");
    s = accounts->SubmitSignInCode(Ctx().get(), code, &account);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::CreateInviteLinkRequest create;
  create.set_parent("accounts/alice/chats/invitegate_group");
  create.mutable_invite_link()->set_request_needed(true);
  v1::InviteLink link;
  ASSERT_TRUE(links->CreateInviteLink(Ctx().get(), create, &link).ok());

  // The subscriber: the bot's requests, resumed with the last token after every disconnect.
  std::mutex mutex;
  std::vector<v1::JoinRequestEvent> seen;
  std::atomic<bool> stop{false};
  std::atomic<int> reconnects{0};
  std::atomic<bool> subscribed{false};
  std::thread watcher([&] {
    std::string token;
    while (!stop) {
      v1::WatchJoinRequestsRequest watch;
      watch.set_account("accounts/bot");
      watch.add_event_types(v1::JOIN_REQUEST_EVENT_TYPE_CREATED);
      watch.mutable_heartbeat_interval()->set_seconds(1);
      if (!token.empty()) watch.set_resume_token(token);
      grpc::ClientContext ctx;
      auto reader = requests->WatchJoinRequests(&ctx, watch);
      v1::JoinRequestEvent event;
      while (!stop && reader->Read(&event)) {
        subscribed = true;
        if (!event.resume_token().empty()) token = event.resume_token();
        if (event.has_created()) {
          std::lock_guard lock(mutex);
          seen.push_back(event);
        }
      }
      if (stop) ctx.TryCancel();
      (void)reader->Finish();
      ++reconnects;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  for (int i = 0; i < 100 && !subscribed; ++i) std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(subscribed) << "no heartbeat from the first stream";

  // The killer: SIGKILL at random moments, restarting at once.
  std::atomic<int> kills{0};
  std::atomic<bool> killing{true};
  std::thread killer([&] {
    std::mt19937 rng(12345);
    while (killing) {
      std::this_thread::sleep_for(milliseconds(700 + rng() % 900));
      if (!killing) break;
      server.Kill(SIGKILL);
      ++kills;
      if (!server.Start()) {
        ADD_FAILURE() << "restart failed; see " << (dir / "server.log");
        return;
      }
    }
  });

  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& [name, id] : joiners) {
      v1::JoinByInviteLinkRequest join;
      join.set_account("accounts/" + name);
      join.set_invite_link(link.url());
      v1::JoinByInviteLinkResponse joined;
      grpc::Status s = Retry([&] { return links->JoinByInviteLink(Ctx().get(), join, &joined); });
      ASSERT_TRUE(s.ok()) << name << " round " << round << ": " << s.error_message();
    }
    // Requests are told apart by their date (seconds): the next round asks a second later.
    std::this_thread::sleep_for(milliseconds(1100));
    for (const auto& [name, id] : joiners) {
      v1::DeclineJoinRequestRequest decline;
      decline.set_name("accounts/bot/chats/invitegate_group/joinRequests/" + std::to_string(id));
      google::protobuf::Empty empty;
      grpc::Status s =
          Retry([&] { return requests->DeclineJoinRequest(Ctx().get(), decline, &empty); });
      // Declined before the kill, asked again after it: already gone.
      ASSERT_TRUE(s.ok() || s.error_message().find("HIDE_REQUESTER_MISSING") != std::string::npos)
          << s.error_message();
    }
  }
  killing = false;
  killer.join();
  EXPECT_GE(kills.load(), 3) << "the run was too short to kill the server often";

  const size_t expected = joiners.size() * kRounds;
  for (int i = 0; i < 600; ++i) {
    {
      std::lock_guard lock(mutex);
      if (seen.size() >= expected) break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::this_thread::sleep_for(milliseconds(500));  // anything extra would show up now
  stop = true;
  server.Kill(SIGTERM);
  watcher.join();

  std::lock_guard lock(mutex);
  std::set<std::pair<int64_t, int64_t>> requests_seen;  // (user, request time)
  std::map<int64_t, int> per_user;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (i > 0) EXPECT_GT(seen[i].sequence(), seen[i - 1].sequence()) << "duplicate or reordered";
    const v1::JoinRequest& r = seen[i].created().join_request();
    EXPECT_TRUE(requests_seen.insert({r.user().id(), r.request_time().seconds()}).second)
        << "seen twice: " << r.ShortDebugString();
    ++per_user[r.user().id()];
  }
  EXPECT_EQ(seen.size(), expected) << "kills: " << kills << ", reconnects: " << reconnects;
  for (const auto& [name, id] : joiners) EXPECT_EQ(per_user[id], kRounds) << name;
  std::printf("kill9: %d kills, %d reconnects, %zu requests seen exactly once\n", kills.load(),
              reconnects.load(), seen.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace invitegate

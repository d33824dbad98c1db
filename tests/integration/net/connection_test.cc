// net::Connection against the emulator over loopback: handshake, pipelining, reconnects that
// never execute a call twice, restarts, salt rotation, bad_msg_notification, cancellation, Stop,
// keepalive, and an auth key the server does not know (-404).
#include "mtproto/net/connection.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "mtproto/emulator/server.h"
#include "tests/integration/running_emulator.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/mt.h"

namespace mtproto::net {
namespace {

namespace api = tl::api;
using std::chrono::milliseconds;

constexpr auto kPatience = std::chrono::seconds(60);  // only to avoid hangs

std::string Boxed(const tl::Object& object) {
  tl::Writer out;
  object.StoreBoxed(out);
  return out.Take();
}

// `call` inside invokeWithLayer(initConnection(...)), as the engine sends a first call.
std::string WithLayer(const tl::Object& call) {
  api::invokeWithLayer wrapper;
  wrapper.layer = api::kLayer;
  auto init = std::make_unique<api::initConnection>();
  init->api_id = 1;
  init->device_model = "net test";
  init->system_version = "linux";
  init->app_version = "0.1";
  init->system_lang_code = "en";
  init->lang_code = "en";
  std::string body = Boxed(call);
  tl::Reader in(body);
  init->query = tl::FetchBoxedAs<api::Function>(in);
  wrapper.query = std::move(init);
  return Boxed(wrapper);
}

std::string GetNearestDc() { return WithLayer(api::help_getNearestDc()); }

std::string SendCode() {
  api::auth_sendCode call;
  call.phone_number = "9996621234";
  call.api_id = 1;
  call.api_hash = "0123456789abcdef";
  call.settings = std::make_unique<api::codeSettings>();
  return WithLayer(call);
}

uint32_t IdOf(const std::string& body) {
  uint32_t id = 0;
  if (body.size() >= 4) std::memcpy(&id, body.data(), 4);
  return id;
}

// Collects callbacks from the I/O thread; counts how often each request completed.
class Results {
 public:
  Connection::Callback For(Connection::RequestId* id_out = nullptr) {
    const int slot = next_slot_++;
    return [this, slot](absl::StatusOr<std::string> result) {
      std::lock_guard lock(mu_);
      ++calls_[slot];
      results_.insert_or_assign(slot, std::move(result));
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return results_.size() >= n; });
  }
  std::map<int, absl::StatusOr<std::string>> results() {
    std::lock_guard lock(mu_);
    return results_;
  }
  // True when every callback ran exactly once.
  bool EachOnce() {
    std::lock_guard lock(mu_);
    for (const auto& [slot, count] : calls_) {
      if (count != 1) return false;
    }
    return static_cast<int>(calls_.size()) == next_slot_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, int> calls_;
  std::map<int, absl::StatusOr<std::string>> results_;
  int next_slot_ = 0;  // For() is called from the test thread only
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Start("invitegate-net-test").ok());
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (connection_) connection_->Stop();
    work_.reset();
    io_thread_.join();
  }

  Connection::Options Options() {
    const emulator::DcEndpoint& dc = env_.endpoints().dcs.back();
    Connection::Options options;
    options.host = dc.host;
    options.port = dc.port;
    options.dc_id = dc.id;
    options.server_keys = {env_.public_key()};
    options.reconnect.initial_backoff = milliseconds(10);
    options.reconnect.max_backoff = milliseconds(200);
    return options;
  }

  // Starts connection_ with `options`, recording what the observer sees.
  void StartConnection(Connection::Options options) {
    Connection::Observer observer;
    observer.on_auth_key = [this](const AuthKeyState& state) {
      std::lock_guard lock(mu_);
      keys_.push_back(state.key.id);
    };
    observer.on_state = [this](ConnectionState state, const absl::Status& why) {
      std::lock_guard lock(mu_);
      if (state == ConnectionState::kBackingOff) {
        ++drops_;
        drop_codes_.push_back(why.code());
      }
      if (state == ConnectionState::kReady) ++readies_;
    };
    connection_ = Connection::Create(io_, std::move(options), std::move(observer));
    connection_->Start();
  }

  // Login codes the emulator has created (one row per executed auth.sendCode).
  int LoginCodes() {
    sqlite3* db = nullptr;
    int count = -1;
    const std::string path = (env_.state_dir() / "emulator.sqlite").string();
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM login_codes", -1, &st, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW) {
        count = sqlite3_column_int(st, 0);
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return count;
  }

  int drops_with(absl::StatusCode code) {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count(drop_codes_.begin(), drop_codes_.end(), code));
  }
  int drops() {
    std::lock_guard lock(mu_);
    return drops_;
  }

  testing::RunningEmulator env_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::thread io_thread_;
  std::shared_ptr<Connection> connection_;
  std::mutex mu_;
  std::vector<uint64_t> keys_;
  int drops_ = 0;
  std::vector<absl::StatusCode> drop_codes_;
  int readies_ = 0;
};

TEST_F(ConnectionTest, HandshakeThenCalls) {
  StartConnection(Options());
  Results results;
  for (int i = 0; i < 3; ++i) connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(3));
  for (const auto& [slot, result] : results.results()) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(IdOf(*result), api::nearestDc::kId);
  }
  EXPECT_TRUE(results.EachOnce());
  std::lock_guard lock(mu_);
  EXPECT_EQ(keys_.size(), 1u);
}

TEST_F(ConnectionTest, ThousandPipelinedCallsAnsweredOnce) {
  StartConnection(Options());
  Results results;
  constexpr int kCalls = 1000;
  for (int i = 0; i < kCalls; ++i) connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(kCalls));
  for (const auto& [slot, result] : results.results()) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(IdOf(*result), api::nearestDc::kId);
  }
  EXPECT_TRUE(results.EachOnce());
}

TEST_F(ConnectionTest, ReconnectsAfterDropsWithoutExecutingTwice) {
  emulator::Faults faults;
  faults.drop_after_messages = 4;
  // Answers held back while the next packet drops the connection: calls executed whose answers
  // never left, which only a resend under the same msg_id (answered from memory) can complete.
  // The delay outlasts the backoff: the repeat of a call still being delayed arrives on the new
  // connection, is not executed again, and gets the answer when the delay ends.
  faults.delay = milliseconds(60);
  faults.delay_methods = {"auth.sendCode"};
  env_.emulator().SetFaults(faults);
  Connection::Options options = Options();
  options.reconnect.initial_backoff = milliseconds(5);
  StartConnection(std::move(options));
  Results results;
  constexpr int kCalls = 60;
  for (int i = 0; i < kCalls; ++i) {
    connection_->Send(SendCode(), results.For());
    // Separate packets, so that drops fall between executed calls and their answers.
    std::this_thread::sleep_for(milliseconds(3));
  }
  ASSERT_TRUE(results.WaitFor(kCalls));
  std::set<std::string> hashes;
  for (const auto& [slot, result] : results.results()) {
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(IdOf(*result), api::auth_sentCode::kId);
    tl::Reader in(*result);
    auto sent = tl::FetchBoxedAs<api::auth_SentCode>(in);
    auto* code = dynamic_cast<api::auth_sentCode*>(sent.get());
    ASSERT_NE(code, nullptr);
    hashes.insert(code->phone_code_hash);
  }
  EXPECT_TRUE(results.EachOnce());
  EXPECT_EQ(hashes.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(drops(), 1);
  connection_->Stop();
  env_.emulator().Stop();
  // Each execution of auth.sendCode stores one login code: exactly one per call.
  EXPECT_EQ(LoginCodes(), kCalls);
}

TEST_F(ConnectionTest, SurvivesEmulatorRestart) {
  StartConnection(Options());
  Results first;
  connection_->Send(GetNearestDc(), first.For());
  ASSERT_TRUE(first.WaitFor(1));
  ASSERT_TRUE(env_.emulator().Restart().ok());
  Results results;
  for (int i = 0; i < 20; ++i) connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(20));
  for (const auto& [slot, result] : results.results()) ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(results.EachOnce());
  EXPECT_GE(drops(), 1);
  std::lock_guard lock(mu_);
  EXPECT_EQ(keys_.size(), 1u);  // the key survived the restart (persisted by the emulator)
}

TEST_F(ConnectionTest, FollowsSaltRotation) {
  emulator::Faults faults;
  faults.rotate_salt_after_messages = 3;
  env_.emulator().SetFaults(faults);
  StartConnection(Options());
  Results results;
  for (int i = 0; i < 30; ++i) {
    connection_->Send(GetNearestDc(), results.For());
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(results.WaitFor(30));
  for (const auto& [slot, result] : results.results()) ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(results.EachOnce());
}

TEST_F(ConnectionTest, RepairsBadMsgNotificationForTime) {
  emulator::Faults faults;
  faults.bad_msg_notification_code = 16;  // msg_id too low: the session resyncs and resends
  env_.emulator().SetFaults(faults);
  StartConnection(Options());
  Results results;
  for (int i = 0; i < 5; ++i) connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(5));
  for (const auto& [slot, result] : results.results()) ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(results.EachOnce());
}

TEST_F(ConnectionTest, ReportsBadMsgNotificationItCannotRepair) {
  emulator::Faults faults;
  faults.bad_msg_notification_code = 35;  // odd msg_seqno expected: nothing to repair
  env_.emulator().SetFaults(faults);
  StartConnection(Options());
  Results results;
  connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(1));
  const absl::StatusOr<std::string>& result = results.results().begin()->second;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal) << result.status();
  // The next call on the same connection goes through.
  Results next;
  connection_->Send(GetNearestDc(), next.For());
  ASSERT_TRUE(next.WaitFor(1));
  EXPECT_TRUE(next.results().begin()->second.ok());
}

TEST_F(ConnectionTest, CancelCompletesOnceWithCancelled) {
  emulator::Faults faults;
  faults.delay = milliseconds(300);
  env_.emulator().SetFaults(faults);
  StartConnection(Options());
  Results results;
  const Connection::RequestId cancelled = connection_->Send(GetNearestDc(), results.For());
  connection_->Send(GetNearestDc(), results.For());
  connection_->Cancel(cancelled);
  ASSERT_TRUE(results.WaitFor(2));
  auto all = results.results();
  EXPECT_EQ(all.at(0).status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(all.at(1).ok()) << all.at(1).status();
  std::this_thread::sleep_for(milliseconds(500));  // the cancelled call's answer arrives
  EXPECT_TRUE(results.EachOnce());
}

TEST_F(ConnectionTest, StopAbortsPendingCalls) {
  emulator::Faults faults;
  faults.delay = std::chrono::seconds(30);
  env_.emulator().SetFaults(faults);
  StartConnection(Options());
  Results results;
  for (int i = 0; i < 10; ++i) connection_->Send(GetNearestDc(), results.For());
  std::this_thread::sleep_for(milliseconds(200));
  connection_->Stop();
  ASSERT_TRUE(results.WaitFor(10));
  for (const auto& [slot, result] : results.results()) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  }
  Results late;  // after Stop, a call fails at once
  connection_->Send(GetNearestDc(), late.For());
  ASSERT_TRUE(late.WaitFor(1));
  EXPECT_EQ(late.results().begin()->second.status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(results.EachOnce());
}

TEST_F(ConnectionTest, UnknownAuthKeyIsReplaced) {
  Connection::Options options = Options();
  AuthKeyState stale;
  crypto::SecureRandom random;
  std::array<uint8_t, crypto::kAuthKeySize> bytes{};
  random.Fill(bytes);
  stale.key = session::AuthKey::FromBytes(bytes);
  stale.salt = 1;
  options.auth_key = stale;
  StartConnection(std::move(options));
  Results results;
  connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_TRUE(results.results().begin()->second.ok());
  std::lock_guard lock(mu_);
  ASSERT_EQ(keys_.size(), 1u);  // a new key, reported
  EXPECT_NE(keys_[0], stale.key.id);
}

TEST_F(ConnectionTest, GivesUpAfterMaxAttempts) {
  Connection::Options options = Options();
  env_.emulator().Stop();  // nothing listens
  options.reconnect.max_attempts = 3;
  StartConnection(std::move(options));
  Results results;
  connection_->Send(GetNearestDc(), results.For());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.results().begin()->second.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ConnectionTest, KeepaliveClosesASilentConnection) {
  // A peer that accepts and never answers: with a known key the connection is ready at once,
  // and the missing pong must close it.
  asio::io_context silent_io;
  asio::ip::tcp::acceptor acceptor(silent_io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(silent_io);
  acceptor.async_accept(peer, [](const asio::error_code&) {});
  std::thread silent([&] { silent_io.run_for(std::chrono::seconds(30)); });
  Connection::Options options = Options();
  options.port = acceptor.local_endpoint().port();
  AuthKeyState known;
  known.key.id = 1;
  options.auth_key = known;
  options.keepalive.interval = milliseconds(50);
  options.keepalive.pong_timeout = milliseconds(100);
  StartConnection(std::move(options));
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (drops_with(absl::StatusCode::kDeadlineExceeded) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_GE(drops_with(absl::StatusCode::kDeadlineExceeded), 1);
  connection_->Stop();
  silent_io.stop();
  silent.join();
}

TEST_F(ConnectionTest, KeepalivePongsKeepAHealthyConnection) {
  Connection::Options options = Options();
  options.keepalive.interval = milliseconds(20);
  options.keepalive.pong_timeout = milliseconds(5'000);
  StartConnection(std::move(options));
  Results results;
  for (int i = 0; i < 10; ++i) {
    connection_->Send(GetNearestDc(), results.For());
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(results.WaitFor(10));
  for (const auto& [slot, result] : results.results()) ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(drops(), 0);
}

}  // namespace
}  // namespace mtproto::net

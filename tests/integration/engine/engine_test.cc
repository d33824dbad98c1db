// engine::Engine against the in-process emulator over loopback: typed results and errors, bot
// and user (2FA) sign-in, restarts that reuse key and login, flood waits, DC migration,
// deadlines, cancellation and pipelining (1,000 calls in flight).
#include "mtproto/engine/engine.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "mtproto/emulator/server.h"
#include "tests/integration/engine/signed_in_engine.h"
#include "tests/integration/running_emulator.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;
using std::chrono::milliseconds;
using std::chrono::seconds;

using testing::kBotId;
using testing::kBotToken;
// The sign-in tests below walk through the steps themselves.
constexpr const char* kBobPhone = testing::kBob.phone;
constexpr const char* kBobPassword = testing::kBob.password;
constexpr const char* kAlicePhone = testing::kAlice.phone;

api::users_getUsers GetSelf() {
  api::users_getUsers call;
  call.id.push_back(std::make_unique<api::inputUserSelf>());
  return call;
}

int64_t IdOf(const api::User& user) {
  const auto* u = dynamic_cast<const api::user*>(&user);
  return u == nullptr ? 0 : u->id;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Start("invitegate-engine-test").ok());
    absl::StatusOr<TelegramEndpoints> ours = testing::EngineEndpoints(env_.endpoints());
    ASSERT_TRUE(ours.ok()) << ours.status();
    endpoints_ = *ours;
  }
  void TearDown() override {
    engine_.reset();
  }

  EngineOptions Options() {
    EngineOptions options = testing::BaseOptions(endpoints_, env_.dir() / "account.db");
    options.device_model = "engine test";
    options.flood_wait_threshold = seconds(2);
    return options;
  }
  void StartEngine(EngineOptions options) {
    engine_.reset();
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(std::move(options));
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }
  void StartEngine() { StartEngine(Options()); }
  void SignInBot() {
    absl::StatusOr<int64_t> id = engine_->SignInBot(kBotToken);
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id, kBotId);
  }

  testing::RunningEmulator env_;
  TelegramEndpoints endpoints_;
  std::unique_ptr<Engine> engine_;
};

TEST(RpcErrorTest, ParsesAndRoundTrips) {
  EXPECT_EQ(ParseRpcError(420, "FLOOD_WAIT_7"), (RpcError{420, "FLOOD_WAIT", 7}));
  EXPECT_EQ(ParseRpcError(303, "USER_MIGRATE_1"), (RpcError{303, "USER_MIGRATE", 1}));
  EXPECT_EQ(ParseRpcError(401, "SESSION_PASSWORD_NEEDED"),
            (RpcError{401, "SESSION_PASSWORD_NEEDED", std::nullopt}));
  EXPECT_EQ(ParseRpcError(400, "X_"), (RpcError{400, "X_", std::nullopt}));
  EXPECT_EQ(ParseRpcError(400, ""), (RpcError{400, "", std::nullopt}));
  const absl::Status status = RpcErrorStatus({420, "FLOOD_WAIT", 7});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "420 FLOOD_WAIT_7");
  EXPECT_EQ(GetRpcError(status), (RpcError{420, "FLOOD_WAIT", 7}));
  EXPECT_EQ(GetRpcError(absl::InternalError("x")), std::nullopt);
}

TEST_F(EngineTest, BotSignInThenGetSelf) {
  StartEngine();
  EXPECT_FALSE(engine_->IsSignedIn());
  SignInBot();
  EXPECT_TRUE(engine_->IsSignedIn());
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(IdOf(*(*users)[0]), kBotId);
  absl::StatusOr<store::AccountState> account = engine_->Account();
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->is_bot);
  EXPECT_EQ(account->user_id, kBotId);
}

TEST_F(EngineTest, RpcErrorIsTyped) {
  StartEngine();
  absl::StatusOr<int64_t> id = engine_->SignInBot("2000001:AAWrongTokenWrongTokenWrong");
  ASSERT_FALSE(id.ok());
  std::optional<RpcError> error = GetRpcError(id.status());
  ASSERT_TRUE(error.has_value()) << id.status();
  EXPECT_EQ(error->code, 400);
  EXPECT_EQ(error->name, "ACCESS_TOKEN_INVALID");
  EXPECT_FALSE(engine_->IsSignedIn());
}

TEST_F(EngineTest, UserSignInWithTwoFactor) {
  StartEngine();
  ASSERT_TRUE(engine_->SendCode(kBobPhone).ok());
  absl::StatusOr<SignInStep> step = engine_->SignIn("22222");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(*step, SignInStep::kPasswordNeeded);
  EXPECT_EQ(engine_->Account()->login_state, store::LoginState::kPasswordNeeded);
  absl::Status wrong = engine_->CheckPassword("not the password");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(GetRpcError(wrong)->name, "PASSWORD_HASH_INVALID");
  absl::Status right = engine_->CheckPassword(kBobPassword);
  ASSERT_TRUE(right.ok()) << right;
  EXPECT_TRUE(engine_->IsSignedIn());
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(IdOf(*(*users)[0]), engine_->Account()->user_id);
}

TEST_F(EngineTest, UserSignInWithoutPasswordSurvivesRestartBetweenSteps) {
  StartEngine();
  ASSERT_TRUE(engine_->SendCode(kAlicePhone).ok());
  StartEngine();  // a CLI that exits after asking for the code
  absl::StatusOr<SignInStep> step = engine_->SignIn("22222");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(*step, SignInStep::kSignedIn);
  EXPECT_TRUE(engine_->IsSignedIn());
}

TEST_F(EngineTest, RestartReusesKeyAndLogin) {
  StartEngine();
  SignInBot();
  EXPECT_EQ(engine_->handshakes(), 1);
  auto key = engine_->session_store().GetAuthKey(engine_->home_dc());
  ASSERT_TRUE(key.ok() && key->has_value());
  const uint64_t key_id = (*key)->id;

  StartEngine();
  EXPECT_TRUE(engine_->IsSignedIn());
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(IdOf(*(*users)[0]), kBotId);
  EXPECT_EQ(engine_->handshakes(), 0);
  key = engine_->session_store().GetAuthKey(engine_->home_dc());
  ASSERT_TRUE(key.ok() && key->has_value());
  EXPECT_EQ((*key)->id, key_id);
}

TEST_F(EngineTest, ShortFloodWaitIsWaitedOutAndReported) {
  EngineOptions options = Options();
  std::mutex mutex;
  std::vector<std::pair<std::string, seconds>> waits;
  options.on_flood_wait = [&](std::string_view method, seconds wait) {
    std::lock_guard lock(mutex);
    waits.emplace_back(method, wait);
  };
  StartEngine(std::move(options));
  SignInBot();
  emulator::Faults faults;
  faults.flood_wait.push_back({"users.getUsers", 1, 1});
  env_.emulator().SetFaults(faults);
  const auto start = std::chrono::steady_clock::now();
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
  std::lock_guard lock(mutex);
  EXPECT_EQ(waits, (std::vector<std::pair<std::string, seconds>>{{"users.getUsers", seconds(1)}}));
}

TEST_F(EngineTest, LongFloodWaitIsReturned) {
  StartEngine();
  SignInBot();
  emulator::Faults faults;
  faults.flood_wait.push_back({"users.getUsers", 30, 1});
  env_.emulator().SetFaults(faults);
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetRpcError(users.status()), (RpcError{420, "FLOOD_WAIT", 30}));
}

TEST_F(EngineTest, MigrateMovesHomeAndTransfersAuthorization) {
  StartEngine();
  SignInBot();
  ASSERT_EQ(engine_->home_dc(), 2);
  emulator::Faults faults;
  faults.migrate.push_back({"users.getUsers", 1, ""});
  env_.emulator().SetFaults(faults);
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(IdOf(*(*users)[0]), kBotId);
  EXPECT_EQ(engine_->home_dc(), 1);
  EXPECT_EQ(engine_->Account()->home_dc, 1);
  // A restart goes straight to DC 1.
  StartEngine();
  EXPECT_EQ(engine_->home_dc(), 1);
  users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(engine_->handshakes(), 0);
}

TEST_F(EngineTest, PhoneMigrateDuringSignIn) {
  StartEngine();
  emulator::Faults faults;
  faults.migrate.push_back({"auth.sendCode", 1, ""});
  env_.emulator().SetFaults(faults);
  ASSERT_TRUE(engine_->SendCode(kAlicePhone).ok());
  EXPECT_EQ(engine_->home_dc(), 1);
  absl::StatusOr<SignInStep> step = engine_->SignIn("22222");  // on DC 1, where the code is
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(*step, SignInStep::kSignedIn);
  auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
  ASSERT_TRUE(users.ok()) << users.status();
}

TEST_F(EngineTest, ConcurrentMigrationsTransferOnce) {
  StartEngine();
  SignInBot();
  emulator::Faults faults;
  faults.migrate.push_back({"users.getUsers", 1, ""});
  env_.emulator().SetFaults(faults);
  std::vector<std::future<absl::Status>> results;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<absl::Status>>();
    results.push_back(promise->get_future());
    engine_->Invoke(GetSelf(), In(seconds(30)),
                    [promise](absl::StatusOr<api::users_getUsers::Result::Value> r) {
                      if (r.ok() && IdOf(*(*r)[0]) != kBotId) {
                        r = absl::InternalError("wrong user");
                      }
                      promise->set_value(r.status());
                    });
  }
  for (auto& result : results) {
    const absl::Status status = result.get();
    EXPECT_TRUE(status.ok()) << status;
  }
  EXPECT_EQ(engine_->home_dc(), 1);
  EXPECT_EQ(engine_->transfers(), 1);
}

TEST_F(EngineTest, DeadlineExceeded) {
  StartEngine();
  ASSERT_TRUE(engine_->InvokeSync(api::help_getNearestDc(), In(seconds(30))).ok());
  emulator::Faults faults;
  faults.delay = milliseconds(3000);
  faults.delay_methods = {"help.getNearestDc"};
  env_.emulator().SetFaults(faults);
  const auto start = std::chrono::steady_clock::now();
  auto result = engine_->InvokeSync(api::help_getNearestDc(), In(milliseconds(300)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));
  env_.emulator().SetFaults({});
  EXPECT_TRUE(engine_->InvokeSync(api::help_getNearestDc(), In(seconds(30))).ok());
}

TEST_F(EngineTest, Cancellation) {
  StartEngine();
  emulator::Faults faults;
  faults.delay = milliseconds(3000);
  env_.emulator().SetFaults(faults);
  std::promise<absl::Status> done;
  const Engine::CallId id =
      engine_->Invoke(api::help_getNearestDc(), kNoDeadline,
                      [&done](absl::StatusOr<api::help_getNearestDc::Result::Value> r) {
                        done.set_value(r.status());
                      });
  std::this_thread::sleep_for(milliseconds(100));
  engine_->Cancel(id);
  std::future<absl::Status> future = done.get_future();
  ASSERT_EQ(future.wait_for(seconds(2)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), absl::StatusCode::kCancelled);
}

TEST_F(EngineTest, TheDeadlinesCancellationStopsTheCall) {
  StartEngine();
  emulator::Faults faults;
  faults.delay = milliseconds(3000);
  env_.emulator().SetFaults(faults);
  auto cancellation = std::make_shared<Cancellation>();
  std::promise<absl::Status> done;
  engine_->Invoke(api::help_getNearestDc(), Deadline(In(seconds(30)).at, cancellation),
                  [&done](absl::StatusOr<api::help_getNearestDc::Result::Value> r) {
                    done.set_value(r.status());
                  });
  std::this_thread::sleep_for(milliseconds(100));
  cancellation->Cancel();
  std::future<absl::Status> future = done.get_future();
  ASSERT_EQ(future.wait_for(seconds(2)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), absl::StatusCode::kCancelled);

  // A call whose deadline was cancelled before it was made is not sent: it fails at once even
  // though every answer is held for 3 s.
  const auto start = std::chrono::steady_clock::now();
  auto late = engine_->InvokeSync(api::help_getNearestDc(), Deadline(kNoDeadline.at, cancellation));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kCancelled) << late.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));
  env_.emulator().SetFaults({});
  EXPECT_TRUE(engine_->InvokeSync(api::help_getNearestDc(), In(seconds(30))).ok());
}

TEST_F(EngineTest, CallsSurviveDroppedConnections) {
  StartEngine();
  SignInBot();
  emulator::Faults faults;
  faults.drop_after_messages = 3;
  env_.emulator().SetFaults(faults);
  for (int i = 0; i < 10; ++i) {
    auto users = engine_->InvokeSync(GetSelf(), In(seconds(30)));
    ASSERT_TRUE(users.ok()) << i << ": " << users.status();
    EXPECT_EQ(IdOf(*(*users)[0]), kBotId);
  }
  EXPECT_EQ(engine_->handshakes(), 1);  // reconnects reuse the key
}

TEST_F(EngineTest, PipelinesManyCalls) {
  StartEngine();
  SignInBot();
  constexpr int kCalls = 1000;
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0, ok = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    engine_->Invoke(GetSelf(), In(seconds(60)),
                    [&](absl::StatusOr<api::users_getUsers::Result::Value> r) {
                      std::lock_guard lock(mu);
                      ++finished;
                      if (r.ok() && r->size() == 1 && IdOf(*(*r)[0]) == kBotId) ++ok;
                      cv.notify_all();
                    });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(60), [&] { return finished == kCalls; }));
  EXPECT_EQ(ok, kCalls);
  std::printf(
      "%d pipelined users.getUsers in %.1f ms\n", kCalls,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace
}  // namespace mtproto::engine

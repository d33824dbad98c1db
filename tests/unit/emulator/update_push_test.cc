// Updates over loopback: a signed-in client receives what is published through the emulator's
// UpdateHub as pushed Updates; after a disconnect and an emulator restart, updates.getDifference
// returns exactly what it missed. Also the per-session initConnection rule: a new session's
// first query must be invokeWithLayer(initConnection(...)).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/emulator/server.h"
#include "mtproto/emulator/update_hub.h"
#include "mtproto/net/connection.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;
using std::chrono::seconds;

constexpr int64_t kBotId = 2000001;  // the sample world's first bot
constexpr char kBotToken[] = "2000001:AAEmulatorInvitegateBotToken0000001";
constexpr auto kPatience = seconds(20);  // only to avoid hangs

std::string Boxed(const tl::Object& object) {
  tl::Writer out;
  object.StoreBoxed(out);
  return out.Take();
}

tl::ObjectPtr<api::initConnection> Init(const tl::Object& call) {
  auto init = std::make_unique<api::initConnection>();
  init->api_id = 1;
  init->device_model = "update push test";
  init->system_version = "linux";
  init->app_version = "0.1";
  init->system_lang_code = "en";
  init->lang_code = "en";
  const std::string body = Boxed(call);
  tl::Reader in(body);
  init->query = tl::FetchBoxedAs<api::Function>(in);
  return init;
}

std::string WithLayer(const tl::Object& call) {
  api::invokeWithLayer wrapper;
  wrapper.layer = api::kLayer;
  wrapper.query = Init(call);
  return Boxed(wrapper);
}

// "400 NAME" for an rpc_error result, "" for anything else.
std::string ErrorOf(const std::string& result) {
  absl::StatusOr<tl::ObjectPtr<tl::mt::RpcError>> error =
      tl::Deserialize<tl::mt::RpcError>(result);
  if (!error.ok()) return "";
  const auto& e = static_cast<const tl::mt::rpc_error&>(**error);
  return std::to_string(e.error_code) + " " + e.error_message;
}

tl::ObjectPtr<api::Update> JoinRequest(int64_t user_id) {
  auto invite = std::make_unique<api::chatInviteExported>();
  invite->link = "https://t.me/+pushtest";
  invite->admin_id = kBotId;
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = 555;
  auto update = std::make_unique<api::updateBotChatInviteRequester>();
  update->peer = std::move(peer);
  update->user_id = user_id;
  update->about = "hello";
  update->invite = std::move(invite);
  return update;
}

std::vector<tl::ObjectPtr<api::Update>> Pending(int count) {
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = 555;
  auto update = std::make_unique<api::updatePendingJoinRequests>();
  update->peer = std::move(peer);
  update->requests_pending = count;
  std::vector<tl::ObjectPtr<api::Update>> updates;
  updates.push_back(std::move(update));
  return updates;
}

// One net::Connection with blocking calls and a queue of pushed Updates.
class Client {
 public:
  Client(asio::io_context& io, const EmulatorEndpoints& endpoints,
         std::optional<net::AuthKeyState> key) {
    auto public_key = crypto::RsaPublicKey::FromPem(endpoints.public_key_pem);
    EXPECT_TRUE(public_key.ok());
    const DcEndpoint& dc = endpoints.dcs.back();
    net::Connection::Options options;
    options.host = dc.host;
    options.port = dc.port;
    options.dc_id = dc.id;
    options.server_keys = {*public_key};
    options.auth_key = key;
    options.reconnect.initial_backoff = std::chrono::milliseconds(10);
    net::Connection::Observer observer;
    observer.on_auth_key = [this](const net::AuthKeyState& state) {
      std::lock_guard lock(mu_);
      key_ = state;
    };
    observer.on_update = [this](std::string body) {
      std::lock_guard lock(mu_);
      updates_.push_back(std::move(body));
      cv_.notify_all();
    };
    connection_ = net::Connection::Create(io, std::move(options), std::move(observer));
    connection_->Start();
  }
  ~Client() { connection_->Stop(); }

  std::string Call(std::string body) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<absl::StatusOr<std::string>> result;
    connection_->Send(std::move(body), [&](absl::StatusOr<std::string> r) {
      std::lock_guard lock(mu);
      result = std::move(r);
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, kPatience, [&] { return result.has_value(); })) return "timeout";
    EXPECT_TRUE(result->ok()) << result->status();
    return result->ok() ? **result : "";
  }

  template <typename T>
  tl::ObjectPtr<T> CallAs(const tl::Object& call, bool wrap = false) {
    const std::string result = Call(wrap ? WithLayer(call) : Boxed(call));
    absl::StatusOr<tl::ObjectPtr<T>> decoded = tl::Deserialize<T>(result);
    EXPECT_TRUE(decoded.ok()) << ErrorOf(result) << decoded.status();
    return decoded.ok() ? *std::move(decoded) : nullptr;
  }

  // The next pushed Updates, decoded; null after kPatience.
  tl::ObjectPtr<api::Updates> NextUpdates() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kPatience, [&] { return !updates_.empty(); })) return nullptr;
    const std::string body = std::move(updates_.front());
    updates_.pop_front();
    absl::StatusOr<tl::ObjectPtr<api::Updates>> decoded = tl::Deserialize<api::Updates>(body);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    return decoded.ok() ? *std::move(decoded) : nullptr;
  }

  std::optional<net::AuthKeyState> key() {
    std::lock_guard lock(mu_);
    return key_;
  }

 private:
  std::shared_ptr<net::Connection> connection_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> updates_;
  std::optional<net::AuthKeyState> key_;
};

class UpdatePushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions options;
    options.state_dir = dir_.path() / "state";
    emulator_ = std::make_unique<Emulator>(std::move(options));
    auto endpoints = emulator_->Start();
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    endpoints_ = *endpoints;
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    io_thread_.join();
    emulator_->Stop();
  }

  void Publish(const std::function<absl::Status(UpdateHub&)>& publish) {
    absl::Status status = absl::InternalError("not run");
    emulator_->RunOnServer([&](EmulatorEnv& env) { status = publish(*env.updates); });
    ASSERT_TRUE(status.ok()) << status;
  }

  void SignInBot(Client& client) {
    api::auth_importBotAuthorization call;
    call.api_id = 1;
    call.api_hash = "0123456789abcdef";
    call.bot_auth_token = kBotToken;
    ASSERT_NE(client.CallAs<api::auth_Authorization>(call, /*wrap=*/true), nullptr);
  }

  testing::TempDir dir_;
  std::unique_ptr<Emulator> emulator_;
  EmulatorEndpoints endpoints_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::thread io_thread_;
};

TEST_F(UpdatePushTest, PushesThenDifferenceAfterRestartHasExactlyWhatWasMissed) {
  auto client = std::make_unique<Client>(io_, endpoints_, std::nullopt);
  SignInBot(*client);
  auto before = client->CallAs<api::updates_State>(api::updates_getState());
  ASSERT_NE(before, nullptr);
  const auto& state = static_cast<const api::updates_state&>(*before);

  // Pushed while connected: a qts update, then a seq update.
  Publish([](UpdateHub& hub) { return hub.PublishQts(kBotId, JoinRequest(1000002), {}); });
  Publish([](UpdateHub& hub) { return hub.PublishSeq(kBotId, Pending(1), {}); });
  tl::ObjectPtr<api::Updates> first = client->NextUpdates();
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->ConstructorId(), api::updates::kId) << first->ToString();
  const auto& qts_push = static_cast<const api::updates&>(*first);
  ASSERT_EQ(qts_push.updates.size(), 1u);
  const auto& request =
      static_cast<const api::updateBotChatInviteRequester&>(*qts_push.updates[0]);
  EXPECT_EQ(request.qts, state.qts + 1);
  EXPECT_EQ(request.user_id, 1000002);
  EXPECT_EQ(qts_push.seq, 0);
  tl::ObjectPtr<api::Updates> second = client->NextUpdates();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(static_cast<const api::updates&>(*second).seq, state.seq + 1);

  // The client's state after those (typically within the same second: dates must not blur).
  auto seen = client->CallAs<api::updates_State>(api::updates_getState());
  ASSERT_NE(seen, nullptr);
  const api::updates_state known = static_cast<const api::updates_state&>(*seen);
  std::optional<net::AuthKeyState> key = client->key();
  ASSERT_TRUE(key.has_value());
  client.reset();  // disconnected

  Publish([](UpdateHub& hub) { return hub.PublishQts(kBotId, JoinRequest(1000003), {}); });
  Publish([](UpdateHub& hub) { return hub.PublishQts(kBotId, JoinRequest(1000004), {}); });
  Publish([](UpdateHub& hub) { return hub.PublishSeq(kBotId, Pending(3), {}); });
  auto restarted = emulator_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.status();

  Client again(io_, *restarted, key);
  api::updates_getDifference ask;
  ask.pts = known.pts;
  ask.qts = known.qts;
  ask.date = known.date;
  auto difference = again.CallAs<api::updates_Difference>(ask, /*wrap=*/true);
  ASSERT_NE(difference, nullptr);
  ASSERT_EQ(difference->ConstructorId(), api::updates_difference::kId) << difference->ToString();
  const auto& missed = static_cast<const api::updates_difference&>(*difference);
  ASSERT_EQ(missed.other_updates.size(), 3u) << difference->ToString();
  EXPECT_EQ(static_cast<const api::updateBotChatInviteRequester&>(*missed.other_updates[0]).user_id,
            1000003);
  EXPECT_EQ(static_cast<const api::updateBotChatInviteRequester&>(*missed.other_updates[1]).qts,
            known.qts + 2);
  EXPECT_EQ(static_cast<const api::updatePendingJoinRequests&>(*missed.other_updates[2])
                .requests_pending,
            3);
  const auto& now = static_cast<const api::updates_state&>(*missed.state);
  EXPECT_EQ(now.qts, known.qts + 2);
  EXPECT_EQ(now.seq, known.seq + 1);
  EXPECT_EQ(now.pts, known.pts);

  // Caught up: nothing more.
  ask.qts = now.qts;
  ask.date = now.date;
  auto nothing = again.CallAs<api::updates_Difference>(ask);
  ASSERT_NE(nothing, nullptr);
  EXPECT_EQ(nothing->ConstructorId(), api::updates_differenceEmpty::kId) << nothing->ToString();
}

TEST_F(UpdatePushTest, ANewSessionMustInitializeItsConnectionFirst) {
  auto client = std::make_unique<Client>(io_, endpoints_, std::nullopt);
  EXPECT_EQ(ErrorOf(client->Call(Boxed(api::help_getNearestDc()))), "400 CONNECTION_NOT_INITED");
  api::invokeWithLayer layer_only;
  layer_only.layer = api::kLayer;
  layer_only.query = std::make_unique<api::help_getNearestDc>();
  EXPECT_EQ(ErrorOf(client->Call(Boxed(layer_only))), "400 CONNECTION_NOT_INITED");
  EXPECT_EQ(ErrorOf(client->Call(Boxed(*Init(api::help_getNearestDc())))),
            "400 CONNECTION_LAYER_INVALID");
  EXPECT_NE(client->CallAs<api::NearestDc>(api::help_getNearestDc(), /*wrap=*/true), nullptr);
  // Initialized: plain calls are fine on this session from now on.
  EXPECT_NE(client->CallAs<api::NearestDc>(api::help_getNearestDc()), nullptr);
  SignInBot(*client);
  std::optional<net::AuthKeyState> key = client->key();
  client.reset();

  // The same auth key in a new session starts over.
  Client again(io_, endpoints_, key);
  EXPECT_EQ(ErrorOf(again.Call(Boxed(api::updates_getState()))), "400 CONNECTION_NOT_INITED");
  EXPECT_NE(again.CallAs<api::updates_State>(api::updates_getState(), /*wrap=*/true), nullptr);
}

}  // namespace
}  // namespace mtproto::emulator

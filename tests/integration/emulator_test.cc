// Our own protocol core (transport, handshake, session) against the emulator over loopback TCP:
// every framing, sign-in of a bot and of a 2FA user, injected faults, and a restart with
// persisted state.
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "mtproto/crypto/srp.h"
#include "mtproto/emulator/server.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"
#include "tests/integration/running_emulator.h"
#include "tests/integration/test_client.h"

namespace mtproto::testing {
namespace {

namespace api = tl::api;
using transport::Framing;

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.Start("invitegate-emulator-test").ok()); }

  TestClient::Options ClientOptions(Framing framing = Framing::kIntermediate,
                                    bool obfuscated = false) {
    const emulator::DcEndpoint& dc = env_.endpoints().dcs.back();
    return {dc.host, dc.port, dc.id, env_.public_key(), framing, obfuscated};
  }

  std::unique_ptr<TestClient> Connected(Framing framing = Framing::kIntermediate,
                                        bool obfuscated = false) {
    auto client = std::make_unique<TestClient>(ClientOptions(framing, obfuscated));
    EXPECT_TRUE(client->Connect().ok());
    absl::Status handshake = client->Handshake();
    EXPECT_TRUE(handshake.ok()) << handshake;
    return client;
  }

  const emulator::WorldBot& Bot() { return emulator::World::Sample().bots().front(); }

  RunningEmulator env_;
};

TEST_F(EmulatorTest, KeyFingerprintSuitsEveryClient) {
  EXPECT_GE(env_.endpoints().fingerprint, 0x1000000000000000u);  // mtcute cannot find smaller ones
  EXPECT_EQ(env_.public_key().Fingerprint(), env_.endpoints().fingerprint);
  EXPECT_GE(env_.endpoints().dcs.size(), 2u);
}

TEST_F(EmulatorTest, EveryFramingCarriesHandshakeAndCalls) {
  const std::vector<std::pair<Framing, bool>> framings = {
      {Framing::kAbridged, false},           {Framing::kIntermediate, false},
      {Framing::kPaddedIntermediate, false}, {Framing::kFull, false},
      {Framing::kAbridged, true},            {Framing::kIntermediate, true},
      {Framing::kPaddedIntermediate, true}};
  for (const auto& [framing, obfuscated] : framings) {
    SCOPED_TRACE(::testing::Message() << "framing " << static_cast<int>(framing)
                                      << (obfuscated ? " obfuscated" : ""));
    auto client = Connected(framing, obfuscated);
    auto config = client->Call(api::help_getConfig());
    ASSERT_TRUE(config.ok()) << config.status();
    const auto& value = static_cast<const api::config&>(**config);
    EXPECT_EQ(value.this_dc, env_.endpoints().dcs.back().id);
    EXPECT_FALSE(value.dc_options.empty());
  }
}

TEST_F(EmulatorTest, NotSignedInIsAuthKeyUnregistered) {
  auto client = Connected();
  api::users_getUsers get;
  get.id.push_back(std::make_unique<api::inputUserSelf>());
  auto users = client->Call(get);
  EXPECT_EQ(users.status().message(), "401 AUTH_KEY_UNREGISTERED");
}

TEST_F(EmulatorTest, BotSignsInAndSeesItself) {
  auto client = Connected();
  api::auth_importBotAuthorization login;
  login.api_id = 1;
  login.api_hash = "0123456789abcdef0123456789abcdef";
  login.bot_auth_token = Bot().token;
  auto authorization = client->Call(login);
  ASSERT_TRUE(authorization.ok()) << authorization.status();
  const auto& auth = static_cast<const api::auth_authorization&>(**authorization);
  EXPECT_EQ(static_cast<const api::user&>(*auth.user).id, Bot().id);

  auto state = client->Call(api::updates_getState());
  ASSERT_TRUE(state.ok()) << state.status();
  api::users_getUsers get;
  get.id.push_back(std::make_unique<api::inputUserSelf>());
  auto users = client->Call(get);
  ASSERT_TRUE(users.ok()) << users.status();
  ASSERT_EQ(users->size(), 1u);
  const auto& self = static_cast<const api::user&>(*users->front());
  EXPECT_TRUE(self.bot);
  EXPECT_TRUE(self.self);

  login.bot_auth_token = "1:wrong";
  auto wrong = client->Call(login);
  EXPECT_EQ(wrong.status().message(), "400 ACCESS_TOKEN_INVALID");
}

TEST_F(EmulatorTest, UserWithTwoFactorSignsInThroughSrp) {
  const emulator::WorldUser* user = nullptr;
  for (const auto& candidate : emulator::World::Sample().users()) {
    if (candidate.password) user = &candidate;
  }
  ASSERT_NE(user, nullptr);
  auto client = Connected();
  api::auth_sendCode send;
  send.phone_number = user->phone;
  send.api_id = 1;
  send.api_hash = "0123456789abcdef0123456789abcdef";
  send.settings = std::make_unique<api::codeSettings>();
  auto sent = client->Call(send);
  ASSERT_TRUE(sent.ok()) << sent.status();
  api::auth_signIn sign_in;
  sign_in.phone_number = user->phone;
  sign_in.phone_code_hash = static_cast<const api::auth_sentCode&>(**sent).phone_code_hash;
  sign_in.phone_code = std::string(5, user->phone[5]);  // 99966XYYYY → XXXXX
  EXPECT_EQ(client->Call(sign_in).status().message(), "401 SESSION_PASSWORD_NEEDED");

  auto password = client->Call(api::account_getPassword());
  ASSERT_TRUE(password.ok()) << password.status();
  const auto& info = static_cast<const api::account_password&>(**password);
  const auto& algo = static_cast<const api::passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow&>(
      *info.current_algo);
  crypto::SrpAlgo srp{{algo.salt1.begin(), algo.salt1.end()},
                      {algo.salt2.begin(), algo.salt2.end()},
                      algo.g,
                      {algo.p.begin(), algo.p.end()}};
  crypto::SecureRandom random;
  auto check = crypto::ComputeSrpCheck(*user->password, srp, crypto::AsBytes(*info.srp_B),
                                       random.Generate(256));
  ASSERT_TRUE(check.ok()) << check.status();
  auto input = std::make_unique<api::inputCheckPasswordSRP>();
  input->srp_id = *info.srp_id;
  input->A = std::string(check->a_pub.begin(), check->a_pub.end());
  input->M1 = std::string(check->m1.begin(), check->m1.end());
  api::auth_checkPassword check_password;
  check_password.password = std::move(input);
  auto authorization = client->Call(check_password);
  ASSERT_TRUE(authorization.ok()) << authorization.status();

  api::users_getUsers get;
  get.id.push_back(std::make_unique<api::inputUserSelf>());
  auto users = client->Call(get);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(static_cast<const api::user&>(*users->front()).id, user->id);
}

TEST_F(EmulatorTest, SaltRotationIsRecoveredBySession) {
  emulator::Faults faults;
  faults.rotate_salt_after_messages = 2;
  env_.emulator().SetFaults(faults);
  auto client = Connected();
  for (int i = 0; i < 5; ++i) {
    auto state = client->Call(api::help_getConfig());
    ASSERT_TRUE(state.ok()) << "call " << i << ": " << state.status();
  }
}

TEST_F(EmulatorTest, FloodWaitIsReportedWithItsSeconds) {
  emulator::Faults faults;
  faults.flood_wait.push_back({"help.getConfig", 7, 1});
  env_.emulator().SetFaults(faults);
  auto client = Connected();
  EXPECT_EQ(client->Call(api::help_getConfig()).status().message(), "420 FLOOD_WAIT_7");
  EXPECT_TRUE(client->Call(api::help_getConfig()).ok());
}

TEST_F(EmulatorTest, DelayedAnswerReachesTheClientAfterItReconnects) {
  emulator::Faults faults;
  faults.delay = std::chrono::milliseconds(400);
  faults.delay_methods = {"help.getConfig"};
  env_.emulator().SetFaults(faults);
  auto client = Connected();
  auto msg_id = client->Send(api::help_getConfig());
  ASSERT_TRUE(msg_id.ok()) << msg_id.status();
  // The connection drops while the server holds the answer back; the client repeats the call
  // (same msg_id) on a new connection and then stays silent, waiting.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  client->Disconnect();
  ASSERT_TRUE(client->Connect().ok());
  auto answer = client->Await(*msg_id);
  ASSERT_TRUE(answer.ok()) << answer.status();
}

TEST_F(EmulatorTest, RestartKeepsKeysAndSignIns) {
  auto client = Connected();
  api::auth_importBotAuthorization login;
  login.api_id = 1;
  login.api_hash = "0123456789abcdef0123456789abcdef";
  login.bot_auth_token = Bot().token;
  ASSERT_TRUE(client->Call(login).ok());
  client->Disconnect();

  auto restarted = env_.emulator().Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ(restarted->fingerprint, env_.endpoints().fingerprint);  // the same RSA key
  ASSERT_TRUE(client->Connect().ok());
  api::users_getUsers get;
  get.id.push_back(std::make_unique<api::inputUserSelf>());
  auto users = client->Call(get);  // the same auth key, still signed in: no new handshake
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(static_cast<const api::user&>(*users->front()).id, Bot().id);
}

TEST_F(EmulatorTest, UnknownAuthKeyGetsTransportError404) {
  auto client = Connected();
  env_.emulator().Stop();
  std::filesystem::remove_all(env_.state_dir());  // the server forgets every key
  ASSERT_TRUE(env_.emulator().Restart().ok());
  ASSERT_TRUE(client->Connect().ok());
  EXPECT_FALSE(client->Call(api::help_getConfig()).ok());
  EXPECT_EQ(client->transport_error(), -404);
}

TEST_F(EmulatorTest, PingDelayDisconnectClosesAnIdleConnection) {
  auto client = Connected();
  ASSERT_TRUE(client->Call(api::help_getConfig()).ok());
  tl::mt::ping_delay_disconnect ping;
  ping.ping_id = 5;
  ping.disconnect_delay = 1;
  auto pong = client->CallRaw(ping);
  ASSERT_TRUE(pong.ok()) << pong.status();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(client->Call(api::help_getConfig()).ok());  // the server hung up
  ASSERT_TRUE(client->Connect().ok());                      // same key and session, new socket
  EXPECT_TRUE(client->Call(api::help_getConfig()).ok());
}

TEST_F(EmulatorTest, DestroySessionAnswersOkOrNone) {
  auto client = Connected();
  ASSERT_TRUE(client->Call(api::help_getConfig()).ok());
  tl::mt::destroy_session destroy;
  destroy.session_id = 12345;  // never used
  auto answer = client->CallRaw(destroy);
  ASSERT_TRUE(answer.ok()) << answer.status();
  auto none = tl::Deserialize<tl::mt::DestroySessionRes>(*answer);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ((*none)->ConstructorId(), tl::mt::destroy_session_none::kId);
}

}  // namespace
}  // namespace mtproto::testing

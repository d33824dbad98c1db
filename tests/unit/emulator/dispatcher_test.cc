// The dispatcher driven with typed requests, as the server will drive it: wrappers, sign-in of
// bots and users (login code, sign-up, 2FA through SRP with the client side of
// mtproto/crypto/srp.h), cross-DC authorization, the errors Telegram documents, and faults.
#include "mtproto/emulator/dispatcher.h"

#include "gtest/gtest.h"
#include "mtproto/crypto/dh.h"
#include "mtproto/crypto/random.h"
#include "mtproto/crypto/srp.h"
#include "mtproto/emulator/faults.h"
#include "mtproto/emulator/password.h"
#include "mtproto/emulator/store.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/serialize.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;
using testing::TempDir;

constexpr int64_t kStart = 1700000000;
constexpr char kBotToken[] = "2000001:AAEmulatorInvitegateBotToken0000001";
constexpr char kAlicePhone[] = "9996621234";
constexpr char kBobPhone[] = "9996625678";
constexpr char kBobPassword[] = "emulator-2fa-pass";

template <typename T, typename... Args>
tl::ObjectPtr<T> Make(Args&&... args) {
  return std::make_unique<T>(std::forward<Args>(args)...);
}

// invokeWithLayer(layer, initConnection(..., query)), as every client sends its first request.
tl::ObjectPtr<api::Function> Wrapped(tl::ObjectPtr<api::Function> query, int layer = 223) {
  auto init = Make<api::initConnection>();
  init->api_id = 12345;
  init->device_model = "unit test";
  init->system_version = "Linux";
  init->app_version = "1.0";
  init->system_lang_code = "en";
  init->lang_code = "en";
  init->query = std::move(query);
  auto with_layer = Make<api::invokeWithLayer>();
  with_layer->layer = layer;
  with_layer->query = std::move(init);
  return with_layer;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Boot(); }

  // (Re)creates the emulator's services on the same state directory, as a restart does.
  void Boot() {
    dispatcher_.reset();
    store_.reset();
    auto store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    world_ = World::Sample();
    auto signed_up = store_->LoadUsers();
    ASSERT_TRUE(signed_up.ok());
    for (WorldUser& u : *signed_up) ASSERT_TRUE(world_.AddUser(u).ok());
    passwords_ = std::make_unique<PasswordService>(random_);
    env_.world = &world_;
    env_.store = store_.get();
    env_.faults = &faults_;
    env_.passwords = passwords_.get();
    env_.random = &random_;
    env_.clock = [this] { return now_; };
    env_.dcs = {{1, "127.0.0.1", 40001}, {2, "127.0.0.1", 40002}};
    dispatcher_ = std::make_unique<Dispatcher>(env_);
  }

  // A connection with a fresh auth key on `dc`.
  ConnectionContext NewConnection(int dc = 1) {
    AuthKeyRecord key{next_key_id_++, std::string(256, 'k'), dc, kStart, 0, 0};
    EXPECT_TRUE(store_->PutAuthKey(key).ok());
    return ConnectionContext{dc, key.id, 0, std::nullopt};
  }

  DispatchResult Run(tl::ObjectPtr<api::Function> request, ConnectionContext& conn) {
    return dispatcher_->Dispatch(*request, conn);
  }

  template <typename T>
  static const T& AnswerAs(const DispatchResult& result) {
    static const T kEmpty{};
    const auto* answer = std::get_if<RpcAnswer>(&result.outcome);
    EXPECT_NE(answer, nullptr) << result.method << " failed: "
                               << std::get<RpcError>(result.outcome).message;
    if (!answer) return kEmpty;
    const T* typed = answer->As<T>();
    EXPECT_NE(typed, nullptr) << result.method << " answered another constructor";
    return typed ? *typed : kEmpty;
  }

  static RpcError ErrorOf(const DispatchResult& result) {
    const auto* error = std::get_if<RpcError>(&result.outcome);
    EXPECT_NE(error, nullptr) << result.method << " succeeded unexpectedly";
    return error ? *error : RpcError{};
  }

  std::string SendCode(ConnectionContext& conn, const std::string& phone) {
    auto req = Make<api::auth_sendCode>();
    req->phone_number = phone;
    req->api_id = 12345;
    req->api_hash = "0123456789abcdef";
    req->settings = Make<api::codeSettings>();
    DispatchResult result = Run(std::move(req), conn);
    return AnswerAs<api::auth_sentCode>(result).phone_code_hash;
  }

  DispatchResult SignIn(ConnectionContext& conn, const std::string& phone, const std::string& hash,
                        std::optional<std::string> code) {
    auto req = Make<api::auth_signIn>();
    req->phone_number = phone;
    req->phone_code_hash = hash;
    req->phone_code = std::move(code);
    return Run(std::move(req), conn);
  }

  DispatchResult ImportBot(ConnectionContext& conn, const std::string& token) {
    auto req = Make<api::auth_importBotAuthorization>();
    req->api_id = 12345;
    req->api_hash = "0123456789abcdef";
    req->bot_auth_token = token;
    return Run(std::move(req), conn);
  }

  DispatchResult GetSelf(ConnectionContext& conn) {
    auto req = Make<api::users_getUsers>();
    req->id.push_back(Make<api::inputUserSelf>());
    return Run(std::move(req), conn);
  }

  // The client side of 2FA: A and M1 for `password` against account.password.
  tl::ObjectPtr<api::auth_checkPassword> CheckWith(const api::account_password& state,
                                                   const std::string& password) {
    const auto& algo = static_cast<
        const api::passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow&>(
        *state.current_algo);
    crypto::SrpAlgo srp;
    srp.salt1.assign(algo.salt1.begin(), algo.salt1.end());
    srp.salt2.assign(algo.salt2.begin(), algo.salt2.end());
    srp.g = algo.g;
    srp.p.assign(algo.p.begin(), algo.p.end());
    crypto::DeterministicRandom client_random(7);
    absl::StatusOr<crypto::SrpCheck> check = crypto::ComputeSrpCheck(
        password, srp, crypto::AsBytes(*state.srp_B), client_random.Generate(256));
    EXPECT_TRUE(check.ok()) << check.status();
    auto input = Make<api::inputCheckPasswordSRP>();
    input->srp_id = *state.srp_id;
    if (check.ok()) {
      input->A.assign(check->a_pub.begin(), check->a_pub.end());
      input->M1.assign(check->m1.begin(), check->m1.end());
    }
    auto req = Make<api::auth_checkPassword>();
    req->password = std::move(input);
    return req;
  }

  TempDir dir_;
  crypto::DeterministicRandom random_{42};
  absl::Time now_ = absl::FromUnixSeconds(kStart);
  RpcFaults faults_;
  World world_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PasswordService> passwords_;
  EmulatorEnv env_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int64_t next_key_id_ = 0x0102030405060708;
};

TEST_F(DispatcherTest, GetConfigThroughTheWrappersRecordsLayerAndInitConnection) {
  ConnectionContext conn = NewConnection(2);
  DispatchResult result = Run(Wrapped(Make<api::help_getConfig>(), 144), conn);
  EXPECT_EQ(result.method, "help.getConfig");
  const auto& config = AnswerAs<api::config>(result);
  EXPECT_EQ(config.this_dc, 2);
  EXPECT_EQ(config.date, kStart);
  EXPECT_GT(config.expires, config.date);
  ASSERT_EQ(config.dc_options.size(), 2u);
  const auto& dc1 = static_cast<const api::dcOption&>(*config.dc_options[0]);
  EXPECT_EQ(dc1.id, 1);
  EXPECT_EQ(dc1.ip_address, "127.0.0.1");
  EXPECT_EQ(dc1.port, 40001);
  EXPECT_EQ(conn.layer, 144);
  ASSERT_TRUE(conn.init.has_value());
  EXPECT_EQ(conn.init->api_id, 12345);
  EXPECT_EQ(conn.init->device_model, "unit test");
  EXPECT_EQ((*store_->FindAuthKey(conn.auth_key_id))->layer, 144);

  // The answer serializes and decodes as the method's result type.
  tl::Writer out;
  std::get<RpcAnswer>(result.outcome).Store(out);
  ASSERT_TRUE(out.ok()) << out.error();
  auto back = tl::Deserialize<api::Config>(out.data());
  ASSERT_TRUE(back.ok()) << back.status();
}

TEST_F(DispatcherTest, OtherWrappersAreUnwrapped) {
  ConnectionContext conn = NewConnection();
  auto after = Make<api::invokeAfterMsg>();
  after->msg_id = 12;
  auto without = Make<api::invokeWithoutUpdates>();
  without->query = Make<api::help_getNearestDc>();
  after->query = std::move(without);
  DispatchResult result = Run(std::move(after), conn);
  EXPECT_EQ(result.method, "help.getNearestDc");
  EXPECT_EQ(AnswerAs<api::nearestDc>(result).this_dc, 1);
  EXPECT_EQ(conn.layer, 0);  // not declared
}

TEST_F(DispatcherTest, BadLayerIsRejected) {
  ConnectionContext conn = NewConnection();
  RpcError error = ErrorOf(Run(Wrapped(Make<api::help_getConfig>(), 0), conn));
  EXPECT_EQ(error.code, 400);
  EXPECT_EQ(error.message, "CONNECTION_LAYER_INVALID");
}

TEST_F(DispatcherTest, NotSignedInIsAuthKeyUnregistered) {
  ConnectionContext conn = NewConnection();
  RpcError error = ErrorOf(Run(Wrapped(Make<api::users_getUsers>()), conn));
  EXPECT_EQ(error.code, 401);
  EXPECT_EQ(error.message, "AUTH_KEY_UNREGISTERED");
  EXPECT_EQ(ErrorOf(Run(Make<api::updates_getState>(), conn)).message, "AUTH_KEY_UNREGISTERED");
}

TEST_F(DispatcherTest, BotSignsInWithItsToken) {
  ConnectionContext conn = NewConnection();
  EXPECT_EQ(ErrorOf(ImportBot(conn, "2000001:wrong-secret-wrong-secret")).message,
            "ACCESS_TOKEN_INVALID");
  DispatchResult login = ImportBot(conn, kBotToken);
  const auto& user = static_cast<const api::user&>(*AnswerAs<api::auth_authorization>(login).user);
  EXPECT_EQ(user.id, 2000001);
  EXPECT_TRUE(user.bot);
  EXPECT_TRUE(user.self);
  EXPECT_EQ(user.username, "invitegate_test_bot");

  DispatchResult self = GetSelf(conn);
  const auto* users = std::get<RpcAnswer>(self.outcome).vector();
  ASSERT_NE(users, nullptr);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(static_cast<const api::user&>(*(*users)[0]).id, 2000001);

  DispatchResult got_state = Run(Make<api::updates_getState>(), conn);
  const auto& state = AnswerAs<api::updates_state>(got_state);
  EXPECT_EQ(state.date, kStart);
  EXPECT_EQ(state.pts, 1);
}

TEST_F(DispatcherTest, ImportBotAuthorizationChecksTheApiId) {
  ConnectionContext conn = NewConnection();
  auto req = Make<api::auth_importBotAuthorization>();
  req->bot_auth_token = kBotToken;
  EXPECT_EQ(ErrorOf(Run(std::move(req), conn)).message, "API_ID_INVALID");
}

TEST_F(DispatcherTest, UserSignsInWithTheTestCode) {
  ConnectionContext conn = NewConnection();
  const std::string hash = SendCode(conn, std::string("+") + kAlicePhone);
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, hash, "11111")).message, "PHONE_CODE_INVALID");
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, hash, std::nullopt)).message, "PHONE_CODE_EMPTY");
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, "", "22222")).message, "PHONE_CODE_HASH_EMPTY");
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, "feedface", "22222")).message, "PHONE_CODE_EXPIRED");
  DispatchResult login = SignIn(conn, kAlicePhone, hash, "22222");
  const auto& user = static_cast<const api::user&>(*AnswerAs<api::auth_authorization>(login).user);
  EXPECT_EQ(user.id, 1000001);
  EXPECT_EQ(user.phone, kAlicePhone);
  EXPECT_FALSE(user.bot);
  // The code is used up.
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, hash, "22222")).message, "PHONE_CODE_EXPIRED");
}

TEST_F(DispatcherTest, SendCodeAnswersByAppForAccountsAndBySmsForNewNumbers) {
  ConnectionContext conn = NewConnection();
  auto req = Make<api::auth_sendCode>();
  req->phone_number = kAlicePhone;
  req->api_id = 1;
  req->api_hash = "x";
  req->settings = Make<api::codeSettings>();
  DispatchResult app = Run(std::move(req), conn);
  const auto& sent = AnswerAs<api::auth_sentCode>(app);
  ASSERT_NE(sent.type, nullptr);
  EXPECT_EQ(sent.type->ConstructorId(), api::auth_sentCodeTypeApp::kId);
  EXPECT_EQ(static_cast<const api::auth_sentCodeTypeApp&>(*sent.type).length, 5);

  req = Make<api::auth_sendCode>();
  req->phone_number = "9996671234";
  req->api_id = 1;
  req->api_hash = "x";
  req->settings = Make<api::codeSettings>();
  DispatchResult by_sms = Run(std::move(req), conn);
  const auto& sms = AnswerAs<api::auth_sentCode>(by_sms);
  ASSERT_NE(sms.type, nullptr);
  EXPECT_EQ(sms.type->ConstructorId(), api::auth_sentCodeTypeSms::kId);
}

TEST_F(DispatcherTest, SendCodeRejectsNonTestNumbers) {
  ConnectionContext conn = NewConnection();
  for (const char* phone : {"15551234567", "9996601234", "", "99966"}) {
    auto req = Make<api::auth_sendCode>();
    req->phone_number = phone;
    req->api_id = 1;
    req->api_hash = "x";
    req->settings = Make<api::codeSettings>();
    RpcError error = ErrorOf(Run(std::move(req), conn));
    EXPECT_EQ(error.code, 406) << phone;
    EXPECT_EQ(error.message, "PHONE_NUMBER_INVALID") << phone;
  }
}

TEST_F(DispatcherTest, LoginCodesExpire) {
  ConnectionContext conn = NewConnection();
  const std::string hash = SendCode(conn, kAlicePhone);
  now_ += absl::Minutes(5) + absl::Seconds(1);
  EXPECT_EQ(ErrorOf(SignIn(conn, kAlicePhone, hash, "22222")).message, "PHONE_CODE_EXPIRED");
}

TEST_F(DispatcherTest, UnknownNumberSignsUpAndSurvivesARestart) {
  ConnectionContext conn = NewConnection();
  const std::string phone = "9996671234";
  const std::string hash = SendCode(conn, phone);
  DispatchResult first = SignIn(conn, phone, hash, "77777");
  AnswerAs<api::auth_authorizationSignUpRequired>(first);
  EXPECT_EQ(ErrorOf(GetSelf(conn)).message, "AUTH_KEY_UNREGISTERED");

  auto up = Make<api::auth_signUp>();
  up->phone_number = phone;
  up->phone_code_hash = hash;
  up->first_name = "";
  EXPECT_EQ(ErrorOf(Run(std::move(up), conn)).message, "FIRSTNAME_INVALID");
  up = Make<api::auth_signUp>();
  up->phone_number = phone;
  up->phone_code_hash = hash;
  up->first_name = "Dave";
  up->last_name = "New";
  DispatchResult created = Run(std::move(up), conn);
  const auto& user =
      static_cast<const api::user&>(*AnswerAs<api::auth_authorization>(created).user);
  EXPECT_EQ(user.first_name, "Dave");
  EXPECT_GT(user.id, 2000002);
  const int64_t new_id = user.id;

  Boot();  // restart on the same state directory
  DispatchResult self = GetSelf(conn);
  const auto* users = std::get<RpcAnswer>(self.outcome).vector();
  ASSERT_NE(users, nullptr);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(static_cast<const api::user&>(*(*users)[0]).id, new_id);

  ConnectionContext other = NewConnection();
  const std::string again = SendCode(other, phone);
  auto dup = Make<api::auth_signUp>();
  dup->phone_number = phone;
  dup->phone_code_hash = again;
  dup->first_name = "Eve";
  EXPECT_EQ(ErrorOf(Run(std::move(dup), other)).message, "PHONE_NUMBER_OCCUPIED");
}

TEST_F(DispatcherTest, TwoStepVerificationWithSrp) {
  ConnectionContext conn = NewConnection();
  const std::string hash = SendCode(conn, kBobPhone);
  RpcError needed = ErrorOf(SignIn(conn, kBobPhone, hash, "22222"));
  EXPECT_EQ(needed.code, 401);
  EXPECT_EQ(needed.message, "SESSION_PASSWORD_NEEDED");
  EXPECT_EQ(ErrorOf(Run(Make<api::updates_getState>(), conn)).message, "SESSION_PASSWORD_NEEDED");

  DispatchResult got = Run(Make<api::account_getPassword>(), conn);
  const auto& state = AnswerAs<api::account_password>(got);
  ASSERT_TRUE(state.has_password);
  ASSERT_TRUE(state.srp_B.has_value() && state.srp_id.has_value());
  EXPECT_EQ(state.hint, "emulator 2fa");
  ASSERT_NE(state.current_algo, nullptr);
  const auto& algo = static_cast<
      const api::passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow&>(
      *state.current_algo);
  EXPECT_EQ(algo.g, 3);
  EXPECT_EQ(algo.p, std::string(crypto::kTelegramDhPrime.begin(), crypto::kTelegramDhPrime.end()));
  EXPECT_NE(state.new_algo, nullptr);
  EXPECT_NE(state.new_secure_algo, nullptr);

  // A wrong password, then the same srp_id again (it was used up).
  RpcError wrong = ErrorOf(Run(CheckWith(state, "not-the-password"), conn));
  EXPECT_EQ(wrong.code, 400);
  EXPECT_EQ(wrong.message, "PASSWORD_HASH_INVALID");
  EXPECT_EQ(ErrorOf(Run(CheckWith(state, kBobPassword), conn)).message, "SRP_ID_INVALID");

  // A stale srp_id after a newer account.getPassword.
  DispatchResult older = Run(Make<api::account_getPassword>(), conn);
  DispatchResult newer = Run(Make<api::account_getPassword>(), conn);
  EXPECT_EQ(ErrorOf(Run(CheckWith(AnswerAs<api::account_password>(older), kBobPassword), conn))
                .message,
            "SRP_ID_INVALID");
  DispatchResult login = Run(CheckWith(AnswerAs<api::account_password>(newer), kBobPassword), conn);
  EXPECT_EQ(static_cast<const api::user&>(*AnswerAs<api::auth_authorization>(login).user).id,
            1000002);
  AnswerAs<api::updates_state>(Run(Make<api::updates_getState>(), conn));
}

TEST_F(DispatcherTest, GetPasswordWithoutTwoStepVerification) {
  ConnectionContext conn = NewConnection();
  EXPECT_EQ(ErrorOf(Run(Make<api::account_getPassword>(), conn)).message, "AUTH_KEY_UNREGISTERED");
  const std::string hash = SendCode(conn, kAlicePhone);
  AnswerAs<api::auth_authorization>(SignIn(conn, kAlicePhone, hash, "22222"));
  DispatchResult got = Run(Make<api::account_getPassword>(), conn);
  const auto& state = AnswerAs<api::account_password>(got);
  EXPECT_FALSE(state.has_password);
  EXPECT_FALSE(state.srp_id.has_value());
  EXPECT_NE(state.new_algo, nullptr);
  EXPECT_EQ(state.secure_random.size(), 32u);
}

TEST_F(DispatcherTest, AuthorizationMovesToAnotherDc) {
  ConnectionContext dc1 = NewConnection(1);
  AnswerAs<api::auth_authorization>(ImportBot(dc1, kBotToken));
  auto bad = Make<api::auth_exportAuthorization>();
  bad->dc_id = 9;
  EXPECT_EQ(ErrorOf(Run(std::move(bad), dc1)).message, "DC_ID_INVALID");
  auto req = Make<api::auth_exportAuthorization>();
  req->dc_id = 2;
  DispatchResult exported = Run(std::move(req), dc1);
  const auto& auth = AnswerAs<api::auth_exportedAuthorization>(exported);

  auto import = [&](ConnectionContext& conn, int64_t id, const std::string& bytes) {
    auto r = Make<api::auth_importAuthorization>();
    r->id = id;
    r->bytes = bytes;
    return Run(std::move(r), conn);
  };
  ConnectionContext dc2 = NewConnection(2);
  EXPECT_EQ(ErrorOf(import(dc2, auth.id, "wrong")).message, "AUTH_BYTES_INVALID");
  DispatchResult imported = import(dc2, auth.id, auth.bytes);
  EXPECT_EQ(static_cast<const api::user&>(*AnswerAs<api::auth_authorization>(imported).user).id,
            2000001);
  EXPECT_EQ(ErrorOf(import(dc2, auth.id, auth.bytes)).message, "AUTH_BYTES_INVALID");  // once

  // An export for DC 2 does not import on DC 1.
  auto again = Make<api::auth_exportAuthorization>();
  again->dc_id = 2;
  DispatchResult second = Run(std::move(again), dc1);
  const auto& auth2 = AnswerAs<api::auth_exportedAuthorization>(second);
  ConnectionContext other_dc1 = NewConnection(1);
  EXPECT_EQ(ErrorOf(import(other_dc1, auth2.id, auth2.bytes)).message, "AUTH_BYTES_INVALID");
}

TEST_F(DispatcherTest, LogOutForgetsTheAccount) {
  ConnectionContext conn = NewConnection();
  AnswerAs<api::auth_authorization>(ImportBot(conn, kBotToken));
  AnswerAs<api::auth_loggedOut>(Run(Make<api::auth_logOut>(), conn));
  EXPECT_EQ(ErrorOf(GetSelf(conn)).message, "AUTH_KEY_UNREGISTERED");
}

TEST_F(DispatcherTest, UsersByInputUser) {
  ConnectionContext conn = NewConnection();
  AnswerAs<api::auth_authorization>(ImportBot(conn, kBotToken));
  const WorldUser& alice = *world_.FindUserByPhone(kAlicePhone);
  auto req = Make<api::users_getUsers>();
  auto good = Make<api::inputUser>();
  good->user_id = alice.id;
  good->access_hash = alice.access_hash;
  auto wrong_hash = Make<api::inputUser>();
  wrong_hash->user_id = alice.id;
  wrong_hash->access_hash = alice.access_hash + 1;
  req->id.push_back(std::move(good));
  req->id.push_back(std::move(wrong_hash));
  DispatchResult result = Run(std::move(req), conn);
  const auto* users = std::get<RpcAnswer>(result.outcome).vector();
  ASSERT_NE(users, nullptr);
  ASSERT_EQ(users->size(), 2u);
  const auto& first = static_cast<const api::user&>(*(*users)[0]);
  EXPECT_EQ(first.id, alice.id);
  EXPECT_FALSE(first.self);
  EXPECT_FALSE(first.phone.has_value());  // not shown to others
  EXPECT_EQ((*users)[1]->ConstructorId(), api::userEmpty::kId);

  auto full = Make<api::users_getFullUser>();
  full->id = Make<api::inputUserSelf>();
  DispatchResult full_result = Run(std::move(full), conn);
  const auto& answer = AnswerAs<api::users_userFull>(full_result);
  ASSERT_NE(answer.full_user, nullptr);
  EXPECT_EQ(static_cast<const api::userFull&>(*answer.full_user).id, 2000001);
  EXPECT_NE(static_cast<const api::userFull&>(*answer.full_user).bot_info, nullptr);
  tl::Writer out;
  std::get<RpcAnswer>(full_result.outcome).Store(out);
  EXPECT_TRUE(tl::Deserialize<api::users_UserFull>(out.data()).ok());

  auto missing = Make<api::users_getFullUser>();
  auto nobody = Make<api::inputUser>();
  nobody->user_id = 424242;
  missing->id = std::move(nobody);
  EXPECT_EQ(ErrorOf(Run(std::move(missing), conn)).message, "USER_ID_INVALID");
}

TEST_F(DispatcherTest, UnimplementedMethodsGetAClearError) {
  ConnectionContext conn = NewConnection();
  RpcError error = ErrorOf(Run(Wrapped(Make<api::help_getAppConfig>()), conn));
  EXPECT_EQ(error.code, 400);
  EXPECT_EQ(error.message, "METHOD_NOT_IMPLEMENTED");
}

TEST_F(DispatcherTest, DispatchBytesDecodesAndRejectsGarbage) {
  ConnectionContext conn = NewConnection();
  auto bytes = tl::Serialize(*Wrapped(Make<api::help_getNearestDc>()));
  ASSERT_TRUE(bytes.ok());
  AnswerAs<api::nearestDc>(dispatcher_->DispatchBytes(*bytes, conn));

  const std::string unknown("\x01\x02\x03\x04\x00\x00\x00\x00", 8);
  RpcError error = ErrorOf(dispatcher_->DispatchBytes(unknown, conn));
  EXPECT_EQ(error.code, 400);
  EXPECT_EQ(error.message, "INPUT_METHOD_INVALID");
  EXPECT_EQ(ErrorOf(dispatcher_->DispatchBytes(bytes->substr(0, 10), conn)).message,
            "INPUT_FETCH_FAIL");
  EXPECT_EQ(ErrorOf(dispatcher_->DispatchBytes("", conn)).code, 400);
}

TEST_F(DispatcherTest, GarbageNeverCrashes) {
  ConnectionContext conn = NewConnection();
  crypto::DeterministicRandom noise(99);
  auto request = Make<api::users_getUsers>();
  request->id.push_back(Make<api::inputUserSelf>());
  auto bytes = tl::Serialize(*Wrapped(std::move(request)));
  ASSERT_TRUE(bytes.ok());
  for (int i = 0; i < 3000; ++i) {
    std::string body = *bytes;
    // Flip a few bytes, or cut the request short, or replace it by noise.
    const crypto::Bytes r = noise.Generate(8);
    if (i % 3 == 0) {
      body[r[0] % body.size()] = static_cast<char>(r[1]);
      body[r[2] % body.size()] = static_cast<char>(r[3]);
    } else if (i % 3 == 1) {
      body.resize(r[0] % body.size());
    } else {
      const crypto::Bytes junk = noise.Generate(r[0] % 64);
      body.assign(junk.begin(), junk.end());
    }
    DispatchResult result = dispatcher_->DispatchBytes(body, conn);
    if (const auto* error = std::get_if<RpcError>(&result.outcome)) {
      EXPECT_GT(error->code, 0);
      EXPECT_FALSE(error->message.empty());
    }
  }
}

TEST_F(DispatcherTest, FloodWaitMigrateAndDelayFaults) {
  Faults faults;
  faults.flood_wait.push_back({"auth.sendCode", 5, 2});
  faults.migrate.push_back({"auth.importBotAuthorization", 2, ""});
  faults.delay = std::chrono::milliseconds(300);
  faults.delay_methods = {"help.getConfig"};
  faults_.Reset(faults);
  ConnectionContext conn = NewConnection(1);
  for (int i = 0; i < 2; ++i) {
    auto req = Make<api::auth_sendCode>();
    req->phone_number = kAlicePhone;
    req->api_id = 1;
    req->api_hash = "x";
    req->settings = Make<api::codeSettings>();
    RpcError error = ErrorOf(Run(std::move(req), conn));
    EXPECT_EQ(error.code, 420);
    EXPECT_EQ(error.message, "FLOOD_WAIT_5");
  }
  EXPECT_FALSE(SendCode(conn, kAlicePhone).empty());

  RpcError migrate = ErrorOf(ImportBot(conn, kBotToken));
  EXPECT_EQ(migrate.code, 303);
  EXPECT_EQ(migrate.message, "NETWORK_MIGRATE_2");
  ConnectionContext dc2 = NewConnection(2);
  AnswerAs<api::auth_authorization>(ImportBot(dc2, kBotToken));

  EXPECT_EQ(Run(Make<api::help_getConfig>(), conn).delay.count(), 300);
  EXPECT_EQ(Run(Make<api::help_getNearestDc>(), conn).delay.count(), 0);
}

}  // namespace
}  // namespace mtproto::emulator

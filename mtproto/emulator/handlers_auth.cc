// auth.*: sign-in of bots (token) and users (test phone numbers, login code, 2FA password), and
// the cross-DC export/import of an authorization.
// Spec: https://core.telegram.org/api/auth, https://core.telegram.org/api/srp,
// https://core.telegram.org/api/datacenter (exportAuthorization)
#include <algorithm>
#include <cstring>

#include "mtproto/crypto/random.h"
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/password.h"
#include "mtproto/emulator/store.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

constexpr int kLoginCodeLength = 5;
constexpr size_t kExportedAuthBytes = 64;

std::string RandomHex(crypto::RandomSource& random, size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : random.Generate(bytes)) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

int64_t RandomNonZero(crypto::RandomSource& random) {
  int64_t id = 0;
  while (id == 0) {
    const crypto::Bytes bytes = random.Generate(8);
    std::memcpy(&id, bytes.data(), 8);
  }
  return id;
}

// Clients send "+99966...", "99966 2 1234" and so on; Telegram compares digits.
std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

Outcome SendCode(const api::auth_sendCode& req, Call& call) {
  if (req.api_id <= 0 || req.api_hash.empty()) return Error(400, "API_ID_INVALID");
  const std::string phone = NormalizePhone(req.phone_number);
  const std::optional<std::string> code = TestLoginCode(phone);
  if (!code) return Error(406, "PHONE_NUMBER_INVALID");
  LoginCode login{RandomHex(*call.env.random, 9), phone, *code, call.env.NowSeconds()};
  if (absl::Status s = call.env.store->PutLoginCode(login); !s.ok()) return InternalError(s);
  auto sent = std::make_unique<api::auth_sentCode>();
  // Registered accounts get the code "in the app", new numbers "by SMS", as on Telegram.
  if (call.env.world->FindUserByPhone(phone)) {
    auto type = std::make_unique<api::auth_sentCodeTypeApp>();
    type->length = kLoginCodeLength;
    sent->type = std::move(type);
  } else {
    auto type = std::make_unique<api::auth_sentCodeTypeSms>();
    type->length = kLoginCodeLength;
    sent->type = std::move(type);
  }
  sent->phone_code_hash = login.phone_code_hash;
  return RpcAnswer::Of(std::move(sent));
}

// The pending code for (phone, phone_code_hash), or the error the client gets.
std::variant<LoginCode, RpcError> FindCode(Call& call, const std::string& phone,
                                           const std::string& hash) {
  if (hash.empty()) return RpcError{400, "PHONE_CODE_HASH_EMPTY"};
  if (!TestLoginCode(phone)) return RpcError{406, "PHONE_NUMBER_INVALID"};
  absl::StatusOr<std::optional<LoginCode>> found = call.env.store->FindLoginCode(hash);
  if (!found.ok()) return std::get<RpcError>(InternalError(found.status()));
  // An unknown hash is one that was replaced or used up: to the client it has expired.
  if (!*found || (*found)->phone != phone) return RpcError{400, "PHONE_CODE_EXPIRED"};
  if (call.env.NowSeconds() - (*found)->created >
      absl::ToInt64Seconds(call.env.login_code_lifetime)) {
    (void)call.env.store->DeleteLoginCode(hash);
    return RpcError{400, "PHONE_CODE_EXPIRED"};
  }
  return **found;
}

Outcome SignedIn(Call& call, int64_t user_id) {
  if (absl::Status s = call.SignIn(user_id); !s.ok()) return InternalError(s);
  call.env.passwords->ClearPending(call.conn.auth_key_id);
  return RpcAnswer::Of(MakeAuthorization(call.account()));
}

Outcome SignIn(const api::auth_signIn& req, Call& call) {
  const std::string phone = NormalizePhone(req.phone_number);
  auto code = FindCode(call, phone, req.phone_code_hash);
  if (auto* error = std::get_if<RpcError>(&code)) return *error;
  if (!req.phone_code || req.phone_code->empty()) return Error(400, "PHONE_CODE_EMPTY");
  if (*req.phone_code != std::get<LoginCode>(code).code) return Error(400, "PHONE_CODE_INVALID");
  const WorldUser* user = call.env.world->FindUserByPhone(phone);
  if (!user) {
    // The code stays valid for the auth.signUp that follows.
    return RpcAnswer::Of(std::make_unique<api::auth_authorizationSignUpRequired>());
  }
  (void)call.env.store->DeleteLoginCode(req.phone_code_hash);
  if (user->password) {
    call.env.passwords->SetPending(call.conn.auth_key_id, user->id);
    return Error(401, "SESSION_PASSWORD_NEEDED");
  }
  return SignedIn(call, user->id);
}

Outcome SignUp(const api::auth_signUp& req, Call& call) {
  const std::string phone = NormalizePhone(req.phone_number);
  auto code = FindCode(call, phone, req.phone_code_hash);
  if (auto* error = std::get_if<RpcError>(&code)) return *error;
  if (call.env.world->FindUserByPhone(phone)) return Error(400, "PHONE_NUMBER_OCCUPIED");
  if (req.first_name.empty() || req.first_name.size() > 64) return Error(400, "FIRSTNAME_INVALID");
  if (req.last_name.size() > 64) return Error(400, "LASTNAME_INVALID");
  WorldUser user;
  user.id = call.env.world->MaxId() + 1;
  user.access_hash = DeriveAccessHash(user.id);
  user.first_name = req.first_name;
  user.last_name = req.last_name;
  user.phone = phone;
  if (absl::Status s = call.env.store->AddUser(user); !s.ok()) return InternalError(s);
  if (absl::Status s = call.env.world->AddUser(user); !s.ok()) return InternalError(s);
  (void)call.env.store->DeleteLoginCode(req.phone_code_hash);
  return SignedIn(call, user.id);
}

Outcome ImportBotAuthorization(const api::auth_importBotAuthorization& req, Call& call) {
  if (req.api_id <= 0 || req.api_hash.empty()) return Error(400, "API_ID_INVALID");
  const WorldBot* bot = call.env.world->FindBotByToken(req.bot_auth_token);
  if (!bot) return Error(400, "ACCESS_TOKEN_INVALID");
  return SignedIn(call, bot->id);
}

Outcome CheckPassword(const api::auth_checkPassword& req, Call& call) {
  const std::optional<int64_t> pending = call.env.passwords->Pending(call.conn.auth_key_id);
  const Account account = call.env.world->FindAccount(pending ? *pending : call.user_id);
  if (!account.user || !account.user->password) {
    // Nothing to check the password of: the login flow was not followed.
    return Error(400, call.user_id || pending ? "PASSWORD_HASH_INVALID" : "AUTH_KEY_UNREGISTERED");
  }
  if (!req.password || req.password->ConstructorId() != api::inputCheckPasswordSRP::kId) {
    return Error(400, "PASSWORD_HASH_INVALID");
  }
  const auto& srp = static_cast<const api::inputCheckPasswordSRP&>(*req.password);
  switch (call.env.passwords->Check(call.conn.auth_key_id, *account.user, srp.srp_id,
                                    crypto::AsBytes(srp.A), crypto::AsBytes(srp.M1))) {
    case PasswordService::CheckResult::kSrpIdInvalid:
      return Error(400, "SRP_ID_INVALID");
    case PasswordService::CheckResult::kPasswordHashInvalid:
      return Error(400, "PASSWORD_HASH_INVALID");
    case PasswordService::CheckResult::kOk:
      break;
  }
  return SignedIn(call, account.id());
}

Outcome ExportAuthorization(const api::auth_exportAuthorization& req, Call& call) {
  const bool known = std::any_of(call.env.dcs.begin(), call.env.dcs.end(),
                                 [&](const DcEndpoint& dc) { return dc.id == req.dc_id; });
  if (!known) return Error(400, "DC_ID_INVALID");
  ExportedAuth exported;
  exported.id = RandomNonZero(*call.env.random);
  const crypto::Bytes bytes = call.env.random->Generate(kExportedAuthBytes);
  exported.bytes.assign(bytes.begin(), bytes.end());
  exported.user_id = call.user_id;
  exported.dc_id = req.dc_id;
  exported.created = call.env.NowSeconds();
  if (absl::Status s = call.env.store->PutExportedAuth(exported); !s.ok()) return InternalError(s);
  auto answer = std::make_unique<api::auth_exportedAuthorization>();
  answer->id = exported.id;
  answer->bytes = exported.bytes;
  return RpcAnswer::Of(std::move(answer));
}

Outcome ImportAuthorization(const api::auth_importAuthorization& req, Call& call) {
  absl::StatusOr<std::optional<ExportedAuth>> exported =
      call.env.store->TakeExportedAuth(req.id, req.bytes);
  if (!exported.ok()) return InternalError(exported.status());
  if (!*exported || (*exported)->dc_id != call.conn.dc_id ||
      !call.env.world->FindAccount((*exported)->user_id)) {
    return Error(400, "AUTH_BYTES_INVALID");
  }
  return SignedIn(call, (*exported)->user_id);
}

Outcome LogOut(const api::auth_logOut&, Call& call) {
  if (absl::Status s = call.SignIn(0); !s.ok()) return InternalError(s);
  return RpcAnswer::Of(std::make_unique<api::auth_loggedOut>());
}

}  // namespace

void RegisterAuthHandlers(HandlerTable& table) {
  Register(table, Access::kAnyone, &SendCode);
  Register(table, Access::kAnyone, &SignIn);
  Register(table, Access::kAnyone, &SignUp);
  Register(table, Access::kAnyone, &ImportBotAuthorization);
  Register(table, Access::kAnyone, &CheckPassword);
  Register(table, Access::kSignedIn, &ExportAuthorization);
  Register(table, Access::kAnyone, &ImportAuthorization);
  Register(table, Access::kSignedIn, &LogOut);
}

}  // namespace mtproto::emulator

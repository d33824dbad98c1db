// The sign-in steps of Engine (see engine.h): bot tokens, and phone + code (+ 2FA password by
// SRP) for users. Each step records its progress in the SessionStore.
// Spec: https://core.telegram.org/api/auth, https://core.telegram.org/api/srp,
//       https://core.telegram.org/api/bots
#include <string_view>

#include "mtproto/crypto/srp.h"
#include "mtproto/engine/engine.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

// Store keys for what SessionStore has no column for: the code step in progress.
constexpr std::string_view kLoginPhone = "engine.login.phone";
constexpr std::string_view kLoginPhoneCodeHash = "engine.login.phone_code_hash";
constexpr auto kSignInTimeout = std::chrono::seconds(60);

}  // namespace

absl::Status Engine::OnAuthorization(const api::auth_Authorization& authorization, bool is_bot,
                                     int64_t* user_id) {
  const auto* signed_in = dynamic_cast<const api::auth_authorization*>(&authorization);
  if (signed_in == nullptr) return absl::FailedPreconditionError("sign-up required");
  const auto* user = dynamic_cast<const api::user*>(signed_in->user.get());
  if (user == nullptr) return absl::DataLossError("authorization without a user");
  // The DC that signed us in is the home DC; other DCs' keys are not authorized (yet).
  ForgetAuthorizedDcs();
  MarkAuthorized(home_dc_.load());
  (void)store_->DeleteValue(kLoginPhoneCodeHash);
  if (user_id != nullptr) *user_id = user->id;
  absl::Status stored = store_->SetSignedIn(user->id, is_bot);
  if (stored.ok()) OnSignedIn();
  return stored;
}

absl::StatusOr<int64_t> Engine::SignInBot(const std::string& token) {
  api::auth_importBotAuthorization call;
  call.api_id = options_.api_id;
  call.api_hash = options_.api_hash;
  call.bot_auth_token = token;
  auto result = InvokeSync(call, In(kSignInTimeout));
  if (!result.ok()) return result.status();
  int64_t user_id = 0;
  if (absl::Status s = OnAuthorization(**result, /*is_bot=*/true, &user_id); !s.ok()) return s;
  return user_id;
}

absl::Status Engine::SendCode(const std::string& phone) {
  api::auth_sendCode call;
  call.phone_number = phone;
  call.api_id = options_.api_id;
  call.api_hash = options_.api_hash;
  call.settings = std::make_unique<api::codeSettings>();
  auto result = InvokeSync(call, In(kSignInTimeout));
  if (!result.ok()) return result.status();
  const auto* sent = dynamic_cast<const api::auth_sentCode*>(result->get());
  if (sent == nullptr) return absl::UnimplementedError("unsupported auth.sendCode answer");
  if (absl::Status s = store_->PutValue(kLoginPhone, phone); !s.ok()) return s;
  if (absl::Status s = store_->PutValue(kLoginPhoneCodeHash, sent->phone_code_hash); !s.ok()) {
    return s;
  }
  return store_->SetLoginState(store::LoginState::kCodeSent);
}

absl::StatusOr<SignInStep> Engine::SignIn(const std::string& code) {
  absl::StatusOr<std::optional<std::string>> phone = store_->GetValue(kLoginPhone);
  absl::StatusOr<std::optional<std::string>> hash = store_->GetValue(kLoginPhoneCodeHash);
  if (!phone.ok()) return phone.status();
  if (!hash.ok()) return hash.status();
  if (!phone->has_value() || !hash->has_value()) {
    return absl::FailedPreconditionError("SendCode first");
  }
  api::auth_signIn call;
  call.phone_number = **phone;
  call.phone_code_hash = **hash;
  call.phone_code = code;
  auto result = InvokeSync(call, In(kSignInTimeout));
  if (!result.ok()) {
    std::optional<RpcError> error = GetRpcError(result.status());
    if (error && error->name == "SESSION_PASSWORD_NEEDED") {
      if (absl::Status s = store_->SetLoginState(store::LoginState::kPasswordNeeded); !s.ok()) {
        return s;
      }
      return SignInStep::kPasswordNeeded;
    }
    return result.status();
  }
  if (dynamic_cast<const api::auth_authorizationSignUpRequired*>(result->get()) != nullptr) {
    return SignInStep::kSignUpRequired;
  }
  if (absl::Status s = OnAuthorization(**result, /*is_bot=*/false, nullptr); !s.ok()) return s;
  return SignInStep::kSignedIn;
}

absl::Status Engine::CheckPassword(const std::string& password) {
  auto state = InvokeSync(api::account_getPassword(), In(kSignInTimeout));
  if (!state.ok()) return state.status();
  const auto* info = dynamic_cast<const api::account_password*>(state->get());
  const auto* algo =
      info == nullptr
          ? nullptr
          : dynamic_cast<
                const api::passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow*>(
                info->current_algo.get());
  if (algo == nullptr || !info->srp_B || !info->srp_id) {
    return absl::FailedPreconditionError("the account has no supported 2FA password");
  }
  crypto::SrpAlgo srp;
  srp.salt1.assign(algo->salt1.begin(), algo->salt1.end());
  srp.salt2.assign(algo->salt2.begin(), algo->salt2.end());
  srp.g = algo->g;
  srp.p.assign(algo->p.begin(), algo->p.end());
  absl::StatusOr<crypto::SrpCheck> check;
  for (int attempt = 0; attempt < 4; ++attempt) {  // an unusable `a` is astronomically rare
    const crypto::Bytes a = random_.Generate(256);
    check = crypto::ComputeSrpCheck(password, srp, crypto::AsBytes(*info->srp_B), a);
    if (check.ok()) break;
  }
  if (!check.ok()) return check.status();
  auto input = std::make_unique<api::inputCheckPasswordSRP>();
  input->srp_id = *info->srp_id;
  input->A.assign(check->a_pub.begin(), check->a_pub.end());
  input->M1.assign(check->m1.begin(), check->m1.end());
  api::auth_checkPassword call;
  call.password = std::move(input);
  auto result = InvokeSync(call, In(kSignInTimeout));
  if (!result.ok()) return result.status();
  return OnAuthorization(**result, /*is_bot=*/false, nullptr);
}

bool Engine::IsSignedIn() {
  absl::StatusOr<store::AccountState> account = store_->GetAccount();
  return account.ok() && account->login_state == store::LoginState::kSignedIn;
}

absl::StatusOr<store::AccountState> Engine::Account() { return store_->GetAccount(); }

}  // namespace mtproto::engine

// AccountService (proto/invitegate/v1/accounts.proto): the accounts of the AccountRegistry and
// their sign-in steps. The engine's sign-in calls block, so they run on the BlockingPool and
// finish the gRPC call from there; secrets (code, password, token) are never logged.
// Spec: https://core.telegram.org/api/auth, https://core.telegram.org/api/srp
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "invitegate/v1/accounts.grpc.pb.h"
#include "service/adapter_support.h"

namespace invitegate::service {
namespace {

namespace engine = mtproto::engine;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
using mtproto::store::LoginState;

// Fills `out` from the account's state (and, when signed in, its own user).
absl::Status Describe(AccountBackend& account, engine::Deadline deadline, v1::Account* out) {
  out->set_name(AccountResourceName(account.id()));
  absl::StatusOr<mtproto::store::AccountState> state = account.State();
  if (!state.ok()) return state.status();
  out->set_home_dc(state->home_dc);
  switch (state->login_state) {
    case LoginState::kNone:
    case LoginState::kSignedOut: out->set_state(v1::SIGN_IN_STATE_SIGNED_OUT); break;
    case LoginState::kCodeSent: out->set_state(v1::SIGN_IN_STATE_CODE_SENT); break;
    case LoginState::kPasswordNeeded: out->set_state(v1::SIGN_IN_STATE_PASSWORD_NEEDED); break;
    case LoginState::kSignedIn: out->set_state(v1::SIGN_IN_STATE_SIGNED_IN); break;
  }
  if (state->login_state == LoginState::kSignedIn) {
    out->set_kind(state->is_bot ? v1::ACCOUNT_KIND_BOT : v1::ACCOUNT_KIND_USER);
    out->set_user_id(state->user_id);
    absl::StatusOr<engine::UserInfo> self = account.Self(deadline);
    if (self.ok()) {  // the state alone is still a useful answer
      out->set_username(self->username);
      out->set_display_name(self->last_name.empty()
                                ? self->first_name
                                : absl::StrCat(self->first_name, " ", self->last_name));
    }
  } else if (state->login_state != LoginState::kNone) {
    out->set_kind(v1::ACCOUNT_KIND_USER);  // only users go through code and password
  }
  return absl::OkStatus();
}

std::string DigitsOnly(const std::string& phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

class AccountServiceImpl final : public v1::AccountService::CallbackService {
 public:
  explicit AccountServiceImpl(ServiceContext* context) : context_(*context) {}

  ServerUnaryReactor* ListAccounts(CallbackServerContext* ctx,
                                   const v1::ListAccountsRequest* request,
                                   v1::ListAccountsResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    const int32_t size = ParsePageSize(request->page_size(), 1000, 1000, "page_size", violations);
    std::string after;
    if (!request->page_token().empty()) {
      std::optional<std::vector<std::string>> fields = DecodePageToken(request->page_token());
      if (!fields.has_value() || fields->size() != 1) {
        violations.Add("page_token", "not a token this server handed out");
      } else {
        after = (*fields)[0];
      }
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    // Any token with "read" may list; it sees only the accounts it is scoped to.
    std::optional<auth::Principal> who;
    if (context_.authorizer != nullptr) {
      absl::StatusOr<auth::Principal> checked = context_.authorizer->Check(*ctx, Action::kRead, {});
      if (!checked.ok()) {
        reactor->Finish(auth::ToGrpcStatus(checked.status()));
        return reactor;
      }
      who = *std::move(checked);
    }
    const engine::Deadline deadline =
        EngineDeadline(*ctx, context_.default_timeout, reactor->cancellation());
    context_.pool->Run([this, reactor, response, size, after, deadline, who = std::move(who)] {
      std::vector<std::string> ids = context_.accounts->Ids();
      for (const std::string& id : ids) {
        if (!after.empty() && id <= after) continue;
        if (who.has_value() && !context_.authorizer->AllowsAccount(*who, id)) continue;
        if (response->accounts_size() == size) {
          response->set_next_page_token(EncodePageToken({response->accounts().rbegin()->name().substr(9)}));
          break;
        }
        absl::StatusOr<std::shared_ptr<AccountBackend>> account = context_.accounts->Get(id);
        if (!account.ok()) continue;
        absl::Status s = Describe(**account, deadline, response->add_accounts());
        if (!s.ok()) return reactor->Finish(ToGrpcStatus(s));
      }
      reactor->Finish(grpc::Status::OK);
    });
    return reactor;
  }

  ServerUnaryReactor* GetAccount(CallbackServerContext* ctx, const v1::GetAccountRequest* request,
                                 v1::Account* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<std::string> id = ParseAccountName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    if (grpc::Status s = Authorize(context_, *ctx, Action::kRead, *id); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = context_.accounts->Get(*id);
    if (!account.ok()) {
      reactor->Finish(NotFound(*id));
      return reactor;
    }
    const engine::Deadline deadline =
        EngineDeadline(*ctx, context_.default_timeout, reactor->cancellation());
    context_.pool->Run([reactor, response, account = *account, deadline] {
      reactor->Finish(ToGrpcStatus(Describe(*account, deadline, response)));
    });
    return reactor;
  }

  ServerUnaryReactor* StartSignIn(CallbackServerContext* ctx,
                                  const v1::StartSignInRequest* request,
                                  v1::Account* response) override {
    Violations violations;
    std::optional<std::string> id = ParseAccountName(request->name(), "name", violations);
    const std::string phone = DigitsOnly(request->phone_number());
    if (phone.size() < 5 || phone.size() > 15 ||
        request->phone_number().find_first_not_of("+0123456789 -()") != std::string::npos) {
      violations.Add("phone_number", "an international phone number: 5-15 digits");
    }
    return Step(ctx, std::move(violations), id, response, true,
                [phone](AccountBackend& account) { return account.SendCode(phone); });
  }

  ServerUnaryReactor* SubmitSignInCode(CallbackServerContext* ctx,
                                       const v1::SubmitSignInCodeRequest* request,
                                       v1::Account* response) override {
    Violations violations;
    std::optional<std::string> id = ParseAccountName(request->name(), "name", violations);
    const std::string code = request->code();
    if (code.empty() || code.size() > 16 || DigitsOnly(code) != code) {
      violations.Add("code", "the login code: digits only");
    }
    return Step(ctx, std::move(violations), id, response, false,
                [code](AccountBackend& account) { return account.SignIn(code).status(); });
  }

  ServerUnaryReactor* SubmitSignInPassword(CallbackServerContext* ctx,
                                           const v1::SubmitSignInPasswordRequest* request,
                                           v1::Account* response) override {
    Violations violations;
    std::optional<std::string> id = ParseAccountName(request->name(), "name", violations);
    const std::string password = request->password();
    if (password.empty()) violations.Add("password", "required");
    return Step(ctx, std::move(violations), id, response, false,
                [password](AccountBackend& account) { return account.CheckPassword(password); });
  }

  ServerUnaryReactor* SignInBot(CallbackServerContext* ctx, const v1::SignInBotRequest* request,
                                v1::Account* response) override {
    Violations violations;
    std::optional<std::string> id = ParseAccountName(request->name(), "name", violations);
    const std::string token = request->bot_token();
    const size_t colon = token.find(':');
    int64_t bot_id = 0;
    if (colon == std::string::npos || colon + 1 >= token.size() ||
        !absl::SimpleAtoi(token.substr(0, colon), &bot_id) || bot_id <= 0) {
      violations.Add("bot_token", "a bot token \"<bot id>:<secret>\" from @BotFather");
    }
    return Step(ctx, std::move(violations), id, response, true,
                [token](AccountBackend& account) { return account.SignInBot(token).status(); });
  }

 private:
  static grpc::Status NotFound(const std::string& id) {
    return ServiceError(grpc::StatusCode::NOT_FOUND, "ACCOUNT_NOT_FOUND",
                        absl::StrCat("no account \"", id, "\" on this server"),
                        {{"account", id}});
  }

  // Runs one blocking sign-in step on the pool, then answers with the account's new state.
  // Signing an account in (or creating one) is an "admin" action on that account.
  ServerUnaryReactor* Step(CallbackServerContext* ctx, Violations violations,
                           const std::optional<std::string>& id, v1::Account* response,
                           bool create, std::function<absl::Status(AccountBackend&)> step) {
    UnaryCall* reactor = new UnaryCall;
    if (FinishIfInvalid(reactor, violations)) return reactor;
    if (grpc::Status s = Authorize(context_, *ctx, Action::kAdmin, *id); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    const engine::Deadline deadline =
        EngineDeadline(*ctx, context_.default_timeout, reactor->cancellation());
    context_.pool->Run([this, reactor, response, id = *id, create, step = std::move(step),
                        deadline] {
      absl::StatusOr<std::shared_ptr<AccountBackend>> account =
          create ? context_.accounts->GetOrCreate(id) : context_.accounts->Get(id);
      if (!account.ok()) {
        return reactor->Finish(account.status().code() == absl::StatusCode::kNotFound
                                   ? NotFound(id)
                                   : ToGrpcStatus(account.status()));
      }
      absl::Status status = step(**account);
      if (!status.ok()) return reactor->Finish(ToGrpcStatus(status, (*account)->kind()));
      reactor->Finish(ToGrpcStatus(Describe(**account, deadline, response)));
    });
    return reactor;
  }

  ServiceContext& context_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeAccountService(ServiceContext* context) {
  return std::make_unique<AccountServiceImpl>(context);
}

}  // namespace invitegate::service

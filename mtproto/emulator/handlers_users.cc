// users.*: accounts by InputUser. Spec: https://core.telegram.org/method/users.getUsers
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

// The account an InputUser names, if it exists and the access_hash matches.
Account Resolve(const api::InputUser* input, Call& call) {
  if (!input) return Account{};
  switch (input->ConstructorId()) {
    case api::inputUserSelf::kId:
      return call.account();
    case api::inputUser::kId: {
      const auto& u = static_cast<const api::inputUser&>(*input);
      const Account account = call.env.world->FindAccount(u.user_id);
      const int64_t hash = account.user ? account.user->access_hash
                           : account.bot ? account.bot->access_hash
                                         : 0;
      // The owner may name itself with any hash (clients cache their own id with hash 0).
      if (account && (u.access_hash == hash || u.user_id == call.user_id)) return account;
      return Account{};
    }
    case api::inputUserFromMessage::kId:
      return call.env.world->FindAccount(static_cast<const api::inputUserFromMessage&>(*input).user_id);
    default:
      return Account{};
  }
}

int64_t RequestedId(const api::InputUser* input) {
  if (input && input->ConstructorId() == api::inputUser::kId) {
    return static_cast<const api::inputUser&>(*input).user_id;
  }
  return 0;
}

Outcome GetUsers(const api::users_getUsers& req, Call& call) {
  std::vector<tl::ObjectPtr<tl::Object>> users;
  for (const auto& input : req.id) {
    const Account account = Resolve(input.get(), call);
    if (account) {
      users.push_back(MakeUser(account, call.user_id));
    } else {
      auto empty = std::make_unique<api::userEmpty>();
      empty->id = RequestedId(input.get());
      users.push_back(std::move(empty));
    }
  }
  return RpcAnswer::VectorOf(std::move(users));
}

Outcome GetFullUser(const api::users_getFullUser& req, Call& call) {
  const Account account = Resolve(req.id.get(), call);
  if (!account) return Error(400, "USER_ID_INVALID");
  auto full = std::make_unique<api::userFull>();
  full->id = account.id();
  full->settings = std::make_unique<api::peerSettings>();
  full->notify_settings = std::make_unique<api::peerNotifySettings>();
  full->common_chats_count = 0;
  if (account.bot) {
    auto info = std::make_unique<api::botInfo>();
    info->user_id = account.id();
    info->description = "";
    full->bot_info = std::move(info);
  }
  auto answer = std::make_unique<api::users_userFull>();
  answer->full_user = std::move(full);
  answer->users.push_back(MakeUser(account, call.user_id));
  return RpcAnswer::Of(std::move(answer));
}

}  // namespace

void RegisterUsersHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &GetUsers);
  Register(table, Access::kSignedIn, &GetFullUser);
}

}  // namespace mtproto::emulator

// account.*: the 2FA password parameters. Spec: https://core.telegram.org/method/account.getPassword
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/password.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

// Callable signed in, or between auth.signIn's SESSION_PASSWORD_NEEDED and auth.checkPassword.
Outcome GetPassword(const api::account_getPassword&, Call& call) {
  const std::optional<int64_t> pending = call.env.passwords->Pending(call.conn.auth_key_id);
  const Account account = call.env.world->FindAccount(call.user_id ? call.user_id : pending.value_or(0));
  if (!account) return Error(401, "AUTH_KEY_UNREGISTERED");
  if (account.bot) return Error(400, "BOT_METHOD_INVALID");
  auto password = call.env.passwords->GetPassword(call.conn.auth_key_id, *account.user);
  if (!password.ok()) return InternalError(password.status());
  return RpcAnswer::Of(*std::move(password));
}

}  // namespace

void RegisterAccountHandlers(HandlerTable& table) {
  Register(table, Access::kAnyone, &GetPassword);
}

}  // namespace mtproto::emulator

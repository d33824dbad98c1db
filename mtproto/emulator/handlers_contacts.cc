// contacts.resolveUsername: a public username to the user, bot, supergroup or channel that holds
// it (users and bots may call it).
// Spec: https://core.telegram.org/method/contacts.resolveUsername
#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

Outcome ResolveUsername(const api::contacts_resolveUsername& req, Call& call) {
  std::string_view name = req.username;
  if (!name.empty() && name[0] == '@') name.remove_prefix(1);
  if (!ValidUsername(name)) return Error(400, "USERNAME_INVALID");
  const std::string wanted = LowerUsername(name);
  auto answer = std::make_unique<api::contacts_resolvedPeer>();
  int64_t user_id = 0;
  for (const WorldUser& u : call.env.world->users()) {
    if (!u.username.empty() && LowerUsername(u.username) == wanted) user_id = u.id;
  }
  for (const WorldBot& b : call.env.world->bots()) {
    if (LowerUsername(b.username) == wanted) user_id = b.id;
  }
  if (user_id != 0) {
    auto peer = std::make_unique<api::peerUser>();
    peer->user_id = user_id;
    answer->peer = std::move(peer);
    answer->users = MakeUsers({user_id}, call, call.user_id);
    return RpcAnswer::Of(std::move(answer));
  }
  const ChatRecord* chat = call.env.chats ? call.env.chats->FindByUsername(name) : nullptr;
  if (!chat) return Error(400, "USERNAME_NOT_OCCUPIED");
  answer->peer = MakePeer(*chat);
  answer->chats.push_back(MakeChat(*chat, call.user_id));
  return RpcAnswer::Of(std::move(answer));
}

}  // namespace

void RegisterContactsHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &ResolveUsername);
}

}  // namespace mtproto::emulator

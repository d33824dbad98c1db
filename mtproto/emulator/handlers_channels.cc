// channels.* for joining and public usernames: joinChannel, toggleJoinRequest, toggleJoinToSend,
// checkUsername, updateUsername. All user-only (bots: BOT_METHOD_INVALID).
// Spec: https://core.telegram.org/api/invites (public usernames, join requests),
// https://core.telegram.org/method/channels.joinChannel
#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

Outcome BotMethodInvalid() { return Error(400, "BOT_METHOD_INVALID"); }

// Is `username` taken by an account or by a chat other than `self_chat`?
bool Occupied(Call& call, std::string_view username, int64_t self_chat) {
  const std::string wanted = LowerUsername(username);
  for (const WorldUser& u : call.env.world->users()) {
    if (!u.username.empty() && LowerUsername(u.username) == wanted) return true;
  }
  for (const WorldBot& b : call.env.world->bots()) {
    if (LowerUsername(b.username) == wanted) return true;
  }
  const ChatRecord* chat = call.env.chats ? call.env.chats->FindByUsername(username) : nullptr;
  return chat && chat->id != self_chat;
}

Outcome JoinChannel(const api::channels_joinChannel& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolveChannel(req.channel.get(), call, /*must_be_member=*/true, /*private_code=*/406);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (chat.IsPresent(call.user_id)) return Error(400, "USER_ALREADY_PARTICIPANT");
  if (chat.join_request) {
    if (absl::Status s = RequestJoin(call, chat, call.user_id, nullptr); !s.ok()) return InternalError(s);
    return Error(400, "INVITE_REQUEST_SENT");
  }
  auto updates = MakeUpdates(call);
  if (absl::Status s = Join(call, chat, call.user_id, nullptr, 0, *updates); !s.ok()) {
    return InternalError(s);
  }
  return JoinAnswer(call, std::move(updates));
}

// The common part of the two toggles: the supergroup, the right, and "not modified".
Outcome Toggle(const tl::ObjectPtr<api::InputChannel>& input, bool enabled, bool ChatRecord::*field,
               bool needs_public, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolveChannel(input.get(), call, /*must_be_member=*/true);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (chat.kind != ChatKind::kSupergroup) return Error(400, "CHANNEL_INVALID");
  const Participant* me = chat.Find(call.user_id);
  if (!me || !me->present() || !me->Can(kRightBanUsers)) return Error(400, "CHAT_ADMIN_REQUIRED");
  if (needs_public && chat.username.empty()) return Error(400, "CHAT_PUBLIC_REQUIRED");
  if (chat.*field == enabled) return Error(400, "CHAT_NOT_MODIFIED");
  ChatRecord copy = chat;
  copy.*field = enabled;
  if (absl::Status s = call.env.chats->PutChat(copy); !s.ok()) return InternalError(s);
  const ChatRecord& now = *call.env.chats->FindChat(chat.id);
  if (absl::Status s = PublishChannelChanged(call, now, call.user_id); !s.ok()) return InternalError(s);
  auto updates = MakeUpdates(call);
  auto u = std::make_unique<api::updateChannel>();
  u->channel_id = chat.id;
  updates->updates.push_back(std::move(u));
  updates->chats.push_back(MakeChat(now, call.user_id));
  return RpcAnswer::Of(std::move(updates));
}

Outcome ToggleJoinRequest(const api::channels_toggleJoinRequest& req, Call& call) {
  return Toggle(req.channel, req.enabled, &ChatRecord::join_request, /*needs_public=*/true, call);
}

Outcome ToggleJoinToSend(const api::channels_toggleJoinToSend& req, Call& call) {
  return Toggle(req.channel, req.enabled, &ChatRecord::join_to_send, /*needs_public=*/false, call);
}

Outcome CheckUsername(const api::channels_checkUsername& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  int64_t self_chat = 0;
  // inputChannelEmpty asks about a channel yet to be created.
  if (req.channel && req.channel->ConstructorId() != api::inputChannelEmpty::kId) {
    ChatRef ref = ResolveChannel(req.channel.get(), call, /*must_be_member=*/true);
    if (ref.error) return *ref.error;
    self_chat = ref.chat->id;
  }
  if (!ValidUsername(req.username)) return Error(400, "USERNAME_INVALID");
  return RpcAnswer::Bool(!Occupied(call, req.username, self_chat));
}

Outcome UpdateUsername(const api::channels_updateUsername& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolveChannel(req.channel.get(), call, /*must_be_member=*/true);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (chat.creator != call.user_id) return Error(403, "CHAT_ADMIN_REQUIRED");
  if (req.username == chat.username) return Error(400, "USERNAME_NOT_MODIFIED");
  if (!req.username.empty()) {
    if (!ValidUsername(req.username)) return Error(400, "USERNAME_INVALID");
    if (Occupied(call, req.username, chat.id)) return Error(400, "USERNAME_OCCUPIED");
  }
  ChatRecord copy = chat;
  copy.username = req.username;
  // Joining by request is for public groups: a private one joins through links only.
  if (copy.username.empty()) copy.join_request = false;
  if (absl::Status s = call.env.chats->PutChat(copy); !s.ok()) return InternalError(s);
  if (absl::Status s = PublishChannelChanged(call, *call.env.chats->FindChat(chat.id), 0); !s.ok()) {
    return InternalError(s);
  }
  return RpcAnswer::Bool(true);
}

}  // namespace

void RegisterChannelsHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &JoinChannel);
  Register(table, Access::kSignedIn, &ToggleJoinRequest);
  Register(table, Access::kSignedIn, &ToggleJoinToSend);
  Register(table, Access::kSignedIn, &CheckUsername);
  Register(table, Access::kSignedIn, &UpdateUsername);
}

}  // namespace mtproto::emulator

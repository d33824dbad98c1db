// Leaving chats: channels.leaveChannel (supergroups and channels) and messages.deleteChatUser
// (basic groups: leaving, or an admin removing a member). After leaving, an account can join or
// ask to join again — a user whose join request was approved can request once more.
// Spec: https://core.telegram.org/method/channels.leaveChannel,
//       https://core.telegram.org/method/messages.deleteChatUser,
//       https://core.telegram.org/api/updates
//
// Updates, as for joins (chat_ops.cc): the leaver's other sessions get updateChannel (channels);
// a basic group's members get the service message (messageActionChatDeleteUser, common box);
// bot admins that may invite get updateChannelParticipant / updateChatParticipant (qts) with the
// previous participant and no new one. Supergroups get no "left" service message here (the
// emulator keeps no channel history a client could read it from).
#include <cstdio>

#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

UpdateEntities EntitiesFor(Call& call, const ChatRecord& chat, int64_t viewer,
                           const std::vector<int64_t>& user_ids) {
  UpdateEntities entities;
  entities.users = MakeUsers(user_ids, call, viewer);
  entities.chats.push_back(MakeChat(chat, viewer));
  return entities;
}

// A failed publish is logged, not returned: the state change is committed already, and the
// hub's log is what getDifference answers from.
void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "emulator: publishing %s: %s\n", what, status.ToString().c_str());
  }
}

// Bot admins holding can_invite_users: they hear about participant changes.
std::vector<int64_t> BotInviteAdmins(Call& call, const ChatRecord& chat) {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : chat.participants) {
    if (p.present() && p.Can(kRightInviteUsers) && call.env.world->FindAccount(id).bot) {
      ids.push_back(id);
    }
  }
  return ids;
}

// `who` leaves `chat` (role kLeft, rights dropped); basic groups also take a new version.
absl::Status MarkLeft(Call& call, const ChatRecord& chat, int64_t who, int32_t* msg_id) {
  ChatState& state = *call.env.chats;
  ChatState::Batch batch(state);
  Participant p = *chat.Find(who);
  p.role = Role::kLeft;
  p.rights = 0;
  p.date = call.env.NowSeconds();
  if (absl::Status s = state.PutParticipant(chat.id, p); !s.ok()) return s;
  if (chat.kind == ChatKind::kGroup) {
    ChatRecord copy = chat;
    ++copy.version;
    if (absl::Status s = state.PutChat(copy); !s.ok()) return s;
    absl::StatusOr<int32_t> id = state.NextMessageId(chat.id);
    if (!id.ok()) return id.status();
    *msg_id = *id;
  }
  return batch.Commit();
}

Outcome LeaveChannel(const api::channels_leaveChannel& req, Call& call) {
  // Not only members: whoever holds the channel's hash and is not in it hears
  // USER_NOT_PARTICIPANT, the error a second leave gets.
  ChatRef ref = ResolveChannel(req.channel.get(), call, /*must_be_member=*/false);
  if (ref.error) return *ref.error;
  const ChatRecord& before = *ref.chat;
  const Participant* me = before.Find(call.user_id);
  if (me == nullptr || !me->present()) return Error(400, "USER_NOT_PARTICIPANT");
  if (me->role == Role::kCreator) return Error(400, "USER_CREATOR");
  const Participant was = *me;
  const std::vector<int64_t> bots = BotInviteAdmins(call, before);
  int32_t unused = 0;
  if (absl::Status s = MarkLeft(call, before, call.user_id, &unused); !s.ok()) {
    return InternalError(s);
  }
  const ChatRecord& chat = *call.env.chats->FindChat(before.id);
  const int32_t now = static_cast<int32_t>(call.env.NowSeconds());
  if (UpdateHub* hub = call.env.updates) {
    std::vector<tl::ObjectPtr<api::Update>> mine;
    auto changed = std::make_unique<api::updateChannel>();
    changed->channel_id = chat.id;
    mine.push_back(std::move(changed));
    Check(hub->PublishSeq(call.user_id, std::move(mine),
                          EntitiesFor(call, chat, call.user_id, {call.user_id})),
          "updateChannel");
    for (int64_t bot : bots) {
      auto u = std::make_unique<api::updateChannelParticipant>();
      u->channel_id = chat.id;
      u->date = now;
      u->actor_id = call.user_id;
      u->user_id = call.user_id;
      if (was.admin()) {
        auto prev = std::make_unique<api::channelParticipantAdmin>();
        prev->user_id = call.user_id;
        prev->promoted_by = chat.creator;
        prev->date = static_cast<int32_t>(was.date);
        prev->admin_rights = MakeAdminRights(was.rights);
        u->prev_participant = std::move(prev);
      } else {
        auto prev = std::make_unique<api::channelParticipant>();
        prev->user_id = call.user_id;
        prev->date = static_cast<int32_t>(was.date);
        u->prev_participant = std::move(prev);
      }
      Check(hub->PublishQts(bot, std::move(u), EntitiesFor(call, chat, bot, {call.user_id})),
            "updateChannelParticipant");
    }
  }
  auto updates = MakeUpdates(call);
  auto changed = std::make_unique<api::updateChannel>();
  changed->channel_id = chat.id;
  updates->updates.push_back(std::move(changed));
  updates->chats.push_back(MakeChat(chat, call.user_id));
  return RpcAnswer::Of(std::move(updates));
}

Outcome DeleteChatUser(const api::messages_deleteChatUser& req, Call& call) {
  const ChatRecord* found = call.env.chats ? call.env.chats->FindChat(req.chat_id) : nullptr;
  if (found == nullptr || found->kind != ChatKind::kGroup) return Error(400, "CHAT_ID_INVALID");
  const ChatRecord& before = *found;
  const Participant* me = before.Find(call.user_id);
  if (me == nullptr) return Error(400, "PEER_ID_INVALID");  // never was in it
  const int64_t target = ResolveUserId(req.user_id.get(), call);
  if (target == 0) return Error(400, "USER_ID_INVALID");
  const Participant* them = before.Find(target);
  if (them == nullptr || !them->present()) return Error(400, "USER_NOT_PARTICIPANT");
  if (target != call.user_id) {
    // Removing someone else: an admin who may ban, and never the creator.
    if (!me->present() || !me->Can(kRightBanUsers)) return Error(400, "CHAT_ADMIN_REQUIRED");
  }
  if (them->role == Role::kCreator) return Error(400, "USER_CREATOR");
  const Participant was = *them;
  const std::vector<int64_t> members = [&] {
    std::vector<int64_t> ids;
    for (const auto& [id, p] : before.participants) {
      if (p.present()) ids.push_back(id);  // the leaver too: it sees its own service message
    }
    return ids;
  }();
  const std::vector<int64_t> bots = BotInviteAdmins(call, before);
  int32_t msg_id = 0;
  if (absl::Status s = MarkLeft(call, before, target, &msg_id); !s.ok()) return InternalError(s);
  const ChatRecord& chat = *call.env.chats->FindChat(before.id);
  const int32_t now = static_cast<int32_t>(call.env.NowSeconds());
  const std::vector<int64_t> mentioned =
      target == call.user_id ? std::vector<int64_t>{target} : std::vector<int64_t>{call.user_id, target};

  auto make_message = [&]() -> tl::ObjectPtr<api::Message> {
    auto m = std::make_unique<api::messageService>();
    m->id = msg_id;
    auto from = std::make_unique<api::peerUser>();
    from->user_id = call.user_id;
    m->from_id = std::move(from);
    m->peer_id = MakePeer(chat);
    m->date = now;
    auto action = std::make_unique<api::messageActionChatDeleteUser>();
    action->user_id = target;
    m->action = std::move(action);
    return m;
  };
  int32_t caller_pts = 0;
  if (UpdateHub* hub = call.env.updates) {
    for (int64_t r : members) {
      auto u = std::make_unique<api::updateNewMessage>();
      u->message = make_message();
      u->pts_count = 1;
      Check(hub->PublishPts(r, std::move(u), 1, EntitiesFor(call, chat, r, mentioned)),
            "updateNewMessage");
    }
    for (int64_t bot : bots) {
      auto u = std::make_unique<api::updateChatParticipant>();
      u->chat_id = chat.id;
      u->date = now;
      u->actor_id = call.user_id;
      u->user_id = target;
      auto prev = std::make_unique<api::chatParticipant>();
      prev->user_id = target;
      prev->inviter_id = was.inviter_id;
      prev->date = static_cast<int32_t>(was.date);
      u->prev_participant = std::move(prev);
      Check(hub->PublishQts(bot, std::move(u), EntitiesFor(call, chat, bot, mentioned)),
            "updateChatParticipant");
    }
    // The hub numbered the caller's copy in the caller's box; the answer carries the same pts.
    if (auto state = hub->State(call.user_id); state.ok() && *state) caller_pts = (*state)->pts;
  }
  auto updates = MakeUpdates(call);
  auto u = std::make_unique<api::updateNewMessage>();
  u->message = make_message();
  u->pts = caller_pts;
  u->pts_count = 1;
  updates->updates.push_back(std::move(u));
  updates->users = MakeUsers(mentioned, call, call.user_id);
  updates->chats.push_back(MakeChat(chat, call.user_id));
  return RpcAnswer::Of(std::move(updates));
}

}  // namespace

void RegisterMembershipHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &LeaveChannel);
  Register(table, Access::kSignedIn, &DeleteChatUser);
}

}  // namespace mtproto::emulator

#include "mtproto/emulator/chat_ops.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "mtproto/tl/api_layers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

template <typename T>
tl::ObjectPtr<T> New() {
  return std::make_unique<T>();
}

UpdateEntities EntitiesFor(Call& call, const ChatRecord& chat, int64_t viewer,
                           const std::vector<int64_t>& user_ids) {
  UpdateEntities entities;
  entities.users = MakeUsers(user_ids, call, viewer);
  entities.chats.push_back(MakeChat(chat, viewer));
  return entities;
}

// A failed publish is logged, not returned: the state change it reports is already committed,
// and the hub's log is what getDifference answers from.
void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) std::fprintf(stderr, "emulator: publishing %s: %s\n", what, status.ToString().c_str());
}

bool IsBotAccount(Call& call, int64_t id) { return call.env.world->FindAccount(id).bot != nullptr; }

// The present participants, in id order.
std::vector<int64_t> Present(const ChatRecord& chat) {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : chat.participants) {
    if (p.present()) ids.push_back(id);
  }
  return ids;
}

// Admins who hear about joins and requests: present, holding can_invite_users, bots or users.
std::vector<int64_t> InviteAdmins(Call& call, const ChatRecord& chat, bool bots) {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : chat.participants) {
    if (p.present() && p.Can(kRightInviteUsers) && IsBotAccount(call, id) == bots) ids.push_back(id);
  }
  return ids;
}

// messages.chatInviteJoinResultOk#445663a7 updates:Updates (layer 227).
constexpr uint32_t kChatInviteJoinResultOk = 0x445663a7;

tl::ObjectPtr<api::ExportedChatInvite> InviteOrPublic(const InviteLink* link) {
  if (link) return MakeInvite(*link);
  return New<api::chatInvitePublicJoinRequests>();
}

}  // namespace

bool IsBot(const Call& call) { return call.env.world->FindAccount(call.user_id).bot != nullptr; }

ChatRef ResolvePeer(const api::InputPeer* peer, Call& call) {
  if (!peer || !call.env.chats) return ChatRef{nullptr, RpcError{400, "PEER_ID_INVALID"}};
  if (peer->ConstructorId() == api::inputPeerChat::kId) {
    const auto& p = static_cast<const api::inputPeerChat&>(*peer);
    const ChatRecord* chat = call.env.chats->FindChat(p.chat_id);
    if (!chat || chat->kind != ChatKind::kGroup || !chat->Find(call.user_id)) {
      return ChatRef{nullptr, RpcError{400, "PEER_ID_INVALID"}};
    }
    return ChatRef{chat, std::nullopt};
  }
  if (peer->ConstructorId() == api::inputPeerChannel::kId) {
    const auto& p = static_cast<const api::inputPeerChannel&>(*peer);
    api::inputChannel channel;
    channel.channel_id = p.channel_id;
    channel.access_hash = p.access_hash;
    return ResolveChannel(&channel, call, /*must_be_member=*/true);
  }
  return ChatRef{nullptr, RpcError{400, "PEER_ID_INVALID"}};
}

ChatRef ResolveChannel(const api::InputChannel* input, Call& call, bool must_be_member,
                       int private_code) {
  if (!input || input->ConstructorId() != api::inputChannel::kId || !call.env.chats) {
    return ChatRef{nullptr, RpcError{400, "CHANNEL_INVALID"}};
  }
  const auto& c = static_cast<const api::inputChannel&>(*input);
  const ChatRecord* chat = call.env.chats->FindChat(c.channel_id);
  if (!chat || !chat->is_channel() || chat->access_hash != c.access_hash) {
    return ChatRef{nullptr, RpcError{400, "CHANNEL_INVALID"}};
  }
  const Participant* me = chat->Find(call.user_id);
  if (must_be_member && (!me || !me->present()) &&
      (chat->username.empty() || (me && me->role == Role::kKicked))) {
    return ChatRef{nullptr, RpcError{private_code, "CHANNEL_PRIVATE"}};
  }
  return ChatRef{chat, std::nullopt};
}

int64_t ResolveUserId(const api::InputUser* input, Call& call) {
  if (!input) return 0;
  if (input->ConstructorId() == api::inputUserSelf::kId) return call.user_id;
  if (input->ConstructorId() != api::inputUser::kId) return 0;
  const auto& u = static_cast<const api::inputUser&>(*input);
  const Account account = call.env.world->FindAccount(u.user_id);
  if (!account) return 0;
  const int64_t hash = account.user ? account.user->access_hash : account.bot->access_hash;
  return (u.access_hash == hash || u.user_id == call.user_id) ? u.user_id : 0;
}

tl::ObjectPtr<api::chatAdminRights> MakeAdminRights(uint32_t rights) {
  auto r = New<api::chatAdminRights>();
  r->change_info = rights & kRightChangeInfo;
  r->post_messages = rights & kRightPostMessages;
  r->edit_messages = rights & kRightEditMessages;
  r->delete_messages = rights & kRightDeleteMessages;
  r->ban_users = rights & kRightBanUsers;
  r->invite_users = rights & kRightInviteUsers;
  r->pin_messages = rights & kRightPinMessages;
  r->add_admins = rights & kRightAddAdmins;
  r->other = rights & kRightOther;
  return r;
}

tl::ObjectPtr<api::Chat> MakeChat(const ChatRecord& chat, int64_t viewer) {
  const Participant* me = chat.Find(viewer);
  const bool kicked = me && me->role == Role::kKicked;
  const bool present = me && me->present();
  if (chat.kind == ChatKind::kGroup) {
    if (kicked) {
      auto c = New<api::chatForbidden>();
      c->id = chat.id;
      c->title = chat.title;
      return c;
    }
    auto c = New<api::chat>();
    c->id = chat.id;
    c->title = chat.title;
    c->creator = chat.creator == viewer;
    c->left = !present;
    c->photo = New<api::chatPhotoEmpty>();
    c->participants_count = chat.Count();
    c->date = static_cast<int32_t>(chat.date);
    c->version = chat.version;
    if (me && me->admin()) c->admin_rights = MakeAdminRights(me->role == Role::kCreator ? kAllRights : me->rights);
    return c;
  }
  if (kicked) {
    auto c = New<api::channelForbidden>();
    c->broadcast = chat.kind == ChatKind::kChannel;
    c->megagroup = chat.kind == ChatKind::kSupergroup;
    c->id = chat.id;
    c->access_hash = chat.access_hash;
    c->title = chat.title;
    return c;
  }
  auto c = New<api::channel>();
  c->id = chat.id;
  c->access_hash = chat.access_hash;
  c->title = chat.title;
  if (!chat.username.empty()) c->username = chat.username;
  c->creator = chat.creator == viewer;
  c->left = !present;
  c->broadcast = chat.kind == ChatKind::kChannel;
  c->megagroup = chat.kind == ChatKind::kSupergroup;
  c->join_request = chat.join_request;
  c->join_to_send = chat.join_to_send;
  c->photo = New<api::chatPhotoEmpty>();
  c->date = static_cast<int32_t>(chat.date);
  c->participants_count = chat.Count();
  if (me && me->admin()) c->admin_rights = MakeAdminRights(me->role == Role::kCreator ? kAllRights : me->rights);
  return c;
}

tl::ObjectPtr<api::Peer> MakePeer(const ChatRecord& chat) {
  if (chat.kind == ChatKind::kGroup) {
    auto p = New<api::peerChat>();
    p->chat_id = chat.id;
    return p;
  }
  auto p = New<api::peerChannel>();
  p->channel_id = chat.id;
  return p;
}

tl::ObjectPtr<api::chatInviteExported> MakeInvite(const InviteLink& link) {
  auto i = New<api::chatInviteExported>();
  i->revoked = link.revoked;
  i->permanent = link.permanent;
  i->request_needed = link.request_needed;
  i->link = link.Url();
  i->admin_id = link.admin_id;
  i->date = static_cast<int32_t>(link.date);
  if (link.start_date) i->start_date = static_cast<int32_t>(*link.start_date);
  if (link.expire_date) i->expire_date = static_cast<int32_t>(*link.expire_date);
  if (link.usage_limit) i->usage_limit = *link.usage_limit;
  if (link.usage > 0) i->usage = link.usage;
  if (link.requested > 0) i->requested = link.requested;
  if (!link.title.empty()) i->title = link.title;
  if (link.pricing) {
    auto p = New<api::starsSubscriptionPricing>();
    p->period = link.pricing->period;
    p->amount = link.pricing->amount;
    i->subscription_pricing = std::move(p);
  }
  return i;
}

std::vector<tl::ObjectPtr<api::User>> MakeUsers(const std::vector<int64_t>& ids, Call& call,
                                               int64_t viewer) {
  std::vector<tl::ObjectPtr<api::User>> users;
  std::vector<int64_t> seen;
  for (int64_t id : ids) {
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    const Account account = call.env.world->FindAccount(id);
    if (account) users.push_back(MakeUser(account, viewer));
  }
  return users;
}

tl::ObjectPtr<api::updates> MakeUpdates(Call& call) {
  auto u = New<api::updates>();
  u->date = static_cast<int32_t>(call.env.NowSeconds());
  u->seq = 0;
  return u;
}

Outcome JoinAnswer(Call& call, tl::ObjectPtr<api::updates> updates) {
  const tl::LayerAdapter* adapter = api::LayerAdapterFor(call.conn.layer);
  if (adapter && adapter == api::LayerAdapterFor(227)) {
    return RpcAnswer::Wrapped(kChatInviteJoinResultOk, std::move(updates));
  }
  return RpcAnswer::Of(std::move(updates));
}

std::string LinkHash(std::string_view link) {
  std::string_view s = link;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (s.size() >= scheme.size() && absl::AsciiStrToLower(std::string(s.substr(0, scheme.size()))) == scheme) {
      s.remove_prefix(scheme.size());
    }
  }
  const size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    std::string host = absl::AsciiStrToLower(std::string(s.substr(0, slash)));
    if (host.rfind("www.", 0) == 0) host = host.substr(4);
    if (host != "t.me" && host != "telegram.me" && host != "telegram.dog") return "";
    s.remove_prefix(slash + 1);
    if (s.size() > 9 && absl::AsciiStrToLower(std::string(s.substr(0, 9))) == "joinchat/") {
      s.remove_prefix(9);
    } else if (!s.empty() && s[0] == '+') {
      s.remove_prefix(1);
    } else {
      return "";
    }
  } else if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
  }
  return std::string(s);
}

absl::Status Join(Call& call, const ChatRecord& chat_in, int64_t user_id, const InviteLink* link,
                  int64_t approved_by, api::updates& out) {
  ChatState& state = *call.env.chats;
  const int64_t now = call.env.NowSeconds();
  const int64_t chat_id = chat_in.id;
  const bool via_request = approved_by != 0;
  const Importer* request = state.FindRequest(chat_id, user_id);
  const std::string about = request ? request->about : "";
  int32_t msg_id = 0;
  {
    ChatState::Batch batch(state);
    Participant p;
    p.user_id = user_id;
    p.role = Role::kMember;
    p.inviter_id = via_request ? approved_by : link ? link->admin_id : 0;
    p.date = now;
    p.via_request = via_request;
    if (absl::Status s = state.PutParticipant(chat_id, p); !s.ok()) return s;
    if (chat_in.kind == ChatKind::kGroup) {
      ChatRecord copy = chat_in;
      ++copy.version;
      if (absl::Status s = state.PutChat(copy); !s.ok()) return s;
    }
    if (link || via_request) {
      Importer importer{chat_id, user_id, now, link ? link->hash : "", about, approved_by, via_request};
      if (absl::Status s = state.PutImporter(importer); !s.ok()) return s;
    }
    if (link) {
      InviteLink l = *link;
      ++l.usage;
      if (via_request && l.requested > 0) --l.requested;
      if (absl::Status s = state.PutLink(l); !s.ok()) return s;
    }
    if (request) {
      if (absl::Status s = state.DeleteRequest(chat_id, user_id); !s.ok()) return s;
    }
    if (chat_in.kind != ChatKind::kChannel) {
      absl::StatusOr<int32_t> id = state.NextMessageId(chat_id);
      if (!id.ok()) return id.status();
      msg_id = *id;
    }
    if (absl::Status s = batch.Commit(); !s.ok()) return s;
  }
  const ChatRecord& chat = *state.FindChat(chat_id);
  const InviteLink* used = link ? state.FindLink(link->hash) : nullptr;
  const int64_t actor = via_request ? approved_by : user_id;
  std::vector<int64_t> mentioned = {user_id};
  if (via_request) mentioned.push_back(approved_by);

  // Broadcast channels post no service message for joins; groups and supergroups do.
  auto make_message = [&]() -> tl::ObjectPtr<api::Message> {
    auto m = New<api::messageService>();
    m->id = msg_id;
    auto from = New<api::peerUser>();
    from->user_id = user_id;
    m->from_id = std::move(from);
    m->peer_id = MakePeer(chat);
    m->date = static_cast<int32_t>(now);
    if (via_request) {
      m->action = New<api::messageActionChatJoinedByRequest>();
    } else if (link) {
      auto a = New<api::messageActionChatJoinedByLink>();
      a->inviter_id = link->admin_id;
      m->action = std::move(a);
    } else {
      auto a = New<api::messageActionChatAddUser>();
      a->users.push_back(user_id);
      m->action = std::move(a);
    }
    return m;
  };

  UpdateHub* hub = call.env.updates;
  if (hub) {
    const std::vector<int64_t> present = Present(chat);
    if (chat.kind == ChatKind::kSupergroup) {
      auto u = New<api::updateNewChannelMessage>();
      u->message = make_message();
      u->pts_count = 1;
      Check(hub->PublishChannel(chat_id, std::move(u), 1, present,
                                [&](int64_t r) { return EntitiesFor(call, chat, r, mentioned); }),
            "updateNewChannelMessage");
    } else if (chat.kind == ChatKind::kGroup) {
      for (int64_t r : present) {
        auto u = New<api::updateNewMessage>();
        u->message = make_message();
        u->pts_count = 1;
        Check(hub->PublishPts(r, std::move(u), 1, EntitiesFor(call, chat, r, mentioned)),
              "updateNewMessage");
      }
    }
    if (chat.is_channel()) {
      std::vector<tl::ObjectPtr<api::Update>> updates;
      auto u = New<api::updateChannel>();
      u->channel_id = chat_id;
      updates.push_back(std::move(u));
      Check(hub->PublishSeq(user_id, std::move(updates), EntitiesFor(call, chat, user_id, mentioned)),
            "updateChannel");
    }
    for (int64_t bot : InviteAdmins(call, chat, /*bots=*/true)) {
      tl::ObjectPtr<api::Update> update;
      if (chat.is_channel()) {
        auto u = New<api::updateChannelParticipant>();
        u->channel_id = chat_id;
        u->date = static_cast<int32_t>(now);
        u->actor_id = actor;
        u->user_id = user_id;
        auto np = New<api::channelParticipant>();
        np->user_id = user_id;
        np->date = static_cast<int32_t>(now);
        u->new_participant = std::move(np);
        if (used || via_request) u->invite = InviteOrPublic(used);
        update = std::move(u);
      } else {
        auto u = New<api::updateChatParticipant>();
        u->chat_id = chat_id;
        u->date = static_cast<int32_t>(now);
        u->actor_id = actor;
        u->user_id = user_id;
        auto np = New<api::chatParticipant>();
        np->user_id = user_id;
        np->inviter_id = chat.Find(user_id)->inviter_id;
        np->date = static_cast<int32_t>(now);
        u->new_participant = std::move(np);
        if (used || via_request) u->invite = InviteOrPublic(used);
        update = std::move(u);
      }
      Check(hub->PublishQts(bot, std::move(update), EntitiesFor(call, chat, bot, mentioned)),
            "participant update");
    }
  }

  // The caller's answer.
  if (chat.is_channel() && call.user_id == user_id) {
    auto u = New<api::updateChannel>();
    u->channel_id = chat_id;
    out.updates.push_back(std::move(u));
  }
  if (chat.kind == ChatKind::kSupergroup) {
    auto u = New<api::updateNewChannelMessage>();
    u->message = make_message();
    u->pts = hub ? hub->ChannelPts(chat_id) : msg_id;
    u->pts_count = 1;
    out.updates.push_back(std::move(u));
  } else if (chat.kind == ChatKind::kGroup) {
    auto u = New<api::updateNewMessage>();
    u->message = make_message();
    int32_t pts = 0;
    if (hub) {
      // The hub numbered the caller's copy in the caller's box; the answer carries the same pts.
      auto state = hub->State(call.user_id);
      if (state.ok() && *state) pts = (*state)->pts;
    }
    u->pts = pts;
    u->pts_count = 1;
    out.updates.push_back(std::move(u));
  }
  for (auto& user : MakeUsers(mentioned, call, call.user_id)) out.users.push_back(std::move(user));
  out.chats.push_back(MakeChat(chat, call.user_id));
  return absl::OkStatus();
}

absl::Status RequestJoin(Call& call, const ChatRecord& chat, int64_t user_id, const InviteLink* link) {
  ChatState& state = *call.env.chats;
  if (state.FindRequest(chat.id, user_id)) return absl::OkStatus();  // asked already
  const int64_t now = call.env.NowSeconds();
  {
    ChatState::Batch batch(state);
    Importer request{chat.id, user_id, now, link ? link->hash : "", "", 0, true};
    if (absl::Status s = state.PutRequest(request); !s.ok()) return s;
    if (link) {
      InviteLink l = *link;
      ++l.requested;
      if (absl::Status s = state.PutLink(l); !s.ok()) return s;
    }
    if (absl::Status s = batch.Commit(); !s.ok()) return s;
  }
  UpdateHub* hub = call.env.updates;
  if (!hub) return absl::OkStatus();
  const InviteLink* used = link ? state.FindLink(link->hash) : nullptr;
  for (int64_t bot : InviteAdmins(call, chat, /*bots=*/true)) {
    auto u = New<api::updateBotChatInviteRequester>();
    u->peer = MakePeer(chat);
    u->date = static_cast<int32_t>(now);
    u->user_id = user_id;
    u->about = "";
    u->invite = InviteOrPublic(used);
    Check(hub->PublishQts(bot, std::move(u), EntitiesFor(call, chat, bot, {user_id})),
          "updateBotChatInviteRequester");
  }
  return PublishPendingCount(call, chat);
}

absl::Status DropRequest(Call& call, const ChatRecord& chat, const Importer& request) {
  ChatState& state = *call.env.chats;
  const Importer copy = request;  // `request` dies with the row
  ChatState::Batch batch(state);
  if (absl::Status s = state.DeleteRequest(chat.id, copy.user_id); !s.ok()) return s;
  if (const InviteLink* link = state.FindLink(copy.link_hash); link && link->requested > 0) {
    InviteLink l = *link;
    --l.requested;
    if (absl::Status s = state.PutLink(l); !s.ok()) return s;
  }
  return batch.Commit();
}

absl::Status PublishPendingCount(Call& call, const ChatRecord& chat) {
  UpdateHub* hub = call.env.updates;
  if (!hub) return absl::OkStatus();
  std::vector<const Importer*> requests = call.env.chats->RequestsOf(chat.id);
  std::sort(requests.begin(), requests.end(), [](const Importer* a, const Importer* b) {
    return a->date != b->date ? a->date > b->date : a->user_id > b->user_id;
  });
  std::vector<int64_t> recent;
  for (size_t i = 0; i < requests.size() && i < 3; ++i) recent.push_back(requests[i]->user_id);
  for (int64_t admin : InviteAdmins(call, chat, /*bots=*/false)) {
    auto u = New<api::updatePendingJoinRequests>();
    u->peer = MakePeer(chat);
    u->requests_pending = static_cast<int32_t>(requests.size());
    u->recent_requesters = recent;
    std::vector<tl::ObjectPtr<api::Update>> updates;
    updates.push_back(std::move(u));
    Check(hub->PublishSeq(admin, std::move(updates), EntitiesFor(call, chat, admin, recent)),
          "updatePendingJoinRequests");
  }
  return absl::OkStatus();
}

absl::Status PublishChannelChanged(Call& call, const ChatRecord& chat, int64_t except) {
  UpdateHub* hub = call.env.updates;
  if (!hub) return absl::OkStatus();
  for (int64_t id : Present(chat)) {
    if (id == except) continue;
    auto u = New<api::updateChannel>();
    u->channel_id = chat.id;
    std::vector<tl::ObjectPtr<api::Update>> updates;
    updates.push_back(std::move(u));
    Check(hub->PublishSeq(id, std::move(updates), EntitiesFor(call, chat, id, {})), "updateChannel");
  }
  return absl::OkStatus();
}

}  // namespace mtproto::emulator

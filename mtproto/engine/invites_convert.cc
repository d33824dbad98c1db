// TL → plain values for the invite API: the public ToInviteLink / ToUserInfo / ToChatInfo
// (invites.h) and the whole-answer conversions of invites_internal.h, which also feed the peer
// cache. Spec: https://core.telegram.org/api/invites
#include "absl/strings/str_cat.h"
#include "mtproto/engine/invite_link.h"
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

std::optional<SubscriptionPricing> ToPricing(
    const tl::ObjectPtr<api::StarsSubscriptionPricing>& pricing) {
  if (!pricing || pricing->ConstructorId() != api::starsSubscriptionPricing::kId) {
    return std::nullopt;
  }
  const auto& p = static_cast<const api::starsSubscriptionPricing&>(*pricing);
  return SubscriptionPricing{p.period, p.amount};
}

// A user's or channel's username: the main one, else the first active collectible one.
template <typename Usernames>
std::string UsernameOf(const std::optional<std::string>& username, const Usernames& usernames) {
  if (username && !username->empty()) return *username;
  if (!usernames) return "";
  for (const auto& u : *usernames) {
    if (u && u->ConstructorId() == api::username::kId &&
        static_cast<const api::username&>(*u).active) {
      return static_cast<const api::username&>(*u).username;
    }
  }
  return "";
}

}  // namespace

InviteLink ToInviteLink(const api::ExportedChatInvite& any) {
  InviteLink out;
  if (any.ConstructorId() != api::chatInviteExported::kId) {
    out.public_join_requests = any.ConstructorId() == api::chatInvitePublicJoinRequests::kId;
    return out;
  }
  const auto& in = static_cast<const api::chatInviteExported&>(any);
  out.link = in.link;
  out.hash = ParseInviteLink(in.link).value_or("");
  out.title = in.title.value_or("");
  out.admin_id = in.admin_id;
  out.date = in.date;
  out.start_date = in.start_date;
  out.expire_date = in.expire_date;
  out.usage_limit = in.usage_limit;
  out.usage = in.usage.value_or(0);
  out.requested = in.requested.value_or(0);
  out.request_needed = in.request_needed;
  out.revoked = in.revoked;
  out.permanent = in.permanent;
  out.subscription = ToPricing(in.subscription_pricing);
  out.subscription_expired = in.subscription_expired;
  return out;
}

std::optional<UserInfo> ToUserInfo(const api::User& any) {
  if (any.ConstructorId() != api::user::kId) return std::nullopt;
  const auto& in = static_cast<const api::user&>(any);
  UserInfo out;
  out.id = in.id;
  out.first_name = in.first_name.value_or("");
  out.last_name = in.last_name.value_or("");
  out.username = UsernameOf(in.username, in.usernames);
  out.bot = in.bot;
  return out;
}

std::optional<ChatInfo> ToChatInfo(const api::Chat& any) {
  ChatInfo out;
  switch (any.ConstructorId()) {
    case api::chat::kId: {
      const auto& in = static_cast<const api::chat&>(any);
      out.kind = PeerKind::kChat;
      out.id = in.id;
      out.title = in.title;
      out.participants_count = in.participants_count;
      out.forbidden = in.deactivated;
      break;
    }
    case api::chatForbidden::kId: {
      const auto& in = static_cast<const api::chatForbidden&>(any);
      out.kind = PeerKind::kChat;
      out.id = in.id;
      out.title = in.title;
      out.forbidden = true;
      break;
    }
    case api::channel::kId: {
      const auto& in = static_cast<const api::channel&>(any);
      out.kind = PeerKind::kChannel;
      out.id = in.id;
      out.title = in.title;
      out.username = UsernameOf(in.username, in.usernames);
      out.broadcast = in.broadcast;
      out.megagroup = in.megagroup;
      out.join_request = in.join_request;
      out.join_to_send = in.join_to_send;
      out.participants_count = in.participants_count;
      break;
    }
    case api::channelForbidden::kId: {
      const auto& in = static_cast<const api::channelForbidden&>(any);
      out.kind = PeerKind::kChannel;
      out.id = in.id;
      out.title = in.title;
      out.broadcast = in.broadcast;
      out.megagroup = in.megagroup;
      out.forbidden = true;
      break;
    }
    default:
      return std::nullopt;
  }
  out.bot_api_id = BotApiId(out.kind, out.id);
  return out;
}

namespace invites_internal {
namespace {

// The users and chats of an updates / updatesCombined answer (nullptr for the short forms).
std::pair<const std::vector<tl::ObjectPtr<api::User>>*, const std::vector<tl::ObjectPtr<api::Chat>>*>
EntitiesOf(const api::Updates* updates) {
  if (updates == nullptr) return {nullptr, nullptr};
  if (updates->ConstructorId() == api::updates::kId) {
    const auto& u = static_cast<const api::updates&>(*updates);
    return {&u.users, &u.chats};
  }
  if (updates->ConstructorId() == api::updatesCombined::kId) {
    const auto& u = static_cast<const api::updatesCombined&>(*updates);
    return {&u.users, &u.chats};
  }
  return {nullptr, nullptr};
}

std::map<int64_t, UserInfo> UsersById(const std::vector<tl::ObjectPtr<api::User>>& users) {
  std::map<int64_t, UserInfo> out;
  for (const auto& user : users) {
    if (!user) continue;
    if (std::optional<UserInfo> info = ToUserInfo(*user)) out[info->id] = *std::move(info);
  }
  return out;
}

UserInfo UserOrId(const std::map<int64_t, UserInfo>& users, int64_t id) {
  if (auto it = users.find(id); it != users.end()) return it->second;
  UserInfo user;
  user.id = id;
  return user;
}

// The chat an invite answer names, fed to the cache.
std::optional<ChatInfo> TakeChat(PeerCache& cache, tl::ObjectPtr<api::Chat>& chat) {
  if (!chat) return std::nullopt;
  std::optional<ChatInfo> info = ToChatInfo(*chat);
  std::vector<tl::ObjectPtr<api::Chat>> chats;
  chats.push_back(std::move(chat));
  (void)cache.Feed({}, chats);
  return info;
}

}  // namespace

absl::Status Unexpected(std::string_view method) {
  return absl::DataLossError(absl::StrCat(std::string(method), ": unexpected answer"));
}

absl::Status BoolTrue(std::string_view method, bool value) {
  if (value) return absl::OkStatus();
  return absl::UnknownError(absl::StrCat(std::string(method), " answered false"));
}

void FeedUpdates(PeerCache& cache, const api::Updates* updates) {
  auto [users, chats] = EntitiesOf(updates);
  if (users != nullptr) (void)cache.Feed(*users, *chats);
}

std::optional<ChatInfo> FirstChat(const api::Updates* updates) {
  auto [users, chats] = EntitiesOf(updates);
  if (chats == nullptr) return std::nullopt;
  for (const auto& chat : *chats) {
    if (!chat) continue;
    if (std::optional<ChatInfo> info = ToChatInfo(*chat)) return info;
  }
  return std::nullopt;
}

absl::StatusOr<EditedLink> ToEditedLink(PeerCache& cache,
                                        tl::ObjectPtr<api::messages_ExportedChatInvite> answer,
                                        std::string_view method) {
  if (!answer) return Unexpected(method);
  EditedLink out;
  if (answer->ConstructorId() == api::messages_exportedChatInvite::kId) {
    auto& a = static_cast<api::messages_exportedChatInvite&>(*answer);
    (void)cache.Feed(a.users, {});
    if (!a.invite) return Unexpected(method);
    out.link = ToInviteLink(*a.invite);
    return out;
  }
  if (answer->ConstructorId() == api::messages_exportedChatInviteReplaced::kId) {
    auto& a = static_cast<api::messages_exportedChatInviteReplaced&>(*answer);
    (void)cache.Feed(a.users, {});
    if (!a.invite || !a.new_invite) return Unexpected(method);
    out.link = ToInviteLink(*a.invite);
    out.replacement = ToInviteLink(*a.new_invite);
    return out;
  }
  return Unexpected(method);
}

absl::StatusOr<LinkPage> ToLinkPage(PeerCache& cache,
                                    tl::ObjectPtr<api::messages_ExportedChatInvites> answer,
                                    int32_t limit) {
  if (!answer || answer->ConstructorId() != api::messages_exportedChatInvites::kId) {
    return Unexpected("messages.getExportedChatInvites");
  }
  auto& a = static_cast<api::messages_exportedChatInvites&>(*answer);
  (void)cache.Feed(a.users, {});
  LinkPage page;
  page.total_count = a.count;
  for (const auto& invite : a.invites) {
    if (invite) page.links.push_back(ToInviteLink(*invite));
  }
  for (const auto& [id, user] : UsersById(a.users)) page.users.push_back(user);
  if (!page.links.empty() && static_cast<int32_t>(page.links.size()) >= limit) {
    page.next = LinkCursor{page.links.back().date, page.links.back().link};
  }
  return page;
}

absl::StatusOr<ImporterPage> ToImporterPage(
    PeerCache& cache, tl::ObjectPtr<api::messages_ChatInviteImporters> answer, int32_t limit) {
  if (!answer || answer->ConstructorId() != api::messages_chatInviteImporters::kId) {
    return Unexpected("messages.getChatInviteImporters");
  }
  auto& a = static_cast<api::messages_chatInviteImporters&>(*answer);
  (void)cache.Feed(a.users, {});
  const std::map<int64_t, UserInfo> users = UsersById(a.users);
  ImporterPage page;
  page.total_count = a.count;
  for (const auto& importer : a.importers) {
    if (!importer || importer->ConstructorId() != api::chatInviteImporter::kId) continue;
    const auto& in = static_cast<const api::chatInviteImporter&>(*importer);
    Importer out;
    out.user = UserOrId(users, in.user_id);
    out.date = in.date;
    out.about = in.about.value_or("");
    out.requested = in.requested;
    out.approved_by = in.approved_by;
    out.via_chatlist = in.via_chatlist;
    page.importers.push_back(std::move(out));
  }
  if (!page.importers.empty() && static_cast<int32_t>(page.importers.size()) >= limit) {
    page.next = ImporterCursor{page.importers.back().date, page.importers.back().user.id};
  }
  return page;
}

absl::StatusOr<std::vector<AdminWithInvites>> ToAdmins(
    PeerCache& cache, tl::ObjectPtr<api::messages_ChatAdminsWithInvites> answer) {
  if (!answer || answer->ConstructorId() != api::messages_chatAdminsWithInvites::kId) {
    return Unexpected("messages.getAdminsWithInvites");
  }
  auto& a = static_cast<api::messages_chatAdminsWithInvites&>(*answer);
  (void)cache.Feed(a.users, {});
  const std::map<int64_t, UserInfo> users = UsersById(a.users);
  std::vector<AdminWithInvites> out;
  for (const auto& admin : a.admins) {
    if (!admin || admin->ConstructorId() != api::chatAdminWithInvites::kId) continue;
    const auto& in = static_cast<const api::chatAdminWithInvites&>(*admin);
    out.push_back({UserOrId(users, in.admin_id), in.invites_count, in.revoked_invites_count});
  }
  return out;
}

absl::StatusOr<ChatInviteInfo> ToChatInviteInfo(PeerCache& cache,
                                                tl::ObjectPtr<api::ChatInvite> answer) {
  if (!answer) return Unexpected("messages.checkChatInvite");
  ChatInviteInfo out;
  switch (answer->ConstructorId()) {
    case api::chatInviteAlready::kId: {
      auto& in = static_cast<api::chatInviteAlready&>(*answer);
      out.kind = ChatInviteInfo::Kind::kAlreadyMember;
      out.chat = TakeChat(cache, in.chat);
      return out;
    }
    case api::chatInvitePeek::kId: {
      auto& in = static_cast<api::chatInvitePeek&>(*answer);
      out.kind = ChatInviteInfo::Kind::kPeek;
      out.peek_expires = in.expires;
      out.chat = TakeChat(cache, in.chat);
      return out;
    }
    case api::chatInvite::kId: {
      auto& in = static_cast<api::chatInvite&>(*answer);
      out.kind = ChatInviteInfo::Kind::kInvite;
      out.title = in.title;
      out.about = in.about.value_or("");
      out.participants_count = in.participants_count;
      if (in.participants) {
        (void)cache.Feed(*in.participants, {});
        for (const auto& user : *in.participants) {
          if (!user) continue;
          if (std::optional<UserInfo> info = ToUserInfo(*user)) {
            out.participants.push_back(*std::move(info));
          }
        }
      }
      out.request_needed = in.request_needed;
      out.channel = in.channel;
      out.broadcast = in.broadcast;
      out.megagroup = in.megagroup;
      out.is_public = in.public_;
      out.verified = in.verified;
      out.scam = in.scam;
      out.fake = in.fake;
      out.subscription = ToPricing(in.subscription_pricing);
      out.subscription_form_id = in.subscription_form_id;
      return out;
    }
  }
  return Unexpected("messages.checkChatInvite");
}

absl::StatusOr<ResolvedUsername> ToResolvedUsername(
    PeerCache& cache, tl::ObjectPtr<api::contacts_ResolvedPeer> answer) {
  if (!answer || answer->ConstructorId() != api::contacts_resolvedPeer::kId ||
      !static_cast<api::contacts_resolvedPeer&>(*answer).peer) {
    return Unexpected("contacts.resolveUsername");
  }
  auto& a = static_cast<api::contacts_resolvedPeer&>(*answer);
  (void)cache.Feed(a.users, a.chats);
  ResolvedUsername out;
  const api::Peer& peer = *a.peer;
  if (peer.ConstructorId() == api::peerUser::kId) {
    const int64_t id = static_cast<const api::peerUser&>(peer).user_id;
    for (const auto& user : a.users) {
      std::optional<PeerRecord> record = user ? RecordOf(*user) : std::nullopt;
      if (record && record->id == id) {
        out.peer.peer = *record;
        out.user = ToUserInfo(*user);
      }
    }
  } else {
    const int64_t id = peer.ConstructorId() == api::peerChannel::kId
                           ? static_cast<const api::peerChannel&>(peer).channel_id
                       : peer.ConstructorId() == api::peerChat::kId
                           ? static_cast<const api::peerChat&>(peer).chat_id
                           : 0;
    for (const auto& chat : a.chats) {
      std::optional<PeerRecord> record = chat ? RecordOf(*chat) : std::nullopt;
      if (record && record->id == id) {
        out.peer.peer = *record;
        out.chat = ToChatInfo(*chat);
      }
    }
  }
  if (!out.user && !out.chat) {
    return absl::DataLossError(
        "contacts.resolveUsername: the answer lacks the resolved peer's object");
  }
  return out;
}

}  // namespace invites_internal
}  // namespace mtproto::engine

// messages.* for invite links and join requests: export, list, get, edit (revoke), delete,
// admins with invites, importers, approve/decline, check and import.
// Spec: https://core.telegram.org/api/invites and the method pages linked from it, e.g.
// https://core.telegram.org/method/messages.exportChatInvite
//
// Rights, as Telegram applies them: managing links needs can_invite_users; an admin sees and
// edits its own links, the creator everyone's (others: CHAT_ADMIN_REQUIRED); users cannot edit
// links bots created (EDIT_BOT_INVITE_FORBIDDEN). Bots may call exportChatInvite,
// editExportedChatInvite and hideChatJoinRequest; the rest answer BOT_METHOD_INVALID.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

constexpr int32_t kMaxUsageLimit = 99999;
constexpr size_t kMaxTitleChars = 32;
constexpr int32_t kMaxPageSize = 100;
// Star subscriptions: 30 days, as Telegram requires; the price cap of its
// stars_subscription_amount_max (app config).
constexpr int32_t kSubscriptionPeriod = 2592000;
constexpr int64_t kMaxSubscriptionAmount = 10000;

Outcome BotMethodInvalid() { return Error(400, "BOT_METHOD_INVALID"); }

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The caller as a participant allowed to manage links, or null.
const Participant* InviteAdmin(const ChatRecord& chat, int64_t user_id) {
  const Participant* me = chat.Find(user_id);
  return me && me->present() && me->Can(kRightInviteUsers) ? me : nullptr;
}

// May `user_id` manage links created by `admin_id`? Own links, or any link for the creator.
bool MayManage(const ChatRecord& chat, int64_t user_id, int64_t admin_id) {
  return InviteAdmin(chat, user_id) && (admin_id == user_id || chat.creator == user_id);
}

// The chat's link named by `link` (URL or hash), or null.
const InviteLink* FindChatLink(Call& call, const ChatRecord& chat, std::string_view link) {
  const InviteLink* l = call.env.chats->FindLink(LinkHash(link));
  return l && l->chat_id == chat.id ? l : nullptr;
}

// The chat's link named by `link` (URL or hash) that the caller may manage; INVITE_HASH_EXPIRED
// for a link the chat does not have, CHAT_ADMIN_REQUIRED for another admin's link.
struct LinkRef {
  const InviteLink* link = nullptr;
  std::optional<RpcError> error;
};
LinkRef ManagedLink(Call& call, const ChatRecord& chat, std::string_view link) {
  const InviteLink* l = FindChatLink(call, chat, link);
  if (!l) return {nullptr, RpcError{400, "INVITE_HASH_EXPIRED"}};
  if (!MayManage(chat, call.user_id, l->admin_id)) {
    return {nullptr, RpcError{400, "CHAT_ADMIN_REQUIRED"}};
  }
  return {l, std::nullopt};
}

// messages.exportedChatInvite for `link`.
RpcAnswer ExportedInvite(const InviteLink& link, Call& call) {
  auto answer = std::make_unique<api::messages_exportedChatInvite>();
  answer->invite = MakeInvite(link);
  answer->users = MakeUsers({link.admin_id}, call, call.user_id);
  return RpcAnswer::Of(std::move(answer));
}

// Validates expire_date / usage_limit / request_needed / title shared by export and edit.
std::optional<RpcError> CheckLinkParams(const std::optional<int32_t>& expire_date,
                                        const std::optional<int32_t>& usage_limit,
                                        bool request_needed, const std::optional<std::string>& title,
                                        int64_t now) {
  if (expire_date && *expire_date != 0 && *expire_date <= now) return RpcError{400, "EXPIRE_DATE_INVALID"};
  if (expire_date && *expire_date < 0) return RpcError{400, "EXPIRE_DATE_INVALID"};
  if (usage_limit && *usage_limit != 0 && (*usage_limit < 1 || *usage_limit > kMaxUsageLimit)) {
    return RpcError{400, "USAGE_LIMIT_INVALID"};
  }
  if (request_needed && usage_limit && *usage_limit != 0) return RpcError{400, "USAGE_LIMIT_INVALID"};
  if (title && Utf8Length(*title) > kMaxTitleChars) return RpcError{400, "TITLE_INVALID"};
  return std::nullopt;
}

Outcome ExportChatInvite(const api::messages_exportChatInvite& req, Call& call) {
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  const int64_t now = call.env.NowSeconds();
  ChatState& state = *call.env.chats;

  if (req.legacy_revoke_permanent) {
    // The Bot API's exportChatInviteLink: a new primary link replaces the old one.
    ChatState::Batch batch(state);
    if (const InviteLink* old = state.FindLink(chat.primary_hash)) {
      InviteLink revoked = *old;
      revoked.revoked = true;
      if (absl::Status s = state.PutLink(revoked); !s.ok()) return InternalError(s);
    }
    InviteLink primary;
    primary.hash = state.NewHash();
    primary.chat_id = chat.id;
    primary.admin_id = call.user_id;
    primary.date = now;
    primary.permanent = true;
    ChatRecord copy = chat;
    copy.primary_hash = primary.hash;
    if (absl::Status s = state.PutLink(primary); !s.ok()) return InternalError(s);
    if (absl::Status s = state.PutChat(copy); !s.ok()) return InternalError(s);
    if (absl::Status s = batch.Commit(); !s.ok()) return InternalError(s);
    return RpcAnswer::Of(MakeInvite(primary));
  }

  if (auto error = CheckLinkParams(req.expire_date, req.usage_limit, req.request_needed, req.title, now)) {
    return *error;
  }
  InviteLink link;
  if (req.subscription_pricing) {
    if (chat.kind != ChatKind::kChannel || req.request_needed) return Error(400, "PRICING_CHAT_INVALID");
    if (req.subscription_pricing->ConstructorId() != api::starsSubscriptionPricing::kId) {
      return Error(400, "PRICING_CHAT_INVALID");
    }
    const auto& p = static_cast<const api::starsSubscriptionPricing&>(*req.subscription_pricing);
    if (p.period != kSubscriptionPeriod) return Error(400, "SUBSCRIPTION_PERIOD_INVALID");
    if (p.amount <= 0 || p.amount > kMaxSubscriptionAmount) return Error(400, "PRICING_CHAT_INVALID");
    link.pricing = SubscriptionPricing{p.period, p.amount};
  }
  link.hash = state.NewHash();
  link.chat_id = chat.id;
  link.admin_id = call.user_id;
  link.date = now;
  if (req.expire_date && *req.expire_date != 0) link.expire_date = *req.expire_date;
  if (req.usage_limit && *req.usage_limit != 0) link.usage_limit = *req.usage_limit;
  link.request_needed = req.request_needed;
  if (req.title) link.title = *req.title;
  if (absl::Status s = state.PutLink(link); !s.ok()) return InternalError(s);
  return RpcAnswer::Of(MakeInvite(link));
}

Outcome GetExportedChatInvites(const api::messages_getExportedChatInvites& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  const int64_t admin_id = ResolveUserId(req.admin_id.get(), call);
  if (admin_id == 0) return Error(400, "ADMIN_ID_INVALID");
  if (!MayManage(chat, call.user_id, admin_id)) return Error(400, "CHAT_ADMIN_REQUIRED");

  std::vector<const InviteLink*> links;
  for (const InviteLink* l : call.env.chats->LinksOf(chat.id)) {
    if (l->admin_id == admin_id && l->revoked == req.revoked) links.push_back(l);
  }
  // Newest first; links of the same second by their URL, so the cursor is a total order.
  std::sort(links.begin(), links.end(), [](const InviteLink* a, const InviteLink* b) {
    return a->date != b->date ? a->date > b->date : a->Url() > b->Url();
  });
  auto answer = std::make_unique<api::messages_exportedChatInvites>();
  answer->count = static_cast<int32_t>(links.size());
  const int32_t limit = std::clamp(req.limit, 0, kMaxPageSize);
  const bool has_offset = req.offset_date.has_value() && req.offset_link.has_value() && !req.offset_link->empty();
  for (const InviteLink* l : links) {
    if (static_cast<int32_t>(answer->invites.size()) >= limit) break;
    if (has_offset) {
      const std::string url = l->Url();
      const std::string offset = "https://t.me/+" + LinkHash(*req.offset_link);
      if (l->date > *req.offset_date || (l->date == *req.offset_date && url >= offset)) continue;
    }
    answer->invites.push_back(MakeInvite(*l));
  }
  answer->users = MakeUsers({admin_id}, call, call.user_id);
  return RpcAnswer::Of(std::move(answer));
}

Outcome GetExportedChatInvite(const api::messages_getExportedChatInvite& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  LinkRef link = ManagedLink(call, chat, req.link);
  if (link.error) return *link.error;
  return ExportedInvite(*link.link, call);
}

Outcome EditExportedChatInvite(const api::messages_editExportedChatInvite& req, Call& call) {
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  LinkRef found_ref = ManagedLink(call, chat, req.link);
  if (found_ref.error) return *found_ref.error;
  const InviteLink* found = found_ref.link;
  if (!IsBot(call) && found->admin_id != call.user_id &&
      call.env.world->FindAccount(found->admin_id).bot) {
    return Error(403, "EDIT_BOT_INVITE_FORBIDDEN");
  }
  ChatState& state = *call.env.chats;
  const int64_t now = call.env.NowSeconds();
  InviteLink link = *found;

  if (req.revoked) {
    if (link.revoked) return Error(400, "INVITE_HASH_EXPIRED");
    link.revoked = true;
    ChatState::Batch batch(state);
    if (absl::Status s = state.PutLink(link); !s.ok()) return InternalError(s);
    if (link.hash != chat.primary_hash) {
      if (absl::Status s = batch.Commit(); !s.ok()) return InternalError(s);
      return ExportedInvite(link, call);
    }
    // Revoking the primary link makes a new primary for the same admin.
    InviteLink primary;
    primary.hash = state.NewHash();
    primary.chat_id = chat.id;
    primary.admin_id = link.admin_id;
    primary.date = now;
    primary.permanent = true;
    ChatRecord copy = chat;
    copy.primary_hash = primary.hash;
    if (absl::Status s = state.PutLink(primary); !s.ok()) return InternalError(s);
    if (absl::Status s = state.PutChat(copy); !s.ok()) return InternalError(s);
    if (absl::Status s = batch.Commit(); !s.ok()) return InternalError(s);
    auto answer = std::make_unique<api::messages_exportedChatInviteReplaced>();
    answer->invite = MakeInvite(link);
    answer->new_invite = MakeInvite(primary);
    answer->users = MakeUsers({link.admin_id}, call, call.user_id);
    return RpcAnswer::Of(std::move(answer));
  }

  if (link.revoked) return Error(400, "INVITE_HASH_EXPIRED");
  const bool edits = req.expire_date || req.usage_limit || req.request_needed || req.title;
  if (link.permanent && edits) return Error(400, "CHAT_INVITE_PERMANENT");
  const bool request_needed = req.request_needed.value_or(link.request_needed);
  std::optional<int32_t> usage_limit = req.usage_limit;
  if (!usage_limit && !req.request_needed.value_or(false)) usage_limit = link.usage_limit;
  if (auto error = CheckLinkParams(req.expire_date, usage_limit, request_needed, req.title, now)) {
    return *error;
  }
  if (req.expire_date) {
    link.expire_date = *req.expire_date == 0 ? std::nullopt : std::optional<int64_t>(*req.expire_date);
  }
  if (req.usage_limit) {
    link.usage_limit = *req.usage_limit == 0 ? std::nullopt : std::optional<int32_t>(*req.usage_limit);
  }
  if (request_needed) link.usage_limit.reset();
  link.request_needed = request_needed;
  if (req.title) link.title = *req.title;
  if (absl::Status s = state.PutLink(link); !s.ok()) return InternalError(s);
  return ExportedInvite(link, call);
}

Outcome DeleteExportedChatInvite(const api::messages_deleteExportedChatInvite& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  LinkRef link_ref = ManagedLink(call, chat, req.link);
  if (link_ref.error) return *link_ref.error;
  const InviteLink* link = link_ref.link;
  if (!link->revoked) return Error(400, "INVITE_REVOKED_MISSING");
  if (absl::Status s = call.env.chats->DeleteLink(link->hash); !s.ok()) return InternalError(s);
  return RpcAnswer::Bool(true);
}

Outcome DeleteRevokedExportedChatInvites(const api::messages_deleteRevokedExportedChatInvites& req,
                                         Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  const int64_t admin_id = ResolveUserId(req.admin_id.get(), call);
  if (admin_id == 0) return Error(400, "ADMIN_ID_INVALID");
  if (!MayManage(chat, call.user_id, admin_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  std::vector<std::string> doomed;
  for (const InviteLink* l : call.env.chats->LinksOf(chat.id)) {
    if (l->admin_id == admin_id && l->revoked) doomed.push_back(l->hash);
  }
  ChatState::Batch batch(*call.env.chats);
  for (const std::string& hash : doomed) {
    if (absl::Status s = call.env.chats->DeleteLink(hash); !s.ok()) return InternalError(s);
  }
  if (absl::Status s = batch.Commit(); !s.ok()) return InternalError(s);
  return RpcAnswer::Bool(true);
}

Outcome GetAdminsWithInvites(const api::messages_getAdminsWithInvites& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (chat.creator != call.user_id) return Error(400, "CHAT_ADMIN_REQUIRED");
  // The creator first, then the other admins with links, by id.
  std::vector<int64_t> admins = {chat.creator};
  for (const auto& [id, p] : chat.participants) {
    if (id != chat.creator && p.admin()) admins.push_back(id);
  }
  auto answer = std::make_unique<api::messages_chatAdminsWithInvites>();
  std::vector<int64_t> listed;
  const std::vector<const InviteLink*> links = call.env.chats->LinksOf(chat.id);
  for (int64_t admin : admins) {
    auto entry = std::make_unique<api::chatAdminWithInvites>();
    entry->admin_id = admin;
    for (const InviteLink* l : links) {
      if (l->admin_id != admin) continue;
      ++(l->revoked ? entry->revoked_invites_count : entry->invites_count);
    }
    if (admin != chat.creator && entry->invites_count + entry->revoked_invites_count == 0) continue;
    listed.push_back(admin);
    answer->admins.push_back(std::move(entry));
  }
  answer->users = MakeUsers(listed, call, call.user_id);
  return RpcAnswer::Of(std::move(answer));
}

// Does `q` match the account's names or username (case-insensitive substring)?
bool Matches(Call& call, int64_t user_id, const std::string& q) {
  const Account account = call.env.world->FindAccount(user_id);
  if (!account) return false;
  const std::string needle = absl::AsciiStrToLower(q);
  std::vector<std::string> fields;
  if (account.user) {
    fields = {account.user->first_name, account.user->last_name,
              account.user->first_name + " " + account.user->last_name, account.user->username};
  } else {
    fields = {account.bot->first_name, account.bot->username};
  }
  for (const std::string& f : fields) {
    if (absl::StrContains(absl::AsciiStrToLower(f), needle)) return true;
  }
  return false;
}

Outcome GetChatInviteImporters(const api::messages_getChatInviteImporters& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  const bool has_q = req.q.has_value() && !req.q->empty();
  const InviteLink* link = nullptr;
  if (req.link) {
    if (has_q) return Error(400, "SEARCH_WITH_LINK_NOT_SUPPORTED");
    LinkRef managed = ManagedLink(call, chat, *req.link);
    if (managed.error) return *managed.error;
    link = managed.link;
  }
  std::vector<const Importer*> rows =
      req.requested ? call.env.chats->RequestsOf(chat.id) : call.env.chats->ImportersOf(chat.id);
  std::vector<const Importer*> matching;
  for (const Importer* i : rows) {
    if (link && i->link_hash != link->hash) continue;
    if (!req.requested && !chat.IsPresent(i->user_id)) continue;  // joined and left since
    if (has_q && !Matches(call, i->user_id, *req.q)) continue;
    matching.push_back(i);
  }
  std::sort(matching.begin(), matching.end(), [](const Importer* a, const Importer* b) {
    return a->date != b->date ? a->date > b->date : a->user_id > b->user_id;
  });
  const int64_t offset_user = ResolveUserId(req.offset_user.get(), call);
  const bool has_offset = req.offset_date != 0 || offset_user != 0;
  const int32_t limit = std::clamp(req.limit, 0, kMaxPageSize);
  auto answer = std::make_unique<api::messages_chatInviteImporters>();
  answer->count = static_cast<int32_t>(matching.size());
  std::vector<int64_t> users;
  for (const Importer* i : matching) {
    if (static_cast<int32_t>(answer->importers.size()) >= limit) break;
    if (has_offset && (i->date > req.offset_date || (i->date == req.offset_date && i->user_id >= offset_user))) {
      continue;
    }
    auto row = std::make_unique<api::chatInviteImporter>();
    row->requested = req.requested;
    row->user_id = i->user_id;
    row->date = static_cast<int32_t>(i->date);
    if (req.requested) row->about = i->about;
    if (i->approved_by != 0) row->approved_by = i->approved_by;
    users.push_back(i->user_id);
    answer->importers.push_back(std::move(row));
  }
  answer->users = MakeUsers(users, call, call.user_id);
  return RpcAnswer::Of(std::move(answer));
}

// Approves (joins) or declines one pending request; appends the join's updates to `out`.
absl::Status Settle(Call& call, const ChatRecord& chat, const Importer& request, bool approved,
                    api::updates& out) {
  const Importer copy = request;
  if (!approved || chat.IsPresent(copy.user_id)) return DropRequest(call, chat, copy);
  const InviteLink* link = call.env.chats->FindLink(copy.link_hash);
  return Join(call, chat, copy.user_id, link, call.user_id, out);
}

Outcome HideChatJoinRequest(const api::messages_hideChatJoinRequest& req, Call& call) {
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  const int64_t user_id = ResolveUserId(req.user_id.get(), call);
  if (user_id == 0) return Error(400, "USER_ID_INVALID");
  const Importer* request = call.env.chats->FindRequest(chat.id, user_id);
  if (!request) return Error(400, "HIDE_REQUESTER_MISSING");
  const bool already = chat.IsPresent(user_id);
  auto updates = MakeUpdates(call);
  if (absl::Status s = Settle(call, chat, *request, req.approved, *updates); !s.ok()) return InternalError(s);
  if (absl::Status s = PublishPendingCount(call, chat); !s.ok()) return InternalError(s);
  if (req.approved && already) return Error(400, "USER_ALREADY_PARTICIPANT");
  return RpcAnswer::Of(std::move(updates));
}

Outcome HideAllChatJoinRequests(const api::messages_hideAllChatJoinRequests& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  ChatRef ref = ResolvePeer(req.peer.get(), call);
  if (ref.error) return *ref.error;
  const ChatRecord& chat = *ref.chat;
  if (!InviteAdmin(chat, call.user_id)) return Error(400, "CHAT_ADMIN_REQUIRED");
  std::string hash;
  if (req.link) {
    const InviteLink* link = FindChatLink(call, chat, *req.link);
    if (!link) return Error(400, "INVITE_HASH_EXPIRED");
    hash = link->hash;
  }
  std::vector<Importer> pending;
  for (const Importer* i : call.env.chats->RequestsOf(chat.id)) {
    if (!req.link || i->link_hash == hash) pending.push_back(*i);
  }
  if (pending.empty()) return Error(400, "HIDE_REQUESTER_MISSING");
  // Oldest first, as the requests arrived.
  std::sort(pending.begin(), pending.end(), [](const Importer& a, const Importer& b) {
    return a.date != b.date ? a.date < b.date : a.user_id < b.user_id;
  });
  auto updates = MakeUpdates(call);
  for (const Importer& request : pending) {
    if (absl::Status s = Settle(call, chat, request, req.approved, *updates); !s.ok()) {
      return InternalError(s);
    }
  }
  if (absl::Status s = PublishPendingCount(call, chat); !s.ok()) return InternalError(s);
  // One copy of each user and of the chat: Join appended them per request.
  std::vector<int64_t> ids;
  for (const auto& u : updates->users) {
    if (u->ConstructorId() == api::user::kId) ids.push_back(static_cast<const api::user&>(*u).id);
  }
  updates->users = MakeUsers(ids, call, call.user_id);
  updates->chats.clear();
  updates->chats.push_back(MakeChat(*call.env.chats->FindChat(chat.id), call.user_id));
  return RpcAnswer::Of(std::move(updates));
}

// The link behind `hash` for check/import, or the error Telegram gives.
const InviteLink* UsableLink(Call& call, const std::string& raw, std::optional<RpcError>& error) {
  const std::string hash = LinkHash(raw);
  if (hash.empty()) {
    error = RpcError{400, "INVITE_HASH_EMPTY"};
    return nullptr;
  }
  const InviteLink* link = call.env.chats ? call.env.chats->FindLink(hash) : nullptr;
  if (!link || !call.env.chats->FindChat(link->chat_id)) {
    error = RpcError{400, "INVITE_HASH_INVALID"};
    return nullptr;
  }
  if (link->revoked || link->Expired(call.env.NowSeconds())) {
    error = RpcError{406, "INVITE_HASH_EXPIRED"};
    return nullptr;
  }
  return link;
}

Outcome CheckChatInvite(const api::messages_checkChatInvite& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  std::optional<RpcError> error;
  const InviteLink* link = UsableLink(call, req.hash, error);
  if (!link) return *error;
  const ChatRecord& chat = *call.env.chats->FindChat(link->chat_id);
  const Participant* me = chat.Find(call.user_id);
  if (me && me->role == Role::kKicked) return Error(406, "CHANNEL_PRIVATE");
  if (me && me->present()) {
    auto already = std::make_unique<api::chatInviteAlready>();
    already->chat = MakeChat(chat, call.user_id);
    return RpcAnswer::Of(std::move(already));
  }
  const bool request_needed = link->request_needed || chat.join_request;
  if (chat.is_channel() && !chat.username.empty() && !request_needed && !link->pricing) {
    // A public supergroup or channel can be read before joining: a preview for a while.
    auto peek = std::make_unique<api::chatInvitePeek>();
    peek->chat = MakeChat(chat, call.user_id);
    peek->expires = static_cast<int32_t>(call.env.NowSeconds() + 300);
    return RpcAnswer::Of(std::move(peek));
  }
  auto invite = std::make_unique<api::chatInvite>();
  invite->channel = chat.is_channel();
  invite->broadcast = chat.kind == ChatKind::kChannel;
  invite->megagroup = chat.kind == ChatKind::kSupergroup;
  invite->public_ = !chat.username.empty();
  invite->request_needed = request_needed;
  invite->title = chat.title;
  auto photo = std::make_unique<api::photoEmpty>();
  invite->photo = std::move(photo);
  invite->participants_count = chat.Count();
  invite->color = static_cast<int32_t>(chat.id % 7);
  if (chat.kind != ChatKind::kChannel) {
    // Groups show a few members; broadcast channels do not.
    std::vector<int64_t> some;
    for (const auto& [id, p] : chat.participants) {
      if (p.present() && some.size() < 10) some.push_back(id);
    }
    invite->participants = MakeUsers(some, call, call.user_id);
  }
  if (link->pricing) {
    auto p = std::make_unique<api::starsSubscriptionPricing>();
    p->period = link->pricing->period;
    p->amount = link->pricing->amount;
    invite->subscription_pricing = std::move(p);
    invite->subscription_form_id = DeriveAccessHash(static_cast<int64_t>(std::hash<std::string>()(link->hash)));
  }
  return RpcAnswer::Of(std::move(invite));
}

Outcome ImportChatInvite(const api::messages_importChatInvite& req, Call& call) {
  if (IsBot(call)) return BotMethodInvalid();
  std::optional<RpcError> error;
  const InviteLink* link = UsableLink(call, req.hash, error);
  if (!link) return *error;
  const ChatRecord& chat = *call.env.chats->FindChat(link->chat_id);
  const Participant* me = chat.Find(call.user_id);
  if (me && me->role == Role::kKicked) return Error(400, "CHANNEL_PRIVATE");
  if (me && me->present()) return Error(400, "USER_ALREADY_PARTICIPANT");
  if (link->pricing) return Error(400, "STARS_PAYMENT_REQUIRED");
  if (link->request_needed || chat.join_request) {
    if (absl::Status s = RequestJoin(call, chat, call.user_id, link); !s.ok()) return InternalError(s);
    return Error(400, "INVITE_REQUEST_SENT");
  }
  if (link->Exhausted()) return Error(400, "USERS_TOO_MUCH");
  auto updates = MakeUpdates(call);
  if (absl::Status s = Join(call, chat, call.user_id, link, 0, *updates); !s.ok()) return InternalError(s);
  return JoinAnswer(call, std::move(updates));
}

}  // namespace

void RegisterInvitesHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &ExportChatInvite);
  Register(table, Access::kSignedIn, &GetExportedChatInvites);
  Register(table, Access::kSignedIn, &GetExportedChatInvite);
  Register(table, Access::kSignedIn, &EditExportedChatInvite);
  Register(table, Access::kSignedIn, &DeleteExportedChatInvite);
  Register(table, Access::kSignedIn, &DeleteRevokedExportedChatInvites);
  Register(table, Access::kSignedIn, &GetAdminsWithInvites);
  Register(table, Access::kSignedIn, &GetChatInviteImporters);
  Register(table, Access::kSignedIn, &HideChatJoinRequest);
  Register(table, Access::kSignedIn, &HideAllChatJoinRequests);
  Register(table, Access::kSignedIn, &CheckChatInvite);
  Register(table, Access::kSignedIn, &ImportChatInvite);
}

}  // namespace mtproto::emulator

#include "mtproto/engine/invites.h"

#include <future>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mtproto/engine/invite_link.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

template <typename T>
using Callback = InviteApi::Callback<T>;
using DoneCallback = InviteApi::DoneCallback;

// --- Argument checks (INVALID_ARGUMENT naming the field).

absl::Status Invalid(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(why)));
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::Status CheckTitle(const std::optional<std::string>& title) {
  if (title && Utf8Length(*title) > kMaxLinkTitleChars) {
    return Invalid("title", absl::StrCat("at most ", kMaxLinkTitleChars, " characters, got ",
                                         Utf8Length(*title)));
  }
  return absl::OkStatus();
}

absl::Status CheckLimit(int32_t limit) {
  if (limit < 1 || limit > kMaxPageLimit) {
    return Invalid("limit", absl::StrCat("must be 1..", kMaxPageLimit, ", got ", limit));
  }
  return absl::OkStatus();
}

absl::Status CheckCreate(const CreateLinkOptions& o) {
  if (o.usage_limit && (*o.usage_limit < 1 || *o.usage_limit > kMaxUsageLimit)) {
    return Invalid("usage_limit",
                   absl::StrCat("must be 1..", kMaxUsageLimit, ", got ", *o.usage_limit));
  }
  if (o.usage_limit && o.request_needed) {
    return Invalid("usage_limit", "cannot be combined with request_needed");
  }
  if (o.expire_date && *o.expire_date < 0) {
    return Invalid("expire_date", "must be a unix time");
  }
  if (o.subscription && (o.subscription->period <= 0 || o.subscription->amount <= 0)) {
    return Invalid("subscription", "period and amount must be positive");
  }
  if (o.subscription && (o.request_needed || o.usage_limit)) {
    return Invalid("subscription", "cannot be combined with request_needed or usage_limit");
  }
  return CheckTitle(o.title);
}

absl::Status CheckEdit(const EditLinkOptions& o) {
  if (o.usage_limit && (*o.usage_limit < 0 || *o.usage_limit > kMaxUsageLimit)) {
    return Invalid("usage_limit",
                   absl::StrCat("must be 0 (no limit)..", kMaxUsageLimit, ", got ",
                                *o.usage_limit));
  }
  if (o.usage_limit && *o.usage_limit > 0 && o.request_needed.value_or(false)) {
    return Invalid("usage_limit", "cannot be combined with request_needed");
  }
  if (o.expire_date && *o.expire_date < 0) {
    return Invalid("expire_date", "must be a unix time, or 0 for none");
  }
  return CheckTitle(o.title);
}

bool IsBareHash(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

// The `link` argument of the link-management methods: a full https link is passed as the user
// gave it (Telegram knows it by that text); other invite forms and bare hashes become the
// canonical "https://t.me/+HASH".
absl::StatusOr<std::string> LinkArgument(std::string_view field, const std::string& text) {
  if (std::optional<std::string> hash = ParseInviteLink(text)) {
    if (text.starts_with("https://")) return text;
    return InviteLinkForHash(*hash);
  }
  if (IsBareHash(text)) return InviteLinkForHash(text);
  return Invalid(field, absl::StrCat("not an invite link: \"", text, "\""));
}

// The hash of what a user gave as an invite (a link in any accepted form, or a bare hash).
absl::StatusOr<std::string> HashArgument(const std::string& text) {
  if (std::optional<std::string> hash = ParseInviteLink(text)) return *hash;
  if (IsBareHash(text)) return text;
  return Invalid("link", absl::StrCat("not an invite link or hash: \"", text, "\""));
}

// A username as contacts.resolveUsername wants it: no '@', no link around it.
absl::StatusOr<std::string> UsernameArgument(std::string text) {
  if (std::optional<std::string> name = ParsePublicLink(text)) return *name;
  if (!text.empty() && text.front() == '@') text.erase(0, 1);
  if (text.empty()) return Invalid("username", "empty");
  return text;
}

// --- TL → plain values.

void FeedUpdates(PeerCache& cache, const api::Updates* updates) {
  if (updates == nullptr) return;
  if (updates->ConstructorId() == api::updates::kId) {
    const auto& u = static_cast<const api::updates&>(*updates);
    (void)cache.Feed(u.users, u.chats);
  } else if (updates->ConstructorId() == api::updatesCombined::kId) {
    const auto& u = static_cast<const api::updatesCombined&>(*updates);
    (void)cache.Feed(u.users, u.chats);
  }
}

// The first chat an Updates answer mentions (what importChatInvite / joinChannel joined).
std::optional<ChatInfo> FirstChat(const api::Updates* updates) {
  if (updates == nullptr) return std::nullopt;
  const std::vector<tl::ObjectPtr<api::Chat>>* chats = nullptr;
  if (updates->ConstructorId() == api::updates::kId) {
    chats = &static_cast<const api::updates&>(*updates).chats;
  } else if (updates->ConstructorId() == api::updatesCombined::kId) {
    chats = &static_cast<const api::updatesCombined&>(*updates).chats;
  }
  if (chats == nullptr) return std::nullopt;
  for (const auto& chat : *chats) {
    if (!chat) continue;
    if (std::optional<ChatInfo> info = ToChatInfo(*chat)) return info;
  }
  return std::nullopt;
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

absl::Status Unexpected(std::string_view method) {
  return absl::DataLossError(absl::StrCat(std::string(method), ": unexpected answer"));
}

// Sends `call` and hands its decoded result to `convert`, whose StatusOr<T> goes to `done`.
template <typename F, typename T, typename Convert>
void Send(Engine& engine, const F& call, Deadline deadline, Callback<T> done, Convert convert) {
  engine.Invoke(call, deadline,
                [done = std::move(done), convert = std::move(convert)](
                    absl::StatusOr<typename F::Result::Value> result) mutable {
                  if (!result.ok()) return done(result.status());
                  done(convert(std::move(*result)));
                });
}

// Send for methods whose answer only says it worked (Bool true or Updates).
template <typename F, typename Convert>
void SendDone(Engine& engine, const F& call, Deadline deadline, DoneCallback done,
              Convert check) {
  engine.Invoke(call, deadline,
                [done = std::move(done), check = std::move(check)](
                    absl::StatusOr<typename F::Result::Value> result) mutable {
                  if (!result.ok()) return done(result.status());
                  done(check(std::move(*result)));
                });
}

absl::Status BoolTrue(std::string_view method, bool value) {
  if (value) return absl::OkStatus();
  return absl::UnknownError(absl::StrCat(std::string(method), " answered false"));
}

// Blocks on an async operation.
template <typename T, typename Start>
absl::StatusOr<T> Wait(Start start) {
  std::promise<absl::StatusOr<T>> promise;
  std::future<absl::StatusOr<T>> future = promise.get_future();
  start([&promise](absl::StatusOr<T> r) { promise.set_value(std::move(r)); });
  return future.get();
}

template <typename Start>
absl::Status WaitDone(Start start) {
  std::promise<absl::Status> promise;
  std::future<absl::Status> future = promise.get_future();
  start([&promise](absl::Status s) { promise.set_value(std::move(s)); });
  return future.get();
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

JoinOutcome PendingApproval() {
  JoinOutcome out;
  out.kind = JoinOutcome::Kind::kPendingApproval;
  return out;
}

// importChatInvite / joinChannel answers: Updates, or INVITE_REQUEST_SENT (a success).
Callback<tl::ObjectPtr<api::Updates>> JoinAnswer(PeerCache& cache, Callback<JoinOutcome> done) {
  return [&cache, done = std::move(done)](
             absl::StatusOr<tl::ObjectPtr<api::Updates>> result) mutable {
    if (!result.ok()) {
      std::optional<RpcError> error = GetRpcError(result.status());
      if (error && error->name == "INVITE_REQUEST_SENT") return done(PendingApproval());
      return done(result.status());
    }
    FeedUpdates(cache, result->get());
    JoinOutcome out;
    out.kind = JoinOutcome::Kind::kJoined;
    out.chat = FirstChat(result->get());
    done(std::move(out));
  };
}

}  // namespace

// --- Conversions.

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
  if (in.subscription_pricing &&
      in.subscription_pricing->ConstructorId() == api::starsSubscriptionPricing::kId) {
    const auto& p = static_cast<const api::starsSubscriptionPricing&>(*in.subscription_pricing);
    out.subscription = SubscriptionPricing{p.period, p.amount};
  }
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
  out.username = in.username.value_or("");
  if (out.username.empty() && in.usernames) {
    for (const auto& u : *in.usernames) {
      if (u && u->ConstructorId() == api::username::kId &&
          static_cast<const api::username&>(*u).active) {
        out.username = static_cast<const api::username&>(*u).username;
        break;
      }
    }
  }
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
      out.username = in.username.value_or("");
      if (out.username.empty() && in.usernames) {
        for (const auto& u : *in.usernames) {
          if (u && u->ConstructorId() == api::username::kId &&
              static_cast<const api::username&>(*u).active) {
            out.username = static_cast<const api::username&>(*u).username;
            break;
          }
        }
      }
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

// --- InviteApi.

InviteApi::InviteApi(Engine& engine)
    : engine_(engine), cache_(engine.session_store()), resolver_(engine, cache_) {}

void InviteApi::CreateLinkAsync(std::string peer, CreateLinkOptions options, Deadline deadline,
                                Callback<InviteLink> done) {
  if (absl::Status s = CheckCreate(options); !s.ok()) return done(s);
  resolver_.ResolveAsync(
      peer, deadline,
      [this, options = std::move(options), deadline,
       done = std::move(done)](absl::StatusOr<ResolvedPeer> resolved) mutable {
        if (!resolved.ok()) return done(resolved.status());
        if (options.subscription && (resolved->self || resolved->peer.kind != PeerKind::kChannel)) {
          return done(Invalid("subscription", "only channels can have subscription links"));
        }
        api::messages_exportChatInvite call;
        call.peer = ToInputPeer(*resolved);
        call.legacy_revoke_permanent = options.legacy_revoke_permanent;
        call.request_needed = options.request_needed;
        call.expire_date = options.expire_date;
        call.usage_limit = options.usage_limit;
        call.title = options.title;
        if (options.subscription) {
          auto pricing = std::make_unique<api::starsSubscriptionPricing>();
          pricing->period = options.subscription->period;
          pricing->amount = options.subscription->amount;
          call.subscription_pricing = std::move(pricing);
        }
        Send(engine_, call, deadline, std::move(done),
             [](tl::ObjectPtr<api::ExportedChatInvite> invite) -> absl::StatusOr<InviteLink> {
               if (!invite) return Unexpected("messages.exportChatInvite");
               return ToInviteLink(*invite);
             });
      });
}

absl::StatusOr<InviteLink> InviteApi::CreateLink(std::string peer, CreateLinkOptions options,
                                                 Deadline deadline) {
  return Wait<InviteLink>([&](Callback<InviteLink> done) {
    CreateLinkAsync(std::move(peer), std::move(options), deadline, std::move(done));
  });
}

void InviteApi::ListLinksAsync(std::string peer, ListLinksOptions options, Deadline deadline,
                               Callback<LinkPage> done) {
  if (absl::Status s = CheckLimit(options.limit); !s.ok()) return done(s);
  resolver_.ResolveAsync(peer, deadline, [this, options = std::move(options), deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    auto send = [this, peer = *std::move(resolved), options, deadline, done = std::move(done)](
                    absl::StatusOr<ResolvedPeer> admin) mutable {
      if (!admin.ok()) return done(admin.status());
      absl::StatusOr<tl::ObjectPtr<api::InputUser>> admin_id = ToInputUser(*admin);
      if (!admin_id.ok()) return done(Invalid("admin", std::string(admin_id.status().message())));
      api::messages_getExportedChatInvites call;
      call.peer = ToInputPeer(peer);
      call.admin_id = *std::move(admin_id);
      call.revoked = options.revoked;
      if (options.cursor) {
        call.offset_date = options.cursor->offset_date;
        call.offset_link = options.cursor->offset_link;
      }
      call.limit = options.limit;
      const int32_t limit = options.limit;
      Send(engine_, call, deadline, std::move(done),
           [this, limit](tl::ObjectPtr<api::messages_ExportedChatInvites> answer)
               -> absl::StatusOr<LinkPage> {
             if (!answer || answer->ConstructorId() != api::messages_exportedChatInvites::kId) {
               return Unexpected("messages.getExportedChatInvites");
             }
             auto& a = static_cast<api::messages_exportedChatInvites&>(*answer);
             (void)cache_.Feed(a.users, {});
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
           });
    };
    if (!options.admin) return send(ResolvedPeer{true, {}});
    resolver_.ResolveAsync(*options.admin, deadline, std::move(send));
  });
}

absl::StatusOr<LinkPage> InviteApi::ListLinks(std::string peer, ListLinksOptions options,
                                              Deadline deadline) {
  return Wait<LinkPage>([&](Callback<LinkPage> done) {
    ListLinksAsync(std::move(peer), std::move(options), deadline, std::move(done));
  });
}

void InviteApi::GetLinkAsync(std::string peer, std::string link, Deadline deadline,
                             Callback<InviteLink> done) {
  absl::StatusOr<std::string> link_arg = LinkArgument("link", link);
  if (!link_arg.ok()) return done(link_arg.status());
  resolver_.ResolveAsync(peer, deadline, [this, link = *std::move(link_arg), deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    api::messages_getExportedChatInvite call;
    call.peer = ToInputPeer(*resolved);
    call.link = link;
    Send(engine_, call, deadline, std::move(done),
         [this](tl::ObjectPtr<api::messages_ExportedChatInvite> answer)
             -> absl::StatusOr<InviteLink> {
           absl::StatusOr<EditedLink> edited =
               ToEditedLink(cache_, std::move(answer), "messages.getExportedChatInvite");
           if (!edited.ok()) return edited.status();
           return std::move(edited->link);
         });
  });
}

absl::StatusOr<InviteLink> InviteApi::GetLink(std::string peer, std::string link,
                                              Deadline deadline) {
  return Wait<InviteLink>([&](Callback<InviteLink> done) {
    GetLinkAsync(std::move(peer), std::move(link), deadline, std::move(done));
  });
}

void InviteApi::EditLinkAsync(std::string peer, std::string link, EditLinkOptions options,
                              Deadline deadline, Callback<EditedLink> done) {
  if (absl::Status s = CheckEdit(options); !s.ok()) return done(s);
  absl::StatusOr<std::string> link_arg = LinkArgument("link", link);
  if (!link_arg.ok()) return done(link_arg.status());
  resolver_.ResolveAsync(peer, deadline, [this, link = *std::move(link_arg),
                                          options = std::move(options), deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    api::messages_editExportedChatInvite call;
    call.peer = ToInputPeer(*resolved);
    call.link = link;
    call.revoked = options.revoke;
    call.expire_date = options.expire_date;
    call.usage_limit = options.usage_limit;
    call.request_needed = options.request_needed;
    call.title = options.title;
    Send(engine_, call, deadline, std::move(done),
         [this](tl::ObjectPtr<api::messages_ExportedChatInvite> answer) {
           return ToEditedLink(cache_, std::move(answer), "messages.editExportedChatInvite");
         });
  });
}

absl::StatusOr<EditedLink> InviteApi::EditLink(std::string peer, std::string link,
                                               EditLinkOptions options, Deadline deadline) {
  return Wait<EditedLink>([&](Callback<EditedLink> done) {
    EditLinkAsync(std::move(peer), std::move(link), std::move(options), deadline,
                  std::move(done));
  });
}

void InviteApi::RevokeLinkAsync(std::string peer, std::string link, Deadline deadline,
                                Callback<EditedLink> done) {
  EditLinkOptions options;
  options.revoke = true;
  EditLinkAsync(std::move(peer), std::move(link), std::move(options), deadline, std::move(done));
}

absl::StatusOr<EditedLink> InviteApi::RevokeLink(std::string peer, std::string link,
                                                 Deadline deadline) {
  return Wait<EditedLink>([&](Callback<EditedLink> done) {
    RevokeLinkAsync(std::move(peer), std::move(link), deadline, std::move(done));
  });
}

void InviteApi::DeleteLinkAsync(std::string peer, std::string link, Deadline deadline,
                                DoneCallback done) {
  absl::StatusOr<std::string> link_arg = LinkArgument("link", link);
  if (!link_arg.ok()) return done(link_arg.status());
  resolver_.ResolveAsync(peer, deadline, [this, link = *std::move(link_arg), deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    api::messages_deleteExportedChatInvite call;
    call.peer = ToInputPeer(*resolved);
    call.link = link;
    SendDone(engine_, call, deadline, std::move(done), [](bool ok) {
      return BoolTrue("messages.deleteExportedChatInvite", ok);
    });
  });
}

absl::Status InviteApi::DeleteLink(std::string peer, std::string link, Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    DeleteLinkAsync(std::move(peer), std::move(link), deadline, std::move(done));
  });
}

void InviteApi::DeleteRevokedLinksAsync(std::string peer, std::optional<std::string> admin,
                                        Deadline deadline, DoneCallback done) {
  resolver_.ResolveAsync(peer, deadline, [this, admin = std::move(admin), deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    auto send = [this, peer = *std::move(resolved), deadline, done = std::move(done)](
                    absl::StatusOr<ResolvedPeer> admin) mutable {
      if (!admin.ok()) return done(admin.status());
      absl::StatusOr<tl::ObjectPtr<api::InputUser>> admin_id = ToInputUser(*admin);
      if (!admin_id.ok()) return done(Invalid("admin", std::string(admin_id.status().message())));
      api::messages_deleteRevokedExportedChatInvites call;
      call.peer = ToInputPeer(peer);
      call.admin_id = *std::move(admin_id);
      SendDone(engine_, call, deadline, std::move(done), [](bool ok) {
        return BoolTrue("messages.deleteRevokedExportedChatInvites", ok);
      });
    };
    if (!admin) return send(ResolvedPeer{true, {}});
    resolver_.ResolveAsync(*admin, deadline, std::move(send));
  });
}

absl::Status InviteApi::DeleteRevokedLinks(std::string peer, std::optional<std::string> admin,
                                           Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    DeleteRevokedLinksAsync(std::move(peer), std::move(admin), deadline, std::move(done));
  });
}

void InviteApi::ListAdminsWithInvitesAsync(std::string peer, Deadline deadline,
                                           Callback<std::vector<AdminWithInvites>> done) {
  resolver_.ResolveAsync(peer, deadline, [this, deadline, done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    api::messages_getAdminsWithInvites call;
    call.peer = ToInputPeer(*resolved);
    Send(engine_, call, deadline, std::move(done),
         [this](tl::ObjectPtr<api::messages_ChatAdminsWithInvites> answer)
             -> absl::StatusOr<std::vector<AdminWithInvites>> {
           if (!answer || answer->ConstructorId() != api::messages_chatAdminsWithInvites::kId) {
             return Unexpected("messages.getAdminsWithInvites");
           }
           auto& a = static_cast<api::messages_chatAdminsWithInvites&>(*answer);
           (void)cache_.Feed(a.users, {});
           const std::map<int64_t, UserInfo> users = UsersById(a.users);
           std::vector<AdminWithInvites> out;
           for (const auto& admin : a.admins) {
             if (!admin || admin->ConstructorId() != api::chatAdminWithInvites::kId) continue;
             const auto& in = static_cast<const api::chatAdminWithInvites&>(*admin);
             out.push_back({UserOrId(users, in.admin_id), in.invites_count,
                            in.revoked_invites_count});
           }
           return out;
         });
  });
}

absl::StatusOr<std::vector<AdminWithInvites>> InviteApi::ListAdminsWithInvites(
    std::string peer, Deadline deadline) {
  return Wait<std::vector<AdminWithInvites>>(
      [&](Callback<std::vector<AdminWithInvites>> done) {
        ListAdminsWithInvitesAsync(std::move(peer), deadline, std::move(done));
      });
}

void InviteApi::ListImportersAsync(std::string peer, ListImportersOptions options,
                                   Deadline deadline, Callback<ImporterPage> done) {
  if (absl::Status s = CheckLimit(options.limit); !s.ok()) return done(s);
  std::optional<std::string> link;
  if (options.link) {
    absl::StatusOr<std::string> link_arg = LinkArgument("link", *options.link);
    if (!link_arg.ok()) return done(link_arg.status());
    link = *std::move(link_arg);
  }
  // The cursor's user needs an access hash: the page that produced the cursor fed the cache.
  tl::ObjectPtr<api::InputUser> offset_user = std::make_unique<api::inputUserEmpty>();
  if (options.cursor && options.cursor->offset_user_id != 0) {
    std::optional<PeerRecord> user =
        cache_.Find(PeerKind::kUser, options.cursor->offset_user_id);
    if (!user) {
      return done(Invalid("cursor", absl::StrCat("user ", options.cursor->offset_user_id,
                                                 " is not in the peer cache")));
    }
    auto input = std::make_unique<api::inputUser>();
    input->user_id = user->id;
    input->access_hash = user->access_hash;
    offset_user = std::move(input);
  }
  resolver_.ResolveAsync(
      peer, deadline,
      [this, options = std::move(options), link = std::move(link),
       offset_user = std::shared_ptr<api::InputUser>(std::move(offset_user)), deadline,
       done = std::move(done)](absl::StatusOr<ResolvedPeer> resolved) mutable {
        if (!resolved.ok()) return done(resolved.status());
        api::messages_getChatInviteImporters call;
        call.peer = ToInputPeer(*resolved);
        call.requested = options.requested;
        call.subscription_expired = options.subscription_expired;
        call.link = link;
        call.q = options.q;
        call.offset_date = options.cursor ? options.cursor->offset_date : 0;
        // Rebuild the InputUser (the call owns it uniquely).
        if (offset_user->ConstructorId() == api::inputUser::kId) {
          const auto& u = static_cast<const api::inputUser&>(*offset_user);
          auto copy = std::make_unique<api::inputUser>();
          copy->user_id = u.user_id;
          copy->access_hash = u.access_hash;
          call.offset_user = std::move(copy);
        } else {
          call.offset_user = std::make_unique<api::inputUserEmpty>();
        }
        call.limit = options.limit;
        const int32_t limit = options.limit;
        Send(engine_, call, deadline, std::move(done),
             [this, limit](tl::ObjectPtr<api::messages_ChatInviteImporters> answer)
                 -> absl::StatusOr<ImporterPage> {
               if (!answer || answer->ConstructorId() != api::messages_chatInviteImporters::kId) {
                 return Unexpected("messages.getChatInviteImporters");
               }
               auto& a = static_cast<api::messages_chatInviteImporters&>(*answer);
               (void)cache_.Feed(a.users, {});
               const std::map<int64_t, UserInfo> users = UsersById(a.users);
               ImporterPage page;
               page.total_count = a.count;
               for (const auto& importer : a.importers) {
                 if (!importer || importer->ConstructorId() != api::chatInviteImporter::kId) {
                   continue;
                 }
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
               if (!page.importers.empty() &&
                   static_cast<int32_t>(page.importers.size()) >= limit) {
                 page.next =
                     ImporterCursor{page.importers.back().date, page.importers.back().user.id};
               }
               return page;
             });
      });
}

absl::StatusOr<ImporterPage> InviteApi::ListImporters(std::string peer,
                                                      ListImportersOptions options,
                                                      Deadline deadline) {
  return Wait<ImporterPage>([&](Callback<ImporterPage> done) {
    ListImportersAsync(std::move(peer), std::move(options), deadline, std::move(done));
  });
}

void InviteApi::HideOneAsync(std::string peer, std::string user, bool approved,
                             Deadline deadline, DoneCallback done) {
  resolver_.ResolveAsync(peer, deadline, [this, user = std::move(user), approved, deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    resolver_.ResolveAsync(user, deadline, [this, peer = *std::move(resolved), approved, deadline,
                                            done = std::move(done)](
                                               absl::StatusOr<ResolvedPeer> who) mutable {
      if (!who.ok()) return done(who.status());
      absl::StatusOr<tl::ObjectPtr<api::InputUser>> user_id = ToInputUser(*who);
      if (!user_id.ok()) return done(Invalid("user", std::string(user_id.status().message())));
      api::messages_hideChatJoinRequest call;
      call.peer = ToInputPeer(peer);
      call.user_id = *std::move(user_id);
      call.approved = approved;
      SendDone(engine_, call, deadline, std::move(done),
               [this](tl::ObjectPtr<api::Updates> updates) {
                 FeedUpdates(cache_, updates.get());
                 return absl::OkStatus();
               });
    });
  });
}

void InviteApi::ApproveRequestAsync(std::string peer, std::string user, Deadline deadline,
                                    DoneCallback done) {
  HideOneAsync(std::move(peer), std::move(user), true, deadline, std::move(done));
}
absl::Status InviteApi::ApproveRequest(std::string peer, std::string user, Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    ApproveRequestAsync(std::move(peer), std::move(user), deadline, std::move(done));
  });
}
void InviteApi::DeclineRequestAsync(std::string peer, std::string user, Deadline deadline,
                                    DoneCallback done) {
  HideOneAsync(std::move(peer), std::move(user), false, deadline, std::move(done));
}
absl::Status InviteApi::DeclineRequest(std::string peer, std::string user, Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    DeclineRequestAsync(std::move(peer), std::move(user), deadline, std::move(done));
  });
}

void InviteApi::HideAllAsync(std::string peer, std::optional<std::string> link, bool approved,
                             Deadline deadline, DoneCallback done) {
  std::optional<std::string> link_arg;
  if (link) {
    absl::StatusOr<std::string> l = LinkArgument("link", *link);
    if (!l.ok()) return done(l.status());
    link_arg = *std::move(l);
  }
  resolver_.ResolveAsync(peer, deadline, [this, link = std::move(link_arg), approved, deadline,
                                          done = std::move(done)](
                                             absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    api::messages_hideAllChatJoinRequests call;
    call.peer = ToInputPeer(*resolved);
    call.approved = approved;
    call.link = link;
    SendDone(engine_, call, deadline, std::move(done),
             [this](tl::ObjectPtr<api::Updates> updates) {
               FeedUpdates(cache_, updates.get());
               return absl::OkStatus();
             });
  });
}

void InviteApi::ApproveAllAsync(std::string peer, std::optional<std::string> link,
                                Deadline deadline, DoneCallback done) {
  HideAllAsync(std::move(peer), std::move(link), true, deadline, std::move(done));
}
absl::Status InviteApi::ApproveAll(std::string peer, std::optional<std::string> link,
                                   Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    ApproveAllAsync(std::move(peer), std::move(link), deadline, std::move(done));
  });
}
void InviteApi::DeclineAllAsync(std::string peer, std::optional<std::string> link,
                                Deadline deadline, DoneCallback done) {
  HideAllAsync(std::move(peer), std::move(link), false, deadline, std::move(done));
}
absl::Status InviteApi::DeclineAll(std::string peer, std::optional<std::string> link,
                                   Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    DeclineAllAsync(std::move(peer), std::move(link), deadline, std::move(done));
  });
}

void InviteApi::CheckLinkAsync(std::string link, Deadline deadline,
                               Callback<ChatInviteInfo> done) {
  absl::StatusOr<std::string> hash = HashArgument(link);
  if (!hash.ok()) return done(hash.status());
  api::messages_checkChatInvite call;
  call.hash = *hash;
  Send(engine_, call, deadline, std::move(done),
       [this](tl::ObjectPtr<api::ChatInvite> answer) -> absl::StatusOr<ChatInviteInfo> {
         if (!answer) return Unexpected("messages.checkChatInvite");
         ChatInviteInfo out;
         switch (answer->ConstructorId()) {
           case api::chatInviteAlready::kId: {
             auto& in = static_cast<api::chatInviteAlready&>(*answer);
             out.kind = ChatInviteInfo::Kind::kAlreadyMember;
             if (in.chat) {
               std::vector<tl::ObjectPtr<api::Chat>> chats;
               out.chat = ToChatInfo(*in.chat);
               chats.push_back(std::move(in.chat));
               (void)cache_.Feed({}, chats);
             }
             return out;
           }
           case api::chatInvitePeek::kId: {
             auto& in = static_cast<api::chatInvitePeek&>(*answer);
             out.kind = ChatInviteInfo::Kind::kPeek;
             out.peek_expires = in.expires;
             if (in.chat) {
               std::vector<tl::ObjectPtr<api::Chat>> chats;
               out.chat = ToChatInfo(*in.chat);
               chats.push_back(std::move(in.chat));
               (void)cache_.Feed({}, chats);
             }
             return out;
           }
           case api::chatInvite::kId: {
             auto& in = static_cast<api::chatInvite&>(*answer);
             out.kind = ChatInviteInfo::Kind::kInvite;
             out.title = in.title;
             out.about = in.about.value_or("");
             out.participants_count = in.participants_count;
             if (in.participants) {
               (void)cache_.Feed(*in.participants, {});
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
             if (in.subscription_pricing &&
                 in.subscription_pricing->ConstructorId() == api::starsSubscriptionPricing::kId) {
               const auto& p =
                   static_cast<const api::starsSubscriptionPricing&>(*in.subscription_pricing);
               out.subscription = SubscriptionPricing{p.period, p.amount};
             }
             out.subscription_form_id = in.subscription_form_id;
             return out;
           }
         }
         return Unexpected("messages.checkChatInvite");
       });
}

absl::StatusOr<ChatInviteInfo> InviteApi::CheckLink(std::string link, Deadline deadline) {
  return Wait<ChatInviteInfo>([&](Callback<ChatInviteInfo> done) {
    CheckLinkAsync(std::move(link), deadline, std::move(done));
  });
}

void InviteApi::JoinByLinkAsync(std::string link, Deadline deadline,
                                Callback<JoinOutcome> done) {
  absl::StatusOr<std::string> hash = HashArgument(link);
  if (!hash.ok()) return done(hash.status());
  api::messages_importChatInvite call;
  call.hash = *hash;
  engine_.Invoke(call, deadline, JoinAnswer(cache_, std::move(done)));
}

absl::StatusOr<JoinOutcome> InviteApi::JoinByLink(std::string link, Deadline deadline) {
  return Wait<JoinOutcome>([&](Callback<JoinOutcome> done) {
    JoinByLinkAsync(std::move(link), deadline, std::move(done));
  });
}

void InviteApi::JoinChannelAsync(std::string channel, Deadline deadline,
                                 Callback<JoinOutcome> done) {
  resolver_.ResolveAsync(channel, deadline, [this, deadline, done = std::move(done)](
                                                absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    absl::StatusOr<tl::ObjectPtr<api::InputChannel>> input = ToInputChannel(*resolved);
    if (!input.ok()) return done(input.status());
    api::channels_joinChannel call;
    call.channel = *std::move(input);
    engine_.Invoke(call, deadline, JoinAnswer(cache_, std::move(done)));
  });
}

absl::StatusOr<JoinOutcome> InviteApi::JoinChannel(std::string channel, Deadline deadline) {
  return Wait<JoinOutcome>([&](Callback<JoinOutcome> done) {
    JoinChannelAsync(std::move(channel), deadline, std::move(done));
  });
}

void InviteApi::ToggleAsync(std::string channel, bool join_request, bool enabled,
                            Deadline deadline, DoneCallback done) {
  resolver_.ResolveAsync(channel, deadline, [this, join_request, enabled, deadline,
                                             done = std::move(done)](
                                                absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    absl::StatusOr<tl::ObjectPtr<api::InputChannel>> input = ToInputChannel(*resolved);
    if (!input.ok()) return done(input.status());
    auto feed = [this](tl::ObjectPtr<api::Updates> updates) {
      FeedUpdates(cache_, updates.get());
      return absl::OkStatus();
    };
    if (join_request) {
      api::channels_toggleJoinRequest call;
      call.channel = *std::move(input);
      call.enabled = enabled;
      SendDone(engine_, call, deadline, std::move(done), feed);
    } else {
      api::channels_toggleJoinToSend call;
      call.channel = *std::move(input);
      call.enabled = enabled;
      SendDone(engine_, call, deadline, std::move(done), feed);
    }
  });
}

void InviteApi::ToggleJoinRequestAsync(std::string channel, bool enabled, Deadline deadline,
                                       DoneCallback done) {
  ToggleAsync(std::move(channel), true, enabled, deadline, std::move(done));
}
absl::Status InviteApi::ToggleJoinRequest(std::string channel, bool enabled, Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    ToggleJoinRequestAsync(std::move(channel), enabled, deadline, std::move(done));
  });
}
void InviteApi::ToggleJoinToSendAsync(std::string channel, bool enabled, Deadline deadline,
                                      DoneCallback done) {
  ToggleAsync(std::move(channel), false, enabled, deadline, std::move(done));
}
absl::Status InviteApi::ToggleJoinToSend(std::string channel, bool enabled, Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    ToggleJoinToSendAsync(std::move(channel), enabled, deadline, std::move(done));
  });
}

void InviteApi::CheckUsernameAsync(std::string channel, std::string username, Deadline deadline,
                                   Callback<bool> done) {
  resolver_.ResolveAsync(channel, deadline, [this, username = std::move(username), deadline,
                                             done = std::move(done)](
                                                absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    absl::StatusOr<tl::ObjectPtr<api::InputChannel>> input = ToInputChannel(*resolved);
    if (!input.ok()) return done(input.status());
    api::channels_checkUsername call;
    call.channel = *std::move(input);
    call.username = username;
    Send(engine_, call, deadline, std::move(done),
         [](bool free) -> absl::StatusOr<bool> { return free; });
  });
}

absl::StatusOr<bool> InviteApi::CheckUsername(std::string channel, std::string username,
                                              Deadline deadline) {
  return Wait<bool>([&](Callback<bool> done) {
    CheckUsernameAsync(std::move(channel), std::move(username), deadline, std::move(done));
  });
}

void InviteApi::UpdateUsernameAsync(std::string channel, std::string username,
                                    Deadline deadline, DoneCallback done) {
  resolver_.ResolveAsync(channel, deadline, [this, username = std::move(username), deadline,
                                             done = std::move(done)](
                                                absl::StatusOr<ResolvedPeer> resolved) mutable {
    if (!resolved.ok()) return done(resolved.status());
    absl::StatusOr<tl::ObjectPtr<api::InputChannel>> input = ToInputChannel(*resolved);
    if (!input.ok()) return done(input.status());
    api::channels_updateUsername call;
    call.channel = *std::move(input);
    call.username = username;
    PeerRecord record = resolved->peer;
    record.username = username;
    SendDone(engine_, call, deadline, std::move(done),
             [this, record = std::move(record)](bool ok) mutable {
               // The username now leads to this channel (or to nothing, when cleared).
               if (ok) (void)cache_.Put({std::move(record)});
               return BoolTrue("channels.updateUsername", ok);
             });
  });
}

absl::Status InviteApi::UpdateUsername(std::string channel, std::string username,
                                       Deadline deadline) {
  return WaitDone([&](DoneCallback done) {
    UpdateUsernameAsync(std::move(channel), std::move(username), deadline, std::move(done));
  });
}

void InviteApi::ResolveUsernameAsync(std::string username, Deadline deadline,
                                     Callback<ResolvedUsername> done) {
  absl::StatusOr<std::string> name = UsernameArgument(std::move(username));
  if (!name.ok()) return done(name.status());
  api::contacts_resolveUsername call;
  call.username = *name;
  Send(engine_, call, deadline, std::move(done),
       [this](tl::ObjectPtr<api::contacts_ResolvedPeer> answer)
           -> absl::StatusOr<ResolvedUsername> {
         if (!answer || answer->ConstructorId() != api::contacts_resolvedPeer::kId ||
             !static_cast<api::contacts_resolvedPeer&>(*answer).peer) {
           return Unexpected("contacts.resolveUsername");
         }
         auto& a = static_cast<api::contacts_resolvedPeer&>(*answer);
         (void)cache_.Feed(a.users, a.chats);
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
       });
}

absl::StatusOr<ResolvedUsername> InviteApi::ResolveUsername(std::string username,
                                                            Deadline deadline) {
  return Wait<ResolvedUsername>([&](Callback<ResolvedUsername> done) {
    ResolveUsernameAsync(std::move(username), deadline, std::move(done));
  });
}

}  // namespace mtproto::engine

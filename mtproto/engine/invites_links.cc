// The invite API's link management: create, list, get, edit, revoke and delete links, and the
// admins who created them. Spec: https://core.telegram.org/api/invites#invite-links
#include "absl/strings/str_cat.h"
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine {
namespace {

using namespace invites_internal;  // NOLINT: the file's own plumbing

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

}  // namespace

InviteApi::InviteApi(Engine& engine)
    : engine_(engine), cache_(engine.peer_cache()), resolver_(engine, cache_) {}

void InviteApi::CreateLinkAsync(std::string peer, CreateLinkOptions options, Deadline deadline,
                                Callback<InviteLink> done) {
  if (absl::Status s = CheckCreate(options); !s.ok()) return done(s);
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, options = std::move(options), deadline](ResolvedPeer resolved,
                                                          Callback<InviteLink> done) {
            if (options.subscription &&
                (resolved.self || resolved.peer.kind != PeerKind::kChannel)) {
              return done(Invalid("subscription", "only channels can have subscription links"));
            }
            api::messages_exportChatInvite call;
            call.peer = ToInputPeer(resolved);
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
                 [](tl::ObjectPtr<api::ExportedChatInvite> invite)
                     -> absl::StatusOr<InviteLink> {
                   if (!invite) return Unexpected("messages.exportChatInvite");
                   return ToInviteLink(*invite);
                 });
          });
}

absl::StatusOr<InviteLink> InviteApi::CreateLink(std::string peer, CreateLinkOptions options,
                                                 Deadline deadline) {
  return Block(*this, &InviteApi::CreateLinkAsync, std::move(peer), std::move(options), deadline);
}

void InviteApi::ListLinksAsync(std::string peer, ListLinksOptions options, Deadline deadline,
                               Callback<LinkPage> done) {
  if (absl::Status s = CheckLimit(options.limit); !s.ok()) return done(s);
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, options = std::move(options), deadline](ResolvedPeer peer,
                                                          Callback<LinkPage> done) {
            ResolveUser(resolver_, options.admin, "admin", deadline, std::move(done),
                        [this, peer = std::move(peer), options, deadline](
                            tl::ObjectPtr<api::InputUser> admin, Callback<LinkPage> done) {
                          api::messages_getExportedChatInvites call;
                          call.peer = ToInputPeer(peer);
                          call.admin_id = std::move(admin);
                          call.revoked = options.revoked;
                          if (options.cursor) {
                            call.offset_date = options.cursor->offset_date;
                            call.offset_link = options.cursor->offset_link;
                          }
                          call.limit = options.limit;
                          Send(engine_, call, deadline, std::move(done),
                               [this, limit = options.limit](
                                   tl::ObjectPtr<api::messages_ExportedChatInvites> answer) {
                                 return ToLinkPage(cache_, std::move(answer), limit);
                               });
                        });
          });
}

absl::StatusOr<LinkPage> InviteApi::ListLinks(std::string peer, ListLinksOptions options,
                                              Deadline deadline) {
  return Block(*this, &InviteApi::ListLinksAsync, std::move(peer), std::move(options), deadline);
}

void InviteApi::GetLinkAsync(std::string peer, std::string link, Deadline deadline,
                             Callback<InviteLink> done) {
  absl::StatusOr<std::string> link_arg = LinkArgument(link);
  if (!link_arg.ok()) return done(link_arg.status());
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, link = *std::move(link_arg), deadline](ResolvedPeer peer,
                                                        Callback<InviteLink> done) {
            api::messages_getExportedChatInvite call;
            call.peer = ToInputPeer(peer);
            call.link = link;
            Send(engine_, call, deadline, std::move(done),
                 [this](tl::ObjectPtr<api::messages_ExportedChatInvite> answer)
                     -> absl::StatusOr<InviteLink> {
                   absl::StatusOr<EditedLink> edited = ToEditedLink(
                       cache_, std::move(answer), "messages.getExportedChatInvite");
                   if (!edited.ok()) return edited.status();
                   return std::move(edited->link);
                 });
          });
}

absl::StatusOr<InviteLink> InviteApi::GetLink(std::string peer, std::string link,
                                              Deadline deadline) {
  return Block(*this, &InviteApi::GetLinkAsync, std::move(peer), std::move(link), deadline);
}

void InviteApi::EditLinkAsync(std::string peer, std::string link, EditLinkOptions options,
                              Deadline deadline, Callback<EditedLink> done) {
  if (absl::Status s = CheckEdit(options); !s.ok()) return done(s);
  absl::StatusOr<std::string> link_arg = LinkArgument(link);
  if (!link_arg.ok()) return done(link_arg.status());
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, link = *std::move(link_arg), options = std::move(options), deadline](
              ResolvedPeer peer, Callback<EditedLink> done) {
            api::messages_editExportedChatInvite call;
            call.peer = ToInputPeer(peer);
            call.link = link;
            call.revoked = options.revoke;
            call.expire_date = options.expire_date;
            call.usage_limit = options.usage_limit;
            call.request_needed = options.request_needed;
            call.title = options.title;
            Send(engine_, call, deadline, std::move(done),
                 [this](tl::ObjectPtr<api::messages_ExportedChatInvite> answer) {
                   return ToEditedLink(cache_, std::move(answer),
                                       "messages.editExportedChatInvite");
                 });
          });
}

absl::StatusOr<EditedLink> InviteApi::EditLink(std::string peer, std::string link,
                                               EditLinkOptions options, Deadline deadline) {
  return Block(*this, &InviteApi::EditLinkAsync, std::move(peer), std::move(link),
               std::move(options), deadline);
}

void InviteApi::RevokeLinkAsync(std::string peer, std::string link, Deadline deadline,
                                Callback<EditedLink> done) {
  EditLinkOptions options;
  options.revoke = true;
  EditLinkAsync(std::move(peer), std::move(link), std::move(options), deadline, std::move(done));
}

absl::StatusOr<EditedLink> InviteApi::RevokeLink(std::string peer, std::string link,
                                                 Deadline deadline) {
  return Block(*this, &InviteApi::RevokeLinkAsync, std::move(peer), std::move(link), deadline);
}

void InviteApi::DeleteLinkAsync(std::string peer, std::string link, Deadline deadline,
                                DoneCallback done) {
  absl::StatusOr<std::string> link_arg = LinkArgument(link);
  if (!link_arg.ok()) return done(link_arg.status());
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, link = *std::move(link_arg), deadline](ResolvedPeer peer, DoneCallback done) {
            api::messages_deleteExportedChatInvite call;
            call.peer = ToInputPeer(peer);
            call.link = link;
            Send(engine_, call, deadline, std::move(done), [](bool ok) {
              return BoolTrue("messages.deleteExportedChatInvite", ok);
            });
          });
}

absl::Status InviteApi::DeleteLink(std::string peer, std::string link, Deadline deadline) {
  return Block(*this, &InviteApi::DeleteLinkAsync, std::move(peer), std::move(link), deadline);
}

void InviteApi::DeleteRevokedLinksAsync(std::string peer, std::optional<std::string> admin,
                                        Deadline deadline, DoneCallback done) {
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, admin = std::move(admin), deadline](ResolvedPeer peer, DoneCallback done) {
            ResolveUser(resolver_, admin, "admin", deadline, std::move(done),
                        [this, peer = std::move(peer), deadline](
                            tl::ObjectPtr<api::InputUser> admin_id, DoneCallback done) {
                          api::messages_deleteRevokedExportedChatInvites call;
                          call.peer = ToInputPeer(peer);
                          call.admin_id = std::move(admin_id);
                          Send(engine_, call, deadline, std::move(done), [](bool ok) {
                            return BoolTrue("messages.deleteRevokedExportedChatInvites", ok);
                          });
                        });
          });
}

absl::Status InviteApi::DeleteRevokedLinks(std::string peer, std::optional<std::string> admin,
                                           Deadline deadline) {
  return Block(*this, &InviteApi::DeleteRevokedLinksAsync, std::move(peer), std::move(admin),
               deadline);
}

void InviteApi::ListAdminsWithInvitesAsync(std::string peer, Deadline deadline,
                                           Callback<std::vector<AdminWithInvites>> done) {
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, deadline](ResolvedPeer peer, Callback<std::vector<AdminWithInvites>> done) {
            api::messages_getAdminsWithInvites call;
            call.peer = ToInputPeer(peer);
            Send(engine_, call, deadline, std::move(done),
                 [this](tl::ObjectPtr<api::messages_ChatAdminsWithInvites> answer) {
                   return ToAdmins(cache_, std::move(answer));
                 });
          });
}

absl::StatusOr<std::vector<AdminWithInvites>> InviteApi::ListAdminsWithInvites(
    std::string peer, Deadline deadline) {
  return Block(*this, &InviteApi::ListAdminsWithInvitesAsync, std::move(peer), deadline);
}

}  // namespace mtproto::engine

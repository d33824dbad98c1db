// The invite API's importers and join requests: who joined or asked to join, and approving or
// declining one request or all of them. Spec: https://core.telegram.org/api/invites#join-requests
#include "absl/strings/str_cat.h"
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine {

using namespace invites_internal;  // NOLINT: the file's own plumbing

void InviteApi::ListImportersAsync(std::string peer, ListImportersOptions options,
                                   Deadline deadline, Callback<ImporterPage> done) {
  if (absl::Status s = CheckLimit(options.limit); !s.ok()) return done(s);
  absl::StatusOr<std::optional<std::string>> link = LinkArgument(options.link);
  if (!link.ok()) return done(link.status());
  // The cursor's user needs an access hash: the page that produced the cursor fed the cache.
  std::optional<PeerRecord> offset_user;
  if (options.cursor && options.cursor->offset_user_id != 0) {
    offset_user = cache_.Find(PeerKind::kUser, options.cursor->offset_user_id);
    if (!offset_user) {
      return done(Invalid("cursor", absl::StrCat("user ", options.cursor->offset_user_id,
                                                 " is not in the peer cache")));
    }
  }
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, options = std::move(options), link = *std::move(link), offset_user, deadline](
              ResolvedPeer peer, Callback<ImporterPage> done) {
            api::messages_getChatInviteImporters call;
            call.peer = ToInputPeer(peer);
            call.requested = options.requested;
            call.subscription_expired = options.subscription_expired;
            call.link = link;
            call.q = options.q;
            call.offset_date = options.cursor ? options.cursor->offset_date : 0;
            if (offset_user) {
              auto input = std::make_unique<api::inputUser>();
              input->user_id = offset_user->id;
              input->access_hash = offset_user->access_hash;
              call.offset_user = std::move(input);
            } else {
              call.offset_user = std::make_unique<api::inputUserEmpty>();
            }
            call.limit = options.limit;
            Send(engine_, call, deadline, std::move(done),
                 [this, limit = options.limit](
                     tl::ObjectPtr<api::messages_ChatInviteImporters> answer) {
                   return ToImporterPage(cache_, std::move(answer), limit);
                 });
          });
}

absl::StatusOr<ImporterPage> InviteApi::ListImporters(std::string peer,
                                                      ListImportersOptions options,
                                                      Deadline deadline) {
  return Block(*this, &InviteApi::ListImportersAsync, std::move(peer), std::move(options),
               deadline);
}

void InviteApi::HideOneAsync(std::string peer, std::string user, bool approved,
                             Deadline deadline, DoneCallback done) {
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, user = std::move(user), approved, deadline](ResolvedPeer peer,
                                                             DoneCallback done) {
            ResolveUser(resolver_, user, "user", deadline, std::move(done),
                        [this, peer = std::move(peer), approved, deadline](
                            tl::ObjectPtr<api::InputUser> user_id, DoneCallback done) {
                          api::messages_hideChatJoinRequest call;
                          call.peer = ToInputPeer(peer);
                          call.user_id = std::move(user_id);
                          call.approved = approved;
                          SendFeeding(engine_, cache_, call, deadline, std::move(done));
                        });
          });
}

void InviteApi::ApproveRequestAsync(std::string peer, std::string user, Deadline deadline,
                                    DoneCallback done) {
  HideOneAsync(std::move(peer), std::move(user), true, deadline, std::move(done));
}
absl::Status InviteApi::ApproveRequest(std::string peer, std::string user, Deadline deadline) {
  return Block(*this, &InviteApi::ApproveRequestAsync, std::move(peer), std::move(user),
               deadline);
}
void InviteApi::DeclineRequestAsync(std::string peer, std::string user, Deadline deadline,
                                    DoneCallback done) {
  HideOneAsync(std::move(peer), std::move(user), false, deadline, std::move(done));
}
absl::Status InviteApi::DeclineRequest(std::string peer, std::string user, Deadline deadline) {
  return Block(*this, &InviteApi::DeclineRequestAsync, std::move(peer), std::move(user),
               deadline);
}

void InviteApi::HideAllAsync(std::string peer, std::optional<std::string> link, bool approved,
                             Deadline deadline, DoneCallback done) {
  absl::StatusOr<std::optional<std::string>> link_arg = LinkArgument(link);
  if (!link_arg.ok()) return done(link_arg.status());
  Resolve(resolver_, peer, deadline, std::move(done),
          [this, link = *std::move(link_arg), approved, deadline](ResolvedPeer peer,
                                                                  DoneCallback done) {
            api::messages_hideAllChatJoinRequests call;
            call.peer = ToInputPeer(peer);
            call.approved = approved;
            call.link = link;
            SendFeeding(engine_, cache_, call, deadline, std::move(done));
          });
}

void InviteApi::ApproveAllAsync(std::string peer, std::optional<std::string> link,
                                Deadline deadline, DoneCallback done) {
  HideAllAsync(std::move(peer), std::move(link), true, deadline, std::move(done));
}
absl::Status InviteApi::ApproveAll(std::string peer, std::optional<std::string> link,
                                   Deadline deadline) {
  return Block(*this, &InviteApi::ApproveAllAsync, std::move(peer), std::move(link), deadline);
}
void InviteApi::DeclineAllAsync(std::string peer, std::optional<std::string> link,
                                Deadline deadline, DoneCallback done) {
  HideAllAsync(std::move(peer), std::move(link), false, deadline, std::move(done));
}
absl::Status InviteApi::DeclineAll(std::string peer, std::optional<std::string> link,
                                   Deadline deadline) {
  return Block(*this, &InviteApi::DeclineAllAsync, std::move(peer), std::move(link), deadline);
}

}  // namespace mtproto::engine

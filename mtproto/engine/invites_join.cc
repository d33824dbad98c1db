// The invite API's joining: checking a link, joining by link (or filing a join request), and
// joining a public supergroup or channel. Spec: https://core.telegram.org/api/invites#joining
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine {
namespace {

using namespace invites_internal;  // NOLINT: the file's own plumbing

// importChatInvite / joinChannel answers: Updates, or INVITE_REQUEST_SENT (a success).
Callback<tl::ObjectPtr<api::Updates>> JoinAnswer(PeerCache& cache, Callback<JoinOutcome> done) {
  return [&cache, done = std::move(done)](
             absl::StatusOr<tl::ObjectPtr<api::Updates>> result) mutable {
    JoinOutcome out;
    if (!result.ok()) {
      std::optional<RpcError> error = GetRpcError(result.status());
      if (!error || error->name != "INVITE_REQUEST_SENT") return done(result.status());
      out.kind = JoinOutcome::Kind::kPendingApproval;
      return done(std::move(out));
    }
    FeedUpdates(cache, result->get());
    out.kind = JoinOutcome::Kind::kJoined;
    out.chat = FirstChat(result->get());
    done(std::move(out));
  };
}

}  // namespace

void InviteApi::CheckLinkAsync(std::string link, Deadline deadline,
                               Callback<ChatInviteInfo> done) {
  absl::StatusOr<std::string> hash = HashArgument(link);
  if (!hash.ok()) return done(hash.status());
  api::messages_checkChatInvite call;
  call.hash = *hash;
  Send(engine_, call, deadline, std::move(done), [this](tl::ObjectPtr<api::ChatInvite> answer) {
    return ToChatInviteInfo(cache_, std::move(answer));
  });
}

absl::StatusOr<ChatInviteInfo> InviteApi::CheckLink(std::string link, Deadline deadline) {
  return Block(*this, &InviteApi::CheckLinkAsync, std::move(link), deadline);
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
  return Block(*this, &InviteApi::JoinByLinkAsync, std::move(link), deadline);
}

void InviteApi::JoinChannelAsync(std::string channel, Deadline deadline,
                                 Callback<JoinOutcome> done) {
  ResolveChannel(resolver_, channel, deadline, std::move(done),
                 [this, deadline](ResolvedPeer, tl::ObjectPtr<api::InputChannel> input,
                                  Callback<JoinOutcome> done) {
                   api::channels_joinChannel call;
                   call.channel = std::move(input);
                   engine_.Invoke(call, deadline, JoinAnswer(cache_, std::move(done)));
                 });
}

absl::StatusOr<JoinOutcome> InviteApi::JoinChannel(std::string channel, Deadline deadline) {
  return Block(*this, &InviteApi::JoinChannelAsync, std::move(channel), deadline);
}

}  // namespace mtproto::engine

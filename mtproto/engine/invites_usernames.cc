// The invite API's chat settings and public usernames: the join-request and join-to-send
// toggles, checking and setting a channel's username, and resolving a username.
// Spec: https://core.telegram.org/api/invites#public-usernames
#include "mtproto/engine/invites_internal.h"

namespace mtproto::engine {

using namespace invites_internal;  // NOLINT: the file's own plumbing

void InviteApi::ToggleAsync(std::string channel, bool join_request, bool enabled,
                            Deadline deadline, DoneCallback done) {
  ResolveChannel(resolver_, channel, deadline, std::move(done),
                 [this, join_request, enabled, deadline](
                     ResolvedPeer, tl::ObjectPtr<api::InputChannel> input, DoneCallback done) {
                   if (join_request) {
                     api::channels_toggleJoinRequest call;
                     call.channel = std::move(input);
                     call.enabled = enabled;
                     SendFeeding(engine_, cache_, call, deadline, std::move(done));
                   } else {
                     api::channels_toggleJoinToSend call;
                     call.channel = std::move(input);
                     call.enabled = enabled;
                     SendFeeding(engine_, cache_, call, deadline, std::move(done));
                   }
                 });
}

void InviteApi::ToggleJoinRequestAsync(std::string channel, bool enabled, Deadline deadline,
                                       DoneCallback done) {
  ToggleAsync(std::move(channel), true, enabled, deadline, std::move(done));
}
absl::Status InviteApi::ToggleJoinRequest(std::string channel, bool enabled, Deadline deadline) {
  return Block(*this, &InviteApi::ToggleJoinRequestAsync, std::move(channel), enabled, deadline);
}
void InviteApi::ToggleJoinToSendAsync(std::string channel, bool enabled, Deadline deadline,
                                      DoneCallback done) {
  ToggleAsync(std::move(channel), false, enabled, deadline, std::move(done));
}
absl::Status InviteApi::ToggleJoinToSend(std::string channel, bool enabled, Deadline deadline) {
  return Block(*this, &InviteApi::ToggleJoinToSendAsync, std::move(channel), enabled, deadline);
}

void InviteApi::CheckUsernameAsync(std::string channel, std::string username, Deadline deadline,
                                   Callback<bool> done) {
  ResolveChannel(resolver_, channel, deadline, std::move(done),
                 [this, username = std::move(username), deadline](
                     ResolvedPeer, tl::ObjectPtr<api::InputChannel> input, Callback<bool> done) {
                   api::channels_checkUsername call;
                   call.channel = std::move(input);
                   call.username = username;
                   Send(engine_, call, deadline, std::move(done),
                        [](bool free) -> absl::StatusOr<bool> { return free; });
                 });
}

absl::StatusOr<bool> InviteApi::CheckUsername(std::string channel, std::string username,
                                              Deadline deadline) {
  return Block(*this, &InviteApi::CheckUsernameAsync, std::move(channel), std::move(username),
               deadline);
}

void InviteApi::UpdateUsernameAsync(std::string channel, std::string username,
                                    Deadline deadline, DoneCallback done) {
  ResolveChannel(
      resolver_, channel, deadline, std::move(done),
      [this, username = std::move(username), deadline](
          ResolvedPeer resolved, tl::ObjectPtr<api::InputChannel> input, DoneCallback done) {
        api::channels_updateUsername call;
        call.channel = std::move(input);
        call.username = username;
        PeerRecord record = std::move(resolved.peer);
        record.username = username;
        Send(engine_, call, deadline, std::move(done),
             [this, record = std::move(record)](bool ok) mutable {
               // The username now leads to this channel (or to nothing, when cleared).
               if (ok) (void)cache_.Put({std::move(record)});
               return BoolTrue("channels.updateUsername", ok);
             });
      });
}

absl::Status InviteApi::UpdateUsername(std::string channel, std::string username,
                                       Deadline deadline) {
  return Block(*this, &InviteApi::UpdateUsernameAsync, std::move(channel), std::move(username),
               deadline);
}

void InviteApi::ResolveUsernameAsync(std::string username, Deadline deadline,
                                     Callback<ResolvedUsername> done) {
  absl::StatusOr<std::string> name = UsernameArgument(std::move(username));
  if (!name.ok()) return done(name.status());
  api::contacts_resolveUsername call;
  call.username = *name;
  Send(engine_, call, deadline, std::move(done),
       [this](tl::ObjectPtr<api::contacts_ResolvedPeer> answer) {
         return ToResolvedUsername(cache_, std::move(answer));
       });
}

absl::StatusOr<ResolvedUsername> InviteApi::ResolveUsername(std::string username,
                                                            Deadline deadline) {
  return Block(*this, &InviteApi::ResolveUsernameAsync, std::move(username), deadline);
}

}  // namespace mtproto::engine

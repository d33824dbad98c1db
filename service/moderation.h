// ModerateJoinRequests: approve or decline the pending requests a filter selects (link,
// requested before / after, text in "about", at most N), one Telegram call per user
// (messages.hideChatJoinRequest), streaming each user's outcome. It paces itself by FLOOD_WAIT:
// a wait longer than the engine absorbs comes back as RESOURCE_EXHAUSTED with the delay; the
// stream reports it (ModerationProgress.flood_wait), waits it out — cancellably — and goes on with
// the same user. Users' requests are read from Telegram (getChatInviteImporters, all pages);
// bots, which Telegram does not let list them, moderate the ledger's pending backlog.
// Spec: https://core.telegram.org/api/invites#join-requests, https://core.telegram.org/api/errors
#pragma once

#include "grpcpp/grpcpp.h"
#include "invitegate/v1/join_requests.pb.h"
#include "service/adapter_support.h"

namespace invitegate::service {

// Starts the stream (validation and authorization errors finish it at once). The work runs on a
// thread of its own, one Telegram call at a time, with one progress write in flight.
grpc::ServerWriteReactor<v1::ModerationProgress>* StartModeration(
    ServiceContext& context, grpc::CallbackServerContext* ctx,
    const v1::ModerateJoinRequestsRequest* request);

}  // namespace invitegate::service

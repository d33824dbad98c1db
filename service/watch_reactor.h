// WatchJoinRequests: the server-streaming callback reactor over a stream::Hub Subscription, and
// the conversions from ledger records to invitegate.v1 messages that the ledger-backed RPCs share.
// The reactor keeps one write in flight: it polls the subscription when a write completes and,
// when the queue is empty, waits for the hub's on_ready. Every event carries its resume token;
// heartbeats carry the latest one. How a stream ends (all with google.rpc.ErrorInfo):
//   RESOURCE_EXHAUSTED SLOW_CONSUMER       the client fell too far behind; metadata resume_token
//   UNAVAILABLE SHUTTING_DOWN              the server is stopping; metadata resume_token
//   OUT_OF_RANGE RESUME_POSITION_UNAVAILABLE  the token's position was compacted away (or belongs
//                                          to another ledger): start again with a snapshot
//   INVALID_ARGUMENT (field resume_token)  a malformed token
// Spec: https://grpc.io/docs/languages/cpp/callback/ , proto/invitegate/v1/join_requests.proto;
// resume semantics after etcd's watch (https://etcd.io/docs/v3.5/learning/api/#watch-api).
#pragma once

#include "grpcpp/grpcpp.h"
#include "invitegate/v1/join_requests.pb.h"
#include "service/adapter_support.h"
#include "service/ledger/ledger.h"

namespace invitegate::service {

// Starts the stream (validation errors finish it at once).
grpc::ServerWriteReactor<v1::JoinRequestEvent>* StartWatch(
    ServiceContext& context, grpc::CallbackServerContext* ctx,
    const v1::WatchJoinRequestsRequest* request);

// A ledger request (created, or the state a resolution left it in) as the API shows it.
void LedgerEventToProto(const ledger::Event& event, v1::JoinRequest* out);
void PendingToProto(const ledger::PendingRequest& request, v1::JoinRequest* out);

}  // namespace invitegate::service

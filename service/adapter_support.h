// What every adapter shares: the context the services run in, the start of a unary call (find
// the account, turn the gRPC deadline into the engine's), and the conversions between the
// engine's plain result types and invitegate.v1 messages. Internal to service/.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "invitegate/v1/resources.pb.h"
#include "mtproto/engine/invites.h"
#include "service/accounts.h"
#include "service/auth/authorizer.h"
#include "service/status_mapping.h"
#include "service/validation.h"

namespace invitegate::service {

class JoinRequestStreams;  // service/event_pump.h

// Shared by the services of one server.
struct ServiceContext {
  AccountRegistry* accounts = nullptr;
  BlockingPool* pool = nullptr;
  // Used when the caller set no deadline: no Telegram call waits forever.
  std::chrono::seconds default_timeout{60};
  // Checks every call's bearer token and scopes; null allows everything (tests that build the
  // services without a config).
  const auth::Authorizer* authorizer = nullptr;
  // The join-request ledger, hub and event pumps (Watch, moderation, link statistics, bots'
  // backlog); null: those RPCs answer UNIMPLEMENTED.
  JoinRequestStreams* streams = nullptr;
};

// What a call does, for the token scopes (read, manage_links, moderate, admin).
using Action = config::Action;

// Authenticates the caller and checks it may do `action` on `account` and `chat` (empty: none);
// for RPCs that do not go through BeginAccountCall (ListAccounts, sign-in steps).
[[nodiscard]] grpc::Status Authorize(const ServiceContext& context,
                                     const grpc::CallbackServerContext& ctx, Action action,
                                     std::string_view account, std::string_view chat = {});

// The reactor of every unary RPC that calls the engine: it finishes like DefaultReactor, and
// when the caller cancels (or its deadline passes) it fires the Cancellation its engine calls
// carry, so they stop at once instead of running on for nobody. Deletes itself when done.
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall() : cancellation_(std::make_shared<mtproto::engine::Cancellation>()) {}
  const std::shared_ptr<mtproto::engine::Cancellation>& cancellation() const {
    return cancellation_;
  }
  void OnCancel() override { cancellation_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<mtproto::engine::Cancellation> cancellation_;
};

// The engine deadline for a call: the caller's gRPC deadline, or default_timeout from now;
// cut short by `cancellation` (null: only by time).
[[nodiscard]] mtproto::engine::Deadline EngineDeadline(
    const grpc::CallbackServerContext& ctx, std::chrono::seconds default_timeout,
    std::shared_ptr<mtproto::engine::Cancellation> cancellation = nullptr);

// One unary call against one account, once the account was found.
struct AccountCall {
  std::shared_ptr<AccountBackend> account;
  mtproto::engine::InviteApi* api = nullptr;
  mtproto::engine::Deadline deadline;
  AccountKind kind = AccountKind::kUnknown;
};

// Checks the caller's token may do `action` on the account and `chat` (the chat segment of the
// resource name as written; empty when the call names no chat), then looks the account up and
// checks it can make Telegram calls (signed in, invite API present); on failure returns the
// status to finish the call with (UNAUTHENTICATED / PERMISSION_DENIED before anything else, so a
// caller learns nothing about accounts it may not use). The call's deadline is cut short by
// `cancellation` (null: only by time).
[[nodiscard]] grpc::Status BeginAccountCall(
    const ServiceContext& context, const grpc::CallbackServerContext& ctx, Action action,
    const std::string& account_id, std::string_view chat, AccountCall* call,
    std::shared_ptr<mtproto::engine::Cancellation> cancellation = nullptr);

// BeginAccountCall for a unary RPC, cancelled with `reactor`: a refusal finishes `reactor` and
// returns false.
[[nodiscard]] bool BeginUnaryAccountCall(const ServiceContext& context,
                                         const grpc::CallbackServerContext& ctx,
                                         UnaryCall* reactor, Action action,
                                         const std::string& account_id, std::string_view chat,
                                         AccountCall* call);

// Finishes `reactor` with INVALID_ARGUMENT when the request had violations; true then.
[[nodiscard]] bool FinishIfInvalid(grpc::ServerUnaryReactor* reactor, const Violations& violations);

// Finishes `reactor` with the engine status mapped for `kind`.
inline void FinishWith(grpc::ServerUnaryReactor* reactor, const absl::Status& status,
                       AccountKind kind) {
  reactor->Finish(ToGrpcStatus(status, kind));
}

// Conversions.
void SetTimestamp(int64_t unix_seconds, google::protobuf::Timestamp* out);
void ToProto(const mtproto::engine::UserInfo& in, v1::User* out);
void ToProto(const mtproto::engine::InviteLink& in, const std::string& account,
             const std::string& chat, v1::InviteLink* out);
void ToProto(const mtproto::engine::ChatInfo& in, const std::string& account, v1::Chat* out);
void ToProto(const mtproto::engine::Importer& in, v1::InviteImporter* out);
void ToProto(const mtproto::engine::Importer& in, const std::string& account,
             const std::string& chat, v1::JoinRequest* out);

// The services, as the server registers them.
std::unique_ptr<grpc::Service> MakeAccountService(ServiceContext* context);
std::unique_ptr<grpc::Service> MakeInviteLinkService(ServiceContext* context);
std::unique_ptr<grpc::Service> MakeJoinRequestService(ServiceContext* context);
std::unique_ptr<grpc::Service> MakeChatService(ServiceContext* context);
std::unique_ptr<grpc::Service> MakeUsernameService(ServiceContext* context);

}  // namespace invitegate::service

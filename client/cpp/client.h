// invitegate::client: a thin typed C++ client for the invitegate.v1 API. One Client holds one
// gRPC channel (plaintext, TLS or mTLS) and the caller's bearer token, and offers one method per
// RPC taking the request message and returning absl::StatusOr of the response: a failed call's
// absl::Status keeps the server's ErrorInfo / RetryInfo / BadRequest (read them with errors.h).
// The streaming RPCs take a callback; WatchJoinRequests comes as a JoinRequestWatcher that
// resumes by itself (watch.h).
// Spec: proto/invitegate/v1/*.proto; https://grpc.io/docs/guides/auth/ (TLS, call credentials)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cpp/errors.h"
#include "grpcpp/grpcpp.h"
#include "invitegate/v1/accounts.grpc.pb.h"
#include "invitegate/v1/chats.grpc.pb.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "invitegate/v1/join_requests.grpc.pb.h"

namespace invitegate::client {

namespace v1 = ::invitegate::v1;

// How to reach the server and who the caller is.
struct ClientOptions {
  // host:port (or any gRPC target, e.g. "unix:/run/invitegate.sock").
  std::string address = "127.0.0.1:50051";
  // TLS: verify the server against ca_file (PEM; empty: the system's roots). With cert_file and
  // key_file (PEM) the client also presents a certificate (mTLS).
  bool tls = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Sent as "authorization: Bearer <token>" on every call; empty: none.
  std::string token;
  // Deadline of each unary call (streams have none); zero: no deadline.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

class JoinRequestWatcher;
struct WatchOptions;

// See the file comment. Thread-safe: gRPC stubs may be shared by threads.
class Client {
 public:
  // Creates the channel (reading the PEM files); connecting happens on the first call.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);
  // Over an existing channel (custom credentials, in-process servers).
  Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options);

  // InviteLinkService.
  [[nodiscard]] absl::StatusOr<v1::InviteLink> CreateInviteLink(
      const v1::CreateInviteLinkRequest& request);
  [[nodiscard]] absl::StatusOr<v1::InviteLink> GetInviteLink(
      const v1::GetInviteLinkRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListInviteLinksResponse> ListInviteLinks(
      const v1::ListInviteLinksRequest& request);
  [[nodiscard]] absl::StatusOr<v1::InviteLink> UpdateInviteLink(
      const v1::UpdateInviteLinkRequest& request);
  [[nodiscard]] absl::StatusOr<v1::RevokeInviteLinkResponse> RevokeInviteLink(
      const v1::RevokeInviteLinkRequest& request);
  [[nodiscard]] absl::Status DeleteInviteLink(const v1::DeleteInviteLinkRequest& request);
  [[nodiscard]] absl::Status DeleteRevokedInviteLinks(
      const v1::DeleteRevokedInviteLinksRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListAdminsWithInvitesResponse> ListAdminsWithInvites(
      const v1::ListAdminsWithInvitesRequest& request);
  [[nodiscard]] absl::StatusOr<v1::CheckInviteLinkResponse> CheckInviteLink(
      const v1::CheckInviteLinkRequest& request);
  [[nodiscard]] absl::StatusOr<v1::JoinByInviteLinkResponse> JoinByInviteLink(
      const v1::JoinByInviteLinkRequest& request);

  // JoinRequestService.
  [[nodiscard]] absl::StatusOr<v1::ListJoinRequestsResponse> ListJoinRequests(
      const v1::ListJoinRequestsRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListInviteImportersResponse> ListInviteImporters(
      const v1::ListInviteImportersRequest& request);
  [[nodiscard]] absl::Status ApproveJoinRequest(const v1::ApproveJoinRequestRequest& request);
  [[nodiscard]] absl::Status DeclineJoinRequest(const v1::DeclineJoinRequestRequest& request);
  [[nodiscard]] absl::Status ApproveAllJoinRequests(
      const v1::ApproveAllJoinRequestsRequest& request);
  [[nodiscard]] absl::Status DeclineAllJoinRequests(
      const v1::DeclineAllJoinRequestsRequest& request);
  // Calls `on_progress` for each step until the stream ends (or the callback returns false,
  // which cancels the call between users); returns the stream's final status.
  [[nodiscard]] absl::Status ModerateJoinRequests(
      const v1::ModerateJoinRequestsRequest& request,
      const std::function<bool(const v1::ModerationProgress&)>& on_progress);
  [[nodiscard]] absl::StatusOr<v1::InviteLinkStats> GetInviteLinkStats(
      const v1::GetInviteLinkStatsRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListInviteLinkStatsResponse> ListInviteLinkStats(
      const v1::ListInviteLinkStatsRequest& request);
  // A resume-aware follower of WatchJoinRequests (see watch.h).
  [[nodiscard]] std::unique_ptr<JoinRequestWatcher> Watch(v1::WatchJoinRequestsRequest request,
                                                          WatchOptions options);

  // ChatService and UsernameService.
  [[nodiscard]] absl::StatusOr<v1::Chat> GetChat(const v1::GetChatRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ChatSettings> UpdateChatSettings(
      const v1::UpdateChatSettingsRequest& request);
  [[nodiscard]] absl::StatusOr<v1::JoinChatResponse> JoinChat(const v1::JoinChatRequest& request);
  [[nodiscard]] absl::StatusOr<v1::CheckUsernameResponse> CheckUsername(
      const v1::CheckUsernameRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Chat> UpdateUsername(const v1::UpdateUsernameRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ResolveUsernameResponse> ResolveUsername(
      const v1::ResolveUsernameRequest& request);

  // AccountService.
  [[nodiscard]] absl::StatusOr<v1::ListAccountsResponse> ListAccounts(
      const v1::ListAccountsRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Account> GetAccount(const v1::GetAccountRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Account> StartSignIn(const v1::StartSignInRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Account> SubmitSignInCode(
      const v1::SubmitSignInCodeRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Account> SubmitSignInPassword(
      const v1::SubmitSignInPasswordRequest& request);
  [[nodiscard]] absl::StatusOr<v1::Account> SignInBot(const v1::SignInBotRequest& request);

  // Sets the token metadata, and the deadline when `unary`, on a context for a call of one's own.
  void PrepareContext(grpc::ClientContext& context, bool unary) const;
  const ClientOptions& options() const { return options_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::JoinRequestService::Stub& join_requests() { return *join_requests_; }

 private:
  template <typename Response, typename Stub, typename Request>
  absl::StatusOr<Response> Unary(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
      const Request& request);

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::InviteLinkService::Stub> links_;
  std::unique_ptr<v1::JoinRequestService::Stub> join_requests_;
  std::unique_ptr<v1::ChatService::Stub> chats_;
  std::unique_ptr<v1::UsernameService::Stub> usernames_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
};

}  // namespace invitegate::client

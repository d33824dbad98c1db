// See client.h.
#include "client/cpp/client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/cpp/watch.h"

namespace invitegate::client {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  if (options.address.empty()) return absl::InvalidArgumentError("no server address");
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadPem(options.ca_file, "CA certificate");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
    }
    if (options.cert_file.empty() != options.key_file.empty()) {
      return absl::InvalidArgumentError(
          "a client certificate needs both its certificate and its key file");
    }
    if (!options.cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadPem(options.cert_file, "client certificate");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadPem(options.key_file, "client key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  // Watch streams may sit idle between heartbeats: keepalive notices a dead peer sooner.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  auto channel = grpc::CreateCustomChannel(options.address, credentials, args);
  return std::make_unique<Client>(std::move(channel), std::move(options));
}

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      links_(v1::InviteLinkService::NewStub(channel_)),
      join_requests_(v1::JoinRequestService::NewStub(channel_)),
      chats_(v1::ChatService::NewStub(channel_)),
      usernames_(v1::UsernameService::NewStub(channel_)),
      accounts_(v1::AccountService::NewStub(channel_)) {}

void Client::PrepareContext(grpc::ClientContext& context, bool unary) const {
  // Plain metadata rather than call credentials: gRPC refuses call credentials on plaintext
  // channels, and the loopback default is plaintext.
  if (!options_.token.empty()) context.AddMetadata("authorization", "Bearer " + options_.token);
  if (unary && options_.timeout.count() > 0) {
    context.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  }
}

template <typename Response, typename Stub, typename Request>
absl::StatusOr<Response> Client::Unary(
    Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const Request& request) {
  grpc::ClientContext context;
  PrepareContext(context, /*unary=*/true);
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

using google::protobuf::Empty;

absl::StatusOr<v1::InviteLink> Client::CreateInviteLink(const v1::CreateInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::CreateInviteLink, r);
}
absl::StatusOr<v1::InviteLink> Client::GetInviteLink(const v1::GetInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::GetInviteLink, r);
}
absl::StatusOr<v1::ListInviteLinksResponse> Client::ListInviteLinks(
    const v1::ListInviteLinksRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::ListInviteLinks, r);
}
absl::StatusOr<v1::InviteLink> Client::UpdateInviteLink(const v1::UpdateInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::UpdateInviteLink, r);
}
absl::StatusOr<v1::RevokeInviteLinkResponse> Client::RevokeInviteLink(
    const v1::RevokeInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::RevokeInviteLink, r);
}
absl::Status Client::DeleteInviteLink(const v1::DeleteInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::DeleteInviteLink, r).status();
}
absl::Status Client::DeleteRevokedInviteLinks(const v1::DeleteRevokedInviteLinksRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::DeleteRevokedInviteLinks, r).status();
}
absl::StatusOr<v1::ListAdminsWithInvitesResponse> Client::ListAdminsWithInvites(
    const v1::ListAdminsWithInvitesRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::ListAdminsWithInvites, r);
}
absl::StatusOr<v1::CheckInviteLinkResponse> Client::CheckInviteLink(
    const v1::CheckInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::CheckInviteLink, r);
}
absl::StatusOr<v1::JoinByInviteLinkResponse> Client::JoinByInviteLink(
    const v1::JoinByInviteLinkRequest& r) {
  return Unary(*links_, &v1::InviteLinkService::Stub::JoinByInviteLink, r);
}

absl::StatusOr<v1::ListJoinRequestsResponse> Client::ListJoinRequests(
    const v1::ListJoinRequestsRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::ListJoinRequests, r);
}
absl::StatusOr<v1::ListInviteImportersResponse> Client::ListInviteImporters(
    const v1::ListInviteImportersRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::ListInviteImporters, r);
}
absl::Status Client::ApproveJoinRequest(const v1::ApproveJoinRequestRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::ApproveJoinRequest, r).status();
}
absl::Status Client::DeclineJoinRequest(const v1::DeclineJoinRequestRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::DeclineJoinRequest, r).status();
}
absl::Status Client::ApproveAllJoinRequests(const v1::ApproveAllJoinRequestsRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::ApproveAllJoinRequests, r)
      .status();
}
absl::Status Client::DeclineAllJoinRequests(const v1::DeclineAllJoinRequestsRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::DeclineAllJoinRequests, r)
      .status();
}
absl::StatusOr<v1::InviteLinkStats> Client::GetInviteLinkStats(
    const v1::GetInviteLinkStatsRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::GetInviteLinkStats, r);
}
absl::StatusOr<v1::ListInviteLinkStatsResponse> Client::ListInviteLinkStats(
    const v1::ListInviteLinkStatsRequest& r) {
  return Unary(*join_requests_, &v1::JoinRequestService::Stub::ListInviteLinkStats, r);
}

absl::Status Client::ModerateJoinRequests(
    const v1::ModerateJoinRequestsRequest& request,
    const std::function<bool(const v1::ModerationProgress&)>& on_progress) {
  grpc::ClientContext context;
  // A paced stream may legitimately outlive the unary timeout (it waits out FLOOD_WAITs).
  PrepareContext(context, /*unary=*/false);
  std::unique_ptr<grpc::ClientReader<v1::ModerationProgress>> reader =
      join_requests_->ModerateJoinRequests(&context, request);
  v1::ModerationProgress progress;
  bool stopped = false;
  while (reader->Read(&progress)) {
    if (!on_progress(progress)) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (stopped) return absl::OkStatus();
  return FromGrpcStatus(status);
}

std::unique_ptr<JoinRequestWatcher> Client::Watch(v1::WatchJoinRequestsRequest request,
                                                  WatchOptions options) {
  return std::make_unique<JoinRequestWatcher>(this, std::move(request), std::move(options));
}

absl::StatusOr<v1::Chat> Client::GetChat(const v1::GetChatRequest& r) {
  return Unary(*chats_, &v1::ChatService::Stub::GetChat, r);
}
absl::StatusOr<v1::ChatSettings> Client::UpdateChatSettings(
    const v1::UpdateChatSettingsRequest& r) {
  return Unary(*chats_, &v1::ChatService::Stub::UpdateChatSettings, r);
}
absl::StatusOr<v1::JoinChatResponse> Client::JoinChat(const v1::JoinChatRequest& r) {
  return Unary(*chats_, &v1::ChatService::Stub::JoinChat, r);
}
absl::StatusOr<v1::CheckUsernameResponse> Client::CheckUsername(
    const v1::CheckUsernameRequest& r) {
  return Unary(*usernames_, &v1::UsernameService::Stub::CheckUsername, r);
}
absl::StatusOr<v1::Chat> Client::UpdateUsername(const v1::UpdateUsernameRequest& r) {
  return Unary(*usernames_, &v1::UsernameService::Stub::UpdateUsername, r);
}
absl::StatusOr<v1::ResolveUsernameResponse> Client::ResolveUsername(
    const v1::ResolveUsernameRequest& r) {
  return Unary(*usernames_, &v1::UsernameService::Stub::ResolveUsername, r);
}

absl::StatusOr<v1::ListAccountsResponse> Client::ListAccounts(const v1::ListAccountsRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::ListAccounts, r);
}
absl::StatusOr<v1::Account> Client::GetAccount(const v1::GetAccountRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::GetAccount, r);
}
absl::StatusOr<v1::Account> Client::StartSignIn(const v1::StartSignInRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::StartSignIn, r);
}
absl::StatusOr<v1::Account> Client::SubmitSignInCode(const v1::SubmitSignInCodeRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::SubmitSignInCode, r);
}
absl::StatusOr<v1::Account> Client::SubmitSignInPassword(
    const v1::SubmitSignInPasswordRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::SubmitSignInPassword, r);
}
absl::StatusOr<v1::Account> Client::SignInBot(const v1::SignInBotRequest& r) {
  return Unary(*accounts_, &v1::AccountService::Stub::SignInBot, r);
}

}  // namespace invitegate::client

// See server.h.
#include "service/server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace invitegate::service {

InvitegateServer::InvitegateServer(std::shared_ptr<AccountRegistry> accounts,
                                   ServerOptions options)
    : accounts_(std::move(accounts)), options_(std::move(options)) {
  pool_ = std::make_unique<BlockingPool>(options_.blocking_threads);
  context_.accounts = accounts_.get();
  context_.pool = pool_.get();
  context_.default_timeout = options_.default_timeout;
}

InvitegateServer::~InvitegateServer() {
  Shutdown(std::chrono::milliseconds(0));
  pool_.reset();  // runs what is queued (those calls finish against a stopped server: no-ops)
}

absl::StatusOr<int> InvitegateServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials =
      options_.credentials ? options_.credentials : grpc::InsecureServerCredentials();
  builder.AddListeningPort(options_.listen_address, credentials, &port_);
  services_.push_back(MakeAccountService(&context_));
  services_.push_back(MakeInviteLinkService(&context_));
  services_.push_back(MakeJoinRequestService(&context_));
  services_.push_back(MakeChatService(&context_));
  services_.push_back(MakeUsernameService(&context_));
  for (auto& service : services_) builder.RegisterService(service.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen_address));
  }
  SetServing(false);
  return port_;
}

void InvitegateServer::SetServing(bool serving) {
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(serving);
}

void InvitegateServer::Shutdown(std::chrono::milliseconds grace) {
  if (server_ == nullptr) return;
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

void InvitegateServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace invitegate::service

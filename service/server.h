// The gRPC server: the invitegate.v1 services (callback API) over an AccountRegistry, plus the
// standard health (grpc.health.v1) and reflection (grpc.reflection.v1alpha) services. Start binds
// (port 0 picks a free port), Shutdown stops taking calls and gives calls in flight (streams
// included) until the grace deadline to finish before cancelling them.
// Spec: https://grpc.io/docs/languages/cpp/callback/, https://github.com/grpc/grpc/blob/master/doc/health-checking.md
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "service/accounts.h"
#include "service/adapter_support.h"

namespace invitegate::service {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:0";
  // Plaintext when null (loopback); TLS / mTLS credentials come from service/auth.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::chrono::seconds default_timeout{60};
  int blocking_threads = 4;
};

// See the file comment.
class InvitegateServer {
 public:
  InvitegateServer(std::shared_ptr<AccountRegistry> accounts, ServerOptions options);
  ~InvitegateServer();

  // Binds and starts serving; returns the bound port.
  [[nodiscard]] absl::StatusOr<int> Start();
  // Health: SERVING once the configured accounts are signed in (the caller says when).
  void SetServing(bool serving);
  // Stops accepting calls; calls in flight get until `grace` to finish, then are cancelled.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void Wait();
  int port() const { return port_; }

 private:
  std::shared_ptr<AccountRegistry> accounts_;
  ServerOptions options_;
  std::unique_ptr<BlockingPool> pool_;
  ServiceContext context_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace invitegate::service

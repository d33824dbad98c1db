// The gRPC server: the invitegate.v1 services (callback API) over an AccountRegistry, plus the
// standard health (grpc.health.v1) and reflection (grpc.reflection.v1alpha) services. Start binds
// (port 0 picks a free port), Shutdown stops taking calls and gives calls in flight (streams
// included) until the grace deadline to finish before cancelling them.
//
// Security and operations: every RPC checks the caller's bearer token and scopes (ServerOptions
// ::tokens; none: open, for loopback), listeners use the given TLS/mTLS credentials, every RPC is
// counted and timed (rpc_observer.h) in Prometheus metrics (served over HTTP when
// metrics_listen is set), and health follows the accounts: SERVING once they are signed in
// (polled; RefreshHealth() checks at once), NOT_SERVING from the start of Shutdown.
// Spec: https://grpc.io/docs/languages/cpp/callback/, https://github.com/grpc/grpc/blob/master/doc/health-checking.md
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "service/accounts.h"
#include "service/adapter_support.h"
#include "service/config/config.h"
#include "service/event_pump.h"
#include "service/log/logger.h"
#include "service/metrics/health.h"
#include "service/metrics/metrics.h"

namespace invitegate::service {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:0";
  // Further listeners (config "listen" beyond the first), same credentials.
  std::vector<std::string> more_listen_addresses;
  // Plaintext when null (loopback); TLS / mTLS credentials come from service/auth.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::chrono::seconds default_timeout{60};
  int blocking_threads = 4;
  // Also serve invitegate.bench.v1.EchoService (bench/service_bench's baseline); off in
  // production. INVITEGATE_BENCH_ECHO=1 in the environment turns it on too.
  bool bench_echo = false;
  // The join-request ledger, stream hub and event pumps (Watch, moderation, link statistics,
  // bots' backlog); unset: those RPCs answer UNIMPLEMENTED.
  std::optional<StreamsOptions> streams;
  // Bearer tokens and their scopes; empty: every caller may do everything (loopback default).
  std::vector<config::TokenConfig> tokens;
  // Prometheus text exposition at http://<metrics_listen>/metrics (port 0 picks one); empty: the
  // metrics are still kept (metrics()->Scrape()) but not served.
  std::string metrics_listen;
  // The metrics to record into, when made before the server (so that the accounts' engines can
  // report to them too); null: the server makes its own, served on metrics_listen.
  std::shared_ptr<metrics::Metrics> metrics;
  // Health: the accounts that must be signed in for SERVING (empty: those in the registry), all
  // of them or any one.
  std::vector<std::string> health_accounts;
  bool health_require_all_accounts = true;
  // How often the accounts' sign-in state is polled (health, account_signed_in gauge).
  std::chrono::milliseconds account_poll_interval{1000};
  // Structured logs (access log at debug level); default: logging::DefaultLogger().
  std::optional<logging::Logger> logger;
};

// See the file comment.
class InvitegateServer {
 public:
  InvitegateServer(std::shared_ptr<AccountRegistry> accounts, ServerOptions options);
  ~InvitegateServer();

  // Binds and starts serving; returns the bound port.
  [[nodiscard]] absl::StatusOr<int> Start();
  // Checks the accounts' sign-in state now (health and gauges; also done every poll interval).
  void RefreshHealth();
  [[nodiscard]] bool serving() const;
  // Stops accepting calls; calls in flight get until `grace` to finish, then are cancelled.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void Wait();
  int port() const { return port_; }
  // The join-request streams (null without ServerOptions::streams or before Start).
  JoinRequestStreams* streams() { return streams_.get(); }
  // Every bound port, in the order of listen_address then more_listen_addresses.
  const std::vector<int>& ports() const { return ports_; }
  [[nodiscard]] metrics::Metrics* metrics() const { return metrics_.get(); }
  // The /metrics HTTP port (0 when not served).
  [[nodiscard]] int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

 private:
  void PollAccounts();

  std::shared_ptr<AccountRegistry> accounts_;
  ServerOptions options_;
  std::unique_ptr<BlockingPool> pool_;
  std::unique_ptr<JoinRequestStreams> streams_;
  ServiceContext context_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::vector<int> ports_;
  logging::Logger logger_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::shared_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<metrics::HealthReporter> health_;
  // The account poller; stops when stopping_ is set.
  absl::Mutex poll_mutex_;
  bool stopping_ ABSL_GUARDED_BY(poll_mutex_) = false;
  std::thread poller_;
};

}  // namespace invitegate::service

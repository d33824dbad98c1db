// Observes every RPC the server handles — the invitegate.v1 services, streams, health,
// reflection, the bench echo — from one place, a gRPC server interceptor, so that no handler can
// forget it: invitegate_rpc_total / rpc_duration_seconds by method and code, the outcome of the
// Telegram call behind an account's RPC (engine_calls_total, with Telegram's error name as the
// result), FLOOD_WAIT answers (count and the seconds asked, from the RetryInfo the status
// carries), and one structured access-log line per RPC (debug level; warn for INTERNAL/UNKNOWN).
// The account is read from the request's resource name ("accounts/{account}/...").
// Interceptors: https://grpc.github.io/grpc/cpp/classgrpc_1_1experimental_1_1_interceptor.html
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "grpcpp/support/server_interceptor.h"
#include "service/log/logger.h"
#include "service/metrics/metrics.h"

namespace invitegate::service {

// Makes one RpcObserver per call; `metrics` must outlive the server.
class RpcObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcObserverFactory(metrics::Metrics* metrics, logging::Logger logger)
      : metrics_(metrics), logger_(std::move(logger)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  metrics::Metrics* metrics_;
  logging::Logger logger_;
};

// The {account} segment of the first resource name in an invitegate.v1 request (a
// google::protobuf::Message) ("name", "parent", "account",
// "chat", or the "name" of a message field such as invite_link / settings); empty when none.
[[nodiscard]] std::string AccountOfRequest(const void* message);

// "/invitegate.v1.InviteLinks/CreateInviteLink" → "CreateInviteLink".
[[nodiscard]] std::string_view ShortMethod(std::string_view full_method);

}  // namespace invitegate::service

// The benchmark's baseline: invitegate.bench.v1.EchoService (proto/invitegate/bench/v1/echo.proto)
// on the callback API, answering inline. bench/service_bench measures forwarded invitegate.v1
// calls against it in the same server process, so the difference is what the adapters, the
// engine and the emulator add. The server registers it only when asked (ServerOptions::bench_echo
// or INVITEGATE_BENCH_ECHO=1); it is off in production.
// Spec: https://grpc.io/docs/languages/cpp/callback/
#pragma once

#include <memory>

#include "grpcpp/impl/codegen/service_type.h"

namespace invitegate::service {

// See the file comment.
std::unique_ptr<grpc::Service> MakeBenchEchoService();

// True when the environment asks for the echo service (INVITEGATE_BENCH_ECHO=1), so that the
// benchmark can turn it on without a flag of its own in every entry point.
[[nodiscard]] bool BenchEchoRequestedByEnvironment();

}  // namespace invitegate::service

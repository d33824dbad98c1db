// See echo_service.h.
#include "service/echo_service.h"

#include <cstdlib>
#include <cstring>

#include "invitegate/bench/v1/echo.grpc.pb.h"

namespace invitegate::service {
namespace {

namespace bench = invitegate::bench::v1;

class EchoServiceImpl final : public bench::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const bench::EchoRequest* request,
                                 bench::EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

std::unique_ptr<grpc::Service> MakeBenchEchoService() {
  return std::make_unique<EchoServiceImpl>();
}

bool BenchEchoRequestedByEnvironment() {
  const char* value = std::getenv("INVITEGATE_BENCH_ECHO");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

}  // namespace invitegate::service

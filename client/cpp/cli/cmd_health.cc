// `invitegate health`: grpc.health.v1 Check against the server — what container health checks
// and scripts ask. Exits 0 when SERVING, 8 (unavailable) otherwise.
#include <ostream>

#include "absl/strings/str_cat.h"

#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/errors.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace invitegate::cli {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

absl::Status Health(Invocation& inv) {
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  HealthCheckRequest request;
  if (!inv.args.positional().empty()) request.set_service(inv.args.positional()[0]);
  grpc::ClientContext context;
  (*client)->PrepareContext(context, /*unary=*/true);
  HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub((*client)->channel())
                            ->Check(&context, request, &response);
  if (!status.ok()) return client::FromGrpcStatus(status);
  const std::string state = HealthCheckResponse::ServingStatus_Name(response.status());
  if (inv.json) {
    PrintJson(*inv.out, response);
  } else {
    *inv.out << state << "\n";
  }
  if (response.status() != HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat("the server is ", state));
  }
  return absl::OkStatus();
}

}  // namespace

void AddHealthCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({"health", "whether the server is SERVING (grpc.health.v1)", "[SERVICE]",
                      "Exits 0 when the server (or SERVICE, e.g. invitegate.v1.InviteLinkService)\n"
                      "is SERVING: every configured account is signed in. Otherwise exits 8.",
                      {}, 0, 1, true, &Health});
}

}  // namespace invitegate::cli

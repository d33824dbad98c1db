// gRPC server credentials from the config: plaintext (loopback default), TLS, or mTLS (client
// certificates verified against tls.client_ca_file, required unless require_client_cert is false).
// PEM files are read here so a bad path or file fails at startup with the field's name.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "service/config/config.h"

namespace grpc {
class ServerCredentials;
}  // namespace grpc

namespace invitegate::auth {

[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::TlsConfig& tls);

}  // namespace invitegate::auth

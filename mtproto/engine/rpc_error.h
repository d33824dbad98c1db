// Telegram's rpc_error as a typed error: an absl::Status whose payload carries RpcError
// {code, name, value}, so that every layer above the engine (gRPC service, CLI) can branch on
// the error's name and wait value without parsing messages.
// Spec: https://core.telegram.org/api/errors
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace mtproto::engine {

// One decoded rpc_error. "FLOOD_WAIT_7" is {420, "FLOOD_WAIT", 7}; a message without a numeric
// suffix ("SESSION_PASSWORD_NEEDED") has no value. Telegram puts the variable number last, so
// only a trailing "_<digits>" is split off.
struct RpcError {
  int32_t code = 0;
  std::string name;
  std::optional<int64_t> value;

  bool operator==(const RpcError&) const = default;
};

// Splits an error_message into name and value (see RpcError).
[[nodiscard]] RpcError ParseRpcError(int32_t code, std::string_view message);

// The status for `error`: its code maps to the closest canonical code (303 → FailedPrecondition,
// 400 → InvalidArgument, 401 → Unauthenticated, 403 → PermissionDenied, 404 → NotFound,
// 406 → FailedPrecondition, 420 → ResourceExhausted, 5xx and others → Unavailable/Unknown),
// the message is "<code> <NAME>[_<value>]", and the payload kRpcErrorPayloadUrl carries the
// RpcError itself (read it back with GetRpcError).
[[nodiscard]] absl::Status RpcErrorStatus(const RpcError& error);
// The RpcError inside `status`, if it came from RpcErrorStatus.
[[nodiscard]] std::optional<RpcError> GetRpcError(const absl::Status& status);

inline constexpr char kRpcErrorPayloadUrl[] = "type.invitegate.dev/mtproto.RpcError";

}  // namespace mtproto::engine

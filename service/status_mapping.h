// How the service reports failures to gRPC callers: engine statuses (Telegram's rpc_errors among
// them) become a gRPC code plus google.rpc.ErrorInfo (reason = Telegram's error name, domain
// "telegram.org"), RetryInfo for FLOOD_WAIT, and the service's own errors (domain "invitegate")
// with BadRequest field violations for validation. Telegram errors are mapped by name, never by
// their numeric code alone (INVITE_HASH_EXPIRED is 400 for some methods and 406 for others).
// Spec: https://core.telegram.org/api/errors, https://google.aip.dev/193 (error details)
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace invitegate::service {

inline constexpr char kTelegramDomain[] = "telegram.org";
inline constexpr char kInvitegateDomain[] = "invitegate";

// Which kind of account made the call (named in errors about what bots may not do).
enum class AccountKind { kUnknown, kUser, kBot };
[[nodiscard]] std::string_view AccountKindName(AccountKind kind);

// One wrong request field, as google.rpc.BadRequest.FieldViolation carries it.
struct FieldViolation {
  std::string field;
  std::string description;
};

// The gRPC status for an engine status. OK stays OK. Telegram errors: see the table in the .cc;
// FLOOD_WAIT_X gets RetryInfo{X seconds}; bot-refused methods become FAILED_PRECONDITION naming
// `kind`. Engine statuses without an rpc_error keep their code (ABORTED, the engine shutting down,
// becomes UNAVAILABLE so that clients retry).
[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status,
                                        AccountKind kind = AccountKind::kUnknown);

// INVALID_ARGUMENT with a BadRequest listing `violations` (and an ErrorInfo, reason
// "INVALID_ARGUMENT", domain "invitegate"); the message names every field.
[[nodiscard]] grpc::Status InvalidArgument(const std::vector<FieldViolation>& violations);

// An error of the service itself: `code`, ErrorInfo{reason, "invitegate", metadata}.
[[nodiscard]] grpc::Status ServiceError(grpc::StatusCode code, std::string_view reason,
                                        std::string_view message,
                                        const std::map<std::string, std::string>& metadata = {});

// FAILED_PRECONDITION, reason NOT_ALLOWED_FOR_BOTS: `what` cannot be done by a bot account.
[[nodiscard]] grpc::Status NotAllowedForBots(std::string_view what);

// The gRPC code a Telegram error name maps to (exposed for tests and the CLI's documentation).
[[nodiscard]] grpc::StatusCode CodeForTelegramError(std::string_view name, int telegram_code);

}  // namespace invitegate::service

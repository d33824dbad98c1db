// Invitegate's errors as a client sees them. The server answers a failed call with a gRPC code and,
// in the status details, a google.rpc.Status holding an ErrorInfo (reason: Telegram's error name
// such as INVITE_HASH_EXPIRED, or Invitegate's own such as ACCOUNT_NOT_FOUND), a RetryInfo for
// FLOOD_WAIT and a BadRequest naming each wrong field (see proto/invitegate/v1/resources.proto).
// The client library returns absl::Status; FromGrpcStatus keeps those details as the status's
// payload under kStatusDetailsUrl, and the helpers below read them back.
// Spec: https://google.aip.dev/193 (errors), https://core.telegram.org/api/errors
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace invitegate::client {

// The payload key under which an absl::Status carries the serialized google.rpc.Status details.
inline constexpr char kStatusDetailsUrl[] = "type.googleapis.com/google.rpc.Status";

// A grpc::Status as an absl::Status with the same code and message; the binary details travel as
// the payload under kStatusDetailsUrl.
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

// One wrong field of a request, from google.rpc.BadRequest.
struct FieldViolation {
  std::string field;        // e.g. "invite_link.title"
  std::string description;  // why it is wrong
};

// Everything the details of a failed status say. Empty fields when the server sent none.
struct ErrorDetails {
  std::string reason;  // ErrorInfo.reason: Telegram's error name or Invitegate's
  std::string domain;  // ErrorInfo.domain: "telegram.org" or "invitegate"
  std::map<std::string, std::string> metadata;     // ErrorInfo.metadata (e.g. account_kind)
  std::optional<std::chrono::milliseconds> retry_delay;  // RetryInfo.retry_delay
  std::vector<FieldViolation> field_violations;    // BadRequest.field_violations
};

// The details of `status` (an absl::Status from this library); empty when there are none or they
// do not parse.
[[nodiscard]] ErrorDetails DetailsOf(const absl::Status& status);
// The same for a grpc::Status.
[[nodiscard]] ErrorDetails DetailsOf(const grpc::Status& status);

// Shortcuts: the ErrorInfo reason ("" when none), the RetryInfo delay, the BadRequest fields.
[[nodiscard]] std::string ErrorReason(const absl::Status& status);
[[nodiscard]] std::optional<std::chrono::milliseconds> RetryDelay(const absl::Status& status);
[[nodiscard]] std::vector<FieldViolation> FieldViolations(const absl::Status& status);

// One line for people: "NOT_FOUND: <message> [reason INVITE_HASH_INVALID (telegram.org); retry
// after 42s]" followed by one indented line per field violation.
[[nodiscard]] std::string DescribeError(const absl::Status& status);

}  // namespace invitegate::client

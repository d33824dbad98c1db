#include "mtproto/engine/rpc_error.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mtproto::engine {
namespace {

absl::StatusCode CodeFor(int32_t code) {
  switch (code) {
    case 303:
      return absl::StatusCode::kFailedPrecondition;
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 406:
      return absl::StatusCode::kFailedPrecondition;
    case 420:
      return absl::StatusCode::kResourceExhausted;
    default:
      return code >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
}

}  // namespace

RpcError ParseRpcError(int32_t code, std::string_view message) {
  RpcError error{code, std::string(message), std::nullopt};
  const size_t underscore = message.rfind('_');
  if (underscore == std::string_view::npos || underscore + 1 == message.size()) return error;
  const std::string_view digits = message.substr(underscore + 1);
  int64_t value = 0;
  if (digits.find_first_not_of("0123456789") != std::string_view::npos ||
      !absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &value)) {
    return error;
  }
  error.name = std::string(message.substr(0, underscore));
  error.value = value;
  return error;
}

absl::Status RpcErrorStatus(const RpcError& error) {
  std::string text = absl::StrCat(error.code, " ", error.name);
  if (error.value) absl::StrAppend(&text, "_", *error.value);
  absl::Status status(CodeFor(error.code), text);
  // Payload: "<code> <name> [<value>]" — simple text, stable across versions.
  std::string payload = absl::StrCat(error.code, " ", error.name);
  if (error.value) absl::StrAppend(&payload, " ", *error.value);
  status.SetPayload(kRpcErrorPayloadUrl, absl::Cord(payload));
  return status;
}

std::optional<RpcError> GetRpcError(const absl::Status& status) {
  auto payload = status.GetPayload(kRpcErrorPayloadUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), ' ');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  RpcError error;
  if (!absl::SimpleAtoi(parts[0], &error.code)) return std::nullopt;
  error.name = parts[1];
  if (parts.size() == 3) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(parts[2], &value)) return std::nullopt;
    error.value = value;
  }
  return error;
}

}  // namespace mtproto::engine

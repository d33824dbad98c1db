// See status_mapping.h.
#include "service/status_mapping.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "mtproto/engine/rpc_error.h"

namespace invitegate::service {
namespace {

struct NameCode {
  std::string_view name;
  grpc::StatusCode code;
};

// Telegram's error names that deserve a more precise code than their HTTP-like number gives.
// 401s are FAILED_PRECONDITION, not UNAUTHENTICATED: they concern the Telegram account's login,
// while UNAUTHENTICATED tells the gRPC caller that *its* credentials are wrong.
constexpr NameCode kByName[] = {
    {"INVITE_HASH_EXPIRED", grpc::StatusCode::FAILED_PRECONDITION},  // expired, revoked or used up
    {"INVITE_HASH_INVALID", grpc::StatusCode::NOT_FOUND},
    {"INVITE_HASH_EMPTY", grpc::StatusCode::INVALID_ARGUMENT},
    {"INVITE_REVOKED_MISSING", grpc::StatusCode::NOT_FOUND},
    {"INVITE_SLUG_EMPTY", grpc::StatusCode::INVALID_ARGUMENT},
    {"USERS_TOO_MUCH", grpc::StatusCode::FAILED_PRECONDITION},
    {"CHANNELS_TOO_MUCH", grpc::StatusCode::FAILED_PRECONDITION},
    {"USER_ALREADY_PARTICIPANT", grpc::StatusCode::ALREADY_EXISTS},
    {"USER_NOT_PARTICIPANT", grpc::StatusCode::FAILED_PRECONDITION},
    {"INVITE_REQUEST_SENT", grpc::StatusCode::OK},  // never an error; adapters turn it into an outcome
    {"CHAT_ADMIN_REQUIRED", grpc::StatusCode::PERMISSION_DENIED},
    {"CHAT_WRITE_FORBIDDEN", grpc::StatusCode::PERMISSION_DENIED},
    {"RIGHT_FORBIDDEN", grpc::StatusCode::PERMISSION_DENIED},
    {"CHANNEL_PRIVATE", grpc::StatusCode::PERMISSION_DENIED},
    {"CHAT_FORBIDDEN", grpc::StatusCode::PERMISSION_DENIED},
    {"PEER_ID_INVALID", grpc::StatusCode::NOT_FOUND},
    {"CHANNEL_INVALID", grpc::StatusCode::NOT_FOUND},
    {"CHAT_ID_INVALID", grpc::StatusCode::NOT_FOUND},
    {"USER_ID_INVALID", grpc::StatusCode::NOT_FOUND},
    {"HIDE_REQUESTER_MISSING", grpc::StatusCode::NOT_FOUND},
    {"USERNAME_NOT_OCCUPIED", grpc::StatusCode::NOT_FOUND},
    {"USERNAME_OCCUPIED", grpc::StatusCode::ALREADY_EXISTS},
    {"USERNAME_PURCHASE_AVAILABLE", grpc::StatusCode::ALREADY_EXISTS},
    {"USERNAME_INVALID", grpc::StatusCode::INVALID_ARGUMENT},
    {"USERNAME_NOT_MODIFIED", grpc::StatusCode::FAILED_PRECONDITION},
    {"CHAT_NOT_MODIFIED", grpc::StatusCode::FAILED_PRECONDITION},
    {"CHAT_ABOUT_NOT_MODIFIED", grpc::StatusCode::FAILED_PRECONDITION},
    {"BOT_METHOD_INVALID", grpc::StatusCode::FAILED_PRECONDITION},
    {"USER_BOT_INVALID", grpc::StatusCode::FAILED_PRECONDITION},
    {"USER_BOT_REQUIRED", grpc::StatusCode::FAILED_PRECONDITION},
    {"METHOD_NOT_IMPLEMENTED", grpc::StatusCode::UNIMPLEMENTED},
    {"PHONE_CODE_EXPIRED", grpc::StatusCode::FAILED_PRECONDITION},
    {"PHONE_CODE_INVALID", grpc::StatusCode::INVALID_ARGUMENT},
    {"PHONE_NUMBER_INVALID", grpc::StatusCode::INVALID_ARGUMENT},
    {"PASSWORD_HASH_INVALID", grpc::StatusCode::INVALID_ARGUMENT},
    {"ACCESS_TOKEN_INVALID", grpc::StatusCode::INVALID_ARGUMENT},
    {"SRP_ID_INVALID", grpc::StatusCode::ABORTED},  // a concurrent attempt used the SRP round
    {"SESSION_PASSWORD_NEEDED", grpc::StatusCode::FAILED_PRECONDITION},
    {"AUTH_KEY_UNREGISTERED", grpc::StatusCode::FAILED_PRECONDITION},
    {"SESSION_REVOKED", grpc::StatusCode::FAILED_PRECONDITION},
    {"USER_DEACTIVATED", grpc::StatusCode::FAILED_PRECONDITION},
    {"SLOWMODE_WAIT", grpc::StatusCode::RESOURCE_EXHAUSTED},
    {"FLOOD_WAIT", grpc::StatusCode::RESOURCE_EXHAUSTED},
    {"FLOOD_PREMIUM_WAIT", grpc::StatusCode::RESOURCE_EXHAUSTED},
};

// Errors Telegram returns when a bot calls a method reserved to users.
bool IsBotRefusal(std::string_view name) {
  return name == "BOT_METHOD_INVALID" || name == "USER_BOT_INVALID" || name == "USER_BOT_REQUIRED";
}

grpc::StatusCode FromTelegramNumber(int code) {
  switch (code) {
    case 303: return grpc::StatusCode::UNAVAILABLE;  // a migration the engine did not follow
    case 400: return grpc::StatusCode::INVALID_ARGUMENT;
    case 401: return grpc::StatusCode::FAILED_PRECONDITION;
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 406: return grpc::StatusCode::FAILED_PRECONDITION;
    case 420: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    default: return code >= 500 ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::UNKNOWN;
  }
}

grpc::Status Build(grpc::StatusCode code, std::string message, google::rpc::ErrorInfo info,
                   std::optional<int64_t> retry_seconds = std::nullopt,
                   const google::rpc::BadRequest* bad_request = nullptr) {
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  if (retry_seconds.has_value()) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(*retry_seconds);
    details.add_details()->PackFrom(retry);
  }
  if (bad_request != nullptr) details.add_details()->PackFrom(*bad_request);
  return grpc::Status(code, std::move(message), details.SerializeAsString());
}

}  // namespace

std::string_view AccountKindName(AccountKind kind) {
  switch (kind) {
    case AccountKind::kUser: return "user";
    case AccountKind::kBot: return "bot";
    case AccountKind::kUnknown: break;
  }
  return "unknown";
}

grpc::StatusCode CodeForTelegramError(std::string_view name, int telegram_code) {
  for (const NameCode& entry : kByName) {
    if (entry.name == name) return entry.code;
  }
  return FromTelegramNumber(telegram_code);
}

grpc::Status ToGrpcStatus(const absl::Status& status, AccountKind kind) {
  if (status.ok()) return grpc::Status::OK;
  const std::optional<mtproto::engine::RpcError> rpc = mtproto::engine::GetRpcError(status);
  if (!rpc.has_value()) {
    grpc::StatusCode code = static_cast<grpc::StatusCode>(status.code());
    // The engine aborts calls when it shuts down: for the caller that is a retryable outage.
    if (status.code() == absl::StatusCode::kAborted) code = grpc::StatusCode::UNAVAILABLE;
    return grpc::Status(code, std::string(status.message()));
  }
  google::rpc::ErrorInfo info;
  info.set_reason(rpc->name);
  info.set_domain(kTelegramDomain);
  (*info.mutable_metadata())["telegram_code"] = std::to_string(rpc->code);
  if (rpc->value.has_value()) (*info.mutable_metadata())["value"] = std::to_string(*rpc->value);
  grpc::StatusCode code = CodeForTelegramError(rpc->name, rpc->code);
  std::string message = absl::StrCat("Telegram: ", status.message());
  if (IsBotRefusal(rpc->name)) {
    code = grpc::StatusCode::FAILED_PRECONDITION;
    (*info.mutable_metadata())["account_kind"] = std::string(AccountKindName(kind));
    message = absl::StrCat("Telegram refuses this method to ", std::string(AccountKindName(kind)),
                           " accounts (", status.message(), ")");
  }
  std::optional<int64_t> retry;
  if (code == grpc::StatusCode::RESOURCE_EXHAUSTED && rpc->value.has_value()) {
    retry = *rpc->value;
  }
  return Build(code, std::move(message), std::move(info), retry);
}

grpc::Status InvalidArgument(const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (const FieldViolation& v : violations) {
    google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_ARGUMENT");
  info.set_domain(kInvitegateDomain);
  return Build(grpc::StatusCode::INVALID_ARGUMENT,
               absl::StrCat("invalid request: ", absl::StrJoin(parts, "; ")), std::move(info),
               std::nullopt, &bad_request);
}

grpc::Status ServiceError(grpc::StatusCode code, std::string_view reason, std::string_view message,
                          const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kInvitegateDomain);
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  return Build(code, std::string(message), std::move(info));
}

grpc::Status NotAllowedForBots(std::string_view what) {
  return ServiceError(grpc::StatusCode::FAILED_PRECONDITION, "NOT_ALLOWED_FOR_BOTS",
                      absl::StrCat(std::string(what), " is not available to bot accounts on Telegram; use a "
                                         "user account that is an admin of the chat"),
                      {{"account_kind", "bot"}});
}

}  // namespace invitegate::service

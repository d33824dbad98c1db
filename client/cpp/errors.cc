// See errors.h.
#include "client/cpp/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace invitegate::client {
namespace {

ErrorDetails ParseDetails(const std::string& bytes) {
  ErrorDetails out;
  google::rpc::Status details;
  if (bytes.empty() || !details.ParseFromString(bytes)) return out;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    google::rpc::BadRequest bad;
    if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
      out.reason = info.reason();
      out.domain = info.domain();
      out.metadata.insert(info.metadata().begin(), info.metadata().end());
    } else if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&retry)) {
      out.retry_delay = std::chrono::milliseconds(retry.retry_delay().seconds() * 1000 +
                                                  retry.retry_delay().nanos() / 1000000);
    } else if (any.Is<google::rpc::BadRequest>() && any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        out.field_violations.push_back({v.field(), v.description()});
      }
    }
  }
  return out;
}

std::string FormatDelay(std::chrono::milliseconds delay) {
  if (delay.count() % 1000 == 0) return absl::StrCat(delay.count() / 1000, "s");
  return absl::StrCat(delay.count(), "ms");
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and absl share the canonical code numbering.
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (!status.error_details().empty()) {
    out.SetPayload(kStatusDetailsUrl, absl::Cord(status.error_details()));
  }
  return out;
}

ErrorDetails DetailsOf(const absl::Status& status) {
  auto payload = status.GetPayload(kStatusDetailsUrl);
  if (!payload.has_value()) return {};
  return ParseDetails(std::string(*payload));
}

ErrorDetails DetailsOf(const grpc::Status& status) { return ParseDetails(status.error_details()); }

std::string ErrorReason(const absl::Status& status) { return DetailsOf(status).reason; }

std::optional<std::chrono::milliseconds> RetryDelay(const absl::Status& status) {
  return DetailsOf(status).retry_delay;
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  return DetailsOf(status).field_violations;
}

std::string DescribeError(const absl::Status& status) {
  std::string out = absl::StatusCodeToString(status.code());
  if (!status.message().empty()) absl::StrAppend(&out, ": ", std::string(status.message()));
  const ErrorDetails details = DetailsOf(status);
  std::string extra;
  if (!details.reason.empty()) {
    absl::StrAppend(&extra, "reason ", details.reason);
    if (!details.domain.empty()) absl::StrAppend(&extra, " (", details.domain, ")");
  }
  if (details.retry_delay.has_value()) {
    absl::StrAppend(&extra, extra.empty() ? "" : "; ", "retry after ",
                    FormatDelay(*details.retry_delay));
  }
  if (!extra.empty()) absl::StrAppend(&out, " [", extra, "]");
  for (const FieldViolation& v : details.field_violations) {
    absl::StrAppend(&out, "\n  ", v.field, ": ", v.description);
  }
  return out;
}

}  // namespace invitegate::client

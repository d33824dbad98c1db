// See rpc_observer.h.
#include "service/rpc_observer.h"

#include <chrono>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/server_context.h"
#include "service/status_mapping.h"

namespace invitegate::service {
namespace {

using grpc::experimental::InterceptionHookPoints;

std::string AccountOfName(const std::string& name) {
  constexpr std::string_view kPrefix = "accounts/";
  if (name.rfind(kPrefix, 0) != 0) return {};
  const size_t end = name.find('/', kPrefix.size());
  return name.substr(kPrefix.size(), end == std::string::npos ? std::string::npos
                                                               : end - kPrefix.size());
}

// What a failed status says about the Telegram call behind it, from its google.rpc details.
struct Outcome {
  std::string reason;  // ErrorInfo.reason
  std::string domain;  // ErrorInfo.domain
  double retry_seconds = -1;
};
Outcome OutcomeOf(const grpc::Status& status) {
  Outcome out;
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return out;
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
      out.reason = info.reason();
      out.domain = info.domain();
    } else if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&retry)) {
      out.retry_seconds = static_cast<double>(retry.retry_delay().seconds()) +
                          retry.retry_delay().nanos() / 1e9;
    }
  }
  return out;
}

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info, metrics::Metrics* metrics,
              const logging::Logger& logger)
      : method_(info->method() != nullptr ? info->method() : "unknown"),
        info_(info),
        metrics_(metrics),
        logger_(logger),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // Only invitegate.v1's handlers are known to receive protobuf messages (the built-in
    // health service, for one, receives raw ByteBuffers).
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        account_.empty() && method_.rfind("/invitegate.v1.", 0) == 0) {
      if (void* message = methods->GetRecvMessage(); message != nullptr) {
        account_ = AccountOfRequest(message);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const int code = static_cast<int>(status.error_code());
    const std::string_view method = ShortMethod(method_);
    Outcome outcome;
    if (!status.ok()) outcome = OutcomeOf(status);
    if (metrics_ != nullptr) {
      metrics_->RecordRpc(method_, code, seconds);
      RecordEngine(status, outcome, method, seconds);
    }
    const logging::Level level =
        (status.error_code() == grpc::StatusCode::INTERNAL ||
         status.error_code() == grpc::StatusCode::UNKNOWN ||
         status.error_code() == grpc::StatusCode::DATA_LOSS)
            ? logging::Level::kWarn
            : logging::Level::kDebug;
    if (!logger_.Enabled(level)) return;
    // The status message never carries secrets (the adapters and the authorizer name token
    // names, fields and Telegram error names only).
    const std::string peer =
        info_->server_context() != nullptr ? info_->server_context()->peer() : "";
    logger_.Log(level, "rpc",
                {{"method", method_},
                 {"code", code},
                 {"seconds", seconds},
                 {"account", account_},
                 {"reason", outcome.reason},
                 {"peer", peer},
                 {"message", status.error_message()}});
  }

  // An RPC on an account reached Telegram when it succeeded or failed with a Telegram error
  // (domain telegram.org) or a transport failure; the service's own refusals (validation,
  // auth, unknown account: domain invitegate) never left the process.
  void RecordEngine(const grpc::Status& status, const Outcome& outcome, std::string_view method,
                    double seconds) {
    if (account_.empty() || method_.rfind("/invitegate.", 0) != 0) return;
    std::string result;
    if (status.ok()) {
      result = "ok";
    } else if (outcome.domain == kTelegramDomain) {
      result = outcome.reason.empty() ? "error" : outcome.reason;
    } else if (outcome.domain.empty()) {
      switch (status.error_code()) {
        case grpc::StatusCode::DEADLINE_EXCEEDED: result = "timeout"; break;
        case grpc::StatusCode::UNAVAILABLE: result = "unavailable"; break;
        case grpc::StatusCode::CANCELLED: result = "cancelled"; break;
        default: return;  // not an engine outcome
      }
    } else {
      return;
    }
    metrics_->RecordEngineCall(account_, method, result, seconds);
    if (outcome.reason.rfind("FLOOD_WAIT", 0) == 0 || outcome.reason == "FLOOD_PREMIUM_WAIT") {
      metrics_->RecordFloodWait(account_, method, outcome.retry_seconds > 0
                                                      ? outcome.retry_seconds
                                                      : 0.0);
    }
  }

  std::string method_;
  grpc::experimental::ServerRpcInfo* info_;
  metrics::Metrics* metrics_;
  const logging::Logger& logger_;
  const std::chrono::steady_clock::time_point start_;
  std::string account_;
};

}  // namespace

std::string_view ShortMethod(std::string_view full_method) {
  const size_t slash = full_method.rfind('/');
  return slash == std::string_view::npos ? full_method : full_method.substr(slash + 1);
}

std::string AccountOfRequest(const void* message) {
  // invitegate.v1's services are generated with the full protobuf runtime, so their received
  // message is a google::protobuf::Message (callers make sure it is one of theirs).
  const auto* request = static_cast<const google::protobuf::Message*>(message);
  const google::protobuf::Descriptor* descriptor = request->GetDescriptor();
  const google::protobuf::Reflection* reflection = request->GetReflection();
  if (descriptor == nullptr || reflection == nullptr) return {};
  for (const char* field_name : {"name", "parent", "account", "chat"}) {
    const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(field_name);
    if (field == nullptr || field->is_repeated() ||
        field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      continue;
    }
    std::string account = AccountOfName(reflection->GetString(*request, field));
    if (!account.empty()) return account;
  }
  // Update requests carry the resource itself (invite_link.name, settings.name).
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated() || field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
        !reflection->HasField(*request, field)) {
      continue;
    }
    const google::protobuf::Message& inner = reflection->GetMessage(*request, field);
    const google::protobuf::FieldDescriptor* name = inner.GetDescriptor()->FindFieldByName("name");
    if (name == nullptr || name->is_repeated() ||
        name->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      continue;
    }
    std::string account = AccountOfName(inner.GetReflection()->GetString(inner, name));
    if (!account.empty()) return account;
  }
  return {};
}

grpc::experimental::Interceptor* RpcObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcObserver(info, metrics_, logger_);
}

}  // namespace invitegate::service

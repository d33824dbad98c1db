// See watch.h.
#include "client/cpp/watch.h"

#include <algorithm>

#include "absl/time/time.h"

namespace invitegate::client {

bool IsResumable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:                 // the server closed the stream (drain)
    case absl::StatusCode::kUnavailable:        // restart, network
    case absl::StatusCode::kResourceExhausted:  // SLOW_CONSUMER
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:          // the server cancelled at shutdown
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

JoinRequestWatcher::JoinRequestWatcher(Client* client, v1::WatchJoinRequestsRequest request,
                                       WatchOptions options)
    : client_(client), request_(std::move(request)), options_(std::move(options)) {}

v1::WatchJoinRequestsRequest JoinRequestWatcher::NextRequest() const {
  absl::MutexLock lock(&mu_);
  v1::WatchJoinRequestsRequest next = request_;
  const bool redo_snapshot = request_.snapshot() && !snapshot_done_;
  if (!resume_token_.empty() && !redo_snapshot) next.set_resume_token(resume_token_);
  return next;
}

bool JoinRequestWatcher::Sleep(std::chrono::milliseconds delay) {
  absl::MutexLock lock(&mu_);
  auto cancelled = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return cancelled_; };
  mu_.AwaitWithTimeout(absl::Condition(&cancelled), absl::FromChrono(delay));
  return !cancelled_;
}

absl::Status JoinRequestWatcher::Run(
    const std::function<bool(const v1::JoinRequestEvent&)>& on_event) {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  int fruitless_attempts = 0;
  while (true) {
    grpc::ClientContext context;
    client_->PrepareContext(context, /*unary=*/false);
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return absl::OkStatus();
      context_ = &context;
    }
    const v1::WatchJoinRequestsRequest request = NextRequest();
    std::unique_ptr<grpc::ClientReader<v1::JoinRequestEvent>> reader =
        client_->join_requests().WatchJoinRequests(&context, request);
    v1::JoinRequestEvent event;
    bool stopped = false;
    bool got_any = false;
    while (reader->Read(&event)) {
      got_any = true;
      {
        absl::MutexLock lock(&mu_);
        if (!event.resume_token().empty()) resume_token_ = event.resume_token();
        if (event.has_snapshot_complete()) snapshot_done_ = true;
      }
      if (event.has_heartbeat() && !options_.deliver_heartbeats) continue;
      if (!on_event(event)) {
        stopped = true;
        context.TryCancel();
        break;
      }
    }
    const absl::Status status = FromGrpcStatus(reader->Finish());
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      context_ = nullptr;
      cancelled = cancelled_;
    }
    if (stopped || cancelled) return absl::OkStatus();
    if (!IsResumable(status)) return status;

    if (got_any) {
      backoff = options_.initial_backoff;
      fruitless_attempts = 0;
    }
    if (options_.max_attempts > 0 && ++fruitless_attempts > options_.max_attempts) return status;
    std::chrono::milliseconds delay = backoff;
    if (std::optional<std::chrono::milliseconds> retry = RetryDelay(status)) delay = *retry;
    backoff = std::min(backoff * 2, options_.max_backoff);
    std::string token;
    {
      absl::MutexLock lock(&mu_);
      ++reconnects_;
      if (!(request_.snapshot() && !snapshot_done_)) token = resume_token_;
    }
    if (options_.on_reconnect) options_.on_reconnect(status, delay, token);
    if (!Sleep(delay)) return absl::OkStatus();
  }
}

void JoinRequestWatcher::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

std::string JoinRequestWatcher::resume_token() const {
  absl::MutexLock lock(&mu_);
  return resume_token_;
}

int JoinRequestWatcher::reconnects() const {
  absl::MutexLock lock(&mu_);
  return reconnects_;
}

}  // namespace invitegate::client

// JoinRequestWatcher: follows WatchJoinRequests and survives its interruptions. The server ends a
// subscriber's stream when it restarts, drains, or finds the subscriber too slow (RESOURCE_EXHAUSTED,
// reason SLOW_CONSUMER); every event and heartbeat carries a resume token, and reconnecting with
// the last one delivers every later event exactly once. The watcher does that by itself, with
// exponential backoff (or the server's RetryInfo delay), and stops only when the callback says so,
// Cancel() is called, or the server refuses for good (an expired token is OUT_OF_RANGE: the
// caller must start again, e.g. with a snapshot).
// Spec: proto/invitegate/v1/join_requests.proto (WatchJoinRequests)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/client.h"

namespace invitegate::client {

struct WatchOptions {
  // Backoff between reconnection attempts: doubles from initial to max; reset by any event.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(5)};
  // Give up after this many reconnection attempts in a row that brought no event; 0: never.
  int max_attempts = 0;
  // Also hand heartbeats to the callback (their tokens are tracked either way).
  bool deliver_heartbeats = false;
  // Told before each reconnection: why the stream ended, how long the watcher waits, and the
  // token it resumes from ("" when it starts over).
  std::function<void(const absl::Status& why, std::chrono::milliseconds delay,
                     const std::string& resume_token)>
      on_reconnect;
};

// See the file comment. Run on one thread; Cancel from any.
class JoinRequestWatcher {
 public:
  JoinRequestWatcher(Client* client, v1::WatchJoinRequestsRequest request, WatchOptions options);

  // Delivers events until `on_event` returns false or Cancel() is called (both: OK), or the
  // server refuses the watch with a status that retrying cannot change (returned).
  [[nodiscard]] absl::Status Run(const std::function<bool(const v1::JoinRequestEvent&)>& on_event);
  // Stops Run soon (thread-safe).
  void Cancel();

  // The last resume token seen (events and heartbeats); "" before the first.
  std::string resume_token() const;
  // How many times the watcher reconnected.
  int reconnects() const;

 private:
  // The request for the next attempt: after the last token, else as first asked.
  v1::WatchJoinRequestsRequest NextRequest() const ABSL_LOCKS_EXCLUDED(mu_);
  // Sleeps up to `delay`, returning false early when cancelled.
  bool Sleep(std::chrono::milliseconds delay) ABSL_LOCKS_EXCLUDED(mu_);

  Client* client_;
  const v1::WatchJoinRequestsRequest request_;
  const WatchOptions options_;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // the stream in progress
  std::string resume_token_ ABSL_GUARDED_BY(mu_);
  // A snapshot start that was cut off before SNAPSHOT_COMPLETE is redone whole.
  bool snapshot_done_ ABSL_GUARDED_BY(mu_) = false;
  int reconnects_ ABSL_GUARDED_BY(mu_) = 0;
};

// Whether a stream that ended with `status` may be resumed (UNAVAILABLE, RESOURCE_EXHAUSTED,
// ABORTED, INTERNAL, DEADLINE_EXCEEDED, CANCELLED by the server, and a clean end).
[[nodiscard]] bool IsResumable(const absl::Status& status);

}  // namespace invitegate::client

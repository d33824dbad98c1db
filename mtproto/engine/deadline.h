// When an engine call gives up: at a point in time, or earlier when its Cancellation fires (the
// gRPC call it serves was cancelled, say). A Deadline is copied into every step of a chained
// operation (resolve a peer, then call), and the copies share one Cancellation, so the whole
// chain stops at once and a mutation that was not sent yet is never sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "absl/functional/any_invocable.h"

namespace mtproto::engine {

// A one-shot cancellation signal. Thread-safe.
class Cancellation {
 public:
  using Handle = uint64_t;

  // Fires the signal: every registered callback runs now, on this thread (so they must be short
  // and must not Unregister); later registrations run at once. Only the first call does anything.
  void Cancel();
  [[nodiscard]] bool cancelled() const;
  // Runs `on_cancel` when the signal fires (at once, returning 0, if it fired already).
  Handle Register(absl::AnyInvocable<void()> on_cancel);
  // Forgets a registration; once it returns, that callback is not running and never will.
  void Unregister(Handle handle);

 private:
  mutable std::mutex mutex_;  // held while the callbacks run: see Unregister
  bool cancelled_ = false;
  Handle next_ = 1;
  std::map<Handle, absl::AnyInvocable<void()>> callbacks_;
};

struct Deadline {
  using Clock = std::chrono::steady_clock;

  Deadline() = default;
  // Implicit: a time point is a Deadline without cancellation.
  Deadline(Clock::time_point at) : at(at) {}  // NOLINT(google-explicit-constructor)
  Deadline(Clock::time_point at, std::shared_ptr<Cancellation> cancellation)
      : at(at), cancellation(std::move(cancellation)) {}

  [[nodiscard]] bool has_time() const { return at != Clock::time_point::max(); }
  [[nodiscard]] bool cancelled() const { return cancellation && cancellation->cancelled(); }

  Clock::time_point at = Clock::time_point::max();
  std::shared_ptr<Cancellation> cancellation;  // null: only the time ends the call
};

// A deadline `timeout` from now.
inline Deadline In(std::chrono::steady_clock::duration timeout) {
  return Deadline(std::chrono::steady_clock::now() + timeout);
}
// No time limit and no cancellation.
inline const Deadline kNoDeadline{};

}  // namespace mtproto::engine

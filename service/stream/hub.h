// service/stream — the join-request streaming hub: fans the ledger's events out to any number of
// subscribers, each with a filter, a bounded queue, heartbeats and a resume token. It knows no
// gRPC: the server's Watch RPC wraps a Subscription (poll one delivery, write it, poll the next
// when the write completes; on kEmpty wait for on_ready). Background and the Telegram side:
// https://core.telegram.org/api/invites#join-requests ; resume semantics follow etcd's watch
// (a compacted position is OUT_OF_RANGE).
//
// How events flow: producers append to the Ledger (Hub::Publish, or directly + Hub::Notify); one
// pump reads the ledger tail in batches and pushes each event to every live subscriber whose
// filter matches (subscribers are indexed by account, so one account's feed is read once however
// many subscribers share it). A subscriber that starts behind the tail (resume token, snapshot)
// catches up by reading the ledger itself, one page per Poll on an empty queue, then joins the
// live set exactly where the pump stands: no gap, no duplicate.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/ledger/ledger.h"

namespace invitegate::stream {

class Hub;

// Where a new subscription starts.
enum class StartFrom {
  kNow,       // events appended after the subscription is made
  kToken,     // after the position of SubscribeRequest::resume_token
  kSnapshot,  // the currently pending requests (kSnapshot deliveries), kSnapshotEnd, then live
};

struct SubscribeRequest {
  ledger::EventFilter filter;
  StartFrom start = StartFrom::kNow;
  std::string resume_token;  // kToken only
};

// One item for the consumer to send.
struct Delivery {
  enum class Kind {
    kEvent,        // a ledger event (live or caught up)
    kSnapshot,     // a pending request, as its request_created event (snapshot phase)
    kSnapshotEnd,  // the snapshot is complete; live events follow
    kHeartbeat,    // nothing matched for heartbeat_interval; the token still advances
  };
  Kind kind = Kind::kEvent;
  std::shared_ptr<const ledger::Event> event;  // kEvent, kSnapshot (shared between subscribers)
  // Resume after this item: set on kEvent, kSnapshotEnd and kHeartbeat; "" on kSnapshot (a
  // snapshot cannot be resumed halfway: start a new one).
  std::string resume_token;
  absl::Time at;  // the hub's clock when the item was queued
};

// One subscriber's end: a bounded queue the hub fills and the consumer drains. Thread-safe, but
// meant for one consumer at a time (a gRPC reactor, a test).
class Subscription {
 public:
  enum class PollResult {
    kDelivery,  // *out holds the next item
    kEmpty,     // nothing now; on_ready fires once when there is something (or the end)
    kFinished,  // the queue is drained and the subscription ended: see status()
  };

  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Call it once right after Subscribe, then after each kDelivery and after each on_ready.
  // Never blocks on the consumer's side; may read one page of the ledger while catching up.
  [[nodiscard]] PollResult Poll(Delivery* out);
  // Poll, waiting up to `timeout` for something (for simple consumers, tests and benchmarks).
  [[nodiscard]] PollResult Wait(Delivery* out, absl::Duration timeout);

  // Why it ended (OK while running): RESOURCE_EXHAUSTED for a slow consumer and UNAVAILABLE on
  // shutdown, both ending with "; resume from token <token>" (nothing is lost by resuming);
  // OUT_OF_RANGE when its position was compacted away while it caught up (start again with a
  // snapshot); CANCELLED after Cancel().
  absl::Status status() const;
  // The consumer is gone: unregisters now (idempotent). Queued items are dropped.
  void Cancel();

 private:
  friend class Hub;
  struct State;
  Subscription(Hub* hub, ledger::EventFilter filter, std::function<void()> on_ready);
  Hub* hub_;
  std::unique_ptr<State> state_;
};

struct HubOptions {
  // Live items a subscriber may have waiting; one more and it is cut off. Also the page size of
  // a catch-up read.
  size_t queue_capacity = 1024;
  // A subscriber that was sent nothing for this long gets a heartbeat.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // The pump also reads the tail this often without a Notify (writers in other processes).
  absl::Duration poll_interval = absl::Seconds(1);
  size_t pump_batch = 512;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // false: no background thread; the owner drives Pump() and SendHeartbeats() (tests).
  bool start_thread = true;
};

// Counters for metrics (/metrics: subscribers, ledger lag, cut-offs).
struct HubStats {
  size_t subscribers = 0;       // registered (live + catching up)
  size_t live = 0;
  uint64_t pumped_through = 0;  // the pump's position in the ledger
  uint64_t deliveries = 0;      // items queued to subscribers, all time
  uint64_t cut_off = 0;         // slow subscribers cut off, all time
};

// The fan-out point. Thread-safe. The ledger must outlive the hub, and the hub must outlive
// every Subscription's last Poll (the gRPC server: shut the hub down, wait for the reactors,
// then destroy it).
class Hub {
 public:
  // Reads the ledger's state: the pump starts at its last sequence.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Hub>> Create(ledger::Ledger* ledger,
                                                                   HubOptions options);
  ~Hub();  // Shutdown(UNAVAILABLE) if not done yet
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Ledger::Append, then wakes the pump (with the thread) or pumps inline (without it).
  [[nodiscard]] absl::StatusOr<std::vector<ledger::AppendResult>> Publish(
      std::span<const ledger::Event> events);
  // Someone else appended: wake the pump.
  void Notify();

  // Validates and registers. Errors now, not as a first status: INVALID_ARGUMENT for a
  // malformed token or filter; OUT_OF_RANGE for a token of another ledger, a compacted
  // position or one beyond the ledger's end. on_ready runs on a hub or publisher thread with no
  // lock held; keep it short (post a write, signal a condition).
  [[nodiscard]] absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(
      const SubscribeRequest& request, std::function<void()> on_ready);

  // Reads everything appended so far and fans it out. The thread calls it; so may anyone.
  [[nodiscard]] absl::Status Pump();
  // Queues a heartbeat for every subscriber idle for heartbeat_interval at clock().
  void SendHeartbeats();
  // Ends every subscription with `why` (its message gets "; resume from token X") and stops
  // the thread. Later Subscribe calls fail with UNAVAILABLE.
  void Shutdown(absl::Status why);

  HubStats Stats();
  uint64_t ledger_id() const { return ledger_id_; }

 private:
  friend class Subscription;
  struct Entry;  // a registered subscription as the hub sees it

  Hub(ledger::Ledger* ledger, HubOptions options, const ledger::LedgerState& state);
  void Run();
  std::string Token(uint64_t sequence) const;
  // Subscription::Poll on an empty queue while catching up: one page, or the move to live.
  void CatchUp(Subscription* subscription);
  void Unregister(Subscription* subscription, absl::Status why);
  // Under mutex_: ends `entry` with `why` at its current position and takes it out of the live
  // index (the caller erases it from entries_).
  void FinishLocked(Entry& entry, absl::Status why, std::vector<std::function<void()>>* wake);
  void CutOffEverybodyLocked(absl::Status why, std::vector<std::function<void()>>* wake);

  ledger::Ledger* const ledger_;
  const HubOptions options_;
  const uint64_t ledger_id_;

  std::mutex pump_mutex_;  // one Pump at a time; taken before mutex_

  mutable std::mutex mutex_;
  uint64_t pumped_through_;                        // guarded by mutex_
  bool shut_down_ = false;                         // guarded by mutex_
  std::unordered_map<Subscription*, std::unique_ptr<Entry>> entries_;  // guarded by mutex_
  // Live entries by filter account ("" = every account).
  std::unordered_map<std::string, std::vector<Entry*>> live_by_account_;  // guarded by mutex_
  uint64_t deliveries_ = 0;                        // guarded by mutex_
  uint64_t cut_off_ = 0;                           // guarded by mutex_

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool wake_pending_ = false;  // guarded by wake_mutex_
  bool stop_ = false;          // guarded by wake_mutex_
  std::thread thread_;
};

}  // namespace invitegate::stream

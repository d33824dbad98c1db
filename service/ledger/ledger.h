// service/ledger — the durable join-request ledger: every event the engine reports is written
// here first, with a monotonic sequence, before anyone is told about it. Stream subscribers read
// it (live or from a resume token); the service answers what Telegram does not give from it: the
// pending backlog (bots cannot list join requests) and per-link statistics.
// Telegram side: https://core.telegram.org/api/invites#join-requests
//
// `Ledger` is the narrow interface the service and the stream hub use; SqliteLedger is the
// single-process implementation. A PostgreSQL implementation for several replicas fits the same
// contract: sequences from a sequence/identity column assigned in the append transaction, the
// idempotency key a UNIQUE column, backlog and stats tables updated in that transaction, and
// the hub's Notify() driven by LISTEN/NOTIFY (or its poll interval).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/ledger/event.h"

namespace invitegate::ledger {

// The outcome of appending one event.
struct AppendResult {
  uint64_t sequence = 0;   // the event's sequence (the stored one for a duplicate)
  bool duplicate = false;  // its idempotency key was already present: nothing was written

  bool operator==(const AppendResult&) const = default;
};

// A range read. Events with after_sequence < sequence <= through_sequence that match `filter`,
// in sequence order, at most `limit` of them.
struct ReadRequest {
  uint64_t after_sequence = 0;
  uint64_t through_sequence = std::numeric_limits<uint64_t>::max();
  EventFilter filter;
  size_t limit = 1000;
};

struct ReadResult {
  std::vector<Event> events;
  // How far the read looked: every event <= scanned_through was returned or did not match. A
  // continuation passes it as the next after_sequence (it advances even when nothing matched).
  uint64_t scanned_through = 0;
};

// A join request that was created and not yet resolved (approved, declined, or the user joined).
struct PendingRequest {
  std::string account;
  int64_t chat_id = 0;
  std::string link;
  int64_t user_id = 0;
  std::string user_name;
  std::string username;
  std::string about;
  int64_t date = 0;           // Telegram's date of the request
  uint64_t sequence = 0;      // the request_created event that opened it
  std::string idempotency_key;

  bool operator==(const PendingRequest&) const = default;
};

// The pending requests as of one sequence, read atomically: a stream that replays events after
// `as_of_sequence` on top of it sees every change exactly once.
struct PendingSnapshot {
  std::vector<PendingRequest> requests;  // ordered by sequence
  uint64_t as_of_sequence = 0;
};

// Counters for one (account, chat, link); link "" counts requests and joins not through a link.
// joined: member_joined events. pending: open requests now. approved / declined: resolutions.
struct LinkStats {
  std::string account;
  int64_t chat_id = 0;
  std::string link;
  int64_t joined = 0;
  int64_t pending = 0;
  int64_t approved = 0;
  int64_t declined = 0;

  bool operator==(const LinkStats&) const = default;
};

// Where the ledger stands.
struct LedgerState {
  uint64_t ledger_id = 0;          // random, chosen at creation; resume tokens carry it
  uint64_t last_sequence = 0;      // 0 when nothing was ever appended
  uint64_t compacted_through = 0;  // every event <= this is gone; reads must start at >= it
};

// How long events are kept. Either, both or neither (keep forever). Compaction deletes events,
// never the backlog or the counters (they are state, not history).
struct RetentionPolicy {
  std::optional<absl::Duration> max_age;  // by recorded_at
  std::optional<uint64_t> max_events;     // keep the newest N
};

struct CompactionResult {
  uint64_t removed = 0;
  uint64_t compacted_through = 0;
};

// The durable event log with its derived state. Implementations are thread-safe.
//
// Rules every implementation keeps:
// - Append is atomic per batch and durable when it returns OK (fsync'd: a kill -9 or power cut
//   after the return loses nothing); the backlog and counters change in the same transaction.
// - Sequences strictly increase in append order and are never reused, even after compaction.
// - Read/Snapshot below the compaction point: OUT_OF_RANGE naming the first available position;
//   after_sequence beyond last_sequence: OUT_OF_RANGE ("from the future": another ledger).
class Ledger {
 public:
  virtual ~Ledger() = default;

  // Appends in one transaction; results are in the order of `events`. An event whose
  // idempotency key is already stored (or earlier in the same batch) is not written again.
  // Invalid events (no account, unknown type) fail the whole batch with INVALID_ARGUMENT.
  [[nodiscard]] virtual absl::StatusOr<std::vector<AppendResult>> Append(
      std::span<const Event> events) = 0;

  [[nodiscard]] virtual absl::StatusOr<ReadResult> Read(const ReadRequest& request) = 0;

  [[nodiscard]] virtual absl::StatusOr<LedgerState> State() = 0;

  // The open requests matching filter's account / chat_id / link (the type mask is ignored),
  // with the sequence they are current as of.
  [[nodiscard]] virtual absl::StatusOr<PendingSnapshot> Pending(const EventFilter& filter) = 0;

  // Per-link counters matching filter's account / chat_id / link, ordered by chat then link.
  [[nodiscard]] virtual absl::StatusOr<std::vector<LinkStats>> Stats(
      const EventFilter& filter) = 0;

  // Applies `policy` at `now`: deletes old events and records the new compaction point.
  [[nodiscard]] virtual absl::StatusOr<CompactionResult> Compact(const RetentionPolicy& policy,
                                                                 absl::Time now) = 0;
};

// The OUT_OF_RANGE a reader gets when `after_sequence` is no longer (or not yet) available.
// Shared by implementations so that clients see one wording.
absl::Status PositionUnavailable(uint64_t after_sequence, const LedgerState& state);

}  // namespace invitegate::ledger

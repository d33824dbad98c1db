// service/ledger — the Ledger in one SQLite file (WAL, synchronous = FULL, created 0600: it holds
// users' names and request texts). Schema versioned by forward migrations like the session
// store's (mtproto/store): a file from a newer build is refused, not misread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/time/clock.h"
#include "service/ledger/ledger.h"

namespace mtproto::store {
class SqliteDatabase;
}  // namespace mtproto::store

namespace invitegate::ledger {


// The single-process Ledger. One write connection (appends and compaction, serialized) and one
// read connection (reads do not wait behind an fsync'ing append: WAL readers see the last
// committed state).
class SqliteLedger final : public Ledger {
 public:
  struct Options {
    std::filesystem::path path;
    // The clock stamping recorded_at_ms (tests inject a fake one).
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  // Creates the file (and missing directories, 0700) or opens an existing ledger.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteLedger>> Open(Options options);
  ~SqliteLedger() override;

  [[nodiscard]] absl::StatusOr<std::vector<AppendResult>> Append(
      std::span<const Event> events) override;
  [[nodiscard]] absl::StatusOr<ReadResult> Read(const ReadRequest& request) override;
  [[nodiscard]] absl::StatusOr<LedgerState> State() override;
  [[nodiscard]] absl::StatusOr<PendingSnapshot> Pending(const EventFilter& filter) override;
  [[nodiscard]] absl::StatusOr<std::vector<LinkStats>> Stats(const EventFilter& filter) override;
  [[nodiscard]] absl::StatusOr<CompactionResult> Compact(const RetentionPolicy& policy,
                                                         absl::Time now) override;

 private:
  using Connection = mtproto::store::SqliteDatabase;  // with its statement cache
  SqliteLedger(Options options, std::unique_ptr<Connection> writer,
               std::unique_ptr<Connection> reader);

  [[nodiscard]] absl::Status ApplyDerivedState(const Event& event, uint64_t sequence);

  Options options_;
  std::mutex write_mutex_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mutex_
  std::mutex read_mutex_;
  std::unique_ptr<Connection> reader_;  // guarded by read_mutex_
};

}  // namespace invitegate::ledger

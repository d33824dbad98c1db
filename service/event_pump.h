// The join-request streams' back end: the durable ledger, the fan-out hub, and one event pump per
// account carrying the engine's join events into the ledger. For each batch the engine hands over
// (Engine::SubscribeJoinEvents), the pump maps the events to ledger events, appends them
// (fsync'd), only then acknowledges the batch (Engine::AckJoinEvents, which lets the engine's
// persisted update position move past it) and wakes the hub. A crash between the append and the
// acknowledgement makes the engine deliver the batch again after the restart; the idempotency
// keys make that second append a no-op, so every event is in the ledger exactly once.
// Telegram side: https://core.telegram.org/api/invites#join-requests,
//                https://core.telegram.org/api/updates
//
// What Telegram does not say, the service fills in where it can:
// - Bots are never told of declines: when the service itself declines through a bot account it
//   records the decline (RecordServiceDecision).
// - User admins only see requests vanish from the pending list (the outcome is unknown): the
//   decisions the service itself made are remembered briefly (DecisionBook) and name the outcome;
//   a request that vanished otherwise is recorded as declined (dismissed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mtproto/engine/engine.h"
#include "service/accounts.h"
#include "service/ledger/ledger.h"
#include "service/stream/hub.h"
#include "service/validation.h"

namespace invitegate::metrics {
class Metrics;
}  // namespace invitegate::metrics

namespace invitegate::service {

// How the streams are set up (the server's config: ledger.*, stream_*).
struct StreamsOptions {
  std::filesystem::path ledger_path;
  ledger::RetentionPolicy retention;           // applied every compaction_interval
  absl::Duration compaction_interval = absl::Minutes(5);
  // The hub's heartbeat tick: per-stream heartbeat intervals are honoured to this granularity
  // (WatchJoinRequests allows down to 1 s).
  absl::Duration hub_heartbeat = absl::Seconds(1);
  size_t subscriber_queue = 1024;              // events waiting per subscriber before cut-off
  // A WatchJoinRequests stream's heartbeat when its request sets none (config
  // stream.heartbeat_interval).
  absl::Duration default_heartbeat = absl::Seconds(30);
  // How often new accounts (signed in through AccountService) are looked for.
  absl::Duration account_scan_interval = absl::Seconds(1);
  metrics::Metrics* metrics = nullptr;         // optional
};

// Approvals and declines the service is making right now, so that the pump can name the outcome
// of a request that vanished from a user admin's pending list. Thread-safe.
class DecisionBook {
 public:
  // Before the Telegram call.
  void Intend(const std::string& account, int64_t chat_id, int64_t user_id, bool approve);
  // The call failed: nothing was decided.
  void Forget(const std::string& account, int64_t chat_id, int64_t user_id);
  // The outcome the service decided, if it did (consumed).
  std::optional<bool> Take(const std::string& account, int64_t chat_id, int64_t user_id);

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::string, int64_t, int64_t>, std::pair<bool, absl::Time>> intents_;
};

// See the file comment. Thread-safe.
class JoinRequestStreams {
 public:
  // Opens (or creates) the ledger, starts the hub and the maintenance thread (compaction, new
  // accounts, ledger lag), and attaches every account of `accounts`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JoinRequestStreams>> Open(
      StreamsOptions options, AccountRegistry* accounts);
  ~JoinRequestStreams();
  JoinRequestStreams(const JoinRequestStreams&) = delete;
  JoinRequestStreams& operator=(const JoinRequestStreams&) = delete;

  // Subscribes to the join events of every account not attached yet (idempotent).
  void AttachAccounts();
  // Ends every stream with UNAVAILABLE (their status names the token to resume from) and stops
  // the pumps: batches not yet written stay unacknowledged and come again after a restart.
  void Shutdown();

  ledger::Ledger& ledger() { return *ledger_; }
  stream::Hub& hub() { return *hub_; }
  DecisionBook& decisions() { return decisions_; }
  metrics::Metrics* metrics() const { return options_.metrics; }
  absl::Duration default_heartbeat() const { return options_.default_heartbeat; }

  // Records a decision the service made that Telegram will not report to `account` (a bot's
  // decline) for a request in the backlog; nothing when the backlog does not have it.
  [[nodiscard]] absl::Status RecordServiceDecision(const std::string& account, int64_t chat_id,
                                                   int64_t user_id, bool approved,
                                                   int64_t actor_id);
  // Batches written and acknowledged since start (tests wait on it).
  [[nodiscard]] uint64_t batches_written() const { return batches_written_.load(); }

 private:
  struct Inbox;  // shared with the engines' sinks, which may outlive this object

  JoinRequestStreams(StreamsOptions options, AccountRegistry* accounts);
  void WriterLoop();
  void MaintenanceLoop();
  // Maps one batch of `account` to ledger events (reads the backlog for approved requests' links).
  std::vector<ledger::Event> Map(AccountBackend& account,
                                 const std::vector<mtproto::engine::JoinEvent>& events);

  StreamsOptions options_;
  AccountRegistry* accounts_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<stream::Hub> hub_;
  DecisionBook decisions_;
  std::shared_ptr<Inbox> inbox_;
  std::atomic<uint64_t> batches_written_{0};

  std::mutex attach_mutex_;
  std::set<std::string> attached_;  // guarded by attach_mutex_

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mutex_
  std::thread writer_;
  std::thread maintenance_;
};

// The Bot API id of the chat `name` names, for ledger lookups: a numeric segment as it is, a
// username through the account's peer cache, else contacts.resolveUsername (blocking: call it on
// the BlockingPool).
[[nodiscard]] absl::StatusOr<int64_t> ResolveChatId(AccountBackend& account, const ChatName& name,
                                                    mtproto::engine::Deadline deadline);

// ResolveChatId without asking Telegram: nullopt when only the server could tell.
[[nodiscard]] std::optional<int64_t> CachedChatId(AccountBackend& account, const ChatName& name);

// The username (without '@') of a user the account's peer cache knows; "" if none or unknown.
[[nodiscard]] std::string CachedUsername(AccountBackend& account, int64_t user_id);

}  // namespace invitegate::service

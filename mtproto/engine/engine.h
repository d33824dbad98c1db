// The client engine: what the gRPC service forwards every Telegram call to. It owns one
// net::Connection per DC it talks to (the account's home DC first), persists auth keys and the
// login in a store::SessionStore, declares our layer on every new connection, follows DC
// migrations, waits out short flood waits, and signs bots and users in.
// Spec: https://core.telegram.org/api/invoking (invokeWithLayer, initConnection),
//       https://core.telegram.org/api/datacenter (*_MIGRATE_X, export/importAuthorization),
//       https://core.telegram.org/api/errors (FLOOD_WAIT_X), https://core.telegram.org/api/auth,
//       https://core.telegram.org/api/srp, https://core.telegram.org/api/bots
//
// Updates (https://core.telegram.org/api/updates): once a subscriber asks for join events, the
// engine follows the account's updates — pushed ones and those returned by calls — through an
// UpdateState (update_state.h), fetching differences on gaps, after reconnects, new sessions and
// restarts, and turns them into join-request events (join_events.h). The update position is
// persisted with the session, but only up to what the subscriber acknowledged: a crash between
// delivery and acknowledgement re-delivers (with the same idempotency keys), never loses.
//
// Errors: an rpc_error becomes a status made by RpcErrorStatus (rpc_error.h): GetRpcError gives
// back {code, name, value}. Besides those: DEADLINE_EXCEEDED (the call's deadline passed; the
// request is cancelled on its connection), CANCELLED (Cancel, or the deadline's Cancellation
// fired), ABORTED (the engine shut down),
// UNAVAILABLE (a connection gave up), DATA_LOSS (an undecodable answer).
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/engine/deadline.h"
#include "mtproto/engine/join_events.h"
#include "mtproto/engine/rpc_error.h"
#include "mtproto/engine/telegram_config.h"
#include "mtproto/engine/update_state.h"
#include "mtproto/net/connection.h"
#include "mtproto/store/session_store.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::engine {

class PeerCache;  // peers.h


struct EngineOptions {
  TelegramEndpoints endpoints;
  int32_t api_id = 0;
  std::string api_hash;
  // initConnection's description of this client.
  std::string device_model = "Invitegate";
  std::string system_version = "Linux";
  std::string app_version = "0.1";
  std::string system_lang_code = "en";
  std::string lang_code = "en";
  std::filesystem::path store_path;  // the account's SessionStore file
  // FLOOD_WAIT_X with X at most this is waited out and the call retried; longer waits (or ones
  // that would pass the call's deadline) are returned as the error.
  std::chrono::seconds flood_wait_threshold{10};
  // Told of each FLOOD_WAIT the engine waits out itself (longer ones reach the caller as errors,
  // which the caller accounts for), with the Telegram method's name; for metrics. Runs on the
  // I/O thread; null: not told.
  std::function<void(std::string_view method, std::chrono::seconds wait)> on_flood_wait;
  int max_migrations = 3;  // *_MIGRATE_X followed per call before giving up
  transport::Framing framing = transport::Framing::kIntermediate;
  net::ReconnectPolicy reconnect;
  net::KeepalivePolicy keepalive;
  // Updates: how long an out-of-order update waits for a gap to fill before a difference is
  // fetched; how long after a failed fetch it is tried again; updates.getDifference's
  // pts_total_limit (0: the server's default).
  std::chrono::milliseconds update_hold{500};
  std::chrono::milliseconds fetch_retry{1000};
  int32_t difference_pts_total_limit = 0;
  // Every this long the difference is fetched and the pending requests of known chats re-read
  // even without a sign of a gap, as Telegram's own clients do after a silence: updates without
  // pts (updatePendingJoinRequests) can be lost without leaving one.
  std::chrono::milliseconds resync_interval{std::chrono::minutes(15)};
};

// Join-request events handed to the subscriber in one go; acknowledge them by `id`.
struct JoinEventBatch {
  uint64_t id = 0;
  std::vector<JoinEvent> events;
};

// What the update machinery did since the engine started (for tests and metrics).
struct UpdateStats {
  int64_t updates = 0;            // updates applied
  int64_t differences = 0;        // updates.getDifference / getState answered
  int64_t channel_differences = 0;
  int64_t importer_fetches = 0;   // pending-importer pages fetched for a user admin
  int64_t batches = 0;            // join-event batches delivered
};

// What SignIn leads to.
enum class SignInStep {
  kSignedIn,
  kPasswordNeeded,  // call CheckPassword
  kSignUpRequired,  // the number has no account (sign-up is not offered by the engine)
};

// See the file comment. Thread-safe: every public method may be called from any thread; the
// engine runs its connections and timers on its own I/O thread, where callbacks run. The
// blocking methods (InvokeSync, the sign-in steps) must not be called from a callback.
class Engine {
 public:
  using CallId = uint64_t;
  // Receives the raw result of a call (never an rpc_error: that becomes the status).
  using RawCallback = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Engine>> Create(EngineOptions options);
  // Aborts every call in flight (ABORTED), stops the connections and joins the I/O thread.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Sends `body` (a boxed TL function) to the home DC; `done` runs exactly once.
  CallId InvokeRaw(std::string body, Deadline deadline, RawCallback done);
  // A typed call: `done` gets the decoded result or the error.
  template <typename F>
  CallId Invoke(const F& call, Deadline deadline,
                absl::AnyInvocable<void(absl::StatusOr<typename F::Result::Value>)> done);
  // Invoke, waiting for the answer.
  template <typename F>
  [[nodiscard]] absl::StatusOr<typename F::Result::Value> InvokeSync(
      const F& call, Deadline deadline = kNoDeadline);
  // The call's callback gets CANCELLED now (and the request is cancelled on its connection);
  // a call already finished is left alone.
  void Cancel(CallId id);

  // --- Join-request events (see the file comment).
  // Receives each batch on the engine's I/O thread, in order; it must not block for long (hand
  // the batch to a writer) and must not call the blocking methods.
  using JoinEventSink = std::function<void(JoinEventBatch batch)>;
  // Starts following updates (now if signed in, else at sign-in) and delivers join events to
  // `sink`, replacing any previous sink. Events not acknowledged before a restart come again.
  void SubscribeJoinEvents(JoinEventSink sink);
  // The subscriber made every batch up to `batch_id` durable: the persisted update position may
  // move past them. Thread-safe.
  void AckJoinEvents(uint64_t batch_id);
  UpdateStats update_stats() const;

  // --- Sign-in (blocking). Each step persists the login state, so a CLI may stop between steps.
  // auth.importBotAuthorization; returns the bot's user id.
  [[nodiscard]] absl::StatusOr<int64_t> SignInBot(const std::string& token);
  // auth.sendCode; remembers the phone and phone_code_hash in the store.
  [[nodiscard]] absl::Status SendCode(const std::string& phone);
  // auth.signIn with the code sent by SendCode.
  [[nodiscard]] absl::StatusOr<SignInStep> SignIn(const std::string& code);
  // account.getPassword, then auth.checkPassword with the SRP proof of `password`.
  [[nodiscard]] absl::Status CheckPassword(const std::string& password);

  [[nodiscard]] bool IsSignedIn();
  [[nodiscard]] absl::StatusOr<store::AccountState> Account();
  int home_dc() const { return home_dc_.load(); }
  // Auth keys created by handshakes since this engine started (0 after a restart that reused
  // the stored keys).
  int handshakes() const { return handshakes_.load(); }
  // Authorization transfers (export + import) completed since this engine started.
  int transfers() const { return transfers_.load(); }
  store::SessionStore& session_store() { return *store_; }
  // The account's peer cache (peers.h). The update path feeds it the users and chats of every
  // pushed Updates, Updates result, difference and pending-importer page before it hands out the
  // events they carry, so a requester is addressable by id as soon as its event arrives.
  // InviteApi uses it too.
  PeerCache& peer_cache() { return *peers_; }

 private:
  struct Call;
  struct Dc {
    std::shared_ptr<net::Connection> connection;
  };
  // A delivered batch not acknowledged yet, with the state to persist once it is.
  struct Unacked {
    uint64_t id = 0;
    std::string snapshot;
  };
  // A user admin's pending importers of one chat, page by page.
  struct ImporterFetch {
    PendingFetch chat;
    std::vector<PendingRequester> pending;
    int32_t offset_date = 0;
    int64_t offset_user = 0;
    int64_t offset_hash = 0;
  };

  Engine(EngineOptions options, std::unique_ptr<store::SessionStore> store, int home_dc);

  // I/O thread only.
  void Start(const std::shared_ptr<Call>& call);
  void OnResult(CallId id, absl::StatusOr<std::string> result);
  void OnRpcError(const std::shared_ptr<Call>& call, const RpcError& error);
  void Migrate(const std::shared_ptr<Call>& call, int new_dc);
  void Finish(CallId id, absl::StatusOr<std::string> result);
  // Starts an internal call pinned to `dc` (export/import of an authorization).
  void InvokeOn(int dc, std::string body, RawCallback done);
  // Exports the authorization from `from_dc` and imports it on `to_dc`.
  // What a call waiting for an authorization transfer does when it ends: start or fail.
  absl::AnyInvocable<void(absl::Status)> StartAfterTransfer(std::shared_ptr<Call> call);
  void TransferAuthorization(int from_dc, int to_dc, absl::AnyInvocable<void(absl::Status)> done);
  Dc& DcFor(int dc_id);
  [[nodiscard]] absl::StatusOr<std::string> WithLayer(const std::string& body) const;
  void MarkAuthorized(int dc_id);
  // After a sign-in (any thread): the update machinery starts over for the new login.
  void OnSignedIn();
  // A 401 that ends the login (AUTH_KEY_UNREGISTERED, SESSION_REVOKED, USER_DEACTIVATED...).
  void MarkSignedOut(const RpcError& error);

  // Updates; I/O thread only.
  void StartUpdates();
  void StopUpdates(bool keep_unacked = false);
  void OnPushedUpdates(int dc_id, const std::string& body);
  void ResyncUpdates(int dc_id);
  // Hands out what the state machines produced, persists or queues the new position, starts
  // the fetches they ask for and re-arms the hold timer.
  void PumpUpdates();
  void ScheduleResync();
  void FetchUpdates(const FetchRequest& fetch);
  void FetchImporters(std::shared_ptr<ImporterFetch> fetch);
  void RetryFetchesLater();
  [[nodiscard]] std::string UpdateSnapshot() const;
  void PersistUpdates(const std::string& snapshot);
  void ForgetAuthorizedDcs();  // after a (new) sign-in
  bool IsAuthorized(int dc_id);
  [[nodiscard]] absl::Status OnAuthorization(const tl::api::auth_Authorization& authorization,
                                             bool is_bot, int64_t* user_id);

  const EngineOptions options_;
  std::unique_ptr<store::SessionStore> store_;
  std::unique_ptr<PeerCache> peers_;  // over *store_; destroyed before it
  crypto::SecureRandom random_;
  std::atomic<int> home_dc_;
  std::atomic<int> handshakes_{0};
  std::atomic<int> transfers_{0};
  std::atomic<CallId> next_call_{1};

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  bool shutting_down_ = false;                     // I/O thread only
  std::map<int, Dc> dcs_;                          // I/O thread only
  std::map<CallId, std::shared_ptr<Call>> calls_;  // I/O thread only
  // Transfers in progress, by target DC: calls migrating meanwhile wait for the same one.
  std::map<int, std::vector<absl::AnyInvocable<void(absl::Status)>>> transfers_waiting_;

  // Updates; I/O thread only (stats_ under stats_mutex_).
  JoinEventSink sink_;
  std::unique_ptr<UpdateState> updates_;
  std::unique_ptr<JoinEvents> join_events_;
  uint64_t updates_generation_ = 0;  // bumped by StopUpdates: stale answers are dropped
  bool importers_in_flight_ = false;
  std::deque<Unacked> unacked_;
  uint64_t next_batch_ = 0;
  std::string persisted_snapshot_;
  std::optional<asio::steady_timer> hold_timer_;
  std::optional<asio::steady_timer> retry_timer_;
  std::optional<asio::steady_timer> resync_timer_;
  bool retry_armed_ = false;
  mutable std::mutex stats_mutex_;
  UpdateStats stats_;

  std::thread io_thread_;
};

template <typename F>
Engine::CallId Engine::Invoke(
    const F& call, Deadline deadline,
    absl::AnyInvocable<void(absl::StatusOr<typename F::Result::Value>)> done) {
  absl::StatusOr<std::string> body = tl::Serialize(call);
  if (!body.ok()) {
    done(body.status());
    return 0;
  }
  return InvokeRaw(std::move(*body), deadline,
                   [done = std::move(done)](absl::StatusOr<std::string> raw) mutable {
                     if (!raw.ok()) return done(raw.status());
                     auto value = tl::DeserializeAs<typename F::Result>(*raw);
                     if (!value.ok()) {
                       return done(absl::DataLossError("undecodable result: " +
                                                       std::string(value.status().message())));
                     }
                     done(std::move(*value));
                   });
}

template <typename F>
absl::StatusOr<typename F::Result::Value> Engine::InvokeSync(const F& call, Deadline deadline) {
  using Value = typename F::Result::Value;
  std::promise<absl::StatusOr<Value>> promise;
  std::future<absl::StatusOr<Value>> future = promise.get_future();
  Invoke(call, deadline,
         [&promise](absl::StatusOr<Value> result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace mtproto::engine

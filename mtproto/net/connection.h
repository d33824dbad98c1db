// One client connection to one Telegram DC: a TCP socket carrying the transport codec, the
// auth-key handshake and the encrypted session, kept alive across drops.
// Spec: https://core.telegram.org/mtproto (transports, auth_key, description,
// service_messages: ping_delay_disconnect), https://core.telegram.org/mtproto/mtproto-transports
// (transport errors -404 and -429).
//
// mtproto/net is the only client code with sockets, timers and threads. The core below it
// (transport::Codec, session::ClientHandshake, session::Session) does no I/O; this file drives it.
#pragma once

#include <chrono>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/net/clock.h"
#include "mtproto/session/auth_key.h"
#include "mtproto/session/handshake.h"
#include "mtproto/session/session.h"
#include "mtproto/transport/codec.h"

namespace mtproto::net {

// What a connection needs to resume with a known key (from a store) and reports when it
// creates one (so that the owner can persist it).
// A server salt and the unix-seconds window it is valid in (a salt from new_session_created or
// bad_server_salt is valid from when it arrived, with no announced end).
struct SaltWindow {
  static constexpr int32_t kForever = 2147483647;
  uint64_t salt = 0;
  int32_t valid_since = 0;
  int32_t valid_until = kForever;
};

struct AuthKeyState {
  session::AuthKey key;
  uint64_t salt = 0;
  session::UnixTime time_offset{0};  // server clock − local clock
};

// When to try again after a failed or dropped connection: initial · 2^attempt, capped at max,
// each multiplied by a random factor in [1 − jitter, 1 + jitter].
struct ReconnectPolicy {
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  double jitter = 0.2;
  int max_attempts = 0;  // consecutive failures before giving up; 0 = never give up
};

// ping_delay_disconnect every `interval` while ready (0 = off), asking the server to close after
// `disconnect_delay` of silence; no pong within `pong_timeout` means the connection is dead.
struct KeepalivePolicy {
  std::chrono::milliseconds interval{60'000};
  std::chrono::seconds disconnect_delay{75};
  std::chrono::milliseconds pong_timeout{15'000};
};

// A connection's life cycle, as reported to the observer.
enum class ConnectionState {
  kIdle,         // not started
  kConnecting,   // TCP connect in progress
  kHandshaking,  // creating an auth key
  kReady,        // requests flow
  kBackingOff,   // waiting before the next attempt
  kStopped,      // Stop() was called, or the reconnect attempts ran out
};
const char* ConnectionStateName(ConnectionState state);

// One connection per DC (see the file comment). Created with Create() on an io_context the owner
// runs on ONE thread; every callback runs on that thread. Start, Send, Cancel and Stop may be
// called from any thread (they post to the io_context). Requests are pipelined: any number may be
// in flight, and those sent while disconnected wait for the connection to be ready. Calls that
// were sent but not answered when the connection dropped go again under their original msg_id,
// so that the server answers them from memory instead of executing them twice.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // done(result): called exactly once with the raw result (an rpc_error is a result: the caller
  // decodes it), or CANCELLED (Cancel), ABORTED (Stop), UNAVAILABLE (gave up reconnecting), or
  // INTERNAL for a bad_msg_notification the session could not repair.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;
  // Identifies a request of this connection (not its msg_id, which may not exist yet).
  using RequestId = uint64_t;

  struct Observer {
    std::function<void(const AuthKeyState&)> on_auth_key;  // a new key was created
    std::function<void(ConnectionState, const absl::Status& why)> on_state;
    std::function<void(std::string body)> on_update;  // an Updates the server pushed
    std::function<void()> on_new_session;  // the server started a new session: fetch the difference
    // The salts changed after the handshake (new_session_created, bad_server_salt: one salt;
    // a future_salts answer: several), so that the owner can persist them.
    std::function<void(const std::vector<SaltWindow>& salts)> on_salts;
  };
  // Makes a new session's first request declare the connection (invokeWithLayer(initConnection(
  // body))), as Telegram requires of every new session — including requests sent again in a new
  // session after the old one was lost. Returns the body unchanged on error.
  using InitWrapper = std::function<absl::StatusOr<std::string>(const std::string& body)>;

  struct Options {
    std::string host = "127.0.0.1";
    int port = 443;
    int dc_id = 2;
    transport::Framing framing = transport::Framing::kIntermediate;
    bool obfuscated = false;
    std::vector<crypto::RsaPublicKey> server_keys;
    std::optional<AuthKeyState> auth_key;  // resume with it instead of a handshake
    ReconnectPolicy reconnect;
    KeepalivePolicy keepalive;
    // Connecting plus the handshake must finish within this, or the attempt counts as failed.
    std::chrono::milliseconds connect_timeout{15'000};
    Clock* clock = nullptr;                // nullptr: the system clock
    crypto::RandomSource* random = nullptr;  // nullptr: a SecureRandom of its own
    InitWrapper init_wrapper;  // null: requests go as given
    // Ask for future salts once per session (get_future_salts), reported through on_salts.
    int future_salts = 0;  // 0: never ask
  };

  static std::shared_ptr<Connection> Create(asio::io_context& io, Options options,
                                            Observer observer = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Queues one call (a serialized TL function, boxed). Thread-safe.
  RequestId Send(std::string body, Callback done);
  // The request's callback gets CANCELLED now; an answer arriving later is dropped. Thread-safe;
  // a request already completed is left alone.
  void Cancel(RequestId id);
  // Closes the socket for good; every pending callback gets ABORTED. Thread-safe; idempotent.
  void Stop();

 private:
  struct Request {
    std::string body;
    Callback done;
    uint64_t msg_id = 0;  // 0 until handed to the session
  };

  Connection(asio::io_context& io, Options options, Observer observer);

  void DoSend(RequestId id, std::string body, Callback done);
  void DoCancel(RequestId id);
  void DoStop();
  void Connect();
  void OnConnected();
  void StartSession(const AuthKeyState& state);
  void OnReady();
  void ScheduleFlush();
  void FlushSession();
  void Write(std::string bytes);
  void WriteNext();
  void ReadNext();
  void OnBytes(std::string_view bytes);
  void OnPacket(std::string packet);
  void OnHandshakePacket(const std::string& packet);
  void OnIncoming(session::Incoming incoming);
  void OnTransportError(int32_t code);
  void SendPing();
  void AskFutureSalts();
  void OnFutureSalts(const std::string& body);
  void ReportSaltChange();
  // Closes the socket and schedules the next attempt (after a backoff unless `immediately`).
  void Drop(absl::Status why, bool immediately = false);
  void Complete(RequestId id, absl::StatusOr<std::string> result);
  void SetState(ConnectionState state, absl::Status why = absl::OkStatus());
  std::chrono::milliseconds NextBackoff();
  session::UnixTime Now() { return clock_->Now(); }

  asio::io_context& io_;
  Options options_;
  Observer observer_;
  Clock* clock_;
  std::unique_ptr<crypto::RandomSource> own_random_;
  crypto::RandomSource* random_;

  std::atomic<RequestId> next_request_{1};
  ConnectionState state_ = ConnectionState::kIdle;
  // Bumped on every new socket, so that completions of an old one are ignored.
  uint64_t generation_ = 0;
  int failed_attempts_ = 0;

  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer retry_timer_;
  asio::steady_timer deadline_timer_;  // connect+handshake, then the pong's deadline
  asio::steady_timer ping_timer_;
  std::optional<transport::Codec> codec_;
  std::optional<session::ClientHandshake> handshake_;
  std::unique_ptr<session::Session> session_;  // survives reconnects; replaced after -404
  std::vector<char> read_buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool flush_posted_ = false;
  std::optional<uint64_t> ping_msg_id_;  // the ping awaiting its pong
  // The session has not carried a request yet (or the server started it anew): the next
  // request it takes is wrapped by init_wrapper.
  bool session_fresh_ = false;
  bool future_salts_asked_ = false;      // per session
  std::optional<uint64_t> salts_msg_id_;  // the get_future_salts awaiting its answer
  uint64_t reported_salt_ = 0;            // the salt last reported (or the handshake's)

  std::map<RequestId, Request> requests_;      // every request not yet completed
  std::map<uint64_t, RequestId> by_msg_id_;    // those handed to the session
  std::deque<RequestId> unsent_;               // those waiting for a ready session
};

}  // namespace mtproto::net

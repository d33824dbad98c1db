#include "mtproto/net/connection.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/writer.h"
#include "mtproto/transport/framing.h"

namespace mtproto::net {
namespace {

using asio::ip::tcp;
using Kind = session::Incoming::Kind;

constexpr size_t kReadBufferSize = 64 * 1024;

uint64_t RandomU64(crypto::RandomSource& random) {
  uint64_t value = 0;
  random.Fill({reinterpret_cast<uint8_t*>(&value), sizeof value});
  return value;
}

}  // namespace

const char* ConnectionStateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kIdle: return "idle";
    case ConnectionState::kConnecting: return "connecting";
    case ConnectionState::kHandshaking: return "handshaking";
    case ConnectionState::kReady: return "ready";
    case ConnectionState::kBackingOff: return "backing off";
    case ConnectionState::kStopped: return "stopped";
  }
  return "?";
}

std::shared_ptr<Connection> Connection::Create(asio::io_context& io, Options options,
                                               Observer observer) {
  return std::shared_ptr<Connection>(new Connection(io, std::move(options), std::move(observer)));
}

Connection::Connection(asio::io_context& io, Options options, Observer observer)
    : io_(io),
      options_(std::move(options)),
      observer_(std::move(observer)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::Instance()),
      own_random_(options_.random != nullptr ? nullptr : std::make_unique<crypto::SecureRandom>()),
      random_(options_.random != nullptr ? options_.random : own_random_.get()),
      resolver_(io),
      socket_(io),
      retry_timer_(io),
      deadline_timer_(io),
      ping_timer_(io),
      read_buffer_(kReadBufferSize) {
  if (options_.auth_key) StartSession(*options_.auth_key);
}

Connection::~Connection() = default;

// --- Entry points: post to the I/O thread. ---

void Connection::Start() {
  asio::post(io_, [self = shared_from_this()] {
    if (self->state_ == ConnectionState::kIdle) self->Connect();
  });
}

Connection::RequestId Connection::Send(std::string body, Callback done) {
  const RequestId id = next_request_++;
  asio::post(io_, [self = shared_from_this(), id, body = std::move(body),
                   done = std::move(done)]() mutable {
    self->DoSend(id, std::move(body), std::move(done));
  });
  return id;
}

void Connection::Cancel(RequestId id) {
  asio::post(io_, [self = shared_from_this(), id] { self->DoCancel(id); });
}

void Connection::Stop() {
  asio::post(io_, [self = shared_from_this()] { self->DoStop(); });
}

// --- Requests. ---

void Connection::DoSend(RequestId id, std::string body, Callback done) {
  if (state_ == ConnectionState::kStopped) {
    done(absl::AbortedError("connection stopped"));
    return;
  }
  requests_[id] = Request{std::move(body), std::move(done), 0};
  unsent_.push_back(id);
  if (state_ == ConnectionState::kReady) ScheduleFlush();
}

void Connection::DoCancel(RequestId id) {
  // The session keeps the call (it may already be on the wire); its answer finds no request.
  Complete(id, absl::CancelledError("request cancelled"));
}

void Connection::DoStop() {
  if (state_ == ConnectionState::kStopped) return;
  ++generation_;
  asio::error_code ignored;
  resolver_.cancel();
  socket_.close(ignored);
  retry_timer_.cancel();
  deadline_timer_.cancel();
  ping_timer_.cancel();
  outbox_.clear();
  SetState(ConnectionState::kStopped, absl::AbortedError("stopped"));
  std::vector<RequestId> pending;
  for (const auto& [id, request] : requests_) pending.push_back(id);
  for (RequestId id : pending) Complete(id, absl::AbortedError("connection stopped"));
}

void Connection::Complete(RequestId id, absl::StatusOr<std::string> result) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  Callback done = std::move(it->second.done);
  if (it->second.msg_id != 0) by_msg_id_.erase(it->second.msg_id);
  requests_.erase(it);
  // unsent_ may still name it; OnReady skips ids no longer in requests_.
  done(std::move(result));
}

// --- Connecting. ---

void Connection::Connect() {
  const uint64_t generation = ++generation_;
  SetState(ConnectionState::kConnecting);
  deadline_timer_.expires_after(options_.connect_timeout);
  deadline_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (ec || generation != self->generation_ || self->state_ == ConnectionState::kReady) return;
    self->Drop(absl::DeadlineExceededError("connect and handshake timed out"));
  });
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      [self = shared_from_this(), generation](const asio::error_code& ec,
                                              tcp::resolver::results_type results) {
        if (generation != self->generation_) return;
        if (ec) return self->Drop(absl::UnavailableError("resolve: " + ec.message()));
        asio::async_connect(self->socket_, results,
                            [self, generation](const asio::error_code& ec, const tcp::endpoint&) {
                              if (generation != self->generation_) return;
                              if (ec) {
                                return self->Drop(
                                    absl::UnavailableError("connect: " + ec.message()));
                              }
                              self->OnConnected();
                            });
      });
}

void Connection::OnConnected() {
  asio::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  transport::Codec::Options codec_options;
  codec_options.dc_id = static_cast<int16_t>(options_.dc_id);
  absl::StatusOr<transport::Codec> codec =
      transport::Codec::ForClient(options_.framing, options_.obfuscated, *random_, codec_options);
  if (!codec.ok()) {
    // A configuration error (full framing with obfuscation): retrying cannot help.
    DoStop();
    return;
  }
  codec_.emplace(*std::move(codec));
  outbox_.clear();
  writing_ = false;
  Write(codec_->TakePreamble());
  ReadNext();
  if (session_ != nullptr) return OnReady();
  SetState(ConnectionState::kHandshaking);
  handshake_.emplace(session::ClientHandshake::Options{options_.server_keys, options_.dc_id, 0},
                     *random_);
  absl::StatusOr<std::string> first = codec_->Encode(handshake_->Start(Now()));
  if (!first.ok()) return Drop(first.status());
  Write(*std::move(first));
}

void Connection::OnHandshakePacket(const std::string& packet) {
  if (!handshake_) return Drop(absl::InternalError("unexpected packet before the session"));
  absl::StatusOr<std::string> next = handshake_->OnPacket(packet, Now());
  if (!next.ok()) return Drop(next.status());
  if (!handshake_->done()) {
    absl::StatusOr<std::string> framed = codec_->Encode(*next);
    if (!framed.ok()) return Drop(framed.status());
    return Write(*std::move(framed));
  }
  const session::HandshakeResult& result = handshake_->result();
  AuthKeyState state{result.key, result.server_salt, result.time_offset};
  handshake_.reset();
  StartSession(state);
  if (observer_.on_auth_key) observer_.on_auth_key(state);
  OnReady();
}

void Connection::StartSession(const AuthKeyState& state) {
  session_ = std::make_unique<session::Session>(
      session::Session::Options{session::Role::kClient, state.key, RandomU64(*random_), state.salt,
                                state.time_offset},
      *random_);
  session_fresh_ = true;
  future_salts_asked_ = false;
  salts_msg_id_.reset();
  reported_salt_ = state.salt;
}

void Connection::OnReady() {
  deadline_timer_.cancel();
  failed_attempts_ = 0;
  ping_msg_id_.reset();
  // Calls sent on the previous connection and not answered go again under the same msg_id.
  session_->ResendUnanswered(Now());
  SetState(ConnectionState::kReady);
  FlushSession();
  if (!future_salts_asked_ && options_.future_salts > 0) AskFutureSalts();
  if (options_.keepalive.interval.count() > 0) {
    const uint64_t generation = generation_;
    ping_timer_.expires_after(options_.keepalive.interval);
    ping_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
      if (!ec && generation == self->generation_) self->SendPing();
    });
  }
}

// --- Sending. ---

void Connection::ScheduleFlush() {
  // One flush per turn of the event loop, so that a burst of Sends leaves as one container.
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    if (self->state_ == ConnectionState::kReady) self->FlushSession();
  });
}

void Connection::FlushSession() {
  const session::UnixTime now = Now();
  while (!unsent_.empty()) {
    const RequestId id = unsent_.front();
    unsent_.pop_front();
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;  // cancelled while waiting
    if (session_fresh_ && options_.init_wrapper) {
      // Kept wrapped: if it must go again in yet another new session, it declares it too.
      absl::StatusOr<std::string> wrapped = options_.init_wrapper(it->second.body);
      if (wrapped.ok()) it->second.body = *std::move(wrapped);
    }
    session_fresh_ = false;
    it->second.msg_id = session_->Send(it->second.body, now);
    by_msg_id_[it->second.msg_id] = id;
  }
  while (std::optional<std::string> packet = session_->Flush(now)) {
    absl::StatusOr<std::string> framed = codec_->Encode(*packet);
    if (!framed.ok()) return Drop(framed.status());
    Write(*std::move(framed));
  }
}

void Connection::Write(std::string bytes) {
  if (bytes.empty()) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) WriteNext();
}

void Connection::WriteNext() {
  if (outbox_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  const uint64_t generation = generation_;
  asio::async_write(socket_, asio::buffer(outbox_.front()),
                    [self = shared_from_this(), generation](const asio::error_code& ec, size_t) {
                      if (generation != self->generation_) return;
                      if (ec) return self->Drop(absl::UnavailableError("write: " + ec.message()));
                      self->outbox_.pop_front();
                      self->WriteNext();
                    });
}

// --- Receiving. ---

void Connection::ReadNext() {
  const uint64_t generation = generation_;
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this(), generation](const asio::error_code& ec, size_t n) {
        if (generation != self->generation_) return;
        if (ec) return self->Drop(absl::UnavailableError("read: " + ec.message()));
        self->OnBytes(std::string_view(self->read_buffer_.data(), n));
        if (generation == self->generation_) self->ReadNext();
      });
}

void Connection::OnBytes(std::string_view bytes) {
  const uint64_t generation = generation_;
  std::vector<transport::Frame> frames;
  const absl::Status fed = codec_->Feed(bytes, &frames);
  for (transport::Frame& frame : frames) {
    if (generation != generation_) return;  // a frame dropped or replaced the connection
    switch (frame.kind) {
      case transport::Frame::Kind::kPacket: OnPacket(std::move(frame.payload)); break;
      case transport::Frame::Kind::kError: OnTransportError(frame.error_code); break;
      case transport::Frame::Kind::kQuickAck: break;  // we never ask for quick acks
    }
  }
  if (generation != generation_) return;
  if (!fed.ok()) return Drop(fed);
  if (session_ != nullptr && session_->has_pending()) ScheduleFlush();  // acks, resends
}

void Connection::OnPacket(std::string packet) {
  if (state_ == ConnectionState::kHandshaking) return OnHandshakePacket(packet);
  std::vector<session::Incoming> incoming;
  // A packet the session refuses (replayed, out of the time window) is dropped, as the spec
  // says to ignore such messages; the server's calls stay pending and are resent later.
  if (!session_->Receive(packet, Now(), &incoming).ok()) return;
  for (session::Incoming& event : incoming) OnIncoming(std::move(event));
  if (session_ != nullptr) ReportSaltChange();
}

void Connection::ReportSaltChange() {
  if (session_->salt() == reported_salt_) return;
  reported_salt_ = session_->salt();
  if (observer_.on_salts) {
    observer_.on_salts({SaltWindow{reported_salt_, session::UnixSeconds(Now())}});
  }
}

void Connection::AskFutureSalts() {
  future_salts_asked_ = true;
  tl::mt::get_future_salts request;
  request.num = options_.future_salts;
  tl::Writer out;
  request.StoreBoxed(out);
  salts_msg_id_ = session_->Send(out.Take(), Now());
  FlushSession();
}

void Connection::OnFutureSalts(const std::string& body) {
  tl::Reader in(body);
  auto salts = tl::FetchBoxedAs<tl::mt::FutureSalts>(in);
  const auto* answer = dynamic_cast<const tl::mt::future_salts*>(salts.get());
  if (answer == nullptr || !in.ok()) return;
  std::vector<SaltWindow> windows;
  for (const auto& salt : answer->salts) {
    if (salt == nullptr) continue;
    windows.push_back(
        SaltWindow{static_cast<uint64_t>(salt->salt), salt->valid_since, salt->valid_until});
  }
  if (!windows.empty() && observer_.on_salts) observer_.on_salts(windows);
}

void Connection::OnIncoming(session::Incoming event) {
  switch (event.kind) {
    case Kind::kResult: {
      if (salts_msg_id_ && event.msg_id == *salts_msg_id_) {
        salts_msg_id_.reset();
        return OnFutureSalts(event.body);
      }
      if (ping_msg_id_ && event.msg_id == *ping_msg_id_) {
        ping_msg_id_.reset();
        deadline_timer_.cancel();
        return;
      }
      auto it = by_msg_id_.find(event.msg_id);
      if (it != by_msg_id_.end()) Complete(it->second, std::move(event.body));
      return;  // else cancelled, or the pong of an older ping
    }
    case Kind::kFailed: {
      auto it = by_msg_id_.find(event.msg_id);
      if (it != by_msg_id_.end()) {
        Complete(it->second,
                 absl::InternalError(absl::StrCat("bad_msg_notification ", event.code)));
      }
      return;
    }
    case Kind::kUpdate:
      if (observer_.on_update) observer_.on_update(std::move(event.body));
      return;
    case Kind::kNewSession:
      // The server starts this session afresh: its next request declares the connection again.
      session_fresh_ = true;
      if (observer_.on_new_session) observer_.on_new_session();
      return;
    default:
      return;  // server-side kinds
  }
}

void Connection::OnTransportError(int32_t code) {
  if (code == transport::kErrorAuthKeyNotFound) {
    // The server does not know our key (e.g. it lost its state): nothing sent under it was
    // executed, so every request goes again, in a new session under a new key.
    session_.reset();
    unsent_.clear();
    by_msg_id_.clear();
    for (auto& [id, request] : requests_) {
      request.msg_id = 0;
      unsent_.push_back(id);
    }
    return Drop(absl::UnauthenticatedError("transport error -404: auth key unknown"),
                /*immediately=*/true);
  }
  // -429 (too many connections or requests) and anything else: back off and try again.
  Drop(absl::UnavailableError(absl::StrCat("transport error ", code)));
}

// --- Keepalive. ---

void Connection::SendPing() {
  if (state_ != ConnectionState::kReady) return;
  const uint64_t generation = generation_;
  ping_timer_.expires_after(options_.keepalive.interval);
  ping_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (!ec && generation == self->generation_) self->SendPing();
  });
  // One ping at a time: re-arming the deadline for a newer ping would let a dead connection
  // live forever whenever the interval is shorter than the pong timeout.
  if (ping_msg_id_) return;
  tl::mt::ping_delay_disconnect ping;
  ping.ping_id = static_cast<int64_t>(RandomU64(*random_));
  ping.disconnect_delay = static_cast<int32_t>(options_.keepalive.disconnect_delay.count());
  tl::Writer out;
  ping.StoreBoxed(out);
  ping_msg_id_ = session_->Send(out.Take(), Now());
  FlushSession();
  deadline_timer_.expires_after(options_.keepalive.pong_timeout);
  deadline_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (ec || generation != self->generation_ || !self->ping_msg_id_) return;
    self->Drop(absl::DeadlineExceededError("no pong: the connection is dead"));
  });
}

// --- Failures. ---

void Connection::Drop(absl::Status why, bool immediately) {
  if (state_ == ConnectionState::kStopped) return;
  const uint64_t generation = ++generation_;
  asio::error_code ignored;
  socket_.close(ignored);
  deadline_timer_.cancel();
  ping_timer_.cancel();
  handshake_.reset();
  codec_.reset();
  outbox_.clear();
  writing_ = false;
  ping_msg_id_.reset();
  ++failed_attempts_;
  if (options_.reconnect.max_attempts > 0 && failed_attempts_ > options_.reconnect.max_attempts) {
    SetState(ConnectionState::kStopped, why);
    std::vector<RequestId> pending;
    for (const auto& [id, request] : requests_) pending.push_back(id);
    for (RequestId id : pending) {
      Complete(id, absl::UnavailableError(absl::StrCat("gave up reconnecting: ", why.message())));
    }
    return;
  }
  SetState(ConnectionState::kBackingOff, why);
  retry_timer_.expires_after(immediately ? std::chrono::milliseconds(0) : NextBackoff());
  retry_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (!ec && generation == self->generation_) self->Connect();
  });
}

std::chrono::milliseconds Connection::NextBackoff() {
  const ReconnectPolicy& policy = options_.reconnect;
  const int exponent = std::min(failed_attempts_ - 1, 30);
  const double base = std::min(static_cast<double>(policy.initial_backoff.count()) *
                                   std::ldexp(1.0, exponent),
                               static_cast<double>(policy.max_backoff.count()));
  const double unit = static_cast<double>(RandomU64(*random_) >> 11) * 0x1.0p-53;  // [0, 1)
  const double factor = 1.0 + policy.jitter * (2.0 * unit - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, base * factor)));
}

void Connection::SetState(ConnectionState state, absl::Status why) {
  state_ = state;
  if (observer_.on_state) observer_.on_state(state, why);
}

}  // namespace mtproto::net

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#include "mtproto/emulator/server.h"

#include <stdlib.h>


#include <asio.hpp>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "mtproto/crypto/random.h"
#include "mtproto/emulator/chat_state.h"
#include "mtproto/emulator/dispatcher.h"
#include "mtproto/emulator/password.h"
#include "mtproto/emulator/store.h"
#include "mtproto/emulator/update_log.h"
#include "mtproto/session/envelope.h"
#include "mtproto/session/handshake.h"
#include "mtproto/session/session.h"
#include "mtproto/tl/api_layers.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"
#include "mtproto/transport/codec.h"
#include "nlohmann/json.hpp"

namespace mtproto::emulator {
namespace {

using asio::ip::tcp;
constexpr size_t kReadBufferSize = 64 * 1024;

// The wire form of a dispatch outcome, as rpc_result's body: the answer in the connection's
// layer, or an rpc_error.
// Server-side diagnostics go to stderr (the binary's log).
template <typename... Args>
void Log(const char* format, Args... args) {
  std::fprintf(stderr, "emulator: ");
  std::fprintf(stderr, format, args...);
  std::fputc('\n', stderr);
}

std::string EncodeOutcome(const Outcome& outcome, int layer) {
  tl::Writer w;
  w.set_layer_adapter(tl::api::LayerAdapterFor(layer));  // null for 223 itself
  RpcError error{500, "INTERNAL"};
  if (const auto* answer = std::get_if<RpcAnswer>(&outcome)) {
    answer->Store(w);
    if (w.ok()) return w.Take();
    std::fprintf(stderr, "emulator: cannot encode an answer: %s\n", w.error().c_str());
  } else {
    error = std::get<RpcError>(outcome);
  }
  tl::mt::rpc_error wire;
  wire.error_code = error.code;
  wire.error_message = error.message;
  tl::Writer e;
  wire.StoreBoxed(e);
  return e.Take();
}

// Why a session that has not called initConnection yet may not run `request`, or null when it
// may: a session's first query must be invokeWithLayer(initConnection(query)) (other wrappers
// may enclose them), as https://core.telegram.org/api/invoking requires.
const char* InitRefusal(const tl::Function& request) {
  namespace api = tl::api;
  bool layer_declared = false;
  const tl::Function* query = &request;
  for (int depth = 0; depth < 16 && query; ++depth) {
    switch (query->ConstructorId()) {
      case api::invokeWithLayer::kId:
        layer_declared = true;
        query = static_cast<const api::invokeWithLayer&>(*query).query.get();
        break;
      case api::initConnection::kId:
        return layer_declared ? nullptr : "CONNECTION_LAYER_INVALID";
      case api::invokeWithoutUpdates::kId:
        query = static_cast<const api::invokeWithoutUpdates&>(*query).query.get();
        break;
      case api::invokeAfterMsg::kId:
        query = static_cast<const api::invokeAfterMsg&>(*query).query.get();
        break;
      case api::invokeAfterMsgs::kId:
        query = static_cast<const api::invokeAfterMsgs&>(*query).query.get();
        break;
      default:
        return "CONNECTION_NOT_INITED";
    }
  }
  return "CONNECTION_NOT_INITED";
}

}  // namespace

struct Emulator::Impl {
  class Connection;

  Impl(EmulatorOptions& options) : options(options) {}

  EmulatorOptions& options;
  // Logs every request and its outcome (INVITEGATE_EMULATOR_VERBOSE=1 or EmulatorOptions).
  bool verbose = options.verbose || std::getenv("INVITEGATE_EMULATOR_VERBOSE") != nullptr;
  asio::io_context io;
  std::thread thread;
  crypto::SecureRandom random;
  World world;
  std::unique_ptr<Store> store;
  std::optional<crypto::RsaPrivateKey> key;
  std::unique_ptr<PasswordService> passwords;
  RpcFaults rpc_faults;
  Faults connection_faults;  // the config new connections count against
  EmulatorEnv env;
  std::unique_ptr<UpdateLog> updates;
  std::unique_ptr<ChatState> chats;  // chats, invite links, join requests (chat_state.h)
  std::unique_ptr<Dispatcher> dispatcher;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  EmulatorEndpoints endpoints;
  std::set<std::weak_ptr<Connection>, std::owner_less<std::weak_ptr<Connection>>> connections;

  struct KnownKey {
    session::AuthKey key;
    int dc_id;
  };
  std::map<int64_t, KnownKey> keys;    // cache of the store's auth keys
  std::map<int64_t, uint64_t> salts;   // current server salt per auth key
  std::map<std::pair<int64_t, uint64_t>, std::unique_ptr<session::Session>> sessions;
  // The connection each session last spoke on: where an answer made later (a delayed one) goes.
  std::map<std::pair<int64_t, uint64_t>, std::weak_ptr<Connection>> session_connections;
  // What each session declared with invokeWithLayer(initConnection(...)): a session without an
  // entry has not initialized its connection yet. Kept in memory: after a restart every session
  // starts over, as a new session does.
  struct SessionInit {
    int layer = 0;
    std::optional<InitConnectionParams> init;
  };
  std::map<std::pair<int64_t, uint64_t>, SessionInit> session_inits;

  session::UnixTime Now() const { return session::UnixTime(absl::ToUnixNanos(env.clock())); }

  uint64_t DrawSalt() {
    uint64_t salt = 0;
    while (salt == 0) random.Fill({reinterpret_cast<uint8_t*>(&salt), 8});
    return salt;
  }

  uint64_t SaltFor(int64_t key_id) {
    auto it = salts.find(key_id);
    if (it == salts.end()) it = salts.emplace(key_id, DrawSalt()).first;
    return it->second;
  }

  void RotateSalt(int64_t key_id) {
    const uint64_t salt = DrawSalt();
    salts[key_id] = salt;
    for (auto it = sessions.lower_bound({key_id, 0});
         it != sessions.end() && it->first.first == key_id; ++it) {
      it->second->SetSalt(salt);
    }
  }

  const KnownKey* FindKey(int64_t key_id) {
    if (auto it = keys.find(key_id); it != keys.end()) return &it->second;
    absl::StatusOr<std::optional<AuthKeyRecord>> record = store->FindAuthKey(key_id);
    if (!record.ok() || !*record || (*record)->key.size() != crypto::kAuthKeySize) return nullptr;
    std::array<uint8_t, crypto::kAuthKeySize> bytes;
    std::memcpy(bytes.data(), (*record)->key.data(), bytes.size());
    auto [it, _] = keys.emplace(key_id, KnownKey{session::AuthKey::FromBytes(bytes),
                                                 (*record)->dc_id});
    return &it->second;
  }

  // destroy_session: forgets another session of the same key (never the caller's own).
  std::string DestroySession(int64_t key_id, uint64_t session_id, uint64_t caller_session) {
    const bool existed = session_id != caller_session && sessions.erase({key_id, session_id}) > 0;
    session_connections.erase({key_id, session_id});
    if (existed) session_inits.erase({key_id, session_id});
    tl::Writer out;
    if (existed) {
      tl::mt::destroy_session_ok answer;
      answer.session_id = static_cast<int64_t>(session_id);
      answer.StoreBoxed(out);
    } else {
      tl::mt::destroy_session_none answer;
      answer.session_id = static_cast<int64_t>(session_id);
      answer.StoreBoxed(out);
    }
    return out.Take();
  }

  session::Session& SessionFor(const KnownKey& known, uint64_t session_id) {
    const auto id = static_cast<int64_t>(known.key.id);
    auto& slot = sessions[{id, session_id}];
    if (!slot) {
      session::Session::Options o;
      o.role = session::Role::kServer;
      o.key = known.key;
      o.session_id = session_id;
      o.salt = SaltFor(id);
      slot = std::make_unique<session::Session>(o, random);
    }
    return *slot;
  }

  asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor, int dc_id);
  void CloseAll();
  // UpdateHub's Deliver: `updates` to every initialized session of an auth key signed in as
  // `user_id` that has a live connection, in the session's layer.
  void DeliverUpdates(int64_t user_id, const tl::api::Updates& updates);
};

// One client connection: transport codec, the handshake in progress, the connection's layer and
// fault counters; encrypted messages go to the server-wide sessions.
class Emulator::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket, int dc_id)
      : server_(server),
        socket_(std::move(socket)),
        codec_(transport::Codec::ForServer(server.random)),
        faults_(server.connection_faults) {
    context_.dc_id = dc_id;
  }

  asio::awaitable<void> Run() {
    auto self = shared_from_this();
    std::string buffer(kReadBufferSize, '\0');
    while (!closed_) {
      asio::error_code ec;
      const size_t n = co_await socket_.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      std::vector<transport::Frame> frames;
      const absl::Status fed = codec_.Feed(std::string_view(buffer.data(), n), &frames);
      for (transport::Frame& frame : frames) {
        if (closed_) break;
        if (frame.kind == transport::Frame::Kind::kPacket) OnPacket(frame.payload);
      }
      // Everything answered for one read goes out together (one container per session), as
      // Telegram batches its replies.
      FlushTouched();
      if (!fed.ok()) break;
    }
    Close();
  }

  bool closed() const { return closed_; }

  void FlushSession(session::Session& session) {
    while (std::optional<std::string> packet = session.Flush(server_.Now())) {
      Enqueue(*std::move(packet), /*encode=*/true);
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    idle_timer_.cancel();
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void OnPacket(const std::string& packet) {
    const std::optional<uint64_t> key_id = session::PeekAuthKeyId(packet);
    if (!key_id) return Close();
    if (*key_id == 0) return OnPlain(packet);
    const auto id = static_cast<int64_t>(*key_id);
    const KnownKey* known = server_.FindKey(id);
    if (!known || known->dc_id != context_.dc_id) {
      // The client must create a key on this DC (transport error -404, as Telegram sends).
      if (auto error = codec_.EncodeError(transport::kErrorAuthKeyNotFound); error.ok()) {
        Enqueue(*std::move(error));
      }
      return;
    }
    absl::StatusOr<session::InnerMessage> inner =
        session::DecryptMessage(known->key, session::Role::kClient, packet);
    if (!inner.ok()) return Close();
    context_.auth_key_id = id;
    const ConnectionFaultActions actions = faults_.OnMessage(inner->seqno % 2 == 1);
    const bool salt_was_current = inner->salt == server_.SaltFor(id);
    if (server_.verbose) {
      uint32_t body_id = 0;
      if (inner->body.size() >= 4) std::memcpy(&body_id, inner->body.data(), 4);
      Log("DC %d key %016llx: message %llu seqno %d body %08x salt %s%s%s", context_.dc_id,
          static_cast<unsigned long long>(id), static_cast<unsigned long long>(inner->msg_id),
          inner->seqno, body_id, salt_was_current ? "ok" : "stale",
          actions.rotate_salt ? ", then rotating the salt" : "", actions.drop ? ", dropping" : "");
    }
    if (actions.drop) return Close();
    session::Session& session = server_.SessionFor(*known, inner->session_id);
    const session::UnixTime now = server_.Now();
    if (actions.bad_msg_notification_code) {
      session.NotifyBadMessage(inner->msg_id, inner->seqno, *actions.bad_msg_notification_code,
                               now);
      return Touch(session);
    }
    std::vector<session::Incoming> incoming;
    if (absl::Status s = session.Receive(*inner, now, &incoming); !s.ok()) {
      Log("DC %d: dropping the connection: %s", context_.dc_id, s.ToString().c_str());
      return Close();
    }
    for (session::Incoming& in : incoming) {
      if (in.kind == session::Incoming::Kind::kDisconnectAfter) {
        CloseIfIdleFor(std::chrono::seconds(in.code));
        continue;
      }
      if (in.kind == session::Incoming::Kind::kDestroySession) {
        session.Reply(in.msg_id, server_.DestroySession(id, in.session_id, inner->session_id),
                      now);
        continue;
      }
      if (in.kind != session::Incoming::Kind::kRequest) continue;
      DispatchResult result = DispatchForSession(in.body, {id, inner->session_id});
      if (server_.verbose) {
        const auto* error = std::get_if<RpcError>(&result.outcome);
        Log("DC %d key %016llx layer %d: %s -> %s", context_.dc_id,
            static_cast<unsigned long long>(id), context_.layer, result.method.c_str(),
            error ? (std::to_string(error->code) + " " + error->message).c_str() : "ok");
      }
      std::string answer = EncodeOutcome(result.outcome, context_.layer);
      if (result.delay.count() > 0) {
        DelayReply(session, in.msg_id, std::move(answer), result.delay);
      } else {
        session.Reply(in.msg_id, std::move(answer), now);
      }
    }
    Touch(session);
    // The Nth message still counted with the old salt; the next one needs the new salt. A
    // rotation due on a message that itself had a stale salt waits for one with the current
    // salt, so that every salt gets used at least once and clients always make progress.
    rotation_due_ |= actions.rotate_salt;
    if (rotation_due_ && salt_was_current) {
      rotation_due_ = false;
      FlushTouched();  // answers already queued go out under the salt they were made with
      server_.RotateSalt(id);
    }
  }

  void OnPlain(const std::string& packet) {
    if (!handshake_ || handshake_->done()) handshake_.emplace(*server_.key, server_.random);
    absl::StatusOr<std::string> answer = handshake_->OnPacket(packet, server_.Now());
    if (!answer.ok()) {
      std::fprintf(stderr, "emulator: DC %d handshake failed: %s\n", context_.dc_id,
                   answer.status().ToString().c_str());
      return Close();
    }
    if (handshake_->done()) {
      const session::HandshakeResult& result = handshake_->result();
      AuthKeyRecord record;
      record.id = static_cast<int64_t>(result.key.id);
      record.key.assign(reinterpret_cast<const char*>(result.key.bytes.data()),
                        result.key.bytes.size());
      record.dc_id = context_.dc_id;
      record.created = server_.env.NowSeconds();
      if (absl::Status s = server_.store->PutAuthKey(record); !s.ok()) {
        std::fprintf(stderr, "emulator: %s\n", s.ToString().c_str());
        return Close();
      }
      server_.keys.insert_or_assign(record.id, KnownKey{result.key, context_.dc_id});
      server_.salts[record.id] = result.server_salt;
    }
    Enqueue(*std::move(answer), /*encode=*/true);
  }

  // Dispatches one request in its session's layer and initConnection, refusing a session's first
  // query unless it initializes the connection; records what the request declared.
  DispatchResult DispatchForSession(const std::string& body, std::pair<int64_t, uint64_t> ids) {
    auto known = server_.session_inits.find(ids);
    context_.layer = known != server_.session_inits.end() ? known->second.layer : 0;
    context_.init = known != server_.session_inits.end() ? known->second.init : std::nullopt;
    tl::Reader in(body);
    in.set_compat(&tl::api::kCompatSchema);  // as DispatchBytes decodes
    tl::ObjectPtr<tl::api::Function> request = tl::FetchBoxedAs<tl::api::Function>(in);
    if (!in.ok() || in.remaining() != 0 || !request) {
      return server_.dispatcher->DispatchBytes(body, context_);  // its decode errors
    }
    if (!context_.init) {
      if (const char* refusal = InitRefusal(*request)) {
        return DispatchResult{Dispatcher::MethodName(request->ConstructorId()),
                              RpcError{400, refusal}, {}};
      }
    }
    DispatchResult result = server_.dispatcher->Dispatch(*request, context_);
    if (context_.init) server_.session_inits[ids] = {context_.layer, context_.init};
    return result;
  }

  // Answers after `delay` on whichever connection the session uses by then (the client may have
  // reconnected and repeated the call meanwhile; the repeat is not executed again). The session
  // is looked up again when the timer fires: it may have been destroyed.
  void DelayReply(session::Session& session, uint64_t msg_id, std::string answer,
                  std::chrono::milliseconds delay) {
    const std::pair<int64_t, uint64_t> ids{static_cast<int64_t>(session.key().id),
                                           session.session_id()};
    auto timer = std::make_shared<asio::steady_timer>(server_.io, delay);
    timer->async_wait([&server = server_, timer, ids, msg_id,
                       answer = std::move(answer)](const asio::error_code& ec) mutable {
      if (ec) return;
      auto it = server.sessions.find(ids);
      if (it == server.sessions.end()) return;
      it->second->Reply(msg_id, std::move(answer), server.Now());
      if (auto connection = server.session_connections[ids].lock(); connection && !connection->closed_) {
        connection->FlushSession(*it->second);
      }
    });
  }

  // ping_delay_disconnect: close unless another one arrives within `delay` (each re-arms it).
  void CloseIfIdleFor(std::chrono::seconds delay) {
    idle_timer_.expires_after(delay);
    idle_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->Close();  // a re-arm cancels the previous wait with an error
    });
  }

  void Touch(session::Session& session) {
    server_.session_connections[{static_cast<int64_t>(session.key().id), session.session_id()}] =
        weak_from_this();
    if (std::find(touched_.begin(), touched_.end(), &session) == touched_.end()) {
      touched_.push_back(&session);
    }
  }

  void FlushTouched() {
    for (session::Session* session : touched_) FlushSession(*session);
    touched_.clear();
  }

  // Frames `bytes` (unless they already are a transport frame) and writes them in order.
  void Enqueue(std::string bytes, bool encode = false) {
    if (closed_) return;
    if (encode) {
      absl::StatusOr<std::string> framed = codec_.Encode(bytes);
      if (!framed.ok()) return Close();
      bytes = *std::move(framed);
    }
    outbox_.push_back(std::move(bytes));
    if (writing_) return;
    writing_ = true;
    asio::co_spawn(server_.io, WriteLoop(), asio::detached);
  }

  asio::awaitable<void> WriteLoop() {
    auto self = shared_from_this();
    while (!outbox_.empty() && !closed_) {
      asio::error_code ec;
      co_await asio::async_write(socket_, asio::buffer(outbox_.front()),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        Close();
        break;
      }
      outbox_.pop_front();
    }
    writing_ = false;
  }

  Impl& server_;
  tcp::socket socket_;
  transport::Codec codec_;
  ConnectionFaults faults_;
  ConnectionContext context_;
  std::optional<session::ServerHandshake> handshake_;
  std::deque<std::string> outbox_;
  asio::steady_timer idle_timer_{server_.io};
  bool writing_ = false;
  bool closed_ = false;
  bool rotation_due_ = false;
  std::vector<session::Session*> touched_;  // sessions with replies queued during this read
};

asio::awaitable<void> Emulator::Impl::AcceptLoop(tcp::acceptor& acceptor, int dc_id) {
  for (;;) {
    asio::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. too many open files: keep serving the others
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(*this, std::move(socket), dc_id);
    std::erase_if(connections, [](const auto& weak) { return weak.expired(); });
    connections.insert(connection);
    asio::co_spawn(io, connection->Run(), asio::detached);
  }
}

void Emulator::Impl::DeliverUpdates(int64_t user_id, const tl::api::Updates& updates) {
  std::map<int64_t, bool> key_is_user;  // auth key id → signed in as user_id
  for (auto& [ids, session] : sessions) {
    auto init = session_inits.find(ids);
    if (init == session_inits.end()) continue;  // never initialized: not subscribed to updates
    auto link = session_connections.find(ids);
    if (link == session_connections.end()) continue;
    std::shared_ptr<Connection> connection = link->second.lock();
    if (!connection || connection->closed()) continue;
    auto [signed_in, inserted] = key_is_user.emplace(ids.first, false);
    if (inserted) {
      absl::StatusOr<std::optional<AuthKeyRecord>> record = store->FindAuthKey(ids.first);
      signed_in->second = record.ok() && *record && (*record)->user_id == user_id;
    }
    if (!signed_in->second) continue;
    tl::Writer out;
    out.set_layer_adapter(tl::api::LayerAdapterFor(init->second.layer));
    updates.StoreBoxed(out);
    if (!out.ok()) {
      Log("cannot encode updates for layer %d: %s", init->second.layer, out.error().c_str());
      continue;
    }
    session->Send(out.Take(), Now());
    connection->FlushSession(*session);
  }
}

void Emulator::Impl::CloseAll() {
  for (auto& acceptor : acceptors) {
    asio::error_code ignored;
    acceptor->close(ignored);
  }
  for (const auto& weak : connections) {
    if (auto connection = weak.lock()) connection->Close();
  }
  connections.clear();
}

Emulator::Emulator(EmulatorOptions options) : options_(std::move(options)) {}

Emulator::~Emulator() { Stop(); }

absl::StatusOr<EmulatorEndpoints> Emulator::Start() {
  if (impl_) return absl::FailedPreconditionError("the emulator is already running");
  if (options_.dcs.empty()) return absl::InvalidArgumentError("no DCs to serve");
  if (options_.state_dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "invitegate-emulator-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return absl::InternalError("cannot create a state directory");
    options_.state_dir = pattern;
  }
  auto impl = std::make_unique<Impl>(options_);
  auto store = Store::Open(options_.state_dir);
  if (!store.ok()) return store.status();
  impl->store = *std::move(store);
  auto key = LoadOrCreateServerKey(options_.state_dir);
  if (!key.ok()) return key.status();
  impl->key = *std::move(key);

  if (options_.world) {
    impl->world = *options_.world;
  } else if (!options_.world_path.empty()) {
    auto world = World::FromFile(options_.world_path);
    if (!world.ok()) return world.status();
    impl->world = *std::move(world);
  } else {
    impl->world = World::Sample();
  }
  auto signed_up = impl->store->LoadUsers();
  if (!signed_up.ok()) return signed_up.status();
  for (WorldUser& user : *signed_up) {
    if (impl->world.FindAccount(user.id)) continue;
    if (absl::Status s = impl->world.AddUser(user); !s.ok()) return s;
  }

  impl->passwords = std::make_unique<PasswordService>(impl->random);
  impl->rpc_faults.Reset(options_.faults);
  impl->connection_faults = options_.faults;
  impl->env.world = &impl->world;
  impl->env.store = impl->store.get();
  impl->env.faults = &impl->rpc_faults;
  impl->env.passwords = impl->passwords.get();
  impl->env.random = &impl->random;
  if (options_.clock) impl->env.clock = options_.clock;
  auto updates = UpdateLog::Open(options_.state_dir, impl->env.clock);
  if (!updates.ok()) return updates.status();
  impl->updates = *std::move(updates);
  impl->updates->SetDeliver([raw = impl.get()](int64_t user_id, const tl::api::Updates& pushed) {
    raw->DeliverUpdates(user_id, pushed);
  });
  impl->env.updates = impl->updates.get();
  auto chats = ChatState::Open(options_.state_dir, impl->world, impl->random, impl->env.NowSeconds());
  if (!chats.ok()) return chats.status();
  impl->chats = *std::move(chats);
  impl->env.chats = impl->chats.get();

  asio::error_code ec;
  const asio::ip::address host = asio::ip::make_address(options_.host, ec);
  if (ec) return absl::InvalidArgumentError("bad host address: " + options_.host);
  for (size_t i = 0; i < options_.dcs.size(); ++i) {
    const int dc = options_.dcs[i];
    int port = options_.port_base > 0 ? options_.port_base + dc : 0;
    if (port == 0 && i < bound_ports_.size()) port = bound_ports_[i];  // a restart
    auto acceptor = std::make_unique<tcp::acceptor>(impl->io);
    const tcp::endpoint endpoint(host, static_cast<uint16_t>(port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrFormat("DC %d: cannot listen on %s:%d: %s", dc,
                                                    options_.host, port, ec.message()));
    }
    impl->env.dcs.push_back(DcEndpoint{dc, options_.host, acceptor->local_endpoint().port()});
    impl->acceptors.push_back(std::move(acceptor));
  }
  bound_ports_.clear();
  for (const DcEndpoint& dc : impl->env.dcs) bound_ports_.push_back(dc.port);

  impl->dispatcher = std::make_unique<Dispatcher>(impl->env);
  impl->endpoints.dcs = impl->env.dcs;
  impl->endpoints.public_key_pem = impl->key->public_key().ToPkcs1Pem();
  impl->endpoints.fingerprint = impl->key->Fingerprint();
  for (size_t i = 0; i < impl->acceptors.size(); ++i) {
    asio::co_spawn(impl->io, impl->AcceptLoop(*impl->acceptors[i], impl->env.dcs[i].id),
                   asio::detached);
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  impl_ = std::move(impl);
  return impl_->endpoints;
}

void Emulator::Stop() {
  if (!impl_) return;
  Impl* raw = impl_.get();
  asio::post(raw->io, [raw] {
    raw->CloseAll();
    raw->io.stop();
  });
  if (raw->thread.joinable()) raw->thread.join();
  impl_.reset();
}

absl::StatusOr<EmulatorEndpoints> Emulator::Restart() {
  Stop();
  return Start();
}

void Emulator::RunOnServer(const std::function<void(EmulatorEnv&)>& task) {
  if (!impl_) return;
  Impl* raw = impl_.get();
  std::promise<void> done;
  asio::post(raw->io, [raw, &done, &task] {
    task(raw->env);
    done.set_value();
  });
  done.get_future().wait();
}

void Emulator::SetFaults(Faults faults) {
  options_.faults = faults;
  if (!impl_) return;
  Impl* raw = impl_.get();
  std::promise<void> done;
  asio::post(raw->io, [raw, &done, faults = std::move(faults)]() mutable {
    raw->connection_faults = faults;
    raw->rpc_faults.Reset(std::move(faults));
    done.set_value();
  });
  done.get_future().wait();
}

std::string Emulator::WorldJson() const {
  if (!impl_) return "{}";
  Impl* raw = impl_.get();
  std::promise<std::string> json;
  asio::post(raw->io, [raw, &json] { json.set_value(raw->world.ToJson()); });
  return json.get_future().get();
}

std::string Emulator::ReadyJson() const {
  if (!impl_) return "{}";
  nlohmann::json ready;
  ready["dcs"] = nlohmann::json::array();
  for (const DcEndpoint& dc : impl_->endpoints.dcs) {
    ready["dcs"].push_back({{"id", dc.id}, {"host", dc.host}, {"port", dc.port}});
  }
  ready["public_key_pem"] = impl_->endpoints.public_key_pem;
  ready["fingerprint"] = absl::StrFormat("%016x", impl_->endpoints.fingerprint);
  ready["fingerprint_signed"] =
      std::to_string(static_cast<int64_t>(impl_->endpoints.fingerprint));
  ready["world"] = nlohmann::json::parse(WorldJson());
  ready["state_dir"] = options_.state_dir.string();
  return ready.dump();
}

}  // namespace mtproto::emulator

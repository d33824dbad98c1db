#include "mtproto/engine/engine.h"

#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mtproto/engine/peers.h"
#include "mtproto/tl/mt.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

// Which DCs' keys are signed in to the account (SessionStore has no column for it).
std::string AuthorizedKey(int dc_id) { return absl::StrCat("engine.dc_authorized.", dc_id); }

// Results that are Updates carry updates for the account too (e.g. importChatInvite's).
bool IsUpdatesResult(std::string_view raw) {
  uint32_t id = 0;
  if (raw.size() < 4) return false;
  std::memcpy(&id, raw.data(), 4);
  switch (id) {
    case api::updates::kId:
    case api::updatesCombined::kId:
    case api::updateShort::kId:
    case api::updateShortMessage::kId:
    case api::updateShortChatMessage::kId:
    case api::updateShortSentMessage::kId:
    case api::updatesTooLong::kId: return true;
    default: return false;
  }
}

// The 401s after which the account is no longer signed in on this key.
bool EndsLogin(const RpcError& error) {
  return error.code == 401 &&
         (error.name == "AUTH_KEY_UNREGISTERED" || error.name == "SESSION_REVOKED" ||
          error.name == "SESSION_EXPIRED" || error.name == "USER_DEACTIVATED" ||
          error.name == "USER_DEACTIVATED_BAN" || error.name == "AUTH_KEY_INVALID");
}

// Internal calls (authorization transfers) get this long.
constexpr auto kInternalTimeout = std::chrono::seconds(60);

int32_t NowSeconds() {
  return static_cast<int32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
}

bool IsRpcError(std::string_view raw) {
  uint32_t id = 0;
  if (raw.size() < 4) return false;
  std::memcpy(&id, raw.data(), 4);
  return id == tl::mt::rpc_error::kId;
}

// The name of the TL function `body` calls ("users.getUsers"); "unknown" for an id not in the
// schema.
std::string_view MethodName(std::string_view body) {
  uint32_t id = 0;
  if (body.size() >= 4) std::memcpy(&id, body.data(), 4);
  const tl::ConstructorInfo* info = tl::api::kSchema.Find(id);
  return info != nullptr ? info->name : "unknown";
}

}  // namespace

// One call from Invoke until its callback ran.
struct Engine::Call {
  explicit Call(asio::io_context& io) : deadline_timer(io), wait_timer(io) {}
  CallId id = 0;
  std::string body;  // unwrapped: the layer is added per connection
  Deadline deadline = kNoDeadline;
  RawCallback done;
  int pinned_dc = 0;  // 0: the home DC at each (re)try
  int migrations = 0;
  asio::steady_timer deadline_timer;
  asio::steady_timer wait_timer;  // FLOOD_WAIT
  int sent_dc = 0;                // where `request` is in flight (request != 0)
  net::Connection::RequestId request = 0;
  Cancellation::Handle cancel_handle = 0;  // registered with deadline.cancellation
  bool force_init = false;  // the server said CONNECTION_NOT_INITED: declare the layer again
};


absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options) {
  if (options.endpoints.dcs.empty()) return absl::InvalidArgumentError("no DC endpoints");
  absl::StatusOr<std::unique_ptr<store::SessionStore>> store =
      store::SessionStore::Open(options.store_path);
  if (!store.ok()) return store.status();
  absl::StatusOr<store::AccountState> account = (*store)->GetAccount();
  if (!account.ok()) return account.status();
  int home_dc = account->home_dc;
  if (home_dc == 0) {
    home_dc = options.endpoints.default_dc;
    if (absl::Status s = (*store)->SetHomeDc(home_dc); !s.ok()) return s;
  }
  return std::unique_ptr<Engine>(new Engine(std::move(options), std::move(*store), home_dc));
}

Engine::Engine(EngineOptions options, std::unique_ptr<store::SessionStore> store, int home_dc)
    : options_(std::move(options)),
      store_(std::move(store)),
      peers_(std::make_unique<PeerCache>(*store_)),
      home_dc_(home_dc) {
  work_.emplace(io_.get_executor());
  hold_timer_.emplace(io_);
  retry_timer_.emplace(io_);
  resync_timer_.emplace(io_);
  io_thread_ = std::thread([this] { io_.run(); });
}

Engine::~Engine() {
  asio::post(io_, [this] {
    shutting_down_ = true;
    std::vector<CallId> ids;
    for (const auto& [id, call] : calls_) ids.push_back(id);
    StopUpdates(/*keep_unacked=*/true);
    for (CallId id : ids) Finish(id, absl::AbortedError("engine shut down"));
    for (auto& [dc_id, dc] : dcs_) dc.connection->Stop();
  });
  work_.reset();
  io_thread_.join();
}

Engine::CallId Engine::InvokeRaw(std::string body, Deadline deadline, RawCallback done) {
  auto call = std::make_shared<Call>(io_);
  call->id = next_call_++;
  call->body = std::move(body);
  call->deadline = deadline;
  call->done = std::move(done);
  asio::post(io_, [this, call] {
    // A call made while the engine shuts down (a callback of an aborted call chaining another)
    // is aborted too, instead of starting on stopped connections.
    if (shutting_down_) return call->done(absl::AbortedError("engine shut down"));
    // A chained step whose operation was cancelled meanwhile is not sent at all.
    if (call->deadline.cancelled()) return call->done(absl::CancelledError("cancelled"));
    calls_[call->id] = call;
    if (call->deadline.cancellation) {
      // Runs on the canceller's thread (or now, if it fired already): Cancel only posts.
      call->cancel_handle =
          call->deadline.cancellation->Register([this, id = call->id] { Cancel(id); });
    }
    if (call->deadline.has_time()) {
      call->deadline_timer.expires_at(call->deadline.at);
      call->deadline_timer.async_wait([this, id = call->id](const asio::error_code& ec) {
        if (!ec) Finish(id, absl::DeadlineExceededError("the call's deadline passed"));
      });
    }
    Start(call);
  });
  return call->id;
}

void Engine::Cancel(CallId id) {
  asio::post(io_, [this, id] { Finish(id, absl::CancelledError("cancelled")); });
}

void Engine::InvokeOn(int dc, std::string body, RawCallback done) {
  auto call = std::make_shared<Call>(io_);
  call->id = next_call_++;
  call->body = std::move(body);
  call->deadline = In(kInternalTimeout);
  call->done = std::move(done);
  call->pinned_dc = dc;
  calls_[call->id] = call;
  call->deadline_timer.expires_at(call->deadline.at);
  call->deadline_timer.async_wait([this, id = call->id](const asio::error_code& ec) {
    if (!ec) Finish(id, absl::DeadlineExceededError("the call's deadline passed"));
  });
  Start(call);
}

void Engine::Start(const std::shared_ptr<Call>& call) {
  const int dc_id = call->pinned_dc != 0 ? call->pinned_dc : home_dc_.load();
  // The account's authorization is still on its way to this DC (a migration): a call sent now
  // would get AUTH_KEY_UNREGISTERED, so it goes once the transfer is done. (The transfer's own
  // export and import are pinned to their DCs.)
  if (call->pinned_dc == 0) {
    if (auto waiting = transfers_waiting_.find(dc_id); waiting != transfers_waiting_.end()) {
      waiting->second.push_back(StartAfterTransfer(call));
      return;
    }
  }
  if (options_.endpoints.AddressesFor(dc_id).empty()) {
    return Finish(call->id, absl::UnavailableError(absl::StrCat("no address for DC ", dc_id)));
  }
  Dc& dc = DcFor(dc_id);
  // The connection declares our layer on each new session's first request (init_wrapper).
  std::string body = call->body;
  if (call->force_init) {
    absl::StatusOr<std::string> wrapped = WithLayer(body);
    if (!wrapped.ok()) return Finish(call->id, wrapped.status());
    body = std::move(*wrapped);
  }
  call->sent_dc = dc_id;
  call->request = dc.connection->Send(std::move(body),
                                      [this, id = call->id](absl::StatusOr<std::string> result) {
                                        OnResult(id, std::move(result));
                                      });
}

void Engine::OnResult(CallId id, absl::StatusOr<std::string> result) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;  // finished already (deadline, Cancel)
  std::shared_ptr<Call> call = it->second;
  call->request = 0;
  // Also without a subscriber: its users and chats go to the peer cache.
  if (result.ok() && IsUpdatesResult(*result)) OnPushedUpdates(home_dc_.load(), *result);
  if (!result.ok() || !IsRpcError(*result)) return Finish(id, std::move(result));
  tl::Reader in(std::string_view(*result).substr(4));
  auto error = tl::mt::rpc_error::FetchBare(in);
  if (error == nullptr || !in.ok()) return Finish(id, absl::DataLossError("undecodable rpc_error"));
  OnRpcError(call, ParseRpcError(error->error_code, error->error_message));
}

void Engine::OnRpcError(const std::shared_ptr<Call>& call, const RpcError& error) {
  if (error.code == 400 && error.name == "CONNECTION_NOT_INITED" && !call->force_init) {
    // The server lost our session's declaration (e.g. it restarted): declare it again.
    call->force_init = true;
    return Start(call);
  }
  if (EndsLogin(error) && call->sent_dc == home_dc_.load()) MarkSignedOut(error);
  if (error.code == 303 && error.value && absl::EndsWith(error.name, "_MIGRATE") &&
      call->pinned_dc == 0 && call->migrations < options_.max_migrations) {
    ++call->migrations;
    return Migrate(call, static_cast<int>(*error.value));
  }
  if ((error.name == "FLOOD_WAIT" || error.name == "FLOOD_PREMIUM_WAIT") && error.value) {
    const auto wait = std::chrono::seconds(*error.value);
    if (wait <= options_.flood_wait_threshold &&
        (!call->deadline.has_time() || std::chrono::steady_clock::now() + wait <
                                             call->deadline.at)) {
      if (options_.on_flood_wait) options_.on_flood_wait(MethodName(call->body), wait);
      call->wait_timer.expires_after(wait);
      call->wait_timer.async_wait([this, call](const asio::error_code& ec) {
        if (!ec && calls_.contains(call->id)) Start(call);
      });
      return;
    }
  }
  Finish(call->id, RpcErrorStatus(error));
}

void Engine::Migrate(const std::shared_ptr<Call>& call, int new_dc) {
  if (options_.endpoints.AddressesFor(new_dc).empty()) {
    return Finish(call->id, absl::UnavailableError(absl::StrCat("migrate to unknown DC ", new_dc)));
  }
  if (home_dc_.exchange(new_dc) != new_dc) (void)store_->SetHomeDc(new_dc);
  absl::StatusOr<store::AccountState> account = store_->GetAccount();
  const bool signed_in = account.ok() && account->login_state == store::LoginState::kSignedIn;
  // The authorization comes from the DC that answered the migration. A transfer already under
  // way to new_dc is joined rather than raced.
  const int from_dc = call->sent_dc;
  if (!signed_in || from_dc == new_dc ||
      (IsAuthorized(new_dc) && !transfers_waiting_.contains(new_dc))) {
    return Start(call);
  }
  TransferAuthorization(from_dc, new_dc, StartAfterTransfer(call));
}

absl::AnyInvocable<void(absl::Status)> Engine::StartAfterTransfer(std::shared_ptr<Call> call) {
  return [this, call = std::move(call)](absl::Status status) {
    if (!calls_.contains(call->id)) return;  // finished meanwhile (deadline, Cancel)
    if (!status.ok()) return Finish(call->id, status);
    Start(call);
  };
}

void Engine::TransferAuthorization(int from_dc, int to_dc,
                                   absl::AnyInvocable<void(absl::Status)> done) {
  // Many calls may hit the same migration at once: one export/import serves them all.
  auto [waiting, first] = transfers_waiting_.try_emplace(to_dc);
  waiting->second.push_back(std::move(done));
  if (!first) return;
  done = [this, to_dc](absl::Status status) {
    auto node = transfers_waiting_.extract(to_dc);
    if (status.ok()) ++transfers_;
    for (auto& waiter : node.mapped()) waiter(status);
  };
  api::auth_exportAuthorization export_call;
  export_call.dc_id = to_dc;
  absl::StatusOr<std::string> body = tl::Serialize(export_call);
  if (!body.ok()) return done(body.status());
  InvokeOn(
      from_dc, std::move(*body),
      [this, to_dc, done = std::move(done)](absl::StatusOr<std::string> raw) mutable {
        if (!raw.ok()) return done(raw.status());
        auto exported = tl::Deserialize<api::auth_ExportedAuthorization>(*raw);
        if (!exported.ok()) return done(exported.status());
        const auto* value = dynamic_cast<const api::auth_exportedAuthorization*>(exported->get());
        if (value == nullptr) return done(absl::DataLossError("unexpected export answer"));
        api::auth_importAuthorization import_call;
        import_call.id = value->id;
        import_call.bytes = value->bytes;
        absl::StatusOr<std::string> body = tl::Serialize(import_call);
        if (!body.ok()) return done(body.status());
        InvokeOn(to_dc, std::move(*body),
                 [this, to_dc, done = std::move(done)](absl::StatusOr<std::string> raw) mutable {
                   if (!raw.ok()) return done(raw.status());
                   MarkAuthorized(to_dc);
                   done(absl::OkStatus());
                 });
      });
}

void Engine::Finish(CallId id, absl::StatusOr<std::string> result) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  std::shared_ptr<Call> call = std::move(it->second);
  calls_.erase(it);
  call->deadline_timer.cancel();
  call->wait_timer.cancel();
  if (call->deadline.cancellation) call->deadline.cancellation->Unregister(call->cancel_handle);
  if (call->request != 0) {
    // Its answer is no longer wanted; the connection drops it when it arrives.
    auto dc = dcs_.find(call->sent_dc);
    if (dc != dcs_.end()) dc->second.connection->Cancel(call->request);
    call->request = 0;
  }
  call->done(std::move(result));
}

Engine::Dc& Engine::DcFor(int dc_id) {
  auto it = dcs_.find(dc_id);
  if (it != dcs_.end()) return it->second;
  const DcAddress address = options_.endpoints.AddressesFor(dc_id).front();
  net::Connection::Options options;
  options.host = address.host;
  options.port = address.port;
  options.dc_id = dc_id;
  options.framing = options_.framing;
  options.server_keys = options_.endpoints.keys;
  options.reconnect = options_.reconnect;
  options.keepalive = options_.keepalive;
  options.init_wrapper = [this](const std::string& body) { return WithLayer(body); };
  options.future_salts = 8;
  if (absl::StatusOr<store::DcState> stored = store_->LoadDc(dc_id);
      stored.ok() && stored->auth_key) {
    net::AuthKeyState state;
    state.key = *stored->auth_key;
    state.salt = store::PickSalt(stored->salts, NowSeconds()).value_or(0);
    state.time_offset = stored->time_offset;
    options.auth_key = state;
  }
  net::Connection::Observer observer;
  observer.on_auth_key = [this, dc_id](const net::AuthKeyState& state) {
    ++handshakes_;
    (void)store_->PutAuthKey(dc_id, state.key);
    const store::ServerSalt salt{state.salt, NowSeconds(), store::ServerSalt::kForever};
    (void)store_->PutSalts(dc_id, {&salt, 1});
    (void)store_->SetTimeOffset(dc_id, state.time_offset);
  };
  observer.on_state = [this, dc_id](net::ConnectionState state, const absl::Status&) {
    // Updates may have been missed while the connection was down.
    if (state == net::ConnectionState::kReady) ResyncUpdates(dc_id);
  };
  observer.on_new_session = [this, dc_id] { ResyncUpdates(dc_id); };
  observer.on_update = [this, dc_id](std::string body) { OnPushedUpdates(dc_id, body); };
  observer.on_salts = [this, dc_id](const std::vector<net::SaltWindow>& salts) {
    std::vector<store::ServerSalt> stored;
    for (const net::SaltWindow& salt : salts) {
      stored.push_back({salt.salt, salt.valid_since, salt.valid_until});
    }
    (void)store_->PutSalts(dc_id, stored);
  };
  Dc& dc = dcs_[dc_id];
  dc.connection = net::Connection::Create(io_, std::move(options), std::move(observer));
  dc.connection->Start();
  return dc;
}

absl::StatusOr<std::string> Engine::WithLayer(const std::string& body) const {
  absl::StatusOr<tl::ObjectPtr<api::Function>> query = tl::Deserialize<api::Function>(body);
  if (!query.ok()) return query.status();
  auto init = std::make_unique<api::initConnection>();
  init->api_id = options_.api_id;
  init->device_model = options_.device_model;
  init->system_version = options_.system_version;
  init->app_version = options_.app_version;
  init->system_lang_code = options_.system_lang_code;
  init->lang_pack = "";
  init->lang_code = options_.lang_code;
  init->query = std::move(*query);
  api::invokeWithLayer wrapper;
  wrapper.layer = api::kLayer;
  wrapper.query = std::move(init);
  return tl::Serialize(wrapper);
}

void Engine::MarkAuthorized(int dc_id) { (void)store_->PutValue(AuthorizedKey(dc_id), "1"); }

void Engine::ForgetAuthorizedDcs() {
  for (const DcAddress& dc : options_.endpoints.dcs)
    (void)store_->DeleteValue(AuthorizedKey(dc.id));
}

bool Engine::IsAuthorized(int dc_id) {
  absl::StatusOr<std::optional<std::string>> value = store_->GetValue(AuthorizedKey(dc_id));
  return value.ok() && value->has_value();
}

}  // namespace mtproto::engine

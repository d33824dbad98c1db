// See server.h.
#include "service/server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "service/echo_service.h"
#include "service/rpc_observer.h"

namespace invitegate::service {

InvitegateServer::InvitegateServer(std::shared_ptr<AccountRegistry> accounts,
                                   ServerOptions options)
    : accounts_(std::move(accounts)), options_(std::move(options)) {
  pool_ = std::make_unique<BlockingPool>(options_.blocking_threads);
  context_.accounts = accounts_.get();
  context_.pool = pool_.get();
  context_.default_timeout = options_.default_timeout;
  logger_ = options_.logger.value_or(logging::DefaultLogger());
  authorizer_ = std::make_unique<auth::Authorizer>(options_.tokens);
  context_.authorizer = authorizer_.get();
}

InvitegateServer::~InvitegateServer() {
  Shutdown(std::chrono::milliseconds(0));
  pool_.reset();  // runs what is queued (those calls finish against a stopped server: no-ops)
  streams_.reset();
}

absl::StatusOr<int> InvitegateServer::Start() {
  if (metrics_ == nullptr) metrics_ = options_.metrics;
  if (metrics_ == nullptr) {
    absl::StatusOr<std::unique_ptr<metrics::Metrics>> created =
        metrics::Metrics::Create(options_.metrics_listen);
    if (!created.ok()) return created.status();
    metrics_ = *std::move(created);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials =
      options_.credentials ? options_.credentials : grpc::InsecureServerCredentials();
  std::vector<std::string> addresses = {options_.listen_address};
  addresses.insert(addresses.end(), options_.more_listen_addresses.begin(),
                   options_.more_listen_addresses.end());
  ports_.assign(addresses.size(), 0);  // sized first: the builder keeps pointers into it
  for (size_t i = 0; i < addresses.size(); ++i) {
    builder.AddListeningPort(addresses[i], credentials, &ports_[i]);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
  observers.push_back(std::make_unique<RpcObserverFactory>(metrics_.get(), logger_));
  builder.experimental().SetInterceptorCreators(std::move(observers));
  if (options_.streams.has_value() && streams_ == nullptr) {
    if (options_.streams->metrics == nullptr) options_.streams->metrics = metrics_.get();
    absl::StatusOr<std::unique_ptr<JoinRequestStreams>> streams =
        JoinRequestStreams::Open(*options_.streams, accounts_.get());
    if (!streams.ok()) return streams.status();
    streams_ = *std::move(streams);
    context_.streams = streams_.get();
  }
  services_.push_back(MakeAccountService(&context_));
  services_.push_back(MakeInviteLinkService(&context_));
  services_.push_back(MakeJoinRequestService(&context_));
  services_.push_back(MakeChatService(&context_));
  services_.push_back(MakeUsernameService(&context_));
  if (options_.bench_echo || BenchEchoRequestedByEnvironment()) {
    services_.push_back(MakeBenchEchoService());
  }
  for (auto& service : services_) builder.RegisterService(service.get());
  server_ = builder.BuildAndStart();
  port_ = ports_.front();
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (server_ == nullptr || ports_[i] == 0) {
      server_.reset();
      return absl::UnavailableError(absl::StrCat("cannot listen on ", addresses[i]));
    }
  }
  health_ = std::make_unique<metrics::HealthReporter>(
      options_.health_accounts.empty() ? accounts_->Ids() : options_.health_accounts,
      options_.health_require_all_accounts,
      std::vector<std::string>{"invitegate.v1.AccountService", "invitegate.v1.InviteLinkService",
                               "invitegate.v1.JoinRequestService", "invitegate.v1.ChatService",
                               "invitegate.v1.UsernameService"});
  health_->Attach(server_->GetHealthCheckService());
  RefreshHealth();
  {
    absl::MutexLock lock(&poll_mutex_);
    stopping_ = false;
  }
  poller_ = std::thread([this] { PollAccounts(); });
  if (authorizer_->open()) {
    logger_.Warn("no bearer tokens configured: every caller may do everything",
                 {{"listen", options_.listen_address}});
  }
  return port_;
}

void InvitegateServer::RefreshHealth() {
  if (health_ == nullptr) return;
  std::vector<std::string> ids =
      options_.health_accounts.empty() ? accounts_->Ids() : options_.health_accounts;
  for (const std::string& id : ids) {
    bool signed_in = false;
    std::string detail = "not configured in the registry";
    std::string kind = "unknown";
    if (absl::StatusOr<std::shared_ptr<AccountBackend>> account = accounts_->Get(id);
        account.ok()) {
      absl::StatusOr<mtproto::store::AccountState> state = (*account)->State();
      if (state.ok()) {
        signed_in = state->login_state == mtproto::store::LoginState::kSignedIn;
        detail = signed_in ? "" : "not signed in";
        if (state->login_state != mtproto::store::LoginState::kNone) {
          kind = state->is_bot ? "bot" : "user";
        }
      } else {
        detail = std::string(state.status().message());
      }
    }
    const bool was = health_->accounts().count(id) != 0 && health_->accounts().at(id).signed_in;
    if (was != signed_in) {
      logger_.Info(signed_in ? "account signed in" : "account not signed in",
                   {{"account", id}, {"detail", detail}});
    }
    health_->SetAccountState(id, signed_in, detail);
    metrics_->SetAccountSignedIn(id, kind, signed_in);
  }
}

bool InvitegateServer::serving() const { return health_ != nullptr && health_->serving(); }

void InvitegateServer::PollAccounts() {
  absl::MutexLock lock(&poll_mutex_);
  while (!stopping_) {
    poll_mutex_.AwaitWithTimeout(absl::Condition(&stopping_),
                                 absl::FromChrono(options_.account_poll_interval));
    if (stopping_) break;
    poll_mutex_.Unlock();
    RefreshHealth();
    poll_mutex_.Lock();
  }
}

void InvitegateServer::Shutdown(std::chrono::milliseconds grace) {
  if (server_ == nullptr) return;
  // Probes stop routing here first; then the poller stops (it would set SERVING again).
  if (health_ != nullptr) health_->Shutdown();
  {
    absl::MutexLock lock(&poll_mutex_);
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
  logger_.Info("shutting down", {{"grace_ms", static_cast<long long>(grace.count())}});
  // Streams first: each ends with UNAVAILABLE naming its resume token, within the grace period.
  if (streams_ != nullptr) streams_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  if (health_ != nullptr) health_->Attach(nullptr);  // the health service goes with the server
  server_.reset();
}

void InvitegateServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace invitegate::service

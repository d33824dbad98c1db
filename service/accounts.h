// Account routing: the several Telegram accounts (users and bots) one server acts as, each with
// its own Engine and session store, chosen per request by the {account} of the resource name.
// The adapters see an account only through AccountBackend, the service's narrow seam to the
// engine: tests can substitute it, and other backends (another engine process, a replica set)
// can slot in behind it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/engine/engine.h"
#include "mtproto/engine/invites.h"
#include "service/status_mapping.h"

namespace invitegate::service {

// One Telegram account as the adapters use it: its state, the blocking sign-in steps, and the
// typed invite operations (asynchronous: callbacks run on the engine's I/O thread).
class AccountBackend {
 public:
  virtual ~AccountBackend() = default;
  [[nodiscard]] virtual const std::string& id() const = 0;
  [[nodiscard]] virtual absl::StatusOr<mtproto::store::AccountState> State() = 0;
  [[nodiscard]] AccountKind kind() {
    absl::StatusOr<mtproto::store::AccountState> state = State();
    if (!state.ok() || state->login_state == mtproto::store::LoginState::kNone) {
      return AccountKind::kUnknown;
    }
    return state->is_bot ? AccountKind::kBot : AccountKind::kUser;
  }
  // The signed-in account's own user (users.getUsers([inputUserSelf])).
  [[nodiscard]] virtual absl::StatusOr<mtproto::engine::UserInfo> Self(
      mtproto::engine::Deadline deadline) = 0;
  // Blocking sign-in steps (see mtproto::engine::Engine).
  [[nodiscard]] virtual absl::Status SendCode(const std::string& phone) = 0;
  [[nodiscard]] virtual absl::StatusOr<mtproto::engine::SignInStep> SignIn(
      const std::string& code) = 0;
  [[nodiscard]] virtual absl::Status CheckPassword(const std::string& password) = 0;
  [[nodiscard]] virtual absl::StatusOr<int64_t> SignInBot(const std::string& token) = 0;
  // The invite operations; nullptr while the engine's invite API is not built in.
  [[nodiscard]] virtual mtproto::engine::InviteApi* invites() = 0;
  // Calls an arbitrary TL function (for what the invite API does not cover, e.g. reading a
  // chat); `done` runs on the engine's I/O thread.
  virtual void InvokeRaw(std::string body, mtproto::engine::Deadline deadline,
                         mtproto::engine::Engine::RawCallback done) = 0;
};

// AccountBackend over an in-process Engine + InviteApi.
class EngineAccount final : public AccountBackend {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EngineAccount>> Create(
      std::string id, mtproto::engine::EngineOptions options);
  // Stops the engine first: its aborted calls' callbacks may still use the invite API.
  ~EngineAccount() override;
  const std::string& id() const override { return id_; }
  absl::StatusOr<mtproto::store::AccountState> State() override { return engine_->Account(); }
  absl::StatusOr<mtproto::engine::UserInfo> Self(mtproto::engine::Deadline deadline) override;
  absl::Status SendCode(const std::string& phone) override { return engine_->SendCode(phone); }
  absl::StatusOr<mtproto::engine::SignInStep> SignIn(const std::string& code) override {
    return engine_->SignIn(code);
  }
  absl::Status CheckPassword(const std::string& password) override {
    return engine_->CheckPassword(password);
  }
  absl::StatusOr<int64_t> SignInBot(const std::string& token) override {
    return engine_->SignInBot(token);
  }
  mtproto::engine::InviteApi* invites() override { return invites_.get(); }
  void InvokeRaw(std::string body, mtproto::engine::Deadline deadline,
                 mtproto::engine::Engine::RawCallback done) override {
    engine_->InvokeRaw(std::move(body), deadline, std::move(done));
  }
  mtproto::engine::Engine& engine() { return *engine_; }

 private:
  EngineAccount(std::string id, std::unique_ptr<mtproto::engine::Engine> engine);
  std::string id_;
  std::unique_ptr<mtproto::engine::Engine> engine_;
  std::unique_ptr<mtproto::engine::InviteApi> invites_;
};

// Makes the backend of a new account (the server passes one building EngineAccounts with its
// endpoints, tests may pass fakes).
using AccountFactory =
    std::function<absl::StatusOr<std::unique_ptr<AccountBackend>>(const std::string& id)>;

// The accounts of one server, by id. Thread-safe.
class AccountRegistry {
 public:
  explicit AccountRegistry(AccountFactory factory) : factory_(std::move(factory)) {}

  // The account `id`; NOT_FOUND (as a gRPC status with reason ACCOUNT_NOT_FOUND) when unknown.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<AccountBackend>> Get(const std::string& id);
  // The account `id`, made with the factory when new (sign-in creates accounts).
  [[nodiscard]] absl::StatusOr<std::shared_ptr<AccountBackend>> GetOrCreate(
      const std::string& id);
  // Every account id, sorted.
  [[nodiscard]] std::vector<std::string> Ids();
  // Drops every account (engines stop); the server calls it at shutdown.
  void Clear();

 private:
  AccountFactory factory_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<AccountBackend>> accounts_;
};

// A few threads for the blocking engine steps (sign-in), so that the gRPC callback threads never
// block on Telegram. Destruction runs the queued work, then joins.
class BlockingPool {
 public:
  explicit BlockingPool(int threads);
  ~BlockingPool();
  void Run(std::function<void()> work);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace invitegate::service

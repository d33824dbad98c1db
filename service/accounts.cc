// See accounts.h.
#include "service/accounts.h"

#include "absl/strings/str_cat.h"
#include "mtproto/tl/api.h"

namespace invitegate::service {

namespace api = mtproto::tl::api;

absl::StatusOr<std::unique_ptr<EngineAccount>> EngineAccount::Create(
    std::string id, mtproto::engine::EngineOptions options) {
  absl::StatusOr<std::unique_ptr<mtproto::engine::Engine>> engine =
      mtproto::engine::Engine::Create(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<EngineAccount>(new EngineAccount(std::move(id), std::move(*engine)));
}

EngineAccount::EngineAccount(std::string id, std::unique_ptr<mtproto::engine::Engine> engine)
    : id_(std::move(id)),
      engine_(std::move(engine)),
      invites_(std::make_unique<mtproto::engine::InviteApi>(*engine_)) {}

EngineAccount::~EngineAccount() { engine_.reset(); }

absl::StatusOr<mtproto::engine::UserInfo> EngineAccount::Self(
    mtproto::engine::Deadline deadline) {
  api::users_getUsers call;
  call.id.push_back(std::make_unique<api::inputUserSelf>());
  auto users = engine_->InvokeSync(call, deadline);
  if (!users.ok()) return users.status();
  if (users->empty() || (*users)[0] == nullptr) return absl::NotFoundError("no self user");
  std::optional<mtproto::engine::UserInfo> info = mtproto::engine::ToUserInfo(*(*users)[0]);
  if (!info.has_value()) return absl::NotFoundError("self user is empty");
  return *info;
}

absl::StatusOr<std::shared_ptr<AccountBackend>> AccountRegistry::Get(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(id);
  if (it == accounts_.end()) {
    return absl::NotFoundError(absl::StrCat("no account \"", id,
                                            "\" is configured on this server (see ListAccounts)"));
  }
  return it->second;
}

absl::StatusOr<std::shared_ptr<AccountBackend>> AccountRegistry::GetOrCreate(
    const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(id);
  if (it != accounts_.end()) return it->second;
  absl::StatusOr<std::unique_ptr<AccountBackend>> made = factory_(id);
  if (!made.ok()) return made.status();
  std::shared_ptr<AccountBackend> account = std::move(*made);
  accounts_.emplace(id, account);
  return account;
}

std::vector<std::string> AccountRegistry::Ids() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, account] : accounts_) ids.push_back(id);
  return ids;
}

void AccountRegistry::Clear() {
  std::map<std::string, std::shared_ptr<AccountBackend>> accounts;
  {
    std::lock_guard lock(mutex_);
    accounts.swap(accounts_);
  }
  // The engines stop here, outside the lock.
}

BlockingPool::BlockingPool(int threads) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> work;
        {
          std::unique_lock lock(mutex_);
          cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;
          work = std::move(queue_.front());
          queue_.pop_front();
        }
        work();
      }
    });
  }
}

BlockingPool::~BlockingPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void BlockingPool::Run(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
  }
  cv_.notify_one();
}

}  // namespace invitegate::service

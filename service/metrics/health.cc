// Account sign-in states → grpc.health.v1 serving status.
#include "service/metrics/health.h"

#include <grpcpp/health_check_service_interface.h>

namespace invitegate::metrics {

HealthReporter::HealthReporter(std::vector<std::string> accounts, bool require_all_accounts,
                               std::vector<std::string> services)
    : require_all_(require_all_accounts), services_(std::move(services)) {
  for (std::string& a : accounts)
    accounts_[std::move(a)] = AccountState{false, "not signed in yet"};
}

void HealthReporter::Attach(grpc::HealthCheckServiceInterface* health) {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = health;
  PublishLocked();
}

void HealthReporter::SetAccountState(const std::string& account, bool signed_in,
                                     std::string detail) {
  std::lock_guard<std::mutex> lock(mu_);
  accounts_[account] = AccountState{signed_in, std::move(detail)};
  PublishLocked();
}

void HealthReporter::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  PublishLocked();
}

bool HealthReporter::serving() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ServingLocked();
}

std::map<std::string, HealthReporter::AccountState> HealthReporter::accounts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accounts_;
}

bool HealthReporter::ServingLocked() const {
  if (shut_down_) return false;
  if (accounts_.empty()) return true;
  size_t ready = 0;
  for (const auto& [name, state] : accounts_) ready += state.signed_in ? 1 : 0;
  return require_all_ ? ready == accounts_.size() : ready > 0;
}

void HealthReporter::PublishLocked() {
  if (health_ == nullptr) return;
  const bool serving = ServingLocked();
  health_->SetServingStatus("", serving);
  for (const std::string& service : services_) health_->SetServingStatus(service, serving);
}

}  // namespace invitegate::metrics

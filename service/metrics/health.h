// Readiness for grpc.health.v1: the server reports SERVING only once its Telegram accounts are
// signed in (all of them, or any one with health.require_all_accounts = false), NOT_SERVING
// before, when an account drops out, and during shutdown. It drives gRPC's built-in health
// service: call grpc::EnableDefaultHealthCheckService(true) before building the server, then
// Attach(server->GetHealthCheckService()).
//
// The status is set for the overall service "" and for each name in `services` (e.g.
// "invitegate.v1.InviteLinks"), so probes may ask either.
// Protocol: https://github.com/grpc/grpc/blob/master/doc/health-checking.md
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace grpc {
class HealthCheckServiceInterface;
}  // namespace grpc

namespace invitegate::metrics {

class HealthReporter {
 public:
  struct AccountState {
    bool signed_in = false;
    std::string detail;  // why not (the last sign-in error), for logs and diagnostics
  };

  // `accounts`: every account the server serves. With none, the server is SERVING once attached.
  HealthReporter(std::vector<std::string> accounts, bool require_all_accounts,
                 std::vector<std::string> services = {});

  // Starts driving `health` (not owned; it must outlive this object or be detached with
  // Attach(nullptr)). Sets the current status immediately.
  void Attach(grpc::HealthCheckServiceInterface* health);
  // An account's sign-in state changed (accounts not given at construction are added).
  void SetAccountState(const std::string& account, bool signed_in, std::string detail = {});
  // NOT_SERVING from now on, whatever the accounts (graceful shutdown: probes stop routing here).
  void Shutdown();

  [[nodiscard]] bool serving() const;
  [[nodiscard]] std::map<std::string, AccountState> accounts() const;

 private:
  bool ServingLocked() const;
  void PublishLocked();

  mutable std::mutex mu_;
  std::map<std::string, AccountState> accounts_;
  bool require_all_;
  std::vector<std::string> services_;
  grpc::HealthCheckServiceInterface* health_ = nullptr;
  bool shut_down_ = false;
};

}  // namespace invitegate::metrics

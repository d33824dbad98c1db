// The service's Prometheus metrics behind a small typed facade, so handlers record facts
// ("this RPC ended with this code after this long") and never touch metric families or labels.
// Served as text exposition on http://<metrics.listen>/metrics by prometheus-cpp's exposer.
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/
//
// Metric names (all prefixed invitegate_):
//   rpc_total{method,code}                      counter   finished RPCs
//   rpc_duration_seconds{method}                histogram RPC latency
//   engine_calls_total{account,method,result}   counter   Telegram calls made by the engine
//   engine_call_duration_seconds{method}        histogram Telegram call latency
//   flood_wait_total{account,method}            counter   FLOOD_WAIT answers
//   flood_wait_seconds_total{account,method}    counter   seconds Telegram asked us to wait
//     (method: the RPC the answer failed, or the Telegram method, e.g. messages.exportChatInvite,
//     for a short wait the engine sat out itself and retried)
//   stream_subscribers{stream}                  gauge     open server streams
//   stream_subscribers_cut_off_total{reason}    counter   subscribers ended by the server
//   ledger_lag_events / ledger_lag_seconds      gauge     ledger appended but not yet fanned out
//   ledger_events_total{type}                   counter   events appended to the ledger
//   account_signed_in{account,kind}             gauge     1 when the account is signed in
//
// Thread-safe (prometheus-cpp metrics are atomic; its families look labels up under a mutex).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace invitegate::metrics {

class Metrics {
 public:
  // Metrics with an HTTP exposer on `listen` ("127.0.0.1:9464"; port 0 picks a free port, see
  // port()); empty `listen`: no HTTP, the registry only (Scrape() still works).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Metrics>> Create(const std::string& listen);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // An RPC finished: `method` is the full gRPC name ("/invitegate.v1.InviteLinks/CreateInviteLink")
  // or a short one; `code` the gRPC status code number (grpc::StatusCode / absl::StatusCode).
  void RecordRpc(std::string_view method, int code, double seconds);
  // A Telegram call finished: `result` is "ok" or Telegram's error name ("FLOOD_WAIT",
  // "CHAT_ADMIN_REQUIRED") or a transport failure ("timeout", "unavailable").
  void RecordEngineCall(std::string_view account, std::string_view method, std::string_view result,
                        double seconds);
  // Telegram answered FLOOD_WAIT_<seconds>.
  void RecordFloodWait(std::string_view account, std::string_view method, double seconds);
  // A server stream ("watch", "bulk_moderation") opened (+1) or closed (-1).
  void AddSubscribers(std::string_view stream, int delta);
  // The server ended a subscriber's stream ("slow_consumer", "shutdown", "out_of_range").
  void RecordSubscriberCutOff(std::string_view reason);
  // How far fan-out trails the ledger: events appended but not delivered, and the age of the
  // oldest of them.
  void SetLedgerLag(int64_t events, double seconds);
  void RecordLedgerEvent(std::string_view type);
  void SetAccountSignedIn(std::string_view account, std::string_view kind, bool signed_in);

  // The bound HTTP port (0 without an exposer).
  [[nodiscard]] int port() const { return port_; }
  // The current text exposition (what GET /metrics returns).
  [[nodiscard]] std::string Scrape() const;
  // For adding further metrics next to these.
  [[nodiscard]] std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  struct Families;
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
  struct ExposerHolder;
  std::unique_ptr<ExposerHolder> exposer_;
  int port_ = 0;
};

}  // namespace invitegate::metrics

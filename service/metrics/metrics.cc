// The metrics facade over prometheus-cpp (core for the registry, pull for the HTTP exposer).
#include "service/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace invitegate::metrics {
namespace {

// 0.5 ms … ~16 s, doubling: covers a local emulator round trip up to a FLOOD_WAIT-paced call.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  for (double v = 0.0005; v < 20; v *= 2) b.push_back(v);
  return b;
}

std::string CodeName(int code) {
  if (code < 0 || code > 16) return absl::StrCat("CODE_", code);
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

struct Metrics::Families {
  explicit Families(prometheus::Registry& r)
      : rpc_total(prometheus::BuildCounter()
                      .Name("invitegate_rpc_total")
                      .Help("Finished RPCs by method and gRPC status code.")
                      .Register(r)),
        rpc_duration(prometheus::BuildHistogram()
                         .Name("invitegate_rpc_duration_seconds")
                         .Help("RPC latency by method.")
                         .Register(r)),
        engine_calls(prometheus::BuildCounter()
                         .Name("invitegate_engine_calls_total")
                         .Help("Telegram calls made by the engine, by account, method and result.")
                         .Register(r)),
        engine_duration(prometheus::BuildHistogram()
                            .Name("invitegate_engine_call_duration_seconds")
                            .Help("Telegram call latency by method.")
                            .Register(r)),
        flood_wait(prometheus::BuildCounter()
                       .Name("invitegate_flood_wait_total")
                       .Help("FLOOD_WAIT answers from Telegram.")
                       .Register(r)),
        flood_wait_seconds(prometheus::BuildCounter()
                               .Name("invitegate_flood_wait_seconds_total")
                               .Help("Seconds Telegram asked us to wait.")
                               .Register(r)),
        subscribers(prometheus::BuildGauge()
                        .Name("invitegate_stream_subscribers")
                        .Help("Open server streams by kind.")
                        .Register(r)),
        cut_off(prometheus::BuildCounter()
                    .Name("invitegate_stream_subscribers_cut_off_total")
                    .Help("Streams ended by the server, by reason.")
                    .Register(r)),
        ledger_lag_events(prometheus::BuildGauge()
                              .Name("invitegate_ledger_lag_events")
                              .Help("Ledger events appended but not yet fanned out.")
                              .Register(r)
                              .Add({})),
        ledger_lag_seconds(prometheus::BuildGauge()
                               .Name("invitegate_ledger_lag_seconds")
                               .Help("Age of the oldest ledger event not yet fanned out.")
                               .Register(r)
                               .Add({})),
        ledger_events(prometheus::BuildCounter()
                          .Name("invitegate_ledger_events_total")
                          .Help("Events appended to the ledger, by type.")
                          .Register(r)),
        signed_in(prometheus::BuildGauge()
                      .Name("invitegate_account_signed_in")
                      .Help("1 when the Telegram account is signed in.")
                      .Register(r)) {}

  prometheus::Family<prometheus::Counter>& rpc_total;
  prometheus::Family<prometheus::Histogram>& rpc_duration;
  prometheus::Family<prometheus::Counter>& engine_calls;
  prometheus::Family<prometheus::Histogram>& engine_duration;
  prometheus::Family<prometheus::Counter>& flood_wait;
  prometheus::Family<prometheus::Counter>& flood_wait_seconds;
  prometheus::Family<prometheus::Gauge>& subscribers;
  prometheus::Family<prometheus::Counter>& cut_off;
  prometheus::Gauge& ledger_lag_events;
  prometheus::Gauge& ledger_lag_seconds;
  prometheus::Family<prometheus::Counter>& ledger_events;
  prometheus::Family<prometheus::Gauge>& signed_in;
  const prometheus::Histogram::BucketBoundaries buckets = LatencyBuckets();
};

struct Metrics::ExposerHolder {
  explicit ExposerHolder(const std::string& listen) : exposer(listen, 2) {}
  prometheus::Exposer exposer;
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      families_(std::make_unique<Families>(*registry_)) {}

// The exposer stops before the registry goes. civetweb takes up to ~2 s to stop once it has
// served a connection (its worker threads poll), which shutdown budgets should allow for.
Metrics::~Metrics() = default;

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Create(const std::string& listen) {
  std::unique_ptr<Metrics> m(new Metrics());
  if (listen.empty()) return m;
  try {
    m->exposer_ = std::make_unique<ExposerHolder>(listen);
  } catch (const std::exception& e) {  // civetweb reports a failed bind by throwing
    return absl::UnavailableError(
        absl::StrCat("metrics.listen: cannot serve /metrics on ", listen, ": ", e.what()));
  }
  m->exposer_->exposer.RegisterCollectable(m->registry_);
  const std::vector<int> ports = m->exposer_->exposer.GetListeningPorts();
  if (!ports.empty()) m->port_ = ports.front();
  return m;
}

void Metrics::RecordRpc(std::string_view method, int code, double seconds) {
  const std::string m(method);
  families_->rpc_total.Add({{"method", m}, {"code", CodeName(code)}}).Increment();
  families_->rpc_duration.Add({{"method", m}}, families_->buckets).Observe(seconds);
}

void Metrics::RecordEngineCall(std::string_view account, std::string_view method,
                               std::string_view result, double seconds) {
  families_->engine_calls
      .Add({{"account", std::string(account)},
            {"method", std::string(method)},
            {"result", std::string(result)}})
      .Increment();
  families_->engine_duration.Add({{"method", std::string(method)}}, families_->buckets)
      .Observe(seconds);
}

void Metrics::RecordFloodWait(std::string_view account, std::string_view method, double seconds) {
  const prometheus::Labels labels = {{"account", std::string(account)},
                                     {"method", std::string(method)}};
  families_->flood_wait.Add(labels).Increment();
  families_->flood_wait_seconds.Add(labels).Increment(seconds);
}

void Metrics::AddSubscribers(std::string_view stream, int delta) {
  families_->subscribers.Add({{"stream", std::string(stream)}}).Increment(delta);
}

void Metrics::RecordSubscriberCutOff(std::string_view reason) {
  families_->cut_off.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::SetLedgerLag(int64_t events, double seconds) {
  families_->ledger_lag_events.Set(static_cast<double>(events));
  families_->ledger_lag_seconds.Set(seconds);
}

void Metrics::RecordLedgerEvent(std::string_view type) {
  families_->ledger_events.Add({{"type", std::string(type)}}).Increment();
}

void Metrics::SetAccountSignedIn(std::string_view account, std::string_view kind, bool signed_in) {
  families_->signed_in.Add({{"account", std::string(account)}, {"kind", std::string(kind)}})
      .Set(signed_in ? 1 : 0);
}

std::string Metrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace invitegate::metrics

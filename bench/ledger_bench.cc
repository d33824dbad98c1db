// ledger_bench: the join-request ledger and the streaming hub on this machine's disk.
//   - appends/s with batches of 1 and 100 (each batch one fsync'd transaction)
//   - events/s delivered and append→subscriber latency (p50/p99) with 1, 100 and 1,000
//     subscribers (one pump thread fanning out; two consumer threads draining, as the gRPC
//     completion threads would)
//   - heap bytes per idle subscriber
// Prints figures only; asserts nothing.
#include <malloc.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/ledger/sqlite_ledger.h"
#include "service/stream/hub.h"

namespace {

using invitegate::ledger::Event;
using invitegate::ledger::EventType;
using invitegate::ledger::SqliteLedger;
using invitegate::stream::Delivery;
using invitegate::stream::Hub;
using invitegate::stream::Subscription;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The benchmark's events carry their publish time (steady clock, ns) in `date`.
Event MakeEvent(int64_t n, int64_t stamp_ns) {
  Event e;
  e.type = EventType::kRequestCreated;
  e.account = "bench";
  e.chat_id = -1001234567890;
  e.link = "https://t.me/+AbCdEfGhIjKlMnOp";
  e.user_id = 1000000 + n;
  e.user_name = "Bench User";
  e.username = "bench_user";
  e.about = "Hello, I would like to join the group, please.";
  e.date = stamp_ns;
  e.idempotency_key = absl::StrCat("bench:", n);
  return e;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

std::unique_ptr<SqliteLedger> OpenLedger(const std::filesystem::path& dir, const char* name) {
  auto ledger = SqliteLedger::Open({.path = dir / name});
  if (!ledger.ok()) {
    std::fprintf(stderr, "ledger: %s\n", std::string(ledger.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(ledger);
}

int64_t next_user = 0;

void BenchAppends(const std::filesystem::path& dir, int batch) {
  auto ledger = OpenLedger(dir, absl::StrCat("appends_", batch, ".db").c_str());
  std::vector<double> latencies_ms;
  long events = 0;
  const auto start = Clock::now();
  while (Seconds(start) < 2.0) {
    std::vector<Event> events_batch;
    for (int i = 0; i < batch; ++i) events_batch.push_back(MakeEvent(next_user++, 0));
    const auto t0 = Clock::now();
    if (!ledger->Append(events_batch).ok()) std::exit(1);
    latencies_ms.push_back(Seconds(t0) * 1e3);
    events += batch;
  }
  const double elapsed = Seconds(start);
  std::printf("append batch %3d: %9.0f events/s  %7.0f transactions/s  commit p50 %.2f ms  "
              "p99 %.2f ms\n",
              batch, events / elapsed, latencies_ms.size() / elapsed,
              Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99));
}

// Consumer threads draining their share of the subscriptions when on_ready says so.
class Consumers {
 public:
  Consumers(Hub& hub, int subscribers, int threads) : workers_(threads) {
    for (int i = 0; i < subscribers; ++i) {
      Worker& w = workers_[i % threads];
      const size_t index = w.subs.size();
      w.flags.push_back(std::make_unique<std::atomic<bool>>(true));
      auto sub = hub.Subscribe({.filter = {.account = "bench"}}, [&w, index] {
        w.flags[index]->store(true);
        std::lock_guard lock(w.mutex);
        w.wake = true;
        w.cv.notify_one();
      });
      if (!sub.ok()) std::exit(1);
      w.subs.push_back(*sub);
    }
    for (Worker& w : workers_) w.thread = std::thread([this, &w] { Run(w); });
  }
  ~Consumers() {
    for (Worker& w : workers_) {
      {
        std::lock_guard lock(w.mutex);
        w.stop = true;
        w.cv.notify_one();
      }
      w.thread.join();
      for (auto& s : w.subs) s->Cancel();
    }
  }
  long delivered() const { return delivered_; }
  void SetRecording(bool on) { recording_ = on; }
  std::vector<double> TakeLatencies() {
    std::vector<double> all;
    for (Worker& w : workers_) {
      std::lock_guard lock(w.mutex);
      all.insert(all.end(), w.latencies_us.begin(), w.latencies_us.end());
      w.latencies_us.clear();
    }
    return all;
  }
  size_t finished() const { return finished_; }

 private:
  struct Worker {
    std::vector<std::shared_ptr<Subscription>> subs;
    std::vector<std::unique_ptr<std::atomic<bool>>> flags;
    std::mutex mutex;
    std::condition_variable cv;
    bool wake = true;
    bool stop = false;
    std::vector<double> latencies_us;
    std::thread thread;
  };

  void Run(Worker& w) {
    std::vector<double> local;
    while (true) {
      {
        std::unique_lock lock(w.mutex);
        w.cv.wait(lock, [&] { return w.wake || w.stop; });
        if (w.stop) return;
        w.wake = false;
        w.latencies_us.insert(w.latencies_us.end(), local.begin(), local.end());
        local.clear();
      }
      long count = 0;
      for (size_t i = 0; i < w.subs.size(); ++i) {
        if (!w.flags[i]->exchange(false)) continue;
        Delivery d;
        Subscription::PollResult r;
        while ((r = w.subs[i]->Poll(&d)) == Subscription::PollResult::kDelivery) {
          if (d.kind != Delivery::Kind::kEvent) continue;
          ++count;
          if (recording_) local.push_back((NowNs() - d.event->date) / 1e3);
        }
        if (r == Subscription::PollResult::kFinished) ++finished_;
      }
      delivered_ += count;
    }
  }

  std::vector<Worker> workers_;
  std::atomic<long> delivered_{0};
  std::atomic<bool> recording_{false};
  std::atomic<size_t> finished_{0};
};

void BenchFanOut(const std::filesystem::path& dir, int subscribers) {
  auto ledger = OpenLedger(dir, absl::StrCat("fanout_", subscribers, ".db").c_str());
  auto hub_or = Hub::Create(ledger.get(), {.queue_capacity = 4096,
                                           .heartbeat_interval = absl::Seconds(30),
                                           .poll_interval = absl::Milliseconds(100)});
  if (!hub_or.ok()) std::exit(1);
  Hub& hub = **hub_or;
  Consumers consumers(hub, subscribers, 2);

  // Throughput: batches of 100, the producer at most 1,000 events ahead of the slowest share
  // (so nobody is cut off: this is the sustainable rate).
  constexpr int kBatch = 100;
  constexpr long kWindow = 1000;
  long published = 0;
  const auto start = Clock::now();
  while (Seconds(start) < 2.0) {
    while (consumers.delivered() < (published - kWindow) * subscribers) std::this_thread::yield();
    std::vector<Event> batch;
    for (int i = 0; i < kBatch; ++i) batch.push_back(MakeEvent(next_user++, NowNs()));
    if (!hub.Publish(batch).ok()) std::exit(1);
    published += kBatch;
  }
  while (consumers.delivered() < published * subscribers) std::this_thread::yield();
  const double elapsed = Seconds(start);

  // Latency: one event every 5 ms (each its own fsync'd append), publish call to Poll.
  consumers.SetRecording(true);
  const auto paced = Clock::now();
  long paced_events = 0;
  while (Seconds(paced) < 1.5) {
    const Event e = MakeEvent(next_user++, NowNs());
    if (!hub.Publish(std::vector<Event>{e}).ok()) std::exit(1);
    ++paced_events;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  while (consumers.delivered() < (published + paced_events) * subscribers) {
    std::this_thread::yield();
  }
  consumers.SetRecording(false);
  const std::vector<double> latencies = consumers.TakeLatencies();
  std::printf("%5d subscribers: %8.0f events/s appended, %10.0f deliveries/s; latency "
              "append→subscriber p50 %.2f ms p99 %.2f ms (%zu samples), cut off %zu\n",
              subscribers, published / elapsed, published * subscribers / elapsed,
              Percentile(latencies, 0.5) / 1e3, Percentile(latencies, 0.99) / 1e3,
              latencies.size(), consumers.finished());
}

void BenchIdleMemory(const std::filesystem::path& dir) {
  auto ledger = OpenLedger(dir, "idle.db");
  auto hub = Hub::Create(ledger.get(), {.start_thread = false});
  if (!hub.ok()) std::exit(1);
  constexpr int kSubscribers = 10000;
  std::vector<std::shared_ptr<Subscription>> subs;
  subs.reserve(kSubscribers);
  const size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kSubscribers; ++i) {
    auto s = (*hub)->Subscribe({.filter = {.account = "bench"}}, [] {});
    if (!s.ok()) std::exit(1);
    subs.push_back(*s);
  }
  const size_t after = mallinfo2().uordblks;
  std::printf("idle subscriber: %.0f heap bytes each (%d subscribers)\n",
              static_cast<double>(after - before) / kSubscribers, kSubscribers);
}

}  // namespace

int main() {
  char pattern[] = "/tmp/ledger_bench_XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::filesystem::path dir = pattern;
  std::printf("ledger_bench (SQLite WAL, synchronous=FULL, in %s)\n", dir.c_str());
  BenchAppends(dir, 1);
  BenchAppends(dir, 100);
  for (int n : {1, 100, 1000}) BenchFanOut(dir, n);
  BenchIdleMemory(dir);
  std::filesystem::remove_all(dir);
  return 0;
}

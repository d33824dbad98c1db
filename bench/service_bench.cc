// service_bench: the gRPC service end to end, against invitegate-server run as a child process,
// so that this process's CPU is the clients' alone. Two set-ups, one after the other:
//   embedded  the server with its embedded emulator (one process: the product's default);
//   separate  invitegate-emulator as a second child, the server pointed at it (the server
//             process then holds only gRPC and the engine, as it would against Telegram).
// For each:
//   1. unary: a forwarded call (UsernameService.ResolveUsername: client → server → engine →
//      emulator → back) next to invitegate.bench.v1.EchoService.Echo served by the same server
//      in the same run, at concurrency 1, 16 and 64: calls/s, p50/p99, CPU per call of the server
//      (and emulator), and the forwarded/echo ratio (goal: >= 60 % of echo calls/s at 64).
//   2. memory per idle stream: the server's VmRSS before and after opening N idle
//      WatchJoinRequests streams (snapshot start, so each is known to be established).
//   3. streams: WatchJoinRequests with 1, 100 and 1,000 subscribers while Dave asks to join
//      through a request-needed link and Alice declines: trigger→subscriber latency (the join or
//      decline RPC's send time to the event's arrival) and how fast one event reaches them all.
// Prints figures only; asserts nothing (this machine is shared and noisy: CPU per call is the
// steadier figure). SERVICE_BENCH_KEEP=1 keeps the state directories and server logs.
//
// The client side uses gRPC's callback API over several channels; each channel gets a distinct
// channel argument, because gRPC shares one TCP connection between channels whose arguments are
// identical.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "invitegate/bench/v1/echo.grpc.pb.h"
#include "invitegate/v1/accounts.grpc.pb.h"
#include "invitegate/v1/chats.grpc.pb.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "invitegate/v1/join_requests.grpc.pb.h"

extern char** environ;

namespace {

namespace v1 = invitegate::v1;
namespace echo = invitegate::bench::v1;
using Clock = std::chrono::steady_clock;

constexpr char kAlice[] = "accounts/alice";
constexpr char kDave[] = "accounts/dave";
constexpr char kGroup[] = "accounts/alice/chats/invitegate_group";
constexpr int64_t kDaveId = 1000004;  // the sample world's Dave (mtproto/emulator/README.md)

struct Flags {
  std::string server = INVITEGATE_SERVER_BINARY;
  double seconds = 3;         // measured time per unary run
  int max_channels = 8;       // channels (TCP connections) per run: min(concurrency, this)
  int cycles = 20;            // join+decline cycles per stream run
  // One cycle per this many ms: the ledger's idempotency key for a join request is (chat, user,
  // Telegram's date in seconds), so a second request by the same user within the same second is
  // taken for a duplicate and dropped. Dave is the only joiner: one cycle per second at most.
  int cycle_interval_ms = 1500;
  int idle_streams = 1000;    // for the memory figure
  std::string token;          // bearer token, if the server wants one
  std::string emulator = INVITEGATE_EMULATOR_BINARY;
  // embedded: the server's own emulator (one process); separate: invitegate-emulator as a
  // second child, so the server process holds only gRPC + the engine, as against Telegram.
  std::string mode = "both";
  std::string only;  // "unary" or "streams": run that part alone
  // A command to run the server under, e.g. "valgrind --tool=callgrind" (split at spaces).
  std::string wrap;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// --- The server process.

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process (invitegate-server, invitegate-emulator); SIGTERM and reaped on destruction.
class ChildProcess {
 public:
  ~ChildProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  // Starts `args` (args[0] the binary) with `env` added and waits for `ready` to appear.
  [[nodiscard]] absl::Status Start(std::vector<std::string> args, std::vector<std::string> env,
                                   const std::filesystem::path& ready,
                                   const std::filesystem::path& log) {
    const std::string binary = args.front();
    log_ = log;
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = std::move(env);
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = 0;
      return absl::InternalError("cannot start " + binary + ": " + std::strerror(rc));
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(120);
    while (!std::filesystem::exists(ready)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return absl::InternalError(binary + " exited; its log:\n" + ReadFile(log_));
      }
      if (Clock::now() > deadline) return absl::DeadlineExceededError("no ready file: " + binary);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // invitegate-server's ready file: {"address": "host:port", ...}.
    const std::string text = ReadFile(ready);
    const size_t key = text.find("\"address\"");
    if (key != std::string::npos) {
      const size_t open = text.find('"', text.find(':', key) + 1);
      const size_t close = text.find('"', open + 1);
      if (open != std::string::npos && close != std::string::npos) {
        address_ = text.substr(open + 1, close - open - 1);
      }
    }
    return absl::OkStatus();
  }

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // From /proc/<pid>/status, kB.
  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }
  // User + system CPU seconds, from /proc/<pid>/stat (fields 14 and 15).
  double CpuSeconds() const {
    const std::string stat = ReadFile("/proc/" + std::to_string(pid_) + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14) utime = std::stol(field);
      if (i == 15) stime = std::stol(field);
    }
    return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
  }

 private:
  pid_t pid_ = 0;
  std::filesystem::path log_;
  std::string address_;
};

double ClientCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Channels with distinct arguments, hence distinct TCP connections.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("invitegate.bench.connection", i);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    channels.back()->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  return channels;
}

std::unique_ptr<grpc::ClientContext> NewContext(const Flags& flags, std::chrono::seconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  if (!flags.token.empty()) ctx->AddMetadata("authorization", "Bearer " + flags.token);
  return ctx;
}

// --- Unary load: `concurrency` calls always in flight, each slot re-issuing on completion.

// One in-flight call's state: the request and response live as long as the slot.
class CallSlot {
 public:
  virtual ~CallSlot() = default;
  virtual void Issue(grpc::ClientContext* ctx, std::function<void(grpc::Status)> done) = 0;
};

class EchoSlot : public CallSlot {
 public:
  EchoSlot(std::shared_ptr<grpc::Channel> channel, size_t payload)
      : stub_(echo::EchoService::NewStub(channel)) {
    request_.set_payload(std::string(payload, 'x'));
  }
  void Issue(grpc::ClientContext* ctx, std::function<void(grpc::Status)> done) override {
    stub_->async()->Echo(ctx, &request_, &response_, std::move(done));
  }

 private:
  std::unique_ptr<echo::EchoService::Stub> stub_;
  echo::EchoRequest request_;
  echo::EchoResponse response_;
};

class ResolveSlot : public CallSlot {
 public:
  explicit ResolveSlot(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::UsernameService::NewStub(channel)) {
    request_.set_account(kAlice);
    request_.set_username("invitegate_group");
  }
  void Issue(grpc::ClientContext* ctx, std::function<void(grpc::Status)> done) override {
    stub_->async()->ResolveUsername(ctx, &request_, &response_, std::move(done));
  }

 private:
  std::unique_ptr<v1::UsernameService::Stub> stub_;
  v1::ResolveUsernameRequest request_;
  v1::ResolveUsernameResponse response_;
};

struct UnaryResult {
  double qps = 0, p50_ms = 0, p99_ms = 0;
  double server_cpu_us = 0, client_cpu_us = 0, emulator_cpu_us = 0;  // per call
  long calls = 0, errors = 0;
  std::string first_error;
};

UnaryResult RunUnary(const Flags& flags, const ChildProcess& server, const ChildProcess* emulator,
                     const std::vector<std::shared_ptr<grpc::Channel>>& channels, int concurrency,
                     const std::function<std::unique_ptr<CallSlot>(std::shared_ptr<grpc::Channel>)>&
                         make_slot) {
  struct Slot {
    std::unique_ptr<CallSlot> call;
    std::unique_ptr<grpc::ClientContext> ctx;
    int64_t started_ns = 0;
    std::vector<double> latencies_ms;
    long errors = 0;
    std::string first_error;
  };
  std::vector<Slot> slots(concurrency);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> measure_from_ns{std::numeric_limits<int64_t>::max()};
  std::mutex mutex;
  std::condition_variable cv;
  int running = concurrency;

  std::function<void(Slot&)> issue = [&](Slot& slot) {
    slot.ctx = NewContext(flags, std::chrono::seconds(30));
    slot.started_ns = NowNs();
    slot.call->Issue(slot.ctx.get(), [&, s = &slot](grpc::Status status) {
      const int64_t end = NowNs();
      if (s->started_ns >= measure_from_ns.load(std::memory_order_relaxed) &&
          !stop.load(std::memory_order_relaxed)) {
        if (status.ok()) {
          s->latencies_ms.push_back((end - s->started_ns) / 1e6);
        } else if (s->errors++ == 0) {
          s->first_error = std::to_string(status.error_code()) + " " + status.error_message();
        }
      }
      if (stop.load()) {
        std::lock_guard lock(mutex);
        if (--running == 0) cv.notify_all();
        return;
      }
      issue(*s);
    });
  };
  for (int i = 0; i < concurrency; ++i) {
    slots[i].call = make_slot(channels[i % channels.size()]);
    issue(slots[i]);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
  const double server_cpu0 = server.CpuSeconds(), client_cpu0 = ClientCpuSeconds();
  const double emulator_cpu0 = emulator ? emulator->CpuSeconds() : 0;
  const int64_t t0 = NowNs();
  measure_from_ns = t0;
  std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
  stop = true;
  const int64_t t1 = NowNs();
  const double server_cpu1 = server.CpuSeconds(), client_cpu1 = ClientCpuSeconds();
  const double emulator_cpu1 = emulator ? emulator->CpuSeconds() : 0;
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return running == 0; });
  }
  UnaryResult r;
  std::vector<double> all;
  for (Slot& s : slots) {
    all.insert(all.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    r.errors += s.errors;
    if (r.first_error.empty()) r.first_error = s.first_error;
  }
  r.calls = static_cast<long>(all.size());
  r.qps = r.calls / ((t1 - t0) / 1e9);
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  if (r.calls > 0) {
    r.server_cpu_us = (server_cpu1 - server_cpu0) * 1e6 / r.calls;
    r.client_cpu_us = (client_cpu1 - client_cpu0) * 1e6 / r.calls;
    r.emulator_cpu_us = (emulator_cpu1 - emulator_cpu0) * 1e6 / r.calls;
  }
  return r;
}

void PrintUnary(const char* what, int concurrency, int channels, const UnaryResult& r) {
  std::printf("  %-22s c=%-3d ch=%-2d %9.0f calls/s  p50 %7.3f ms  p99 %7.3f ms  server %6.1f us/call"
              "  client %6.1f us/call",
              what, concurrency, channels, r.qps, r.p50_ms, r.p99_ms, r.server_cpu_us,
              r.client_cpu_us);
  if (r.emulator_cpu_us > 0) std::printf("  emulator %6.1f us/call", r.emulator_cpu_us);
  if (r.errors > 0) std::printf("  errors %ld (%s)", r.errors, r.first_error.c_str());
  std::printf("\n");
}

void BenchUnary(const Flags& flags, const ChildProcess& server, const ChildProcess* emulator) {
  // The echo payload is the size of the forwarded answer, so both move the same bytes back.
  size_t payload = 64;
  {
    auto channel = MakeChannels(server.address(), 1).front();
    auto stub = v1::UsernameService::NewStub(channel);
    v1::ResolveUsernameRequest request;
    request.set_account(kAlice);
    request.set_username("invitegate_group");
    v1::ResolveUsernameResponse response;
    auto ctx = NewContext(flags, std::chrono::seconds(30));
    grpc::Status s = stub->ResolveUsername(ctx.get(), request, &response);
    if (!s.ok()) {
      std::printf("  ResolveUsername fails: %d %s\n", s.error_code(), s.error_message().c_str());
    }
    payload = std::max<size_t>(payload, response.ByteSizeLong());
  }
  std::printf("unary (echo payload %zu bytes each way; forwarded = UsernameService.ResolveUsername"
              " as alice)\n", payload);
  for (int concurrency : {1, 16, 64}) {
    const int n = std::min(concurrency, flags.max_channels);
    auto channels = MakeChannels(server.address(), n);
    const UnaryResult e = RunUnary(flags, server, emulator, channels, concurrency, [&](auto channel) {
      return std::make_unique<EchoSlot>(channel, payload);
    });
    PrintUnary("echo", concurrency, n, e);
    const UnaryResult f = RunUnary(flags, server, emulator, channels, concurrency, [](auto channel) {
      return std::make_unique<ResolveSlot>(channel);
    });
    PrintUnary("forwarded", concurrency, n, f);
    std::printf("  %-22s c=%-3d forwarded/echo = %.0f %%%s\n", "ratio", concurrency,
                e.qps > 0 ? 100.0 * f.qps / e.qps : 0.0,
                concurrency == 64 ? (f.qps >= 0.6 * e.qps ? "  (goal >= 60 %: met)"
                                                          : "  (goal >= 60 %: NOT met)")
                                  : "");
    // What the server process spends per call, whoever else shares the CPUs: the ratio the
    // server would reach if it alone were the bottleneck.
    if (f.server_cpu_us > 0) {
      std::printf("  %-22s c=%-3d server CPU echo/forwarded = %.0f %%\n", "", concurrency,
                  100.0 * e.server_cpu_us / f.server_cpu_us);
    }
  }
}

// Signs Alice and Dave in through AccountService (test numbers; the code is the number's
// digit repeated: mtproto/emulator/README.md).
absl::Status SignInUsers(const Flags& flags, const std::string& address) {
  auto stub = v1::AccountService::NewStub(MakeChannels(address, 1).front());
  const std::pair<const char*, const char*> users[] = {{"accounts/alice", "9996621234"},
                                                       {"accounts/dave", "9996641001"}};
  for (const auto& [name, phone] : users) {
    v1::StartSignInRequest start;
    start.set_name(name);
    start.set_phone_number(phone);
    v1::Account account;
    grpc::Status s = stub->StartSignIn(NewContext(flags, std::chrono::seconds(30)).get(), start,
                                       &account);
    if (!s.ok()) return absl::InternalError(std::string(name) + " StartSignIn: " + s.error_message());
    v1::SubmitSignInCodeRequest code;
    code.set_name(name);
    code.set_code(std::string(5, phone[5]));
    s = stub->SubmitSignInCode(NewContext(flags, std::chrono::seconds(30)).get(), code, &account);
    if (!s.ok() || account.state() != v1::SIGN_IN_STATE_SIGNED_IN) {
      return absl::InternalError(std::string(name) + " SubmitSignInCode: " + s.error_message());
    }
  }
  return absl::OkStatus();
}

// --- Streams.

// The send times of the triggers, by kind and index: the k-th created event answers the k-th
// join, the k-th resolved event the k-th decline (each subscriber sees its feed in order).
struct Triggers {
  explicit Triggers(int n) : join_ns(n), decline_ns(n) {}
  std::vector<std::atomic<int64_t>> join_ns, decline_ns;
};

// One WatchJoinRequests subscriber (snapshot start, so "established" is observable).
class Watcher : public grpc::ClientReadReactor<v1::JoinRequestEvent> {
 public:
  Watcher(v1::JoinRequestService::Stub* stub, const Flags& flags, const Triggers* triggers)
      : triggers_(triggers), ctx_(NewContext(flags, std::chrono::seconds(3600))) {
    request_.set_account(kAlice);
    request_.set_snapshot(true);
    stub->async()->WatchJoinRequests(ctx_.get(), &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const int64_t now = NowNs();
    ++events_;
    if (event_.sequence() > 0) receipts_.push_back({event_.sequence(), now});
    switch (event_.event_case()) {
      case v1::JoinRequestEvent::kSnapshotComplete: {
        std::lock_guard lock(mutex_);
        established_ = true;
        cv_.notify_all();
        break;
      }
      case v1::JoinRequestEvent::kCreated:
        Record(triggers_->join_ns, created_++, now);
        break;
      case v1::JoinRequestEvent::kResolved: {
        Record(triggers_->decline_ns, resolved_++, now);
        std::lock_guard lock(mutex_);
        cv_.notify_all();
        break;
      }
      default:
        break;
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mutex_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }

  // Waits until the snapshot is complete or the call ended; false if it ended.
  bool WaitEstablished(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return established_ || done_; });
    return established_ && !done_;
  }
  bool WaitResolved(int n, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return cv_.wait_until(lock, deadline, [&] { return resolved_.load() >= n || done_; }) &&
           !done_;
  }
  void CancelAndWait() {
    ctx_->TryCancel();
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done_; });
  }

  grpc::Status status() {
    std::lock_guard lock(mutex_);
    return status_;
  }
  long events() const { return events_.load(); }
  std::vector<double>& latencies_ms() { return latencies_ms_; }  // read after CancelAndWait
  // (sequence, arrival ns) of each feed event (not snapshots nor heartbeats); read after
  // CancelAndWait.
  const std::vector<std::pair<int64_t, int64_t>>& receipts() const { return receipts_; }

 private:
  void Record(const std::vector<std::atomic<int64_t>>& sent, int k, int64_t now) {
    if (k < static_cast<int>(sent.size()) && sent[k].load() != 0) {
      latencies_ms_.push_back((now - sent[k].load()) / 1e6);
    }
  }

  const Triggers* triggers_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::WatchJoinRequestsRequest request_;
  v1::JoinRequestEvent event_;
  std::atomic<long> events_{0};
  std::atomic<int> created_{0}, resolved_{0};
  std::vector<double> latencies_ms_;
  std::vector<std::pair<int64_t, int64_t>> receipts_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool established_ = false, done_ = false;
  grpc::Status status_;
};

// Dave asks to join through a request-needed link; Alice declines; `cycles` times, one every
// cycle_interval_ms (see Flags). Returns the error that stopped it, if any.
absl::Status RunTriggers(const Flags& flags, std::shared_ptr<grpc::Channel> channel, const std::string& link_url,
                         Triggers* triggers, int cycles) {
  auto links = v1::InviteLinkService::NewStub(channel);
  auto requests = v1::JoinRequestService::NewStub(channel);
  v1::JoinByInviteLinkRequest join;
  join.set_account(kDave);
  join.set_invite_link(link_url);
  v1::DeclineJoinRequestRequest decline;
  decline.set_name(std::string(kGroup) + "/joinRequests/" + std::to_string(kDaveId));
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < cycles; ++i) {
    // (i + 1): the previous run's last cycle may still be in this second.
    std::this_thread::sleep_until(start +
                                  (i + 1) * std::chrono::milliseconds(flags.cycle_interval_ms));
    v1::JoinByInviteLinkResponse joined;
    triggers->join_ns[i] = NowNs();
    grpc::Status s = links->JoinByInviteLink(NewContext(flags, std::chrono::seconds(30)).get(),
                                             join, &joined);
    if (!s.ok() || joined.outcome() != v1::JOIN_OUTCOME_PENDING_APPROVAL) {
      return absl::InternalError("JoinByInviteLink: " + std::to_string(s.error_code()) + " " +
                                 s.error_message());
    }
    google::protobuf::Empty empty;
    triggers->decline_ns[i] = NowNs();
    s = requests->DeclineJoinRequest(NewContext(flags, std::chrono::seconds(30)).get(), decline,
                                     &empty);
    if (!s.ok()) {
      return absl::InternalError("DeclineJoinRequest: " + std::to_string(s.error_code()) + " " +
                                 s.error_message());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CreateGatedLink(const Flags& flags,
                                            std::shared_ptr<grpc::Channel> channel) {
  auto links = v1::InviteLinkService::NewStub(channel);
  v1::CreateInviteLinkRequest create;
  create.set_parent(kGroup);
  create.mutable_invite_link()->set_request_needed(true);
  create.mutable_invite_link()->set_title("bench");
  v1::InviteLink link;
  grpc::Status s =
      links->CreateInviteLink(NewContext(flags, std::chrono::seconds(30)).get(), create, &link);
  if (!s.ok()) return absl::InternalError("CreateInviteLink: " + s.error_message());
  return link.url();
}

// Opens `n` subscribers over `channels`; returns them once every one is established, or the
// status that ended the first one that failed.
absl::StatusOr<std::vector<std::unique_ptr<Watcher>>> OpenWatchers(
    const Flags& flags, const std::vector<std::unique_ptr<v1::JoinRequestService::Stub>>& stubs,
    const Triggers* triggers, int n) {
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < n; ++i) {
    watchers.push_back(std::make_unique<Watcher>(stubs[i % stubs.size()].get(), flags, triggers));
  }
  for (auto& w : watchers) {
    if (!w->WaitEstablished(std::chrono::seconds(60))) {
      grpc::Status s = w->status();
      for (auto& other : watchers) other->CancelAndWait();
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          s.ok() ? "not established in 60 s" : s.error_message());
    }
  }
  return watchers;
}

void BenchStreams(const Flags& flags, const ChildProcess& server) {
  auto channels = MakeChannels(server.address(), flags.max_channels);
  std::vector<std::unique_ptr<v1::JoinRequestService::Stub>> stubs;
  for (auto& c : channels) stubs.push_back(v1::JoinRequestService::NewStub(c));
  auto trigger_channel = MakeChannels(server.address(), 1).front();
  absl::StatusOr<std::string> link = CreateGatedLink(flags, trigger_channel);
  if (!link.ok()) {
    std::printf("streams: %s\n", std::string(link.status().message()).c_str());
    return;
  }

  // 3. Memory per idle stream first, on a server that has had no streams yet.
  {
    Triggers none(0);
    const long before = server.RssKb();
    absl::StatusOr<std::vector<std::unique_ptr<Watcher>>> idle =
        OpenWatchers(flags, stubs, &none, flags.idle_streams);
    if (!idle.ok()) {
      std::printf("memory per idle stream: WatchJoinRequests fails (%s): not measured\n",
                  idle.status().ToString().c_str());
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const long after = server.RssKb();
      std::printf("memory per idle stream: server VmRSS %ld kB -> %ld kB with %d idle "
                  "WatchJoinRequests streams over %zu connections: %.1f kB/stream\n",
                  before, after, flags.idle_streams, channels.size(),
                  static_cast<double>(after - before) / flags.idle_streams);
      for (auto& w : *idle) w->CancelAndWait();
    }
  }

  // 2. Events with 1, 100 and 1,000 subscribers.
  std::printf("streams (%d join+decline cycles per run, one per %d ms, Dave through a "
              "request-needed link; subscribers follow accounts/alice; latency = trigger RPC sent"
              " -> created/resolved event received)\n", flags.cycles, flags.cycle_interval_ms);
  for (int n : {1, 100, 1000}) {
    Triggers triggers(flags.cycles);
    absl::StatusOr<std::vector<std::unique_ptr<Watcher>>> watchers =
        OpenWatchers(flags, stubs, &triggers, n);
    if (!watchers.ok()) {
      std::printf("  %4d subscribers: WatchJoinRequests fails (%s)\n", n,
                  watchers.status().ToString().c_str());
      // What exists without streams: the trigger path alone.
      Triggers alone(flags.cycles);
      const int64_t t0 = NowNs();
      absl::Status s = RunTriggers(flags, trigger_channel, *link, &alone, flags.cycles);
      const double secs = (NowNs() - t0) / 1e9;
      std::printf("  no subscribers: %d join+decline cycles in %.2f s = %.0f trigger RPCs/s%s\n",
                  flags.cycles, secs, 2 * flags.cycles / secs,
                  s.ok() ? "" : (" (" + std::string(s.message()) + ")").c_str());
      return;
    }
    const double server_cpu0 = server.CpuSeconds();
    const int64_t t0 = NowNs();
    absl::Status s = RunTriggers(flags, trigger_channel, *link, &triggers, flags.cycles);
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(30);
    long complete = 0;
    for (auto& w : *watchers) complete += w->WaitResolved(flags.cycles, deadline);
    const int64_t t1 = NowNs();
    const double server_cpu = server.CpuSeconds() - server_cpu0;
    std::vector<double> latencies;
    long deliveries = 0;
    // Per feed event (by sequence): how many subscribers got it, first and last arrival.
    struct Spread {
      long count = 0;
      int64_t first = std::numeric_limits<int64_t>::max(), last = 0;
    };
    std::map<int64_t, Spread> spreads;
    for (auto& w : *watchers) {
      w->CancelAndWait();
      deliveries += w->events();
      latencies.insert(latencies.end(), w->latencies_ms().begin(), w->latencies_ms().end());
      for (const auto& [sequence, ns] : w->receipts()) {
        Spread& spread = spreads[sequence];
        ++spread.count;
        spread.first = std::min(spread.first, ns);
        spread.last = std::max(spread.last, ns);
      }
    }
    // Fan-out: one event's first to last subscriber, and the delivery rate that makes.
    std::vector<double> fanout_ms, fanout_rates;
    for (const auto& [sequence, spread] : spreads) {
      fanout_ms.push_back((spread.last - spread.first) / 1e6);
      if (spread.count > 1 && spread.last > spread.first) {
        fanout_rates.push_back((spread.count - 1) / ((spread.last - spread.first) / 1e9));
      }
    }
    const double secs = (t1 - t0) / 1e9;
    const long per_subscriber = deliveries / n;
    std::printf("  %4d subscribers: %ld events each, %ld delivered in %.1f s; one event reaches"
                " all in %.2f ms (median; %.0f deliveries/s while fanning out); latency p50 %.2f"
                " ms p99 %.2f ms; server CPU %.2f s; %ld/%d saw every event%s\n",
                n, per_subscriber, deliveries, secs, Percentile(fanout_ms, 0.5),
                n > 1 ? Percentile(fanout_rates, 0.5) : 0.0, Percentile(latencies, 0.5),
                Percentile(latencies, 0.99), server_cpu, complete, n,
                s.ok() ? "" : ("; stopped: " + std::string(s.message())).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("server")) flags.server = v;
    else if (const char* v = value("seconds")) flags.seconds = std::atof(v);
    else if (const char* v = value("channels")) flags.max_channels = std::max(1, std::atoi(v));
    else if (const char* v = value("cycles")) flags.cycles = std::max(1, std::atoi(v));
    else if (const char* v = value("cycle-interval-ms")) flags.cycle_interval_ms = std::atoi(v);
    else if (const char* v = value("idle-streams")) flags.idle_streams = std::max(1, std::atoi(v));
    else if (const char* v = value("token")) flags.token = v;
    else if (const char* v = value("emulator")) flags.emulator = v;
    else if (const char* v = value("mode")) flags.mode = v;
    else if (const char* v = value("only")) flags.only = v;
    else if (const char* v = value("wrap")) flags.wrap = v;
    else {
      std::fprintf(stderr,
                   "usage: service_bench [--server=BIN] [--seconds=S] [--channels=N] "
                   "[--cycles=N] [--cycle-interval-ms=MS] [--idle-streams=N] [--token=BEARER] [--emulator=BIN]\n"
                   "                     [--mode=embedded|separate|both] [--only=unary|streams]\n"
                   "                     [--wrap='valgrind --tool=callgrind']\n");
      return 2;
    }
  }
  char dir_template[] = "/tmp/service_bench.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::filesystem::path root = dir_template;
  std::printf("service_bench: %u CPUs; figures are per run, on a machine that may be shared\n",
              std::thread::hardware_concurrency());
  for (const char* mode : {"embedded", "separate"}) {
    if (flags.mode != "both" && flags.mode != mode) continue;
    const std::filesystem::path dir = root / mode;
    std::filesystem::create_directories(dir);
    const bool separate = std::string(mode) == "separate";
    ChildProcess emulator, server;
    std::vector<std::string> args;
    for (size_t at = 0; at < flags.wrap.size();) {
      const size_t space = std::min(flags.wrap.find(' ', at), flags.wrap.size());
      if (space > at) args.push_back(flags.wrap.substr(at, space - at));
      at = space + 1;
    }
    args.insert(args.end(), {flags.server, "--listen=127.0.0.1:0",
                                     "--data-dir=" + (dir / "data").string(),
                                     "--ready-file=" + (dir / "ready.json").string()});
    std::vector<std::string> env = {"INVITEGATE_BENCH_ECHO=1"};
    const Clock::time_point start = Clock::now();
    if (separate) {
      absl::Status s = emulator.Start({flags.emulator, "--state-dir", (dir / "emulator").string(),
                                       "--ready-file", (dir / "emulator.json").string()},
                                      {}, dir / "emulator.json", dir / "emulator.log");
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
      // Alice and Dave as configured user accounts (signed in below through AccountService).
      std::ofstream(dir / "alice.phone") << "9996621234";
      std::ofstream(dir / "dave.phone") << "9996641001";
      std::ofstream(dir / "config.json")
          << "{\"telegram\": {\"target\": \"custom\", \"ready_file\": \""
          << (dir / "emulator.json").string() << "\", \"api_id\": 1, \"api_hash\": {\"env\": "
          << "\"INVITEGATE_BENCH_API_HASH\"}},\n \"accounts\": ["
          << "{\"name\": \"alice\", \"kind\": \"user\", \"phone\": {\"file\": \""
          << (dir / "alice.phone").string() << "\"}}, "
          << "{\"name\": \"dave\", \"kind\": \"user\", \"phone\": {\"file\": \""
          << (dir / "dave.phone").string() << "\"}}]}\n";
      args.push_back("--config=" + (dir / "config.json").string());
      env.push_back("INVITEGATE_BENCH_API_HASH=00000000000000000000000000000000");
    }
    if (absl::Status s = server.Start(args, env, dir / "ready.json", dir / "server.log");
        !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    if (separate) {
      if (absl::Status s = SignInUsers(flags, server.address()); !s.ok()) {
        std::fprintf(stderr, "signing in: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    std::printf("\n== %s: invitegate-server (child) at %s%s, ready in %.1f s\n", mode,
                server.address().c_str(),
                separate ? " + invitegate-emulator (second child)" : " with the emulator inside",
                std::chrono::duration<double>(Clock::now() - start).count());
    if (flags.only != "streams") BenchUnary(flags, server, separate ? &emulator : nullptr);
    if (flags.only != "unary") BenchStreams(flags, server);
  }
  if (std::getenv("SERVICE_BENCH_KEEP") == nullptr) {
    std::error_code error;
    std::filesystem::remove_all(root, error);
  } else {
    std::printf("state and logs kept in %s\n", root.c_str());
  }
  return 0;
}

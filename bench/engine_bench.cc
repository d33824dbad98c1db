// engine_bench: the engine's calls/s, latency (p50/p99) and CPU per call against the emulator,
// next to mtcute and Telethon making the same calls against the same emulator in the same run.
//
// The emulator runs as a separate process (invitegate-emulator), so this process's CPU time is
// the engine's alone; the clients are child processes (bench/clients/) that report their own CPU
// time. Every client signs a bot in, warms up, then for K = 1, 16, 256 keeps K updates.getState
// calls in flight (each answer starts the next call) until N are answered.
// Figures only: nothing is asserted (the machines are shared and noisy).
// Spec: https://core.telegram.org/method/updates.getState
//
// Usage: engine_bench [--calls N] [--emulator PATH] [--no-clients]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mtproto/engine/engine.h"
#include "mtproto/engine/telegram_config.h"

extern char** environ;

namespace {

namespace api = mtproto::tl::api;
using mtproto::engine::Engine;
using Clock = std::chrono::steady_clock;

// The sample world's bot (mtproto/emulator/world.cc); the clients read it from the ready file.
constexpr char kBotToken[] = "2000001:AAEmulatorInvitegateBotToken0000001";
constexpr int kInFlight[] = {1, 16, 256};

// One client's figures at one K, or why there are none.
struct Result {
  int calls = 0;
  int errors = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::string error;  // non-empty: the run failed
  double CallsPerSecond() const { return seconds > 0 ? calls / seconds : 0; }
  double CpuPerThousand() const { return calls > 0 ? cpu_seconds * 1000 / calls : 0; }
};

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p / 100 * sorted.size()))];
}

// Keeps `in_flight` calls going until `calls` are answered. Callbacks run on the engine's I/O
// thread, so the bookkeeping below is only touched there (plus the final wait).
Result Measure(Engine& engine, int in_flight, int calls) {
  struct State {
    Engine* engine = nullptr;
    int calls = 0;
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    std::atomic<int> errors{0};
    std::vector<double> latencies_ms;
    std::promise<void> done;
  };
  State state;
  state.engine = &engine;
  state.calls = calls;
  state.latencies_ms.resize(calls);

  // Starts call number `index` (if any is left); its answer starts the next one.
  struct Starter {
    State* s;
    void operator()() const {
      const int index = s->started.fetch_add(1);
      if (index >= s->calls) return;
      const Clock::time_point t0 = Clock::now();
      const Starter next = *this;
      s->engine->Invoke(api::updates_getState(), mtproto::engine::In(std::chrono::seconds(30)),
                        [next, index, t0](absl::StatusOr<api::updates_getState::Result::Value> result) {
                          State* s = next.s;
                          s->latencies_ms[index] =
                              std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                          if (!result.ok()) s->errors.fetch_add(1);
                          if (s->finished.fetch_add(1) + 1 == s->calls) {
                            s->done.set_value();
                            return;
                          }
                          next();
                        });
    }
  };

  std::future<void> done = state.done.get_future();
  const double cpu0 = ProcessCpuSeconds();
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < in_flight; ++i) Starter{&state}();
  done.wait();
  Result result;
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  result.cpu_seconds = ProcessCpuSeconds() - cpu0;
  result.calls = calls;
  result.errors = state.errors.load();
  std::sort(state.latencies_ms.begin(), state.latencies_ms.end());
  result.p50_ms = Percentile(state.latencies_ms, 50);
  result.p99_ms = Percentile(state.latencies_ms, 99);
  return result;
}

// The number after "key": in a one-line JSON object (the clients' output is flat).
std::optional<double> JsonNumber(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(line.c_str() + at + key.size() + 3, nullptr);
}

std::string Tail(const std::filesystem::path& path, size_t max_chars) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > max_chars) s = "..." + s.substr(s.size() - max_chars);
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

// Runs a client script (via the shell, stderr to a file) and reads its JSON lines, one per K.
std::map<int, Result> RunClient(const std::string& command, const std::filesystem::path& stderr_path) {
  std::map<int, Result> results;
  const std::string full = command + " 2>'" + stderr_path.string() + "'";
  FILE* pipe = popen(full.c_str(), "r");
  std::string failure;
  if (pipe == nullptr) {
    failure = "popen failed";
  } else {
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      const std::string line = buffer;
      if (line.find("\"error\"") != std::string::npos) {
        failure = line.substr(0, line.find_last_not_of("\r\n") + 1);
        continue;
      }
      const std::optional<double> k = JsonNumber(line, "inflight");
      if (!k) continue;
      Result& r = results[static_cast<int>(*k)];
      r.calls = static_cast<int>(JsonNumber(line, "calls").value_or(0));
      r.errors = static_cast<int>(JsonNumber(line, "errors").value_or(0));
      r.seconds = JsonNumber(line, "seconds").value_or(0);
      r.cpu_seconds = JsonNumber(line, "cpu_seconds").value_or(0);
      r.p50_ms = JsonNumber(line, "p50_ms").value_or(0);
      r.p99_ms = JsonNumber(line, "p99_ms").value_or(0);
    }
    const int status = pclose(pipe);
    if (failure.empty() && status != 0) failure = "exit status " + std::to_string(status);
  }
  if (!failure.empty()) failure += " | stderr: " + Tail(stderr_path, 300);
  for (int k : kInFlight) {
    if (!results.contains(k)) results[k].error = failure.empty() ? "no result" : failure;
  }
  return results;
}

// The emulator as a child process; killed (SIGTERM) and reaped on destruction.
class EmulatorProcess {
 public:
  ~EmulatorProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  [[nodiscard]] absl::Status Start(const std::string& binary, const std::filesystem::path& dir,
                                   const std::filesystem::path& ready_file) {
    const std::string state_dir = (dir / "emulator").string();
    const std::string ready = ready_file.string();
    const std::string log = (dir / "emulator.log").string();
    std::vector<std::string> args = {binary, "--state-dir", state_dir, "--ready-file", ready};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = 0;
      return absl::InternalError("cannot start " + binary + ": " + std::strerror(rc));
    }
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(ready_file)) {
      if (Clock::now() > deadline) return absl::DeadlineExceededError("no ready file from " + binary);
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return absl::InternalError("the emulator exited: " + Tail(log, 300));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return absl::OkStatus();
  }

 private:
  pid_t pid_ = 0;
};

std::string Ratio(const Result& engine, const Result& other, bool cpu) {
  if (!engine.error.empty() || !other.error.empty()) return "-";
  const double r = cpu ? (engine.CpuPerThousand() > 0 ? other.CpuPerThousand() / engine.CpuPerThousand() : 0)
                       : (other.CallsPerSecond() > 0 ? engine.CallsPerSecond() / other.CallsPerSecond() : 0);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fx", r);
  return buffer;
}

void PrintRow(const char* client, int k, const Result& r, const std::string& vs_mtcute,
              const std::string& vs_telethon) {
  if (!r.error.empty()) {
    std::printf("%-9s %5d  FAILED: %s\n", client, k, r.error.c_str());
    return;
  }
  std::printf("%-9s %5d %10.0f %9.3f %9.3f %12.3f %7d  %s\n", client, k, r.CallsPerSecond(),
              r.p50_ms, r.p99_ms, r.CpuPerThousand(), r.errors,
              (vs_mtcute + "  " + vs_telethon).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 20000;
  std::string emulator_binary = INVITEGATE_EMULATOR_BINARY;
  bool clients = true;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--calls" && i + 1 < argc) {
      calls = std::max(1, std::atoi(argv[++i]));
    } else if (flag == "--emulator" && i + 1 < argc) {
      emulator_binary = argv[++i];
    } else if (flag == "--no-clients") {
      clients = false;
    } else {
      std::fprintf(stderr, "usage: engine_bench [--calls N] [--emulator PATH] [--no-clients]\n");
      return 2;
    }
  }

  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("invitegate-engine-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path ready_file = dir / "ready.json";

  std::map<std::string, std::map<int, Result>> results;
  {
    EmulatorProcess emulator;
    if (absl::Status s = emulator.Start(emulator_binary, dir, ready_file); !s.ok()) {
      std::fprintf(stderr, "engine_bench: %s\n", s.ToString().c_str());
      return 1;
    }

    // --- The engine.
    {
      absl::StatusOr<mtproto::engine::TelegramEndpoints> endpoints =
          mtproto::engine::EmulatorEndpointsFromReadyFile(ready_file);
      mtproto::engine::EngineOptions options;
      std::string failure;
      if (endpoints.ok()) {
        options.endpoints = *endpoints;
      } else {
        failure = endpoints.status().ToString();
      }
      options.api_id = 12345;
      options.api_hash = "0123456789abcdef0123456789abcdef";
      options.device_model = "engine_bench";
      options.store_path = dir / "engine-account.db";
      std::unique_ptr<Engine> engine;
      if (failure.empty()) {
        absl::StatusOr<std::unique_ptr<Engine>> created = Engine::Create(std::move(options));
        if (created.ok()) {
          engine = std::move(*created);
        } else {
          failure = created.status().ToString();
        }
      }
      if (engine != nullptr) {
        if (absl::StatusOr<int64_t> id = engine->SignInBot(kBotToken); !id.ok()) {
          failure = "bot sign-in: " + id.status().ToString();
        }
      }
      if (failure.empty()) {
        Measure(*engine, 16, 200);  // warm-up: connection, allocator, caches
        for (int k : kInFlight) results["engine"][k] = Measure(*engine, k, calls);
      } else {
        for (int k : kInFlight) results["engine"][k].error = failure;
      }
    }

    // --- The independent clients, one after the other against the same emulator.
    if (clients) {
      const std::string interop = INVITEGATE_INTEROP_DIR;
      const std::string scripts = INVITEGATE_BENCH_CLIENTS_DIR;
      const std::string tail = " --inflight 1,16,256 --calls " + std::to_string(calls);
      results["mtcute"] =
          RunClient("cd '" + interop + "' && node '" + scripts + "/mtcute_bench.mjs' '" +
                        ready_file.string() + "' '" + interop + "'" + tail,
                    dir / "mtcute.stderr");
      results["telethon"] = RunClient("/usr/bin/python3 '" + scripts + "/telethon_bench.py' '" +
                                          ready_file.string() + "'" + tail,
                                      dir / "telethon.stderr");
    }
  }

  std::printf("updates.getState as a signed-in bot, %d calls per row, emulator in its own process\n",
              calls);
  std::printf("CPU-s/1k: the client process's CPU seconds per 1,000 calls (emulator excluded)\n");
  std::printf("ratios on engine rows: calls/s engine/X and CPU X/engine (higher = engine better)\n\n");
  std::printf("%-9s %5s %10s %9s %9s %12s %7s  %s\n", "client", "K", "calls/s", "p50 ms",
              "p99 ms", "CPU-s/1k", "errors", "vs mtcute (rate cpu)  vs Telethon (rate cpu)");
  for (int k : kInFlight) {
    const Result& e = results["engine"][k];
    std::string vs_m = "-", vs_t = "-";
    if (clients) {
      vs_m = Ratio(e, results["mtcute"][k], false) + " " + Ratio(e, results["mtcute"][k], true);
      vs_t = Ratio(e, results["telethon"][k], false) + " " + Ratio(e, results["telethon"][k], true);
    }
    PrintRow("engine", k, e, vs_m, "     " + vs_t);
    if (clients) {
      PrintRow("mtcute", k, results["mtcute"][k], "", "");
      PrintRow("telethon", k, results["telethon"][k], "", "");
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

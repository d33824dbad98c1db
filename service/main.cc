// invitegate-server: the gRPC service, configured by a JSON file, INVITEGATE_* environment
// variables and flags (service/config/config.h; every option in deploy/invitegate.example.json).
// With telegram.target "emulator" (the default) it runs the embedded default: the emulator
// in-process on loopback and, unless accounts are configured, the sample accounts signed in.
// Otherwise it serves the configured accounts (bots signed in by token; users get a login code
// to complete with AccountService) against production, test or a custom Telegram.
// SIGINT/SIGTERM: graceful shutdown (health NOT_SERVING, streams drained within
// shutdown.grace_period, then calls cancelled).
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_join.h"
#include "service/auth/tls.h"
#include "service/config/config.h"
#include "service/embedded.h"
#include "service/log/logger.h"
#include "service/server.h"

namespace {

namespace config = invitegate::config;
namespace logging = invitegate::logging;

constexpr char kUsage[] = R"(invitegate-server [options]
  --config=FILE           the JSON config (also INVITEGATE_CONFIG); see
                          deploy/invitegate.example.json for every option
  --<option>=VALUE        override a config option (e.g. --listen=127.0.0.1:0,
                          --log.level=debug); also --set <option>=VALUE
  --print-config          print the effective config (secrets redacted) and exit
  --ready-file=PATH       write {"address": "...", "metrics_port": N} here once serving
  --help
Shorthands kept for scripts: --data-dir=DIR (state_dir), --telegram=production|test|<ready file>
(telegram.target / telegram.ready_file), --api-id=N (telegram.api_id).
)";

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

bool Flag(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

// What main itself handles; the rest is the config's command line.
struct MainFlags {
  bool help = false;
  bool print_config = false;
  std::string ready_file;
  std::string api_hash;  // legacy --api-hash: handed to the config as its environment variable
  std::vector<std::string> config_args;  // argv[0] and the config's flags
};

// Translates the shorthand flags into config overrides.
MainFlags SplitFlags(int argc, char** argv) {
  MainFlags flags;
  flags.config_args.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
    } else if (arg == "--print-config") {
      flags.print_config = true;
    } else if (Flag(arg, "ready-file", &flags.ready_file)) {
    } else if (Flag(arg, "data-dir", &value)) {
      flags.config_args.push_back("--state_dir=" + value);
    } else if (Flag(arg, "api-id", &value)) {
      flags.config_args.push_back("--telegram.api_id=" + value);
    } else if (Flag(arg, "api-hash", &flags.api_hash)) {
    } else if (Flag(arg, "telegram", &value)) {
      if (value == "production" || value == "test" || value == "emulator") {
        flags.config_args.push_back("--telegram.target=" + value);
      } else {
        flags.config_args.push_back("--telegram.target=custom");
        flags.config_args.push_back("--telegram.ready_file=" + value);
      }
    } else {
      flags.config_args.push_back(arg);
    }
  }
  return flags;
}

bool IsLoopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address.rfind("localhost:", 0) == 0 ||
         address.rfind("[::1]:", 0) == 0 || address.rfind("unix:", 0) == 0;
}

// "host:0" with the bound port → "host:port"; unix sockets as they are.
std::string BoundAddress(const std::string& listen, int port) {
  if (listen.rfind("unix:", 0) == 0) return listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StrCat(host, ":", port);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace invitegate::service;
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles: a debugging aid that
  // costs ~10 % of the server's CPU per call (bench/service_bench under callgrind).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  MainFlags flags = SplitFlags(argc, argv);
  if (flags.help) {
    std::cout << kUsage << "\nOptions settable by flag and environment:\n";
    for (const config::OverridableOption& o : config::OverridableOptions()) {
      std::cout << "  " << o.key << " (" << o.env << ", " << o.type << "): " << o.help << "\n";
    }
    return 0;
  }
  std::vector<const char*> config_argv;
  for (const std::string& a : flags.config_args) config_argv.push_back(a.c_str());
  absl::StatusOr<config::CommandLine> command_line =
      config::ParseCommandLine(static_cast<int>(config_argv.size()), config_argv.data());
  if (!command_line.ok()) {
    std::cerr << command_line.status().message() << "\n" << kUsage;
    return 2;
  }
  if (!command_line->rest.empty()) {
    std::cerr << "unknown argument: " << command_line->rest.front() << "\n" << kUsage;
    return 2;
  }
  if (!flags.api_hash.empty()) {
    // A secret on the command line shows in the process list; still accepted for old scripts.
    config::EnvLookup env = config::ProcessEnv();
    command_line->load.env = [env, hash = flags.api_hash](std::string_view name) {
      if (name == "INVITEGATE_TELEGRAM_API_HASH") return std::optional<std::string>(hash);
      return env(name);
    };
  }
  absl::StatusOr<config::Config> loaded = config::LoadConfig(command_line->load);
  if (!loaded.ok()) {
    std::cerr << "config: " << loaded.status().message() << "\n";
    return 2;
  }
  const config::Config& cfg = *loaded;
  if (flags.print_config) {
    std::cout << cfg.ToRedactedJson() << std::endl;
    return 0;
  }

  logging::Logger log({.level = cfg.log_level, .format = cfg.log_format});
  logging::SetDefaultLogger(log);
  for (const std::string& warning : cfg.warnings) log.Warn("config", {{"warning", warning}});
  if (!flags.api_hash.empty()) {
    log.Warn("--api-hash puts a secret in the process list; use INVITEGATE_TELEGRAM_API_HASH");
  }

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (cfg.tls.enabled()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> made =
        invitegate::auth::MakeServerCredentials(cfg.tls);
    if (!made.ok()) {
      log.Error("tls", {{"status", made.status()}});
      return 2;
    }
    credentials = *std::move(made);
  }

  const std::filesystem::path state_dir = cfg.state_dir;
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);
  if (error) {
    log.Error("cannot create state_dir", {{"path", state_dir.string()}, {"error", error.message()}});
    return 1;
  }
  ::chmod(state_dir.c_str(), 0700);

  // Telegram: the embedded emulator, or the configured endpoints.
  std::optional<EmbeddedEmulator> embedded;
  mtproto::engine::TelegramEndpoints endpoints;
  if (cfg.telegram.target == config::TelegramTarget::kEmulator) {
    const std::filesystem::path emulator_dir = cfg.telegram.emulator_state_dir.empty()
                                                   ? state_dir / "emulator"
                                                   : std::filesystem::path(
                                                         cfg.telegram.emulator_state_dir);
    absl::StatusOr<EmbeddedEmulator> started =
        StartEmbeddedEmulator(emulator_dir, cfg.telegram.emulator_world_file);
    if (!started.ok()) {
      log.Error("embedded emulator", {{"status", started.status()}});
      return 1;
    }
    embedded = std::move(*started);
    endpoints = embedded->endpoints;
  } else {
    absl::StatusOr<mtproto::engine::TelegramEndpoints> configured =
        ConfiguredEndpoints(cfg.telegram);
    if (!configured.ok()) {
      log.Error("telegram", {{"status", configured.status()}});
      return 2;
    }
    endpoints = *std::move(configured);
  }

  // Made before the accounts, so that their engines count the FLOOD_WAITs they wait out.
  absl::StatusOr<std::unique_ptr<invitegate::metrics::Metrics>> made_metrics =
      invitegate::metrics::Metrics::Create(cfg.metrics_listen);
  if (!made_metrics.ok()) {
    log.Error("metrics", {{"status", made_metrics.status()}});
    return 2;
  }
  std::shared_ptr<invitegate::metrics::Metrics> server_metrics = *std::move(made_metrics);
  auto registry = std::make_shared<AccountRegistry>(
      ConfiguredAccountFactory(cfg, endpoints, state_dir / "accounts", server_metrics));
  // Accounts signed in earlier through AccountService under the state directory.
  for (const auto& entry : std::filesystem::directory_iterator(state_dir / "accounts", error)) {
    if (entry.path().extension() == ".db" && IsValidAccountId(entry.path().stem().string())) {
      (void)registry->GetOrCreate(entry.path().stem().string());
    }
  }
  std::vector<std::string> health_accounts;
  if (embedded.has_value() && cfg.accounts.empty()) {
    const std::string world = embedded->emulator->WorldJson();
    if (absl::Status s = SignInSampleAccounts(*registry, world); !s.ok()) {
      log.Error("embedded default", {{"status", s}});
      return 1;
    }
    if (absl::StatusOr<std::vector<SampleAccount>> samples = SampleAccounts(world); samples.ok()) {
      for (const SampleAccount& sample : *samples) health_accounts.push_back(sample.id);
    }
  } else {
    // Failures are logged per account; health stays NOT_SERVING until they are signed in.
    (void)SignInConfiguredAccounts(*registry, cfg, log);
    for (const config::AccountConfig& account : cfg.accounts) {
      health_accounts.push_back(account.name);
    }
  }

  ServerOptions options;
  options.listen_address = cfg.listen.front();
  options.more_listen_addresses.assign(cfg.listen.begin() + 1, cfg.listen.end());
  options.credentials = credentials;
  options.tokens = cfg.tokens;
  options.metrics = server_metrics;
  options.health_accounts = health_accounts;
  options.health_require_all_accounts = cfg.health_require_all_accounts;
  options.logger = log;
  options.streams.emplace();
  options.streams->ledger_path =
      cfg.ledger.path.empty() ? state_dir / "ledger.sqlite" : std::filesystem::path(cfg.ledger.path);
  // 0 in the config means "no limit".
  if (cfg.ledger.retention_max_age > absl::ZeroDuration()) {
    options.streams->retention.max_age = cfg.ledger.retention_max_age;
  }
  if (cfg.ledger.retention_max_events > 0) {
    options.streams->retention.max_events = static_cast<uint64_t>(cfg.ledger.retention_max_events);
  }
  options.streams->subscriber_queue = static_cast<size_t>(cfg.stream_subscriber_queue_size);
  options.streams->default_heartbeat = cfg.stream_heartbeat_interval;
  InvitegateServer server(registry, options);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) {
    log.Error("cannot start", {{"status", port.status()}});
    return 1;
  }
  server.RefreshHealth();
  std::vector<std::string> addresses;
  for (size_t i = 0; i < cfg.listen.size(); ++i) {
    addresses.push_back(BoundAddress(cfg.listen[i], server.ports()[i]));
  }
  for (const std::string& listen : cfg.listen) {
    if (!IsLoopback(listen) && !cfg.tls.enabled()) {
      log.Warn("listening beyond loopback without TLS", {{"listen", listen}});
    }
  }
  log.Info("serving", {{"listen", absl::StrJoin(addresses, ",")},
                       {"tls", cfg.tls.enabled()},
                       {"mtls", cfg.tls.mtls()},
                       {"tokens", static_cast<long>(cfg.tokens.size())},
                       {"metrics_port", server.metrics_port()},
                       {"telegram", std::string(config::TelegramTargetName(cfg.telegram.target))},
                       {"accounts", absl::StrJoin(health_accounts, ",")},
                       {"healthy", server.serving()}});
  // Scripts read this line (and the ready file).
  std::cout << "invitegate-server listening on " << addresses.front()
            << (embedded && cfg.accounts.empty()
                    ? " (embedded emulator; accounts: " + absl::StrJoin(health_accounts, ", ") +
                          ")"
                    : "")
            << std::endl;
  if (!flags.ready_file.empty()) {
    const std::string tmp = flags.ready_file + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "{\"address\": \"%s\", \"metrics_port\": %d}\n", addresses.front().c_str(),
                   server.metrics_port());
      std::fclose(f);
      std::filesystem::rename(tmp, flags.ready_file, error);
    }
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto grace = absl::ToChronoMilliseconds(cfg.shutdown_grace_period);
  log.Info("signal received: draining", {{"grace_ms", static_cast<long long>(grace.count())}});
  server.Shutdown(grace);
  registry->Clear();
  if (embedded) embedded->emulator->Stop();
  log.Info("stopped");
  return 0;
}

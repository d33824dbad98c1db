// See embedded.h.
#include "service/embedded.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "mtproto/emulator/world.h"
#include "nlohmann/json.hpp"

namespace invitegate::service {

namespace engine = mtproto::engine;
namespace emulator = mtproto::emulator;

namespace {

// An engine account with its store's directory made private (0700), reporting the FLOOD_WAITs
// its engine waits out to `metrics` (when set).
absl::StatusOr<std::unique_ptr<AccountBackend>> MakeEngineAccount(
    const std::string& id, engine::EngineOptions options,
    const std::shared_ptr<metrics::Metrics>& metrics) {
  const std::filesystem::path dir = options.store_path.parent_path();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", error.message()));
  }
  ::chmod(dir.c_str(), 0700);
  if (metrics != nullptr) {
    options.on_flood_wait = [metrics, id](std::string_view method, std::chrono::seconds wait) {
      metrics->RecordFloodWait(id, method, static_cast<double>(wait.count()));
    };
  }
  absl::StatusOr<std::unique_ptr<EngineAccount>> account =
      EngineAccount::Create(id, std::move(options));
  if (!account.ok()) return account.status();
  return std::unique_ptr<AccountBackend>(std::move(*account));
}

}  // namespace

AccountFactory EngineAccountFactory(engine::TelegramEndpoints endpoints,
                                    std::filesystem::path accounts_dir, int32_t api_id,
                                    std::string api_hash,
                                    std::shared_ptr<metrics::Metrics> metrics) {
  return [endpoints = std::move(endpoints), accounts_dir = std::move(accounts_dir), api_id,
          api_hash = std::move(api_hash), metrics = std::move(metrics)](
             const std::string& id) -> absl::StatusOr<std::unique_ptr<AccountBackend>> {
    engine::EngineOptions options;
    options.endpoints = endpoints;
    options.api_id = api_id;
    options.api_hash = api_hash;
    options.store_path = accounts_dir / (id + ".db");
    return MakeEngineAccount(id, std::move(options), metrics);
  };
}

absl::StatusOr<std::vector<SampleAccount>> SampleAccounts(const std::string& world_json) {
  nlohmann::json world = nlohmann::json::parse(world_json, nullptr, false);
  if (world.is_discarded() || !world.is_object()) {
    return absl::InvalidArgumentError("the emulator's world is not JSON");
  }
  std::map<int64_t, std::string> phones;
  for (const auto& user : world.value("users", nlohmann::json::array())) {
    phones[user.value("id", int64_t{0})] = user.value("phone", "");
  }
  std::vector<SampleAccount> accounts;
  const auto& bots = world.value("bots", nlohmann::json::array());
  if (!bots.empty()) accounts.push_back({"bot", "", bots[0].value("token", "")});
  const std::pair<const char*, int64_t> users[] = {
      {"alice", 1000001}, {"bob", 1000002}, {"dave", 1000004}};
  for (const auto& [id, user_id] : users) {
    auto it = phones.find(user_id);
    if (it != phones.end() && !it->second.empty()) accounts.push_back({id, it->second, ""});
  }
  return accounts;
}

absl::StatusOr<EmbeddedEmulator> StartEmbeddedEmulator(const std::filesystem::path& state_dir,
                                                       const std::filesystem::path& world_file) {
  emulator::EmulatorOptions options;
  options.state_dir = state_dir;
  options.world_path = world_file.string();
  EmbeddedEmulator out;
  out.emulator = std::make_unique<emulator::Emulator>(std::move(options));
  absl::StatusOr<emulator::EmulatorEndpoints> endpoints = out.emulator->Start();
  if (!endpoints.ok()) return endpoints.status();
  std::map<int, int> ports;
  for (const emulator::DcEndpoint& dc : endpoints->dcs) ports[dc.id] = dc.port;
  absl::StatusOr<engine::TelegramEndpoints> ours = engine::EmulatorEndpoints(
      endpoints->dcs.front().host, ports, endpoints->public_key_pem);
  if (!ours.ok()) return ours.status();
  out.endpoints = *std::move(ours);
  return out;
}

absl::Status SignInSampleAccounts(AccountRegistry& registry, const std::string& world_json) {
  absl::StatusOr<std::vector<SampleAccount>> samples = SampleAccounts(world_json);
  if (!samples.ok()) return samples.status();
  nlohmann::json world = nlohmann::json::parse(world_json, nullptr, false);
  std::map<std::string, std::string> passwords;  // by phone
  for (const auto& user : world.value("users", nlohmann::json::array())) {
    if (user.contains("password")) passwords[user.value("phone", "")] = user.value("password", "");
  }
  for (const SampleAccount& sample : *samples) {
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = registry.GetOrCreate(sample.id);
    if (!account.ok()) return account.status();
    absl::StatusOr<mtproto::store::AccountState> state = (*account)->State();
    if (state.ok() && state->login_state == mtproto::store::LoginState::kSignedIn) continue;
    const std::string where = absl::StrCat("signing in sample account \"", sample.id, "\": ");
    if (!sample.token.empty()) {
      absl::StatusOr<int64_t> id = (*account)->SignInBot(sample.token);
      if (!id.ok()) return absl::Status(id.status().code(), where + std::string(id.status().message()));
      continue;
    }
    std::optional<std::string> code = emulator::TestLoginCode(sample.phone);
    if (!code.has_value()) return absl::InternalError(where + "not a test phone number");
    if (absl::Status s = (*account)->SendCode(sample.phone); !s.ok()) {
      return absl::Status(s.code(), where + std::string(s.message()));
    }
    absl::StatusOr<engine::SignInStep> step = (*account)->SignIn(*code);
    if (!step.ok()) return absl::Status(step.status().code(), where + std::string(step.status().message()));
    if (*step == engine::SignInStep::kPasswordNeeded) {
      auto it = passwords.find(sample.phone);
      if (it == passwords.end()) return absl::InternalError(where + "2FA password not in the world");
      if (absl::Status s = (*account)->CheckPassword(it->second); !s.ok()) {
        return absl::Status(s.code(), where + std::string(s.message()));
      }
    } else if (*step != engine::SignInStep::kSignedIn) {
      return absl::InternalError(where + "the number has no account");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<engine::TelegramEndpoints> ConfiguredEndpoints(
    const config::TelegramConfig& telegram) {
  using config::TelegramTarget;
  absl::StatusOr<engine::TelegramEndpoints> endpoints;
  switch (telegram.target) {
    case TelegramTarget::kProduction: endpoints = engine::ProductionEndpoints(); break;
    case TelegramTarget::kTest: endpoints = engine::TestEndpoints(); break;
    case TelegramTarget::kCustom: {
      if (!telegram.ready_file.empty()) {
        endpoints = engine::EmulatorEndpointsFromReadyFile(telegram.ready_file);
        break;
      }
      if (telegram.dcs.empty() || telegram.public_key_file.empty()) {
        return absl::InvalidArgumentError(
            "telegram: target \"custom\" needs ready_file, or dcs and public_key_file");
      }
      std::ifstream in(telegram.public_key_file);
      std::stringstream pem;
      pem << in.rdbuf();
      if (!in) {
        return absl::NotFoundError(
            absl::StrCat("telegram.public_key_file: cannot read ", telegram.public_key_file));
      }
      std::map<int, int> ports;
      for (const config::TelegramConfig::Dc& dc : telegram.dcs) ports[dc.id] = dc.port;
      endpoints = engine::EmulatorEndpoints(telegram.dcs.front().host, ports, pem.str());
      if (!endpoints.ok()) break;
      endpoints->dcs.clear();  // each DC at its own host
      for (const config::TelegramConfig::Dc& dc : telegram.dcs) {
        endpoints->dcs.push_back({.id = dc.id, .host = dc.host, .port = dc.port});
      }
      endpoints->test_mode = telegram.test_mode;
      break;
    }
    case TelegramTarget::kEmulator:
      return absl::InvalidArgumentError("the embedded emulator's endpoints come from starting it");
  }
  if (!endpoints.ok()) return endpoints.status();
  endpoints->default_dc = telegram.default_dc;
  return endpoints;
}

AccountFactory ConfiguredAccountFactory(const config::Config& config,
                                        engine::TelegramEndpoints endpoints,
                                        std::filesystem::path accounts_dir,
                                        std::shared_ptr<metrics::Metrics> metrics) {
  // Copies: the factory outlives the caller's config.
  return [accounts = config.accounts, telegram = config.telegram,
          flood_wait = absl::ToChronoSeconds(config.flood_wait_threshold),
          endpoints = std::move(endpoints), accounts_dir = std::move(accounts_dir),
          metrics = std::move(metrics)](
             const std::string& id) -> absl::StatusOr<std::unique_ptr<AccountBackend>> {
    engine::EngineOptions options;
    options.endpoints = endpoints;
    options.api_id = telegram.api_id;
    options.api_hash = telegram.api_hash.Reveal();
    options.flood_wait_threshold = flood_wait;
    options.store_path = accounts_dir / (id + ".db");
    for (const config::AccountConfig& account : accounts) {
      if (account.name != id) continue;
      if (account.api_id != 0) options.api_id = account.api_id;
      if (!account.api_hash.empty()) options.api_hash = account.api_hash.Reveal();
      if (!account.session_path.empty()) options.store_path = account.session_path;
    }
    if (options.api_id == 0) options.api_id = 1;  // the emulator accepts any API id
    if (options.api_hash.empty()) options.api_hash = "00000000000000000000000000000000";
    return MakeEngineAccount(id, std::move(options), metrics);
  };
}

absl::Status SignInConfiguredAccounts(AccountRegistry& registry, const config::Config& config,
                                      const logging::Logger& logger) {
  absl::Status first;
  for (const config::AccountConfig& configured : config.accounts) {
    const logging::Logger log = logger.With({{"account", configured.name}});
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = registry.GetOrCreate(configured.name);
    absl::Status status = account.status();
    if (account.ok()) {
      absl::StatusOr<mtproto::store::AccountState> state = (*account)->State();
      if (state.ok() && state->login_state == mtproto::store::LoginState::kSignedIn) {
        log.Info("session signed in");
        continue;
      }
      if (configured.kind == config::AccountKind::kBot) {
        status = (*account)->SignInBot(configured.bot_token.Reveal()).status();
        if (status.ok()) log.Info("bot signed in");
      } else if (state.ok() && (state->login_state == mtproto::store::LoginState::kCodeSent ||
                                state->login_state == mtproto::store::LoginState::kPasswordNeeded)) {
        log.Info("sign-in in progress: complete it with AccountService (invitegate login)");
      } else {
        status = (*account)->SendCode(configured.phone.Reveal());
        if (status.ok()) {
          log.Info("login code sent: complete the sign-in with AccountService.SubmitSignInCode "
                   "(invitegate login)",
                   {{"phone", configured.phone}});
        }
      }
    }
    if (!status.ok()) {
      log.Error("cannot sign in", {{"status", status}});
      if (first.ok()) first = status;
    }
  }
  return first;
}

}  // namespace invitegate::service

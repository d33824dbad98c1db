// See embedded.h.
#include "service/embedded.h"

#include <sys/stat.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "mtproto/emulator/world.h"
#include "nlohmann/json.hpp"

namespace invitegate::service {

namespace engine = mtproto::engine;
namespace emulator = mtproto::emulator;

AccountFactory EngineAccountFactory(engine::TelegramEndpoints endpoints,
                                    std::filesystem::path accounts_dir, int32_t api_id,
                                    std::string api_hash) {
  return [endpoints = std::move(endpoints), accounts_dir = std::move(accounts_dir), api_id,
          api_hash = std::move(api_hash)](
             const std::string& id) -> absl::StatusOr<std::unique_ptr<AccountBackend>> {
    std::error_code error;
    std::filesystem::create_directories(accounts_dir, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot create ", accounts_dir.string(), ": ", error.message()));
    }
    ::chmod(accounts_dir.c_str(), 0700);
    engine::EngineOptions options;
    options.endpoints = endpoints;
    options.api_id = api_id;
    options.api_hash = api_hash;
    options.store_path = accounts_dir / (id + ".db");
    absl::StatusOr<std::unique_ptr<EngineAccount>> account =
        EngineAccount::Create(id, std::move(options));
    if (!account.ok()) return account.status();
    return std::unique_ptr<AccountBackend>(std::move(*account));
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

absl::StatusOr<EmbeddedEmulator> StartEmbeddedEmulator(const std::filesystem::path& state_dir) {
  emulator::EmulatorOptions options;
  options.state_dir = state_dir;
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

}  // namespace invitegate::service

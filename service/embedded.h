// The embedded default: with no Telegram credentials configured, the server starts the Telegram
// emulator in-process on loopback with its sample world (a group, a supergroup and a channel with
// admins, two bots, some users) and signs sample accounts in, so that every RPC works on a fresh
// machine. Also the factory that makes one EngineAccount per account id, with its session store
// in the data directory.
// Spec: mtproto/emulator/README.md (world file, sign-in rules)
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/emulator/server.h"
#include "mtproto/engine/telegram_config.h"
#include "service/accounts.h"
#include "service/config/config.h"
#include "service/log/logger.h"
#include "service/metrics/metrics.h"

namespace invitegate::service {

// Makes EngineAccounts whose stores are <accounts_dir>/<id>.db (the directory is created 0700).
// With `metrics`, the FLOOD_WAITs an engine waits out itself are counted there (the ones it
// returns are counted per RPC by the server).
[[nodiscard]] AccountFactory EngineAccountFactory(
    mtproto::engine::TelegramEndpoints endpoints, std::filesystem::path accounts_dir,
    int32_t api_id, std::string api_hash, std::shared_ptr<metrics::Metrics> metrics = nullptr);

// The ids of the accounts the embedded default signs in, and who they are in the sample world.
struct SampleAccount {
  std::string id;      // the service's account id
  std::string phone;   // for users
  std::string token;   // for bots
};
// "bot" (the first sample bot), "alice" (creator of every sample chat), "bob" (an admin with
// 2FA), "dave" (a user with no chats, to join through links).
[[nodiscard]] absl::StatusOr<std::vector<SampleAccount>> SampleAccounts(
    const std::string& world_json);

// A running in-process emulator and the endpoints that reach it.
struct EmbeddedEmulator {
  std::unique_ptr<mtproto::emulator::Emulator> emulator;
  mtproto::engine::TelegramEndpoints endpoints;
};
// Starts the emulator with the sample world (or the world file, if given), its state in
// `state_dir` (kept across restarts).
[[nodiscard]] absl::StatusOr<EmbeddedEmulator> StartEmbeddedEmulator(
    const std::filesystem::path& state_dir, const std::filesystem::path& world_file = {});

// --- Accounts from the config (deploy/invitegate.example.json).

// The endpoints of telegram.target production / test / custom (ready_file, or dcs +
// public_key_file). Not for kEmulator (StartEmbeddedEmulator gives those).
[[nodiscard]] absl::StatusOr<mtproto::engine::TelegramEndpoints> ConfiguredEndpoints(
    const config::TelegramConfig& telegram);

// Makes EngineAccounts: a configured account with its session_path and API credentials (its own
// api_id/api_hash, else telegram's); any other id (created by AccountService sign-in) with its
// store at <accounts_dir>/<id>.db and telegram's credentials. `metrics` as for
// EngineAccountFactory.
[[nodiscard]] AccountFactory ConfiguredAccountFactory(
    const config::Config& config, mtproto::engine::TelegramEndpoints endpoints,
    std::filesystem::path accounts_dir, std::shared_ptr<metrics::Metrics> metrics = nullptr);

// Signs the configured accounts in where their session is not signed in yet: bots by token;
// users get a login code sent (the operator completes with AccountService.SubmitSignInCode, then
// SubmitSignInPassword). Failures are logged and do not stop the others (health stays
// NOT_SERVING until they are signed in); the status is the first failure.
[[nodiscard]] absl::Status SignInConfiguredAccounts(AccountRegistry& registry,
                                                    const config::Config& config,
                                                    const logging::Logger& logger);

// Signs each sample account in (creating it in `registry`): bots by token, users by phone and
// the test login code, then the 2FA password when asked. Accounts already signed in (a restart
// reusing the data directory) are left as they are.
[[nodiscard]] absl::Status SignInSampleAccounts(AccountRegistry& registry,
                                                const std::string& world_json);

}  // namespace invitegate::service

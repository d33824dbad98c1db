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

namespace invitegate::service {

// Makes EngineAccounts whose stores are <accounts_dir>/<id>.db (the directory is created 0700).
[[nodiscard]] AccountFactory EngineAccountFactory(mtproto::engine::TelegramEndpoints endpoints,
                                                  std::filesystem::path accounts_dir,
                                                  int32_t api_id, std::string api_hash);

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
// Starts the emulator with the sample world, its state in `state_dir` (kept across restarts).
[[nodiscard]] absl::StatusOr<EmbeddedEmulator> StartEmbeddedEmulator(
    const std::filesystem::path& state_dir);

// Signs each sample account in (creating it in `registry`): bots by token, users by phone and
// the test login code, then the 2FA password when asked. Accounts already signed in (a restart
// reusing the data directory) are left as they are.
[[nodiscard]] absl::Status SignInSampleAccounts(AccountRegistry& registry,
                                                const std::string& world_json);

}  // namespace invitegate::service

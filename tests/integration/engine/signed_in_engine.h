// Sign-in scaffolding shared by the engine integration tests: the sample world's accounts (see
// mtproto/emulator/README.md), our engine's endpoints for an in-process emulator, the options
// every test engine starts from, and engines signed in as a user (code, then the 2FA password)
// or as the bot.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "mtproto/emulator/server.h"
#include "mtproto/engine/engine.h"
#include "mtproto/engine/telegram_config.h"

namespace mtproto::testing {

inline constexpr char kBotToken[] = "2000001:AAEmulatorInvitegateBotToken0000001";
inline constexpr int64_t kBotId = 2000001;

// A user of the sample world: phone, login code, and the 2FA password when it has one.
struct TestAccount {
  const char* phone;
  const char* code;
  const char* password = nullptr;
};
inline constexpr TestAccount kAlice{"9996621234", "22222"};
inline constexpr TestAccount kBob{"9996625678", "22222", "emulator-2fa-pass"};
inline constexpr TestAccount kCarol{"9996631111", "33333"};
inline constexpr TestAccount kDave{"9996641001", "44444"};
inline constexpr TestAccount kErin{"9996641002", "44444"};
inline constexpr TestAccount kFrank{"9996641003", "44444"};
inline constexpr TestAccount kGrace{"9996641004", "44444"};
inline constexpr TestAccount kHeidi{"9996641005", "44444"};
inline constexpr TestAccount kIvan{"9996641006", "44444"};

// The sample world's joiners, Dave (index 0) onwards: ids 1000004 + i, phones 99966410NN
// (NN = i + 1), code 44444.
inline constexpr int kJoiners = 30;
inline int64_t JoinerId(int i) { return 1000004 + i; }
inline std::string JoinerPhone(int i) { return absl::StrFormat("99966410%02d", i + 1); }

// Our engine's view of the emulator's DCs (`ports` overrides some DCs' ports, e.g. a proxy's).
[[nodiscard]] inline absl::StatusOr<engine::TelegramEndpoints> EngineEndpoints(
    const emulator::EmulatorEndpoints& emulator, const std::map<int, int>& ports_override = {}) {
  std::map<int, int> ports;
  for (const emulator::DcEndpoint& dc : emulator.dcs) ports[dc.id] = dc.port;
  for (const auto& [dc, port] : ports_override) ports[dc] = port;
  return engine::EmulatorEndpoints(emulator.dcs.front().host, ports, emulator.public_key_pem);
}

// What every test engine starts from: a test api_id/api_hash, its store at `store_path`, and
// quick reconnects (loopback).
inline engine::EngineOptions BaseOptions(const engine::TelegramEndpoints& endpoints,
                                         std::filesystem::path store_path) {
  engine::EngineOptions options;
  options.endpoints = endpoints;
  options.api_id = 1;
  options.api_hash = "0123456789abcdef0123456789abcdef";
  options.store_path = std::move(store_path);
  options.reconnect.initial_backoff = std::chrono::milliseconds(10);
  options.reconnect.max_backoff = std::chrono::milliseconds(200);
  return options;
}

// Signs `engine` in as `account` unless its store says it already is.
[[nodiscard]] inline absl::Status SignInUser(engine::Engine& engine, const TestAccount& account) {
  if (engine.IsSignedIn()) return absl::OkStatus();
  if (absl::Status sent = engine.SendCode(account.phone); !sent.ok()) return sent;
  absl::StatusOr<engine::SignInStep> step = engine.SignIn(account.code);
  if (!step.ok()) return step.status();
  switch (*step) {
    case engine::SignInStep::kSignedIn: return absl::OkStatus();
    case engine::SignInStep::kPasswordNeeded:
      if (account.password == nullptr) {
        return absl::FailedPreconditionError(absl::StrFormat("%s needs a password", account.phone));
      }
      return engine.CheckPassword(account.password);
    case engine::SignInStep::kSignUpRequired: break;
  }
  return absl::FailedPreconditionError(absl::StrFormat("%s has no account", account.phone));
}

// Signs `engine` in as the bot (every time: importBotAuthorization is idempotent); its user id.
[[nodiscard]] inline absl::StatusOr<int64_t> SignInBot(engine::Engine& engine,
                                                       const char* token = kBotToken) {
  return engine.SignInBot(token);
}

// An engine on `options` (a fresh store, or the one left by an earlier engine).
[[nodiscard]] inline absl::StatusOr<std::unique_ptr<engine::Engine>> StartEngine(
    engine::EngineOptions options) {
  return engine::Engine::Create(std::move(options));
}

// An engine on `options` signed in as `account`.
[[nodiscard]] inline absl::StatusOr<std::unique_ptr<engine::Engine>> SignedInEngine(
    engine::EngineOptions options, const TestAccount& account) {
  absl::StatusOr<std::unique_ptr<engine::Engine>> engine = StartEngine(std::move(options));
  if (!engine.ok()) return engine.status();
  if (absl::Status s = SignInUser(**engine, account); !s.ok()) return s;
  return engine;
}

// An engine on `options` signed in as the bot.
[[nodiscard]] inline absl::StatusOr<std::unique_ptr<engine::Engine>> SignedInBot(
    engine::EngineOptions options, const char* token = kBotToken) {
  absl::StatusOr<std::unique_ptr<engine::Engine>> engine = StartEngine(std::move(options));
  if (!engine.ok()) return engine.status();
  if (absl::StatusOr<int64_t> id = SignInBot(**engine, token); !id.ok()) return id.status();
  return engine;
}

}  // namespace mtproto::testing

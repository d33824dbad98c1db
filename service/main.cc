// invitegate-server: the gRPC service. With no Telegram endpoint configured it runs the embedded
// default (the emulator in-process on loopback, sample accounts signed in); with
// --telegram=production|test|<emulator ready file> it serves the accounts signed in under
// --data-dir (sign them in with AccountService, e.g. the CLI's `login`).
// SIGINT/SIGTERM: graceful shutdown (health NOT_SERVING, calls and streams drained).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "mtproto/engine/telegram_config.h"
#include "service/embedded.h"
#include "service/server.h"

namespace {

constexpr char kUsage[] = R"(invitegate-server [options]
  --listen=HOST:PORT      where to serve gRPC (default 127.0.0.1:7443; port 0 picks one)
  --data-dir=DIR          account sessions and state (default .invitegate/server)
  --telegram=WHERE        production | test | <emulator ready file>; unset: the embedded
                          emulator with its sample world and accounts (bot, alice, bob, dave)
  --api-id=N --api-hash=H Telegram API credentials (required with production / test; also
                          INVITEGATE_API_ID / INVITEGATE_API_HASH)
  --ready-file=PATH       write {"address": "..."} here once serving
  --help
)";

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

bool Flag(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace invitegate::service;
  std::string listen = "127.0.0.1:7443", data_dir = ".invitegate/server", telegram, ready_file;
  std::string api_id_text = std::getenv("INVITEGATE_API_ID") ? std::getenv("INVITEGATE_API_ID") : "";
  std::string api_hash = std::getenv("INVITEGATE_API_HASH") ? std::getenv("INVITEGATE_API_HASH") : "";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (!(Flag(arg, "listen", &listen) || Flag(arg, "data-dir", &data_dir) ||
          Flag(arg, "telegram", &telegram) || Flag(arg, "api-id", &api_id_text) ||
          Flag(arg, "api-hash", &api_hash) || Flag(arg, "ready-file", &ready_file))) {
      std::cerr << "unknown argument: " << arg << "\n" << kUsage;
      return 2;
    }
  }
  int32_t api_id = 0;
  if (!api_id_text.empty() && !absl::SimpleAtoi(api_id_text, &api_id)) {
    std::cerr << "--api-id: not a number\n";
    return 2;
  }
  std::filesystem::create_directories(data_dir);

  std::optional<EmbeddedEmulator> embedded;
  mtproto::engine::TelegramEndpoints endpoints;
  if (telegram.empty()) {
    absl::StatusOr<EmbeddedEmulator> started =
        StartEmbeddedEmulator(std::filesystem::path(data_dir) / "emulator");
    if (!started.ok()) {
      std::cerr << "embedded emulator: " << started.status() << "\n";
      return 1;
    }
    embedded = std::move(*started);
    endpoints = embedded->endpoints;
    if (api_id == 0) api_id = 1;  // the emulator accepts any API id
    if (api_hash.empty()) api_hash = "00000000000000000000000000000000";
  } else {
    absl::StatusOr<mtproto::engine::TelegramEndpoints> parsed =
        mtproto::engine::ParseEndpointsConfig(telegram);
    if (!parsed.ok()) {
      std::cerr << "--telegram: " << parsed.status() << "\n";
      return 2;
    }
    endpoints = *std::move(parsed);
    if (api_id == 0 || api_hash.empty()) {
      std::cerr << "--api-id and --api-hash are required for --telegram=" << telegram << "\n";
      return 2;
    }
  }

  auto registry = std::make_shared<AccountRegistry>(EngineAccountFactory(
      endpoints, std::filesystem::path(data_dir) / "accounts", api_id, api_hash));
  // Accounts signed in earlier under the data directory.
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(data_dir) / "accounts", error)) {
    if (entry.path().extension() == ".db" && IsValidAccountId(entry.path().stem().string())) {
      (void)registry->GetOrCreate(entry.path().stem().string());
    }
  }
  if (embedded.has_value()) {
    if (absl::Status s = SignInSampleAccounts(*registry, embedded->emulator->WorldJson()); !s.ok()) {
      std::cerr << "embedded default: " << s << "\n";
      return 1;
    }
  }

  ServerOptions options;
  options.listen_address = listen;
  InvitegateServer server(registry, options);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) {
    std::cerr << port.status() << "\n";
    return 1;
  }
  server.SetServing(true);
  const std::string host = listen.substr(0, listen.rfind(':'));
  const std::string address = host + ":" + std::to_string(*port);
  std::cout << "invitegate-server listening on " << address
            << (embedded ? " (embedded emulator; accounts: bot, alice, bob, dave)" : "")
            << std::endl;
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "{\"address\": \"%s\"}\n", address.c_str());
      std::fclose(f);
      std::filesystem::rename(tmp, ready_file, error);
    }
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cout << "shutting down" << std::endl;
  server.Shutdown(std::chrono::seconds(5));
  registry->Clear();
  if (embedded) embedded->emulator->Stop();
  return 0;
}

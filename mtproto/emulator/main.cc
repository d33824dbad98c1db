// invitegate-emulator: the Telegram emulator as a process. Listens on loopback (one port per DC),
// writes a ready file with the ports, the public key and the world's test accounts once it
// accepts connections, restarts in place on SIGHUP (same state and ports), and stops cleanly on
// SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "mtproto/emulator/server.h"
#include "mtproto/emulator/store.h"

namespace {

constexpr char kUsage[] = R"(usage: invitegate-emulator [flags]

A Telegram emulator (a real MTProto 2.0 server) on loopback, for tests.

  --state-dir DIR        persisted state: auth keys, sign-ins, RSA key (default: a new temp dir)
  --world FILE           accounts as JSON (default: the built-in sample world)
  --host ADDR            address to listen on (default 127.0.0.1)
  --port-base N          DC i listens on N+i; 0 = ephemeral ports (default 0)
  --dcs LIST             DC ids to serve, e.g. 1,2,3 (default 1,2)
  --ready-file PATH      when listening, write {"dcs":[...],"public_key_pem",...} there atomically
Faults (for tests):
  --drop-after N               close each connection after N received messages
  --rotate-salt-after N        change the server salt every N received messages
  --bad-msg-notification CODE  answer each connection's first content message with it, once
  --flood-wait M:S[:COUNT]     FLOOD_WAIT_S on method M (TL name or *) COUNT times (default 1)
  --migrate M:DC[:ERROR]       303 <ERROR>_DC for method M on any other DC
  --delay-ms N                 delay every answer by N ms
  --verbose                    log every request and its outcome to stderr
  --help                       this text
Signals: SIGHUP restarts the server on the same state and ports; SIGINT/SIGTERM stop it.
)";

bool ParseInt(std::string_view text, int& out) { return absl::SimpleAtoi(std::string(text), &out); }

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "invitegate-emulator: %s\n(see --help)\n", message.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using mtproto::emulator::EmulatorOptions;
  EmulatorOptions options;
  std::string ready_file;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (i + 1 >= argc) Fail("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    int number = 0;
    if (flag == "--state-dir") {
      options.state_dir = value;
    } else if (flag == "--world") {
      options.world_path = value;
    } else if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port-base") {
      if (!ParseInt(value, options.port_base) || options.port_base < 0) Fail("bad --port-base");
    } else if (flag == "--dcs") {
      options.dcs.clear();
      for (const std::string& dc : std::vector<std::string>(absl::StrSplit(value, ','))) {
        if (!ParseInt(dc, number) || number <= 0) Fail("bad --dcs");
        options.dcs.push_back(number);
      }
    } else if (flag == "--ready-file") {
      ready_file = value;
    } else if (flag == "--drop-after") {
      if (!ParseInt(value, options.faults.drop_after_messages)) Fail("bad --drop-after");
    } else if (flag == "--rotate-salt-after") {
      if (!ParseInt(value, options.faults.rotate_salt_after_messages)) {
        Fail("bad --rotate-salt-after");
      }
    } else if (flag == "--bad-msg-notification") {
      if (!ParseInt(value, number)) Fail("bad --bad-msg-notification");
      options.faults.bad_msg_notification_code = number;
    } else if (flag == "--flood-wait") {
      auto rule = mtproto::emulator::ParseFloodWaitRule(value);
      if (!rule.ok()) Fail(std::string(rule.status().message()));
      options.faults.flood_wait.push_back(*rule);
    } else if (flag == "--migrate") {
      auto rule = mtproto::emulator::ParseMigrateRule(value);
      if (!rule.ok()) Fail(std::string(rule.status().message()));
      options.faults.migrate.push_back(*rule);
    } else if (flag == "--delay-ms") {
      if (!ParseInt(value, number) || number < 0) Fail("bad --delay-ms");
      options.faults.delay = std::chrono::milliseconds(number);
    } else {
      Fail("unknown flag " + std::string(flag));
    }
  }

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mtproto::emulator::Emulator emulator(std::move(options));
  auto endpoints = emulator.Start();
  if (!endpoints.ok()) {
    std::fprintf(stderr, "invitegate-emulator: %s\n", endpoints.status().ToString().c_str());
    return 1;
  }
  const std::string ready = emulator.ReadyJson();
  if (!ready_file.empty()) {
    if (auto s = mtproto::emulator::WriteFileAtomically(ready_file, ready + "\n", 0644); !s.ok()) {
      std::fprintf(stderr, "invitegate-emulator: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  for (const auto& dc : endpoints->dcs) {
    std::fprintf(stderr, "invitegate-emulator: DC %d listening on %s:%d\n", dc.id,
                 dc.host.c_str(), dc.port);
  }
  std::fflush(stderr);

  // SIGHUP restarts the server in place (same state directory and ports), as a DC restart.
  int signal_number = 0;
  for (;;) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    auto restarted = emulator.Restart();
    if (!restarted.ok()) {
      std::fprintf(stderr, "invitegate-emulator: restart failed: %s\n",
                   restarted.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "invitegate-emulator: restarted\n");
    std::fflush(stderr);
  }
  std::fprintf(stderr, "invitegate-emulator: %s, stopping\n", strsignal(signal_number));
  emulator.Stop();
  return 0;
}

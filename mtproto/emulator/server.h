// The emulator as a running server: one TCP listener per DC on loopback, MTProto transports
// detected per connection, auth-key handshakes answered with the emulator's own RSA key, and
// encrypted requests dispatched to the handlers. Tests start it in-process (port 0) or run the
// invitegate-emulator binary, which wraps this class.
// Spec: https://core.telegram.org/mtproto (transports, auth_key, description, service_messages)
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mtproto/emulator/faults.h"
#include "mtproto/emulator/rpc.h"
#include "mtproto/emulator/world.h"

namespace mtproto::emulator {

struct EmulatorOptions {
  // Where the state lives (created 0700); reuse it to restart with the same keys and accounts.
  std::filesystem::path state_dir;
  // The accounts: `world` if set, else the file at `world_path` if non-empty, else the sample.
  std::optional<World> world;
  std::string world_path;
  Faults faults;
  Clock clock;  // default: the wall clock
  std::vector<int> dcs = {1, 2};
  std::string host = "127.0.0.1";
  // 0: every DC on an ephemeral port. Otherwise DC i listens on port_base + i.
  int port_base = 0;
  // Log every request and its outcome to stderr (also INVITEGATE_EMULATOR_VERBOSE=1).
  bool verbose = false;
};

// What a client needs to connect: the DCs' addresses and the server's public key.
struct EmulatorEndpoints {
  std::vector<DcEndpoint> dcs;
  std::string public_key_pem;  // PKCS#1 "RSA PUBLIC KEY"
  uint64_t fingerprint = 0;
};

// See the file comment. Start/Stop/Restart from one controlling thread; the server runs on its
// own I/O thread.
class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  [[nodiscard]] absl::StatusOr<EmulatorEndpoints> Start();
  // Closes every listener and connection; the state stays on disk.
  void Stop();
  // Stop, then Start on the same state directory and the same ports (clients reconnect to the
  // addresses they know and keep their auth keys).
  [[nodiscard]] absl::StatusOr<EmulatorEndpoints> Restart();

  // Runs `task` on the server's I/O thread with the server's services (e.g. env.updates, to
  // publish updates from a test) and waits for it to finish. No-op when stopped.
  void RunOnServer(const std::function<void(EmulatorEnv&)>& task);

  // Replaces the fault configuration (and resets its counters); applies to new messages.
  void SetFaults(Faults faults);

  // The running server's world, as JSON (World::ToJson), and the ready-file contract:
  // {"dcs":[{"id","host","port"}...],"public_key_pem","fingerprint","fingerprint_signed","world"}.
  std::string WorldJson() const;
  std::string ReadyJson() const;

 private:
  struct Impl;
  EmulatorOptions options_;
  std::unique_ptr<Impl> impl_;
  std::vector<int> bound_ports_;  // kept for Restart
};

}  // namespace mtproto::emulator

// Fault injection for the emulator: what a test (or the binary's flags) asks the server to do
// wrong, and the counters that decide when. RPC-level faults (FLOOD_WAIT_X, *_MIGRATE_X, delayed
// answers) are applied by the Dispatcher; connection-level ones (dropping the connection,
// rotating the salt, a bad_msg_notification) by the server through ConnectionFaults.
// Spec: https://core.telegram.org/api/errors (303 and 420),
// https://core.telegram.org/mtproto/service_messages_about_messages (bad_msg_notification)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mtproto::emulator {

// Answer `method` (a TL name such as "auth.sendCode", or "*" for any) with FLOOD_WAIT_<seconds>
// the first `count` times it is called (count < 0: always).
struct FloodWaitRule {
  std::string method;
  int seconds = 1;
  int count = 1;
};

// Answer `method` ("*" for any) with a 303 *_MIGRATE_<dc> whenever it arrives on another DC than
// `dc`. The name is `error` when set, else PHONE_MIGRATE for the phone sign-in methods,
// USER_MIGRATE when the key is signed in and NETWORK_MIGRATE otherwise.
struct MigrateRule {
  std::string method;
  int dc = 2;
  std::string error;  // e.g. "USER_MIGRATE"; empty = choose by method
};

// Everything a test can switch on. All zero/empty = a well-behaved server.
struct Faults {
  // Close a connection after it has received this many messages (0 = never).
  int drop_after_messages = 0;
  // Change the server salt after every this many received messages (0 = never); clients still
  // using the old one get bad_server_salt. A rotation due on a message that itself carried a
  // stale salt waits for the next message with the current one, so clients always progress.
  int rotate_salt_after_messages = 0;
  // Answer the first content message of each connection with bad_msg_notification(code) once.
  std::optional<int> bad_msg_notification_code;
  std::vector<FloodWaitRule> flood_wait;
  std::vector<MigrateRule> migrate;
  // Delay every RPC answer (or only those of `delay_methods` when non-empty).
  std::chrono::milliseconds delay{0};
  std::vector<std::string> delay_methods;
};

// "METHOD:SECONDS[:COUNT]" as in --flood-wait auth.sendCode:5:2.
[[nodiscard]] absl::StatusOr<FloodWaitRule> ParseFloodWaitRule(std::string_view text);
// "METHOD:DC[:ERROR]" as in --migrate auth.sendCode:2 or --migrate users.getUsers:2:USER_MIGRATE.
[[nodiscard]] absl::StatusOr<MigrateRule> ParseMigrateRule(std::string_view text);

// The RPC-level decisions, with the state they need (how many flood waits are left per rule).
class RpcFaults {
 public:
  explicit RpcFaults(Faults faults = {}) : faults_(std::move(faults)) {}

  const Faults& config() const { return faults_; }
  // Replaces the configuration and resets the counters (tests switch faults between steps).
  void Reset(Faults faults) {
    faults_ = std::move(faults);
    flood_used_.clear();
  }

  // The 303 error name (with the DC number) for `method` arriving on `dc_id`, if a rule applies.
  std::optional<std::string> Migrate(std::string_view method, int dc_id, bool signed_in) const;
  // FLOOD_WAIT_<seconds> if a rule with calls left applies to `method`; consumes one call.
  std::optional<std::string> FloodWait(std::string_view method);
  // How long to hold the answer to `method`.
  std::chrono::milliseconds Delay(std::string_view method) const;

 private:
  Faults faults_;
  std::map<size_t, int> flood_used_;  // rule index → times fired
};

// What the server should do on receiving one more message on a connection.
struct ConnectionFaultActions {
  bool drop = false;         // close the connection instead of processing the message
  bool rotate_salt = false;  // switch to a new server salt after processing the message
  std::optional<int> bad_msg_notification_code;  // answer the message with this, not process it
};

// Per-connection counters for the connection-level faults.
class ConnectionFaults {
 public:
  explicit ConnectionFaults(const Faults& faults) : faults_(faults) {}
  // Called for each decrypted incoming message; `content` is false for acks, pings and
  // other service messages (bad_msg_notification is only sent for content messages).
  ConnectionFaultActions OnMessage(bool content);

 private:
  Faults faults_;
  int64_t received_ = 0;
  bool bad_msg_sent_ = false;
};

}  // namespace mtproto::emulator

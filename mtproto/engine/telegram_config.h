// Where the engine connects: Telegram's production DCs, Telegram's test DCs, or our emulator —
// the DC addresses and the RSA public keys whose fingerprints the handshake accepts in resPQ.
// Production and test addresses and Telegram's public keys are built in (the addresses official
// clients ship as their bootstrap list; later the engine refreshes them with help.getConfig).
// Spec: https://core.telegram.org/mtproto/auth_key (server_public_key_fingerprints),
//       https://core.telegram.org/api/datacenter
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mtproto/crypto/rsa.h"

namespace mtproto::engine {

// One address of one DC.
struct DcAddress {
  int id = 0;
  std::string host;  // a literal IPv4/IPv6 address, or a host name for the emulator
  int port = 0;
  bool media_only = false;  // only for file downloads/uploads
  bool ipv6 = false;
};

// A complete endpoint set: the DCs' addresses and the server keys to trust.
struct TelegramEndpoints {
  std::vector<DcAddress> dcs;
  std::vector<crypto::RsaPublicKey> keys;
  int default_dc = 2;      // where a fresh account starts (login may then migrate it)
  bool test_mode = false;  // Telegram's test DCs (separate accounts, 99966XYYYY numbers)

  // The addresses of `dc_id` to try in order: general before media-only, IPv4 before IPv6
  // (IPv6 only if `allow_ipv6`). Empty if the DC is unknown.
  [[nodiscard]] std::vector<DcAddress> AddressesFor(int dc_id, bool allow_ipv6 = false) const;
  // The trusted key with this fingerprint, or nullptr.
  [[nodiscard]] const crypto::RsaPublicKey* FindKey(uint64_t fingerprint) const;
};

// Telegram's production DCs 1-5 (port 443, IPv4 and IPv6) and its production public keys.
[[nodiscard]] absl::StatusOr<TelegramEndpoints> ProductionEndpoints();
// Telegram's test DCs 1-3 and the test public key.
[[nodiscard]] absl::StatusOr<TelegramEndpoints> TestEndpoints();
// Our emulator: `host` with one port per DC id, trusting the emulator's key.
[[nodiscard]] absl::StatusOr<TelegramEndpoints> EmulatorEndpoints(
    std::string_view host, const std::map<int, int>& ports_by_dc, std::string_view public_key_pem);
// The emulator's ready file (format in mtproto/emulator/README.md): its DCs and its key, whose
// fingerprint must equal the file's "fingerprint".
[[nodiscard]] absl::StatusOr<TelegramEndpoints> EmulatorEndpointsFromReadyJson(
    std::string_view json);
[[nodiscard]] absl::StatusOr<TelegramEndpoints> EmulatorEndpointsFromReadyFile(
    const std::filesystem::path& path);

// Selects endpoints from a one-line setting: "production", "test", or the path of an emulator
// ready file (optionally written "emulator:<path>").
[[nodiscard]] absl::StatusOr<TelegramEndpoints> ParseEndpointsConfig(std::string_view config);

// The built-in keys as PEM text, for tests and diagnostics.
[[nodiscard]] const std::vector<std::string_view>& ProductionKeyPems();
[[nodiscard]] std::string_view TestKeyPem();

}  // namespace mtproto::engine

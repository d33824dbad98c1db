#include "mtproto/engine/telegram_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace mtproto::engine {
namespace {

// Debian's Abseil has its own string_view type; adapt std::string_view for its functions.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Telegram's production public keys. A resPQ lists the fingerprints the server can decrypt for;
// the client uses the first it knows, so carrying several is harmless and survives rotation.
constexpr std::string_view kProductionKeys[] = {
    // fingerprint 0xd09d1d85de64fd85: the key tdlib and Telegram Desktop ship.
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g\n"
    "5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO\n"
    "62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/\n"
    "+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9\n"
    "t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs\n"
    "5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n",
    // fingerprints 0x0bc35f3509f7b7a5, 0x15ae5fa8b5529542, 0xaeae98e13cd7f94f,
    // 0x5a181b2235057d98: the current (non-legacy) keys of Telethon's list, from Telegram's
    // Android client.
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAruw2yP/BCcsJliRoW5eBVBVle9dtjJw+OYED160Wybum9SXtBBLX\n"
    "riwt4rROd9csv0t0OHCaTmRqBcQ0J8fxhN6/cpR1GWgOZRUAiQxoMnlt0R93LCX/\n"
    "j1dnVa/gVbCjdSxpbrfY2g2L4frzjJvdl84Kd9ORYjDEAyFnEA7dD556OptgLQQ2\n"
    "e2iVNq8NZLYTzLp5YpOdO1doK+ttrltggTCy5SrKeLoCPPbOgGsdxJxyz5KKcZnS\n"
    "Lj16yE5HvJQn0CNpRdENvRUXe6tBP78O39oJ8BTHp9oIjd6XWXAsp2CvK45Ol8wF\n"
    "XGF710w9lwCGNbmNxNYhtIkdqfsEcwR5JwIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n",
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAvfLHfYH2r9R70w8prHblWt/nDkh+XkgpflqQVcnAfSuTtO05lNPs\n"
    "pQmL8Y2XjVT4t8cT6xAkdgfmmvnvRPOOKPi0OfJXoRVylFzAQG/j83u5K3kRLbae\n"
    "7fLccVhKZhY46lvsueI1hQdLgNV9n1cQ3TDS2pQOCtovG4eDl9wacrXOJTG2990V\n"
    "jgnIKNA0UMoP+KF03qzryqIt3oTvZq03DyWdGK+AZjgBLaDKSnC6qD2cFY81UryR\n"
    "WOab8zKkWAnhw2kFpcqhI0jdV5QaSCExvnsjVaX0Y1N0870931/5Jb9ICe4nweZ9\n"
    "kSDF/gip3kWLG0o8XQpChDfyvsqB9OLV/wIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n",
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAs/ditzm+mPND6xkhzwFIz6J/968CtkcSE/7Z2qAJiXbmZ3UDJPGr\n"
    "zqTDHkO30R8VeRM/Kz2f4nR05GIFiITl4bEjvpy7xqRDspJcCFIOcyXm8abVDhF+\n"
    "th6knSU0yLtNKuQVP6voMrnt9MV1X92LGZQLgdHZbPQz0Z5qIpaKhdyA8DEvWWvS\n"
    "Uwwc+yi1/gGaybwlzZwqXYoPOhwMebzKUk0xW14htcJrRrq+PXXQbRzTMynseCoP\n"
    "Ioke0dtCodbA3qQxQovE16q9zz4Otv2k4j63cz53J+mhkVWAeWxVGI0lltJmWtEY\n"
    "K6er8VqqWot3nqmWMXogrgRLggv/NbbooQIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n",
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAvmpxVY7ld/8DAjz6F6q05shjg8/4p6047bn6/m8yPy1RBsvIyvuD\n"
    "uGnP/RzPEhzXQ9UJ5Ynmh2XJZgHoE9xbnfxL5BXHplJhMtADXKM9bWB11PU1Eioc\n"
    "3+AXBB8QiNFBn2XI5UkO5hPhbb9mJpjA9Uhw8EdfqJP8QetVsI/xrCEbwEXe0xvi\n"
    "fRLJbY08/Gp66KpQvy7g8w7VB8wlgePexW3pT13Ap6vuC+mQuJPyiHvSxjEKHgqe\n"
    "Pji9NP3tJUFQjcECqcm0yV7/2d0t/pbCm+ZH1sadZspQCEPPrtbkQBlvHb4OLiIW\n"
    "PGHKSMeRFvp3IWcmdJqXahxLCUS1Eh6MAQIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n",
};

// Telegram's test-DC key, fingerprint 0xb25898df208d2603 (tdlib's and Telegram Desktop's).
constexpr std::string_view kTestKey =
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR\n"
    "yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv\n"
    "plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/\n"
    "j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1\n"
    "aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO\n"
    "j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n";

// The bootstrap lists official clients ship (Telegram Desktop's built-in DC options).
const DcAddress kProductionDcs[] = {
    {1, "149.154.175.50", 443, false, false},
    {2, "149.154.167.51", 443, false, false},
    {2, "95.161.76.100", 443, false, false},
    {3, "149.154.175.100", 443, false, false},
    {4, "149.154.167.91", 443, false, false},
    {5, "149.154.171.5", 443, false, false},
    {1, "2001:b28:f23d:f001::a", 443, false, true},
    {2, "2001:67c:4e8:f002::a", 443, false, true},
    {3, "2001:b28:f23d:f003::a", 443, false, true},
    {4, "2001:67c:4e8:f004::a", 443, false, true},
    {5, "2001:b28:f23f:f005::a", 443, false, true},
};

const DcAddress kTestDcs[] = {
    {1, "149.154.175.10", 443, false, false},
    {2, "149.154.167.40", 443, false, false},
    {3, "149.154.175.117", 443, false, false},
    {1, "2001:b28:f23d:f001::e", 443, false, true},
    {2, "2001:67c:4e8:f002::e", 443, false, true},
    {3, "2001:b28:f23d:f003::e", 443, false, true},
};

absl::StatusOr<crypto::RsaPublicKey> ParseKey(std::string_view pem, std::string_view what) {
  absl::StatusOr<crypto::RsaPublicKey> key = crypto::RsaPublicKey::FromPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": bad RSA public key: ",
                                                   key.status().message()));
  }
  return key;
}

absl::Status CheckDc(int id, int port, std::string_view where) {
  if (id <= 0 || id > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(where), ": bad DC id ", id));
  }
  if (port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(where), ": DC ", id, " has bad port ", port));
  }
  return absl::OkStatus();
}

// DC 2 when there is one (Telegram's clients start there), else the lowest id.
int DefaultDc(const std::vector<DcAddress>& dcs) {
  int lowest = 0;
  for (const DcAddress& dc : dcs) {
    if (dc.id == 2) return 2;
    if (lowest == 0 || dc.id < lowest) lowest = dc.id;
  }
  return lowest;
}

}  // namespace

std::vector<DcAddress> TelegramEndpoints::AddressesFor(int dc_id, bool allow_ipv6) const {
  std::vector<DcAddress> out;
  for (bool media : {false, true}) {
    for (bool v6 : {false, true}) {
      if (v6 && !allow_ipv6) continue;
      for (const DcAddress& dc : dcs) {
        if (dc.id == dc_id && dc.media_only == media && dc.ipv6 == v6) out.push_back(dc);
      }
    }
  }
  return out;
}

const crypto::RsaPublicKey* TelegramEndpoints::FindKey(uint64_t fingerprint) const {
  for (const crypto::RsaPublicKey& key : keys) {
    if (key.Fingerprint() == fingerprint) return &key;
  }
  return nullptr;
}

const std::vector<std::string_view>& ProductionKeyPems() {
  static const auto* pems =
      new std::vector<std::string_view>(std::begin(kProductionKeys), std::end(kProductionKeys));
  return *pems;
}

std::string_view TestKeyPem() { return kTestKey; }

absl::StatusOr<TelegramEndpoints> ProductionEndpoints() {
  TelegramEndpoints endpoints;
  endpoints.dcs.assign(std::begin(kProductionDcs), std::end(kProductionDcs));
  for (std::string_view pem : kProductionKeys) {
    absl::StatusOr<crypto::RsaPublicKey> key = ParseKey(pem, "built-in production key");
    if (!key.ok()) return key.status();
    endpoints.keys.push_back(*std::move(key));
  }
  endpoints.default_dc = 2;
  endpoints.test_mode = false;
  return endpoints;
}

absl::StatusOr<TelegramEndpoints> TestEndpoints() {
  TelegramEndpoints endpoints;
  endpoints.dcs.assign(std::begin(kTestDcs), std::end(kTestDcs));
  absl::StatusOr<crypto::RsaPublicKey> key = ParseKey(kTestKey, "built-in test key");
  if (!key.ok()) return key.status();
  endpoints.keys.push_back(*std::move(key));
  endpoints.default_dc = 2;
  endpoints.test_mode = true;
  return endpoints;
}

absl::StatusOr<TelegramEndpoints> EmulatorEndpoints(std::string_view host,
                                                    const std::map<int, int>& ports_by_dc,
                                                    std::string_view public_key_pem) {
  if (host.empty()) return absl::InvalidArgumentError("emulator endpoints: empty host");
  if (ports_by_dc.empty()) return absl::InvalidArgumentError("emulator endpoints: no DCs");
  TelegramEndpoints endpoints;
  for (const auto& [id, port] : ports_by_dc) {
    if (absl::Status s = CheckDc(id, port, "emulator endpoints"); !s.ok()) return s;
    endpoints.dcs.push_back({id, std::string(host), port, false, absl::StrContains(Sv(host), ':')});
  }
  absl::StatusOr<crypto::RsaPublicKey> key = ParseKey(public_key_pem, "emulator endpoints");
  if (!key.ok()) return key.status();
  endpoints.keys.push_back(*std::move(key));
  endpoints.default_dc = DefaultDc(endpoints.dcs);
  // The emulator serves the test numbers 99966XYYYY, but it is not Telegram's test network:
  // test_mode stays false (it changes nothing on the wire the emulator checks).
  endpoints.test_mode = false;
  return endpoints;
}

absl::StatusOr<TelegramEndpoints> EmulatorEndpointsFromReadyJson(std::string_view text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("emulator ready file: not a JSON object");
  }
  const auto dcs = json.find("dcs");
  if (dcs == json.end() || !dcs->is_array() || dcs->empty()) {
    return absl::InvalidArgumentError("emulator ready file: \"dcs\" must be a non-empty array");
  }
  const auto pem = json.find("public_key_pem");
  if (pem == json.end() || !pem->is_string()) {
    return absl::InvalidArgumentError("emulator ready file: \"public_key_pem\" is missing");
  }
  TelegramEndpoints endpoints;
  for (const nlohmann::json& dc : *dcs) {
    if (!dc.is_object() || !dc.contains("id") || !dc["id"].is_number_integer() ||
        !dc.contains("host") || !dc["host"].is_string() || !dc.contains("port") ||
        !dc["port"].is_number_integer()) {
      return absl::InvalidArgumentError(
          "emulator ready file: each of \"dcs\" needs an integer \"id\", a string \"host\" and an "
          "integer \"port\"");
    }
    const int64_t id = dc["id"].get<int64_t>();
    const int64_t port = dc["port"].get<int64_t>();
    const std::string host = dc["host"].get<std::string>();
    if (id < INT32_MIN || id > INT32_MAX || port < INT32_MIN || port > INT32_MAX) {
      return absl::InvalidArgumentError("emulator ready file: DC id or port out of range");
    }
    if (absl::Status s = CheckDc(static_cast<int>(id), static_cast<int>(port),
                                 "emulator ready file");
        !s.ok()) {
      return s;
    }
    if (host.empty()) return absl::InvalidArgumentError("emulator ready file: empty host");
    endpoints.dcs.push_back({static_cast<int>(id), host, static_cast<int>(port), false,
                             absl::StrContains(Sv(host), ':')});
  }
  absl::StatusOr<crypto::RsaPublicKey> key =
      ParseKey(pem->get<std::string>(), "emulator ready file");
  if (!key.ok()) return key.status();
  // The file states the fingerprint too; disagreement means a mangled or mismatched file.
  if (const auto fp = json.find("fingerprint"); fp != json.end()) {
    uint64_t stated = 0;
    if (!fp->is_string() || !absl::SimpleHexAtoi(fp->get<std::string>(), &stated)) {
      return absl::InvalidArgumentError("emulator ready file: \"fingerprint\" is not hex");
    }
    if (stated != key->Fingerprint()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "emulator ready file: \"fingerprint\" %016x does not match the key's %016x", stated,
          key->Fingerprint()));
    }
  }
  endpoints.keys.push_back(*std::move(key));
  endpoints.default_dc = DefaultDc(endpoints.dcs);
  endpoints.test_mode = false;
  return endpoints;
}

absl::StatusOr<TelegramEndpoints> EmulatorEndpointsFromReadyFile(
    const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("emulator ready file ", path.string(), ": cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<TelegramEndpoints> endpoints = EmulatorEndpointsFromReadyJson(text.str());
  if (!endpoints.ok()) {
    return absl::Status(endpoints.status().code(),
                        absl::StrCat(path.string(), ": ", endpoints.status().message()));
  }
  return endpoints;
}

absl::StatusOr<TelegramEndpoints> ParseEndpointsConfig(std::string_view config) {
  if (config == "production") return ProductionEndpoints();
  if (config == "test") return TestEndpoints();
  std::string_view path = config;
  if (absl::StartsWith(Sv(path), "emulator:")) path.remove_prefix(9);
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "endpoints config is empty: expected \"production\", \"test\" or the path of an "
        "emulator ready file");
  }
  absl::StatusOr<TelegramEndpoints> endpoints =
      EmulatorEndpointsFromReadyFile(std::filesystem::path(std::string(path)));
  if (!endpoints.ok()) {
    return absl::Status(endpoints.status().code(),
                        absl::StrCat("endpoints config \"", Sv(config),
                                     "\" (expected \"production\", \"test\" or an emulator ready "
                                     "file): ",
                                     endpoints.status().message()));
  }
  return endpoints;
}

}  // namespace mtproto::engine

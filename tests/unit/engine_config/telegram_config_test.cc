// The endpoint configuration: built-in key fingerprints, the built-in DC lists, the emulator's
// ready file, and the config selector's errors.
#include "mtproto/engine/telegram_config.h"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>
#include <regex>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mtproto::engine {
namespace {

#define CFG_ASSIGN(lhs, expr)                      \
  auto lhs##_or = (expr);                          \
  ASSERT_TRUE(lhs##_or.ok()) << lhs##_or.status(); \
  auto lhs = *std::move(lhs##_or)

std::vector<uint64_t> Fingerprints(const TelegramEndpoints& e) {
  std::vector<uint64_t> out;
  for (const crypto::RsaPublicKey& key : e.keys) out.push_back(key.Fingerprint());
  return out;
}

// The fingerprints tdlib/Telegram Desktop (0xd09d1d85de64fd85) and Telethon list for these keys.
TEST(TelegramConfigTest, ProductionKeysHaveKnownFingerprints) {
  CFG_ASSIGN(production, ProductionEndpoints());
  EXPECT_EQ(Fingerprints(production),
            (std::vector<uint64_t>{0xd09d1d85de64fd85ULL, 0x0bc35f3509f7b7a5ULL,
                                   0x15ae5fa8b5529542ULL, 0xaeae98e13cd7f94fULL,
                                   0x5a181b2235057d98ULL}));
  EXPECT_FALSE(production.test_mode);
  EXPECT_EQ(production.default_dc, 2);
  ASSERT_NE(production.FindKey(0xd09d1d85de64fd85ULL), nullptr);
  EXPECT_EQ(production.FindKey(0xb25898df208d2603ULL), nullptr);
}

TEST(TelegramConfigTest, TestKeyHasKnownFingerprint) {
  CFG_ASSIGN(test, TestEndpoints());
  EXPECT_EQ(Fingerprints(test), (std::vector<uint64_t>{0xb25898df208d2603ULL}));
  EXPECT_TRUE(test.test_mode);
}

// Independent cross-check: every current (non-legacy) key in Debian's python3-telethon is
// built in, compared by the fingerprint of the PEM Telethon carries.
TEST(TelegramConfigTest, ProductionKeysIncludeTelethons) {
  std::ifstream in("/usr/lib/python3/dist-packages/telethon/crypto/rsa.py");
  if (!in) GTEST_SKIP() << "python3-telethon is not installed";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Telethon lists current keys first, then the legacy ones after "add_key(pub, old=False)".
  text = text.substr(0, text.find("add_key(pub, old=False)"));
  const std::regex pem_re("-----BEGIN RSA PUBLIC KEY-----[^-]+-----END RSA PUBLIC KEY-----");
  CFG_ASSIGN(production, ProductionEndpoints());
  int found = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), pem_re), end; it != end; ++it) {
    CFG_ASSIGN(key, crypto::RsaPublicKey::FromPem(it->str()));
    EXPECT_NE(production.FindKey(key.Fingerprint()), nullptr)
        << absl::StrFormat("%016x", key.Fingerprint());
    ++found;
  }
  EXPECT_EQ(found, 4);
}

TEST(TelegramConfigTest, BuiltInDcLists) {
  CFG_ASSIGN(production, ProductionEndpoints());
  for (int dc = 1; dc <= 5; ++dc) {
    const std::vector<DcAddress> v4 = production.AddressesFor(dc);
    ASSERT_FALSE(v4.empty()) << dc;
    EXPECT_EQ(v4[0].port, 443);
    EXPECT_FALSE(v4[0].ipv6);
    EXPECT_GT(production.AddressesFor(dc, /*allow_ipv6=*/true).size(), v4.size());
  }
  EXPECT_EQ(production.AddressesFor(2)[0].host, "149.154.167.51");
  EXPECT_TRUE(production.AddressesFor(6).empty());
  CFG_ASSIGN(test, TestEndpoints());
  EXPECT_EQ(test.AddressesFor(1)[0].host, "149.154.175.10");
  EXPECT_EQ(test.AddressesFor(2)[0].host, "149.154.167.40");
  EXPECT_EQ(test.AddressesFor(3)[0].host, "149.154.175.117");
  EXPECT_TRUE(test.AddressesFor(4).empty());
}

class ReadyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CFG_ASSIGN(test, TestEndpoints());
    key_ = test.keys[0];  // any valid key stands in for the emulator's
    ready_ = {
        {"dcs",
         {{{"id", 1}, {"host", "127.0.0.1"}, {"port", 41001}},
          {{"id", 2}, {"host", "127.0.0.1"}, {"port", 41002}}}},
        {"public_key_pem", key_->ToPkcs1Pem()},
        {"fingerprint", absl::StrFormat("%016x", key_->Fingerprint())},
        {"fingerprint_signed", std::to_string(static_cast<int64_t>(key_->Fingerprint()))},
        {"world", {{"users", nlohmann::json::array()}}},
        {"state_dir", "/tmp/x"},
    };
  }
  std::string WriteFile(const std::string& contents) {
    char tmpl[] = "/tmp/ready_test_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, contents.data(), contents.size()),
              static_cast<ssize_t>(contents.size()));
    ::close(fd);
    files_.push_back(tmpl);
    return tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) ::unlink(f.c_str());
  }

  std::optional<crypto::RsaPublicKey> key_;
  nlohmann::json ready_;
  std::vector<std::string> files_;
};

TEST_F(ReadyFileTest, ParsesTheEmulatorsReadyFile) {
  const std::string path = WriteFile(ready_.dump());
  for (const std::string& config : {path, "emulator:" + path}) {
    CFG_ASSIGN(endpoints, ParseEndpointsConfig(config));
    ASSERT_EQ(endpoints.dcs.size(), 2u);
    EXPECT_EQ(endpoints.AddressesFor(1)[0].port, 41001);
    EXPECT_EQ(endpoints.AddressesFor(2)[0].host, "127.0.0.1");
    EXPECT_EQ(endpoints.default_dc, 2);
    EXPECT_FALSE(endpoints.test_mode);
    ASSERT_EQ(endpoints.keys.size(), 1u);
    EXPECT_EQ(endpoints.keys[0].Fingerprint(), key_->Fingerprint());
  }
}

TEST_F(ReadyFileTest, EmulatorFromParts) {
  CFG_ASSIGN(endpoints, EmulatorEndpoints("127.0.0.1", {{1, 5001}}, key_->ToPkcs1Pem()));
  EXPECT_EQ(endpoints.default_dc, 1);
  EXPECT_EQ(endpoints.AddressesFor(1)[0].port, 5001);
  EXPECT_FALSE(EmulatorEndpoints("", {{1, 5001}}, key_->ToPkcs1Pem()).ok());
  EXPECT_FALSE(EmulatorEndpoints("127.0.0.1", {}, key_->ToPkcs1Pem()).ok());
  EXPECT_FALSE(EmulatorEndpoints("127.0.0.1", {{1, 70000}}, key_->ToPkcs1Pem()).ok());
  EXPECT_FALSE(EmulatorEndpoints("127.0.0.1", {{1, 5001}}, "not a key").ok());
}

// Each broken ready file is an InvalidArgument naming what is wrong.
TEST_F(ReadyFileTest, BadReadyFilesGiveClearErrors) {
  struct Case {
    std::function<void(nlohmann::json&)> mangle;
    const char* expected;
  };
  const Case cases[] = {
      {[](nlohmann::json& j) { j.erase("dcs"); }, "\"dcs\""},
      {[](nlohmann::json& j) { j["dcs"] = nlohmann::json::array(); }, "\"dcs\""},
      {[](nlohmann::json& j) { j["dcs"][0].erase("port"); }, "\"port\""},
      {[](nlohmann::json& j) { j["dcs"][0]["port"] = "41001"; }, "\"port\""},
      {[](nlohmann::json& j) { j["dcs"][0]["port"] = 0; }, "bad port"},
      {[](nlohmann::json& j) { j["dcs"][1]["id"] = -2; }, "bad DC id"},
      {[](nlohmann::json& j) { j.erase("public_key_pem"); }, "public_key_pem"},
      {[](nlohmann::json& j) { j["public_key_pem"] = "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"; },
       "bad RSA public key"},
      {[](nlohmann::json& j) { j["fingerprint"] = "0123456789abcdef"; }, "does not match"},
      {[](nlohmann::json& j) { j["fingerprint"] = "xyz"; }, "not hex"},
  };
  for (const Case& c : cases) {
    nlohmann::json mangled = ready_;
    c.mangle(mangled);
    absl::StatusOr<TelegramEndpoints> parsed = EmulatorEndpointsFromReadyJson(mangled.dump());
    ASSERT_FALSE(parsed.ok()) << c.expected;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.expected), std::string_view::npos)
        << parsed.status();
  }
  for (const char* text : {"", "{", "[1,2]", "null", "\xff\xfe"}) {
    EXPECT_EQ(EmulatorEndpointsFromReadyJson(text).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(TelegramConfigTest, ConfigSelectsAndExplainsErrors) {
  CFG_ASSIGN(production, ParseEndpointsConfig("production"));
  EXPECT_FALSE(production.test_mode);
  CFG_ASSIGN(test, ParseEndpointsConfig("test"));
  EXPECT_TRUE(test.test_mode);
  for (const char* bad : {"", "emulator:", "prod", "/nonexistent/ready.json"}) {
    absl::StatusOr<TelegramEndpoints> parsed = ParseEndpointsConfig(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("production"), std::string_view::npos)
        << parsed.status();
  }
}

}  // namespace
}  // namespace mtproto::engine

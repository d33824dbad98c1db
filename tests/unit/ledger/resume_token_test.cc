// Resume tokens: round trips, and every kind of malformed input is INVALID_ARGUMENT, never a
// crash (including a few thousand random strings and every single-character change).
#include "service/ledger/resume_token.h"

#include <random>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace invitegate::ledger {
namespace {

TEST(ResumeTokenTest, RoundTrips) {
  for (const ResumePosition p : {ResumePosition{1, 0}, ResumePosition{0x0123456789abcdef, 42},
                                 ResumePosition{~0ull, ~0ull}}) {
    const std::string token = EncodeResumeToken(p);
    EXPECT_EQ(token.size(), 28u);
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    auto parsed = ParseResumeToken(token);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, p);
  }
}

TEST(ResumeTokenTest, MalformedTokensAreInvalidArgument) {
  const std::string good = EncodeResumeToken({7, 1234});
  std::string other_version;
  absl::WebSafeBase64Unescape(good, &other_version);
  other_version[0] = 2;
  std::string wrong_version_token;
  absl::WebSafeBase64Escape(other_version, &wrong_version_token);
  for (const std::string& bad :
       {std::string(), std::string("!!!!"), good.substr(0, 27), good.substr(0, 20), good + "AAAA",
        std::string(1000, 'A'), std::string("\0\0\0\0", 4), wrong_version_token,
        std::string("not a token at all")}) {
    auto r = ParseResumeToken(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseResumeToken("").status().message().find("empty"), std::string::npos);
  // Every single-character change is caught (base64, length or checksum).
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : alphabet) {
      if (c == good[i]) continue;
      std::string changed = good;
      changed[i] = c;
      auto r = ParseResumeToken(changed);
      // 21 bytes are exactly 28 characters: no padding bits, so every change alters a byte.
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << changed;
    }
  }
}

TEST(ResumeTokenTest, RandomInputNeverCrashes) {
  std::mt19937_64 rng(20240601);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    if (i % 2 == 0) {  // half of them valid base64 of random bytes, to reach the checksum
      std::string b64;
      absl::WebSafeBase64Escape(s.substr(0, 21), &b64);
      s = b64;
    }
    auto r = ParseResumeToken(s);
    if (r.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_LE(accepted, 2);  // a random 32-bit checksum match is ~1 in 4 billion
}

}  // namespace
}  // namespace invitegate::ledger

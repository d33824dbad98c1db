// Helpers shared by the crypto unit tests and the cross-check vector program.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/random.h"

namespace mtproto::crypto::testing {

// Parses hex, ignoring whitespace; aborts on anything else (test inputs are literals).
inline Bytes FromHex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char ch : hex) {
    if (std::isspace(static_cast<unsigned char>(ch))) continue;
    int value = std::isdigit(static_cast<unsigned char>(ch))
                    ? ch - '0'
                    : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10;
    if (value < 0 || value > 15) std::abort();
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | value));
      high = -1;
    }
  }
  if (high >= 0) std::abort();
  return out;
}

inline std::string ToHex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// Returns the scripted bytes in order, then zeros (an all-zero source when the script is
// empty, as gotd's RSA_PAD vector uses).
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(Bytes script = {}) : script_(std::move(script)) {}
  void Fill(MutableByteSpan out) override {
    for (uint8_t& b : out) b = position_ < script_.size() ? script_[position_++] : 0;
  }
  size_t consumed() const { return position_; }

 private:
  Bytes script_;
  size_t position_ = 0;
};

}  // namespace mtproto::crypto::testing

// absl 20220623 has no status matchers; these cover what the tests need.
#define MTPROTO_CONCAT_INNER(a, b) a##b
#define MTPROTO_CONCAT(a, b) MTPROTO_CONCAT_INNER(a, b)
#define ASSERT_OK(expr) ASSERT_TRUE((expr).ok()) << (expr)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                  \
  auto MTPROTO_CONCAT(status_or_, __LINE__) = (expr);    \
  ASSERT_TRUE(MTPROTO_CONCAT(status_or_, __LINE__).ok()) \
      << MTPROTO_CONCAT(status_or_, __LINE__).status();  \
  lhs = *std::move(MTPROTO_CONCAT(status_or_, __LINE__))

#include "mtproto/crypto/random.h"

#include <gtest/gtest.h>

namespace mtproto::crypto {
namespace {

TEST(RandomTest, SecureRandomFillsAndDiffers) {
  SecureRandom random;
  const Bytes a = random.Generate(64);
  const Bytes b = random.Generate(64);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);  // 2^-512 chance of a false failure
  EXPECT_NE(a, Bytes(64, 0));
  EXPECT_TRUE(random.Generate(0).empty());
}

TEST(RandomTest, DeterministicRandomReplaysPerSeed) {
  DeterministicRandom first(42), second(42), other(43);
  const Bytes a = first.Generate(100);
  EXPECT_EQ(a, second.Generate(100));
  EXPECT_NE(a, other.Generate(100));
  EXPECT_NE(first.Generate(100), a);  // the stream moves on
}

}  // namespace
}  // namespace mtproto::crypto

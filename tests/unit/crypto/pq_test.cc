#include "mtproto/crypto/pq.h"

#include <gtest/gtest.h>

#include "tests/unit/crypto/sample_auth_key.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;

TEST(PqTest, TelegramSamples) {
  // samples-auth_key, older edition (bytes as resPQ sends them) and current edition.
  ASSERT_OK_AND_ASSIGN(PqFactors factors, FactorizePq(FromHex("17ED48941A08F981")));
  EXPECT_EQ(factors.p, sample::kP);
  EXPECT_EQ(factors.q, sample::kQ);
  ASSERT_OK_AND_ASSIGN(PqFactors current, FactorizePq(uint64_t{2453830868973477031ULL}));
  EXPECT_EQ(current.p, 1343866633u);
  EXPECT_EQ(current.q, 1825948207u);
}

TEST(PqTest, FactorsGeneratedChallengesAndLargeProducts) {
  DeterministicRandom random(1);
  for (int i = 0; i < 50; ++i) {
    const PqFactors generated = GeneratePq(random);
    EXPECT_LT(generated.p, generated.q);
    EXPECT_TRUE(IsPrime64(generated.p) && IsPrime64(generated.q));
    EXPECT_GE(generated.p, 1ULL << 30);
    EXPECT_LT(generated.q, 1ULL << 31);
    ASSERT_OK_AND_ASSIGN(PqFactors factors, FactorizePq(generated.p * generated.q));
    EXPECT_EQ(factors.p, generated.p);
    EXPECT_EQ(factors.q, generated.q);
  }
  // Near 2^64, where a careless x*x mod n would overflow.
  ASSERT_OK_AND_ASSIGN(PqFactors big, FactorizePq(uint64_t{4294967291ULL} * 4294967279ULL));
  EXPECT_EQ(big.p, 4294967279ULL);
  EXPECT_EQ(big.q, 4294967291ULL);
  ASSERT_OK_AND_ASSIGN(PqFactors even, FactorizePq(uint64_t{2} * 1000000007ULL));
  EXPECT_EQ(even.p, 2u);
}

TEST(PqTest, RejectsWhatIsNotAProductOfTwoPrimes) {
  EXPECT_FALSE(FactorizePq(uint64_t{0}).ok());
  EXPECT_FALSE(FactorizePq(uint64_t{1}).ok());
  EXPECT_FALSE(FactorizePq(uint64_t{1000000007}).ok());                     // prime
  EXPECT_FALSE(FactorizePq(uint64_t{1000000007ULL} * 1000000007ULL).ok());  // square
  EXPECT_FALSE(FactorizePq(uint64_t{3} * 5 * 7).ok());
  EXPECT_FALSE(FactorizePq(Bytes{}).ok());
  EXPECT_FALSE(FactorizePq(Bytes(9, 1)).ok());
}

TEST(PqTest, IsPrime64AndToBigEndian) {
  EXPECT_FALSE(IsPrime64(0));
  EXPECT_FALSE(IsPrime64(1));
  EXPECT_TRUE(IsPrime64(2));
  EXPECT_TRUE(IsPrime64(18446744073709551557ULL));  // largest 64-bit prime
  EXPECT_FALSE(IsPrime64(3215031751ULL));           // strong pseudoprime to bases 2, 3, 5, 7
  EXPECT_FALSE(IsPrime64(18446744073709551557ULL - 2));
  EXPECT_EQ(ToBigEndian(0), Bytes{});
  EXPECT_EQ(ToBigEndian(sample::kP), FromHex("494C553B"));
  EXPECT_EQ(ToBigEndian(sample::kPq), FromHex("17ED48941A08F981"));
}

}  // namespace
}  // namespace mtproto::crypto

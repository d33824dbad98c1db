#include "mtproto/crypto/srp.h"

#include <gtest/gtest.h>

#include "mtproto/crypto/dh.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

SrpAlgo TestAlgo(RandomSource& random) {
  SrpAlgo algo;
  algo.salt1 = ExtendSrpSalt1(random.Generate(8), random);
  algo.salt2 = random.Generate(16);
  algo.g = 3;
  algo.p.assign(kTelegramDhPrime.begin(), kTelegramDhPrime.end());
  return algo;
}

TEST(SrpTest, ServerAcceptsTheRightPasswordOnly) {
  DeterministicRandom random(11);
  const SrpAlgo algo = TestAlgo(random);
  EXPECT_EQ(algo.salt1.size(), 40u);
  ASSERT_OK_AND_ASSIGN(Bytes v, ComputeSrpVerifier("correct horse", algo));
  ASSERT_EQ(v.size(), 256u);
  ASSERT_OK_AND_ASSIGN(SrpVerifier verifier, SrpVerifier::Create(algo, v, random.Generate(256)));
  ASSERT_EQ(verifier.srp_b().size(), 256u);

  ASSERT_OK_AND_ASSIGN(SrpCheck good, ComputeSrpCheck("correct horse", algo, verifier.srp_b(),
                                                      random.Generate(256)));
  EXPECT_EQ(good.a_pub.size(), 256u);
  EXPECT_TRUE(verifier.Verify(good.a_pub, good.m1).ok());

  ASSERT_OK_AND_ASSIGN(
      SrpCheck bad, ComputeSrpCheck("Correct horse", algo, verifier.srp_b(), random.Generate(256)));
  EXPECT_EQ(verifier.Verify(bad.a_pub, bad.m1).code(), absl::StatusCode::kPermissionDenied);
  Sha256Digest tampered = good.m1;
  tampered[0] ^= 1;
  EXPECT_EQ(verifier.Verify(good.a_pub, tampered).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(verifier.Verify(Bytes{1}, good.m1).ok());
  EXPECT_FALSE(verifier.Verify(good.a_pub, Bytes(31)).ok());
}

TEST(SrpTest, PasswordHashDependsOnEverything) {
  const Bytes s1{1, 2}, s2{3, 4};
  const Sha256Digest x = SrpPasswordHash("pw", s1, s2);
  EXPECT_EQ(x, SrpPasswordHash("pw", s1, s2));
  EXPECT_NE(x, SrpPasswordHash("pw2", s1, s2));
  EXPECT_NE(x, SrpPasswordHash("pw", s2, s1));
}

TEST(SrpTest, RejectsBadParameters) {
  DeterministicRandom random(12);
  SrpAlgo algo = TestAlgo(random);
  const Bytes a = random.Generate(256);
  Bytes p_bytes = algo.p;
  EXPECT_FALSE(ComputeSrpCheck("pw", algo, Bytes{0}, a).ok());                 // B = 0
  EXPECT_FALSE(ComputeSrpCheck("pw", algo, p_bytes, a).ok());                  // B = p
  EXPECT_FALSE(ComputeSrpCheck("pw", algo, Bytes(256, 0x11), Bytes{1}).ok());  // A = g
  EXPECT_FALSE(SrpVerifier::Create(algo, Bytes{0}, a).ok());
  EXPECT_FALSE(SrpVerifier::Create(algo, Bytes(256, 0x11), Bytes{1}).ok());  // g^b = g
  algo.g = 2;  // not a generator of the prime-order subgroup for this prime
  EXPECT_FALSE(ComputeSrpVerifier("pw", algo).ok());
  EXPECT_FALSE(ComputeSrpCheck("pw", algo, Bytes(256, 0x11), a).ok());
}

}  // namespace
}  // namespace mtproto::crypto

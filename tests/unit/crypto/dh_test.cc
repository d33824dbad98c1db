#include "mtproto/crypto/dh.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include "mtproto/crypto/aes.h"
#include "tests/unit/crypto/sample_auth_key.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ToHex;

TEST(DhTest, TelegramPrimeIsASafePrime) { EXPECT_TRUE(CheckSafePrime2048(kTelegramDhPrime).ok()); }

// kTelegramDhPrime mod 8 = 3, mod 3 = 2, mod 5 = 3, mod 24 = 11, mod 7 = 6.
TEST(DhTest, GeneratorConditions) {
  EXPECT_TRUE(CheckDhParams(kTelegramDhPrime, 3).ok());  // what Telegram's servers send
  EXPECT_TRUE(CheckDhParams(kTelegramDhPrime, 4).ok());
  EXPECT_TRUE(CheckDhParams(kTelegramDhPrime, 7).ok());
  // The samples-auth_key example uses g = 2 with this prime: 2 is not a quadratic residue
  // (p mod 8 != 7), so the strict check rejects it, as the security guidelines prescribe.
  EXPECT_FALSE(CheckDhParams(kTelegramDhPrime, 2).ok());
  EXPECT_FALSE(CheckDhParams(kTelegramDhPrime, 5).ok());
  EXPECT_FALSE(CheckDhParams(kTelegramDhPrime, 6).ok());
  EXPECT_FALSE(CheckDhParams(kTelegramDhPrime, 1).ok());
  EXPECT_FALSE(CheckDhParams(kTelegramDhPrime, 8).ok());
}

TEST(DhTest, RejectsPrimesThatAreNotSafe2048BitPrimes) {
  Bytes not_prime(kTelegramDhPrime.begin(), kTelegramDhPrime.end());
  not_prime.back() ^= 0x02;  // still odd, no longer prime
  EXPECT_FALSE(CheckDhParams(not_prime, 4).ok());
  EXPECT_FALSE(CheckDhParams(ByteSpan(kTelegramDhPrime).subspan(1), 4).ok());  // 2040 bits
  EXPECT_FALSE(CheckDhParams({}, 4).ok());
  // A prime p whose (p-1)/2 is composite: the safe-prime check must catch it.
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* p = BN_new();
  ASSERT_EQ(BN_generate_prime_ex2(p, 2048, /*safe=*/0, nullptr, nullptr, nullptr, ctx), 1);
  Bytes prime(256);
  BN_bn2binpad(p, prime.data(), 256);
  BIGNUM* half = BN_new();
  BN_rshift1(half, p);
  const bool half_is_prime = BN_check_prime(half, ctx, nullptr) == 1;
  BN_free(half);
  BN_free(p);
  BN_CTX_free(ctx);
  if (!half_is_prime) {
    EXPECT_FALSE(CheckSafePrime2048(prime).ok());
  }
}

// samples-auth_key: the decrypted server_DH_inner_data carries g = 2, Telegram's prime and
// g_a; the client's b gives the published g_b and auth_key.
TEST(DhTest, TelegramSampleKeyExchange) {
  ASSERT_OK_AND_ASSIGN(Bytes answer,
                       AesIgeDecrypt(FromHex(sample::kTmpAesKey), FromHex(sample::kTmpAesIv),
                                     FromHex(sample::kEncryptedAnswer)));
  const ByteSpan inner = ByteSpan(answer).subspan(20);
  EXPECT_EQ(ToHex(inner.subspan(36, 4)), "02000000");  // g
  EXPECT_EQ(ToHex(inner.subspan(40, 4)), "fe000100");  // 256-byte TL string follows
  EXPECT_EQ(ToHex(inner.subspan(44, 256)), ToHex(kTelegramDhPrime));
  EXPECT_EQ(ToHex(inner.subspan(304, 256)), ToHex(FromHex(sample::kGA)));

  const Bytes g_a = FromHex(sample::kGA), b = FromHex(sample::kB);
  EXPECT_TRUE(CheckDhPublicValue(g_a, kTelegramDhPrime).ok());
  ASSERT_OK_AND_ASSIGN(Bytes g_b, ModExp(Bytes{2}, b, kTelegramDhPrime));
  EXPECT_EQ(ToHex(g_b), ToHex(FromHex(sample::kGB)));
  EXPECT_TRUE(CheckDhPublicValue(g_b, kTelegramDhPrime).ok());
  ASSERT_OK_AND_ASSIGN(Bytes auth_key, ModExp(g_a, b, kTelegramDhPrime));
  EXPECT_EQ(ToHex(auth_key), ToHex(FromHex(sample::kAuthKey)));
}

TEST(DhTest, PublicValueRange) {
  const ByteSpan p = kTelegramDhPrime;
  EXPECT_FALSE(CheckDhPublicValue(Bytes{1}, p).ok());
  EXPECT_FALSE(CheckDhPublicValue(Bytes{2}, p).ok());
  Bytes p_minus_1(p.begin(), p.end());
  p_minus_1.back() -= 1;
  EXPECT_FALSE(CheckDhPublicValue(p_minus_1, p).ok());
  EXPECT_FALSE(CheckDhPublicValue(p, p).ok());
  // 2^1984 is the smallest accepted value; 2^1984 - 1 is refused.
  Bytes low(256, 0);
  low[256 - 1984 / 8 - 1] = 1;
  EXPECT_TRUE(CheckDhPublicValue(low, p).ok());
  Bytes below(256, 0);
  std::fill(below.begin() + (256 - 1984 / 8), below.end(), 0xff);
  EXPECT_FALSE(CheckDhPublicValue(below, p).ok());
  // Leading zeros beyond 256 bytes do not matter.
  Bytes padded(4, 0);
  padded.insert(padded.end(), low.begin(), low.end());
  EXPECT_TRUE(CheckDhPublicValue(padded, p).ok());
}

TEST(DhTest, ModExpEdgeCases) {
  ASSERT_OK_AND_ASSIGN(Bytes r, ModExp(Bytes{3}, Bytes{2}, Bytes{10}));  // even modulus
  EXPECT_EQ(r, Bytes{9});
  ASSERT_OK_AND_ASSIGN(Bytes padded, ModExp(Bytes{2}, Bytes{3}, Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(padded, Bytes({0, 0, 8}));
  ASSERT_OK_AND_ASSIGN(Bytes big_base, ModExp(Bytes{0xff, 0xff}, Bytes{1}, Bytes{0x65}));
  EXPECT_EQ(big_base, Bytes{0xffff % 0x65});
  EXPECT_FALSE(ModExp(Bytes{2}, Bytes{2}, Bytes{0}).ok());
  EXPECT_FALSE(ModExp(Bytes{2}, Bytes{2}, {}).ok());
}

}  // namespace
}  // namespace mtproto::crypto

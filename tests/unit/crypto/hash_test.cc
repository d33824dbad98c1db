#include "mtproto/crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ToHex;

ByteSpan Text(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// FIPS 180-2 "abc" vectors.
TEST(HashTest, ShaKnownAnswers) {
  const std::string abc = "abc";
  EXPECT_EQ(ToHex(Sha1(Text(abc))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(ToHex(Sha256(Text(abc))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha512(Text(abc))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(HashTest, PartsHashAsTheirConcatenation) {
  const Bytes a = FromHex("616263"), b = FromHex(""), c = FromHex("00ff");
  const Bytes all = FromHex("61626300ff");
  EXPECT_EQ(Sha1({a, b, c}), Sha1(all));
  EXPECT_EQ(Sha256({a, b, c}), Sha256(all));
  EXPECT_EQ(Sha512({a, b, c}), Sha512(all));
}

// RFC 4231 test case 2.
TEST(HashTest, HmacKnownAnswers) {
  const std::string key = "Jefe", data = "what do ya want for nothing?";
  EXPECT_EQ(ToHex(HmacSha256(Text(key), Text(data))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(ToHex(HmacSha512(Text(key), Text(data))),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

// PBKDF2-HMAC-SHA512("password", "salt", 1), the widely published vector (also what Python's
// hashlib.pbkdf2_hmac returns).
TEST(HashTest, Pbkdf2KnownAnswer) {
  ASSERT_OK_AND_ASSIGN(Sha512Digest out, Pbkdf2HmacSha512(Text("password"), Text("salt"), 1));
  EXPECT_EQ(ToHex(out),
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
            "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
}

TEST(HashTest, Pbkdf2RejectsZeroIterationsAndAcceptsEmptyInputs) {
  EXPECT_FALSE(Pbkdf2HmacSha512(Text("p"), Text("s"), 0).ok());
  EXPECT_TRUE(Pbkdf2HmacSha512({}, {}, 2).ok());
}

}  // namespace
}  // namespace mtproto::crypto

#include "mtproto/crypto/kdf.h"

#include <gtest/gtest.h>

#include "tests/unit/crypto/sample_auth_key.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ToHex;

std::array<uint8_t, 256> SampleAuthKey() {
  const Bytes bytes = FromHex(sample::kAuthKey);
  std::array<uint8_t, 256> key;
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

template <size_t N>
std::array<uint8_t, N> Array(const char* hex) {
  const Bytes bytes = FromHex(hex);
  std::array<uint8_t, N> out{};
  std::copy_n(bytes.begin(), N, out.begin());
  return out;
}

// Published in samples-auth_key: tmp_aes_key/iv from new_nonce and server_nonce.
TEST(KdfTest, TmpAesKeyIvMatchesTelegramSample) {
  const AesKeyIv tmp =
      DeriveTmpAesKeyIv(Array<32>(sample::kNewNonce), Array<16>(sample::kServerNonce));
  EXPECT_EQ(ToHex(tmp.key), sample::kTmpAesKey);
  EXPECT_EQ(ToHex(tmp.iv), sample::kTmpAesIv);
}

// The expected values below were computed from the sample's auth_key with Python's hashlib
// following the formulas of https://core.telegram.org/mtproto/description (the cross-check
// test recomputes such values for random keys on every run).
TEST(KdfTest, AuthKeyIdAndHandshakeHashesOfSampleKey) {
  const auto auth_key = SampleAuthKey();
  EXPECT_EQ(AuthKeyId(auth_key), 0x73eee26ee14c0991ULL);
  EXPECT_EQ(ToHex(NewNonceHash(Array<32>(sample::kNewNonce), auth_key, 1)),
            "ccebc0217266e1edec7fb0a0eed6c220");
  EXPECT_EQ(InitialServerSalt(Array<32>(sample::kNewNonce), Array<16>(sample::kServerNonce)),
            0xccbcebd7e8c8d394ULL);
}

TEST(KdfTest, MtProto2BothDirections) {
  const auto auth_key = SampleAuthKey();
  Bytes plaintext(64);
  for (size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<uint8_t>(i);

  const MsgKey to_server = ComputeMsgKey(auth_key, Direction::kClientToServer, plaintext);
  EXPECT_EQ(ToHex(to_server), "12d1c95591ff30e72c41bd46e37501bd");
  const AesKeyIv c2s = DeriveAesKeyIv(auth_key, to_server, Direction::kClientToServer);
  EXPECT_EQ(ToHex(c2s.key), "027c5ff7c728988595ff5f61e82a8c59329efad1c0fe5d56a1b9b6b41dab818b");
  EXPECT_EQ(ToHex(c2s.iv), "54b250eaab6358fd8a6fb276e5879abff3cf35ea909a512e12377daae475f865");

  const MsgKey to_client = ComputeMsgKey(auth_key, Direction::kServerToClient, plaintext);
  EXPECT_EQ(ToHex(to_client), "b9409f4e24c3cb161d9fd1a959815724");
  const AesKeyIv s2c = DeriveAesKeyIv(auth_key, to_client, Direction::kServerToClient);
  EXPECT_EQ(ToHex(s2c.key), "e5995972e191697e601daa7ef276b7a8bfdfee3879b1e82e8910b71957255086");
  EXPECT_EQ(ToHex(s2c.iv), "1431d4b07484f4719702c39eb0826d8ad25631b56b96f8ec807ef3e54ed5ab10");
}

TEST(KdfTest, MtProto1BothDirections) {
  const auto auth_key = SampleAuthKey();
  Bytes plaintext(64);
  for (size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<uint8_t>(i);
  const MsgKey msg_key = ComputeMsgKeyV1(plaintext);
  EXPECT_EQ(ToHex(msg_key), "4ffa2135bfce0ed0b8fac65669917ec7");
  const AesKeyIv c2s = DeriveAesKeyIvV1(auth_key, msg_key, Direction::kClientToServer);
  EXPECT_EQ(ToHex(c2s.key), "2ee0c4ab9ca4c4663e68a73dbfccead418b78e66131a95edf7e36a632baec0b2");
  EXPECT_EQ(ToHex(c2s.iv), "3f7103546a1cfd3c44a51e328772743fc64836380810a1b12f1e6c3a904e062e");
  const AesKeyIv s2c = DeriveAesKeyIvV1(auth_key, msg_key, Direction::kServerToClient);
  EXPECT_EQ(ToHex(s2c.key), "abdfe1c97745edd95d2e65c1c0a084dc99589936b6c5b66ef44449c739d228e7");
  EXPECT_EQ(ToHex(s2c.iv), "6b9155f6d069f3555f4e032bc462e71627c5d0d7d6e5bda9e399d7af1fcc0a86");
}

}  // namespace
}  // namespace mtproto::crypto

#include "mtproto/session/envelope.h"

#include "gtest/gtest.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/kdf.h"
#include "mtproto/tl/writer.h"

namespace mtproto::session {
namespace {

AuthKey TestKey(uint64_t seed) {
  crypto::DeterministicRandom random(seed);
  std::array<uint8_t, 256> bytes;
  random.Fill(bytes);
  return AuthKey::FromBytes(bytes);
}

InnerMessage Sample() {
  InnerMessage inner;
  inner.salt = 0x1122334455667788;
  inner.session_id = 0x0102030405060708;
  inner.msg_id = 0x6543210000000004;
  inner.seqno = 3;
  inner.body = std::string("\xec\x77\xbe\x7a\x01\x00\x00\x00\x00\x00\x00\x00", 12);  // ping
  return inner;
}

TEST(Envelope, PlainMessagesRoundTrip) {
  const std::string packet = PackPlain(0x51e57ac42770964a, "body");
  EXPECT_EQ(PeekAuthKeyId(packet), 0u);
  auto plain = UnpackPlain(packet);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->msg_id, 0x51e57ac42770964au);
  EXPECT_EQ(plain->body, "body");
  EXPECT_TRUE(UnpackPlain(packet + "pad").ok());  // padded intermediate transport padding
  for (size_t size = 0; size < packet.size(); ++size) {
    EXPECT_FALSE(UnpackPlain(packet.substr(0, size)).ok()) << size;
  }
}

TEST(Envelope, EncryptedMessagesRoundTripInBothDirections) {
  const AuthKey key = TestKey(1);
  crypto::DeterministicRandom random(2);
  for (Role sender : {Role::kClient, Role::kServer}) {
    const std::string packet = EncryptMessage(key, sender, Sample(), random);
    EXPECT_EQ(PeekAuthKeyId(packet), key.id);
    EXPECT_EQ((packet.size() - 24) % 16, 0u);
    auto inner = DecryptMessage(key, sender, packet);
    ASSERT_TRUE(inner.ok()) << inner.status();
    EXPECT_EQ(inner->salt, Sample().salt);
    EXPECT_EQ(inner->session_id, Sample().session_id);
    EXPECT_EQ(inner->msg_id, Sample().msg_id);
    EXPECT_EQ(inner->seqno, 3);
    EXPECT_EQ(inner->body, Sample().body);
    // The other direction's keys do not open it.
    const Role other = sender == Role::kClient ? Role::kServer : Role::kClient;
    EXPECT_FALSE(DecryptMessage(key, other, packet).ok());
  }
}

TEST(Envelope, EveryTamperedByteIsDetected) {
  const AuthKey key = TestKey(1);
  crypto::DeterministicRandom random(3);
  const std::string packet = EncryptMessage(key, Role::kClient, Sample(), random);
  for (size_t i = 0; i < packet.size(); ++i) {
    std::string tampered = packet;
    tampered[i] ^= 0x01;
    EXPECT_FALSE(DecryptMessage(key, Role::kClient, tampered).ok()) << "byte " << i;
  }
  for (size_t size = 0; size < packet.size(); ++size) {
    EXPECT_FALSE(DecryptMessage(key, Role::kClient, packet.substr(0, size)).ok()) << size;
  }
  EXPECT_FALSE(DecryptMessage(TestKey(9), Role::kClient, packet).ok());
}

TEST(Envelope, DecryptsMtproto1ForBindTempAuthKey) {
  // Build a 1.0 message by hand: msg_key = SHA1(plaintext)[4..20], SHA-1 KDF, ≤ 15 bytes padding.
  const AuthKey key = TestKey(4);
  const InnerMessage sample = Sample();
  tl::Writer plain;
  plain.Int64(static_cast<int64_t>(sample.salt));
  plain.Int64(static_cast<int64_t>(sample.session_id));
  plain.Int64(static_cast<int64_t>(sample.msg_id));
  plain.Int32(sample.seqno);
  plain.Int32(static_cast<int32_t>(sample.body.size()));
  plain.Raw(sample.body);
  const crypto::MsgKey msg_key = crypto::ComputeMsgKeyV1(crypto::AsBytes(plain.data()));
  plain.Raw(std::string((16 - plain.size() % 16) % 16, 'p'));
  const crypto::AesKeyIv aes =
      crypto::DeriveAesKeyIvV1(key.bytes, msg_key, crypto::Direction::kClientToServer);
  auto encrypted = crypto::AesIgeEncrypt(aes.key, aes.iv, crypto::AsBytes(plain.data()));
  ASSERT_TRUE(encrypted.ok());
  tl::Writer packet;
  packet.Int64(static_cast<int64_t>(key.id));
  packet.Raw(msg_key.data(), msg_key.size());
  packet.Raw(encrypted->data(), encrypted->size());

  auto inner = DecryptMessageV1(key, Role::kClient, packet.data());
  ASSERT_TRUE(inner.ok()) << inner.status();
  EXPECT_EQ(inner->body, sample.body);
  EXPECT_FALSE(DecryptMessage(key, Role::kClient, packet.data()).ok());  // not 2.0
}

}  // namespace
}  // namespace mtproto::session

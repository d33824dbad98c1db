// Both ends of the auth-key exchange, run against each other in memory.
#include "mtproto/session/handshake.h"

#include "gtest/gtest.h"
#include "mtproto/crypto/pq.h"
#include "mtproto/session/envelope.h"
#include "mtproto/session/handshake_util.h"
#include "mtproto/tl/mt.h"

namespace mtproto::session {
namespace {

namespace mt = tl::mt;
using std::chrono::seconds;

constexpr UnixTime kNow = seconds(1700000000);

const crypto::RsaPrivateKey& ServerKey() {
  static const crypto::RsaPrivateKey* key =
      new crypto::RsaPrivateKey(*crypto::RsaPrivateKey::Generate());
  return *key;
}

struct Transcript {
  std::vector<std::string> packets;  // client, server, client, ... in order
  HandshakeResult client, server;
};

Transcript RunHandshake(uint64_t seed, int32_t expires_in = 0, UnixTime client_clock = kNow) {
  crypto::DeterministicRandom client_random(seed), server_random(seed + 1000);
  ClientHandshake client({{ServerKey().public_key()}, 2, expires_in}, client_random);
  ServerHandshake server(ServerKey(), server_random);
  Transcript t;
  std::string to_server = client.Start(client_clock);
  while (!client.done()) {
    t.packets.push_back(to_server);
    absl::StatusOr<std::string> to_client = server.OnPacket(to_server, kNow);
    EXPECT_TRUE(to_client.ok()) << to_client.status();
    if (!to_client.ok()) break;
    t.packets.push_back(*to_client);
    absl::StatusOr<std::string> next = client.OnPacket(*to_client, client_clock);
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok()) break;
    to_server = *next;
  }
  EXPECT_TRUE(server.done());
  if (client.done() && server.done()) {
    t.client = client.result();
    t.server = server.result();
  }
  return t;
}

TEST(Handshake, BothSidesAgreeOnKeyAndSalt) {
  const Transcript t = RunHandshake(1);
  ASSERT_EQ(t.packets.size(), 6u);  // req_pq_multi, resPQ, req_DH_params, ..., dh_gen_ok
  EXPECT_EQ(t.client.key.bytes, t.server.key.bytes);
  EXPECT_EQ(t.client.key.id, t.server.key.id);
  EXPECT_NE(t.client.key.id, 0u);
  EXPECT_EQ(t.client.server_salt, t.server.server_salt);
  EXPECT_EQ(t.server.dc_id, 2);
  EXPECT_EQ(t.server.expires_in, 0);
}

TEST(Handshake, SameSeedsReplayTheExactTranscript) {
  const Transcript a = RunHandshake(7), b = RunHandshake(7), c = RunHandshake(8);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_NE(a.packets, c.packets);
}

TEST(Handshake, TemporaryKeysCarryTheirLifetime) {
  const Transcript t = RunHandshake(2, /*expires_in=*/86400);
  EXPECT_EQ(t.server.expires_in, 86400);
  EXPECT_EQ(t.client.key.bytes, t.server.key.bytes);
}

TEST(Handshake, ClientLearnsTheServerClock) {
  const Transcript t = RunHandshake(3, 0, kNow - seconds(1000));
  EXPECT_EQ(t.client.time_offset, seconds(1000));
}

TEST(Handshake, ServerAcceptsLegacyInnerDataAndRsaScheme) {
  // What Telethon 1.25 sends: p_q_inner_data without dc, under the legacy RSA scheme.
  crypto::DeterministicRandom random(5);
  ServerHandshake server(ServerKey(), random);
  mt::req_pq_multi req_pq;
  req_pq.nonce[0] = 0x42;
  tl::Writer body;
  req_pq.StoreBoxed(body);
  auto res_pq_packet = server.OnPacket(PackPlain(4, body.data()), kNow);
  ASSERT_TRUE(res_pq_packet.ok());
  auto res_pq = internal::ReadPlainObject(*res_pq_packet);
  ASSERT_TRUE(res_pq.ok());
  const auto& pq = static_cast<const mt::resPQ&>(**res_pq);
  const auto factors = crypto::FactorizePq(crypto::AsBytes(pq.pq));
  ASSERT_TRUE(factors.ok());

  mt::p_q_inner_data inner;
  inner.pq = pq.pq;
  const crypto::Bytes p = crypto::ToBigEndian(factors->p), q = crypto::ToBigEndian(factors->q);
  inner.p = std::string(p.begin(), p.end());
  inner.q = std::string(q.begin(), q.end());
  inner.nonce = req_pq.nonce;
  inner.server_nonce = pq.server_nonce;
  inner.new_nonce[5] = 0x77;
  tl::Writer inner_bytes;
  inner.StoreBoxed(inner_bytes);
  auto encrypted =
      ServerKey().public_key().EncryptLegacy(crypto::AsBytes(inner_bytes.data()), random);
  ASSERT_TRUE(encrypted.ok()) << encrypted.status();
  mt::req_DH_params req_dh;
  req_dh.nonce = req_pq.nonce;
  req_dh.server_nonce = pq.server_nonce;
  req_dh.p = inner.p;
  req_dh.q = inner.q;
  req_dh.public_key_fingerprint = static_cast<int64_t>(ServerKey().Fingerprint());
  req_dh.encrypted_data = std::string(encrypted->begin(), encrypted->end());
  tl::Writer req_body;
  req_dh.StoreBoxed(req_body);
  auto answer_packet = server.OnPacket(PackPlain(8, req_body.data()), kNow);
  ASSERT_TRUE(answer_packet.ok()) << answer_packet.status();
  auto answer = internal::ReadPlainObject(*answer_packet);
  ASSERT_TRUE(answer.ok());
  const auto* ok = dynamic_cast<const mt::server_DH_params_ok*>(answer->get());
  ASSERT_NE(ok, nullptr) << (*answer)->ToString();
  auto dh = internal::DecryptWithHash(crypto::DeriveTmpAesKeyIv(inner.new_nonce, pq.server_nonce),
                                      ok->encrypted_answer);
  ASSERT_TRUE(dh.ok()) << dh.status();
  const auto& dh_inner = static_cast<const mt::server_DH_inner_data&>(**dh);
  EXPECT_EQ(dh_inner.g, 3);
  EXPECT_EQ(dh_inner.server_time, 1700000000);
}

TEST(Handshake, MismatchesAndGarbageAreErrors) {
  crypto::DeterministicRandom random(6);
  ServerHandshake server(ServerKey(), random);
  EXPECT_FALSE(server.OnPacket("", kNow).ok());
  EXPECT_FALSE(server.OnPacket(PackPlain(4, "\x01\x02\x03\x04"), kNow).ok());
  EXPECT_FALSE(server.OnPacket(std::string(40, '\xff'), kNow).ok());

  ClientHandshake client({{ServerKey().public_key()}, 2, 0}, random);
  (void)client.Start(kNow);
  mt::resPQ wrong;  // a nonce the client did not send
  wrong.nonce[0] = 0x99;
  tl::Writer body;
  wrong.StoreBoxed(body);
  EXPECT_FALSE(client.OnPacket(PackPlain(5, body.data()), kNow).ok());

  crypto::DeterministicRandom fuzz(11);
  for (int i = 0; i < 2000; ++i) {
    crypto::Bytes junk = fuzz.Generate(fuzz.Generate(1)[0]);
    std::string packet = PackPlain(4, std::string(junk.begin(), junk.end()));
    (void)server.OnPacket(packet, kNow);  // must not crash
    (void)client.OnPacket(packet, kNow);
  }
}

TEST(Handshake, ClientRefusesUnknownServerKeys) {
  crypto::DeterministicRandom random(12);
  auto other = crypto::RsaPrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  ClientHandshake client({{other->public_key()}, 2, 0}, random);
  ServerHandshake server(ServerKey(), random);
  auto res_pq = server.OnPacket(client.Start(kNow), kNow);
  ASSERT_TRUE(res_pq.ok());
  EXPECT_EQ(client.OnPacket(*res_pq, kNow).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mtproto::session

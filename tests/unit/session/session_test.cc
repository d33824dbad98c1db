// A client and a server session talking to each other in memory.
#include "mtproto/session/session.h"

#include "gtest/gtest.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/gzip.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::session {
namespace {

namespace mt = tl::mt;
using std::chrono::seconds;
using Kind = Incoming::Kind;

constexpr UnixTime kNow = seconds(1700000000);

template <typename T>
std::string Bytes(const T& object) {
  tl::Writer out;
  object.StoreBoxed(out);
  return out.Take();
}

std::string Ping(int64_t id) {
  mt::ping ping;
  ping.ping_id = id;
  return Bytes(ping);
}

std::string Call() { return Bytes(tl::api::help_getConfig()); }

class SessionPair : public testing::Test {
 protected:
  SessionPair() : random_(1) {
    std::array<uint8_t, 256> bytes;
    random_.Fill(bytes);
    key_ = AuthKey::FromBytes(bytes);
    client_ = std::make_unique<Session>(Session::Options{Role::kClient, key_, 77, 1000}, random_);
    server_ = std::make_unique<Session>(Session::Options{Role::kServer, key_, 77, 1000}, random_);
  }

  // Delivers everything the client has queued to the server; returns the server's reports.
  // `client_now` and `server_now` differ when a test skews the client's clock.
  std::vector<Incoming> ToServer(UnixTime client_now = kNow, UnixTime server_now = kNow) {
    std::vector<Incoming> out;
    while (auto packet = client_->Flush(client_now)) {
      EXPECT_TRUE(server_->Receive(*packet, server_now, &out).ok());
    }
    return out;
  }
  std::vector<Incoming> ToClient(UnixTime client_now = kNow, UnixTime server_now = kNow) {
    std::vector<Incoming> out;
    while (auto packet = server_->Flush(server_now)) {
      EXPECT_TRUE(client_->Receive(*packet, client_now, &out).ok());
    }
    return out;
  }
  static std::vector<Incoming> Only(const std::vector<Incoming>& all, Kind kind) {
    std::vector<Incoming> some;
    for (const Incoming& i : all) {
      if (i.kind == kind) some.push_back(i);
    }
    return some;
  }

  crypto::DeterministicRandom random_;
  AuthKey key_;
  std::unique_ptr<Session> client_, server_;
};

TEST_F(SessionPair, CallAndResult) {
  const uint64_t call = client_->Send(Call(), kNow);
  auto requests = Only(ToServer(), Kind::kRequest);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].msg_id, call);
  EXPECT_EQ(requests[0].body, Call());
  server_->Reply(call, "answer bytes", kNow);
  auto client_events = ToClient();
  EXPECT_EQ(Only(client_events, Kind::kNewSession).size(), 1u);
  auto results = Only(client_events, Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].msg_id, call);
  EXPECT_EQ(results[0].body, "answer bytes");
}

TEST_F(SessionPair, SeveralCallsTravelInOneContainer) {
  std::vector<uint64_t> calls;
  for (int i = 0; i < 5; ++i) calls.push_back(client_->Send(Call(), kNow));
  auto packet = client_->Flush(kNow);
  ASSERT_TRUE(packet.has_value());
  EXPECT_FALSE(client_->Flush(kNow).has_value());
  std::vector<Incoming> out;
  ASSERT_TRUE(server_->Receive(*packet, kNow, &out).ok());
  auto requests = Only(out, Kind::kRequest);
  ASSERT_EQ(requests.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(requests[i].msg_id, calls[i]);
}

TEST_F(SessionPair, ServerMessageIdsFollowTheRules) {
  const uint64_t call = client_->Send(Call(), kNow);
  ToServer();
  server_->Reply(call, "r...", kNow);
  server_->Send(Bytes(tl::api::updatesTooLong()), kNow);  // unprompted
  std::vector<uint64_t> ids;
  while (auto packet = server_->Flush(kNow)) {
    auto inner = DecryptMessage(key_, Role::kServer, *packet);
    ASSERT_TRUE(inner.ok());
    ids.push_back(inner->msg_id);
  }
  ASSERT_FALSE(ids.empty());
  for (uint64_t id : ids) EXPECT_EQ(id % 2, 1u);
}

TEST_F(SessionPair, BadServerSaltMakesTheClientResendUnderTheSameIdentity) {
  ToServer();              // nothing yet
  server_->SetSalt(2000);  // rotation: the client's salt is stale now
  const uint64_t call = client_->Send(Call(), kNow);
  EXPECT_TRUE(Only(ToServer(), Kind::kRequest).empty());  // refused with bad_server_salt
  ToClient();                                             // client adopts 2000 and re-sends
  EXPECT_EQ(client_->salt(), 2000u);
  auto requests = Only(ToServer(), Kind::kRequest);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].msg_id, call);  // a new msg_id...
  server_->Reply(requests[0].msg_id, "done", kNow);
  auto results = Only(ToClient(), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].msg_id, call);  // ...but reported under the one the owner knows
}

TEST_F(SessionPair, ClockSkewIsCorrectedByBadMsgNotification) {
  const UnixTime client_clock = kNow + seconds(3600);  // an hour fast
  const uint64_t call = client_->Send(Call(), client_clock);
  EXPECT_TRUE(Only(ToServer(client_clock), Kind::kRequest).empty());  // too high (17)
  ToClient(client_clock);
  auto requests = Only(ToServer(client_clock), Kind::kRequest);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NEAR(MessageIdGenerator::SecondsOf(requests[0].msg_id), 1700000000, 2);
  server_->Reply(requests[0].msg_id, "ok..", kNow);
  auto results = Only(ToClient(client_clock), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].msg_id, call);
}

TEST_F(SessionPair, RepeatedCallIsAnsweredFromMemoryNotExecutedTwice) {
  const uint64_t call = client_->Send(Call(), kNow);
  ASSERT_EQ(Only(ToServer(), Kind::kRequest).size(), 1u);
  server_->Reply(call, "once", kNow);
  while (server_->Flush(kNow)) {
  }  // the answer is lost with the connection
  client_->ResendUnanswered(kNow + seconds(5));
  EXPECT_TRUE(Only(ToServer(kNow + seconds(5)), Kind::kRequest).empty());
  auto results = Only(ToClient(kNow + seconds(5)), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].msg_id, call);
  EXPECT_EQ(results[0].body, "once");
}

TEST_F(SessionPair, PingGetsPongAsTheResultOfThePing) {
  const uint64_t ping = client_->Send(Ping(99), kNow);
  EXPECT_TRUE(Only(ToServer(), Kind::kRequest).empty());  // handled by the session
  auto results = Only(ToClient(), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].msg_id, ping);
  auto pong = tl::Deserialize<mt::Pong>(results[0].body);
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(static_cast<mt::pong&>(**pong).ping_id, 99);
}

TEST_F(SessionPair, PingDelayDisconnectTellsTheServerOwner) {
  mt::ping_delay_disconnect ping;
  ping.ping_id = 1;
  ping.disconnect_delay = 75;
  client_->Send(Bytes(ping), kNow);
  auto events = Only(ToServer(), Kind::kDisconnectAfter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, 75);
}

TEST_F(SessionPair, DestroySessionGoesToTheServerOwner) {
  mt::destroy_session destroy;
  destroy.session_id = 555;
  const uint64_t call = client_->Send(Bytes(destroy), kNow);
  auto events = Only(ToServer(), Kind::kDestroySession);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].msg_id, call);
  EXPECT_EQ(events[0].session_id, 555u);
}

TEST_F(SessionPair, FutureSaltsAndMessageStates) {
  mt::get_future_salts salts;
  salts.num = 3;
  const uint64_t salts_call = client_->Send(Bytes(salts), kNow);
  const uint64_t call = client_->Send(Call(), kNow);
  ToServer();
  mt::msgs_state_req state;
  state.msg_ids = {static_cast<int64_t>(call), 12345 * 4};
  const uint64_t state_call = client_->Send(Bytes(state), kNow);
  ToServer();
  auto results = Only(ToClient(), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);  // future_salts; msgs_state_info arrives as an update
  EXPECT_EQ(results[0].msg_id, salts_call);
  (void)state_call;
}

TEST_F(SessionPair, GzipPackedResultsAreInflated) {
  const uint64_t call = client_->Send(Call(), kNow);
  ToServer();
  tl::Writer packed;
  packed.Uint32(tl::kGzipPackedId);
  packed.Bytes(tl::Gzip("a large answer, compressed"));
  server_->Reply(call, packed.data(), kNow);
  auto results = Only(ToClient(), Kind::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].body, "a large answer, compressed");
}

TEST_F(SessionPair, ClientAcknowledgesWhatItReceived) {
  const uint64_t call = client_->Send(Call(), kNow);
  ToServer();
  server_->Reply(call, "r...", kNow);
  ToClient();
  EXPECT_TRUE(client_->has_pending());  // acks for new_session_created and the result
  auto packet = client_->Flush(kNow);
  ASSERT_TRUE(packet.has_value());
  auto inner = DecryptMessage(key_, Role::kClient, *packet);
  ASSERT_TRUE(inner.ok());
  auto ack = tl::Deserialize<mt::MsgsAck>(inner->body);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(static_cast<mt::msgs_ack&>(**ack).msg_ids.size(), 2u);
}

TEST_F(SessionPair, GarbageAndForeignPacketsAreErrors) {
  std::vector<Incoming> out;
  EXPECT_FALSE(server_->Receive("", kNow, &out).ok());
  EXPECT_FALSE(server_->Receive(std::string(100, 'x'), kNow, &out).ok());
  Session other({Role::kClient, key_, /*session_id=*/78, 1000}, random_);
  other.Send(Call(), kNow);
  EXPECT_FALSE(server_->Receive(*other.Flush(kNow), kNow, &out).ok());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace mtproto::session

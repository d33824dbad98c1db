// Codec round trips and byte forms: every framing, plain and obfuscated, in both directions, fed
// whole, byte by byte, split at every offset and several packets per read; quick acks, transport
// errors, and garbage / truncation that must end in an error or "need more", never a crash.
#include "mtproto/transport/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "mtproto/crypto/random.h"
#include "mtproto/transport/framing.h"
#include "tests/unit/transport/test_util.h"

namespace mtproto::transport {
namespace {

using crypto::DeterministicRandom;
using ::testing::ElementsAre;
using testing::FeedChunked;
using testing::Hex;
using ::testing::SizeIs;

// A payload of `size` bytes that differs per (size, salt).
std::string MakePayload(size_t size, uint8_t salt) {
  std::string p(size, '\0');
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<char>(i * 31 + salt * 7 + size);
  return p;
}

std::string Unwrap(absl::StatusOr<std::string> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : std::string();
}

Frame PacketFrame(std::string payload) {
  Frame f;
  f.payload = std::move(payload);
  return f;
}

Frame QuickAckFrame(uint32_t token) {
  Frame f;
  f.kind = Frame::Kind::kQuickAck;
  f.quick_ack_token = token;
  return f;
}

Frame ErrorFrame(int32_t code) {
  Frame f;
  f.kind = Frame::Kind::kError;
  f.error_code = code;
  return f;
}

using Param = testing::FramingCase;

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return testing::FramingCaseName(info.param);
}

// Payload sizes around the abridged one-byte / four-byte boundary and a large one.
const std::vector<size_t> kSizes = {4, 8, 20, 124, 504, 508, 512, 1024, 4100, 70000};

class CodecTest : public ::testing::TestWithParam<Param> {
 protected:
  CodecTest()
      : client_rng_(1),
        server_rng_(2),
        client_(*Codec::ForClient(GetParam().framing, GetParam().obfuscated, client_rng_)),
        server_(Codec::ForServer(server_rng_)) {}

  bool QuickAckCapable() const { return GetParam().framing != Framing::kFull; }

  // A client stream: preamble then one packet per size, every other one asking for a quick ack.
  std::string ClientStream(const std::vector<size_t>& sizes) {
    std::string out = client_.TakePreamble();
    for (size_t i = 0; i < sizes.size(); ++i) {
      const bool qa = QuickAckCapable() && i % 2 == 1;
      out += Unwrap(client_.Encode(MakePayload(sizes[i], i), qa));
    }
    return out;
  }

  // Checks a delivered packet against what was sent: exact, except that padded intermediate may
  // keep up to 12 bytes of padding past the last whole word.
  void ExpectPayload(const Frame& frame, const std::string& sent) {
    ASSERT_EQ(frame.kind, Frame::Kind::kPacket);
    if (GetParam().framing == Framing::kPaddedIntermediate) {
      ASSERT_GE(frame.payload.size(), sent.size());
      EXPECT_LE(frame.payload.size(), sent.size() + 12);
      EXPECT_EQ(frame.payload.size() % 4, 0u);
      EXPECT_EQ(frame.payload.substr(0, sent.size()), sent);
    } else {
      EXPECT_EQ(frame.payload, sent);
    }
  }

  void ExpectClientPackets(const std::vector<Frame>& frames, const std::vector<size_t>& sizes) {
    ASSERT_EQ(frames.size(), sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      ExpectPayload(frames[i], MakePayload(sizes[i], i));
      EXPECT_EQ(frames[i].quick_ack_requested, QuickAckCapable() && i % 2 == 1) << i;
    }
  }

  // Completes detection on the server with one small packet.
  void Handshake() {
    std::vector<Frame> frames;
    ASSERT_TRUE(server_.Feed(ClientStream({8}), &frames).ok());
    ASSERT_THAT(frames, SizeIs(1));
    ASSERT_TRUE(server_.framing_known());
    ASSERT_EQ(server_.framing(), GetParam().framing);
    ASSERT_EQ(server_.obfuscated(), GetParam().obfuscated);
  }

  DeterministicRandom client_rng_;
  DeterministicRandom server_rng_;
  Codec client_;
  Codec server_;
};

INSTANTIATE_TEST_SUITE_P(AllFramings, CodecTest, ::testing::ValuesIn(testing::AllFramingCases()), ParamName);

TEST_P(CodecTest, ClientToServerWholeStream) {
  const std::string stream = ClientStream(kSizes);
  std::vector<Frame> frames;
  ASSERT_TRUE(server_.Feed(stream, &frames).ok());
  ExpectClientPackets(frames, kSizes);
  EXPECT_EQ(server_.buffered_bytes(), 0u);
  EXPECT_EQ(server_.framing(), GetParam().framing);
  EXPECT_EQ(server_.obfuscated(), GetParam().obfuscated);
}

TEST_P(CodecTest, ClientToServerByteAtATime) {
  const std::vector<size_t> sizes = {4, 508, 8, 1024, 124};
  const std::string stream = ClientStream(sizes);
  std::vector<Frame> frames;
  ASSERT_TRUE(FeedChunked(server_, stream, 1, &frames).ok());
  ExpectClientPackets(frames, sizes);
}

TEST_P(CodecTest, ClientToServerVariousChunks) {
  const std::string stream = ClientStream(kSizes);
  for (size_t chunk : {2, 3, 5, 7, 63, 64, 65, 509, 4096}) {
    DeterministicRandom rng(2);
    Codec server = Codec::ForServer(rng);
    std::vector<Frame> frames;
    ASSERT_TRUE(FeedChunked(server, stream, chunk, &frames).ok()) << chunk;
    ExpectClientPackets(frames, kSizes);
  }
}

TEST_P(CodecTest, ClientToServerSplitAtEveryOffset) {
  const std::vector<size_t> sizes = {8, 508, 4, 12};
  const std::string stream = ClientStream(sizes);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    DeterministicRandom rng(2);
    Codec server = Codec::ForServer(rng);
    std::vector<Frame> frames;
    ASSERT_TRUE(server.Feed(std::string_view(stream).substr(0, cut), &frames).ok()) << cut;
    ASSERT_TRUE(server.Feed(std::string_view(stream).substr(cut), &frames).ok()) << cut;
    ExpectClientPackets(frames, sizes);
  }
}

TEST_P(CodecTest, ServerToClientAtEverySplit) {
  Handshake();
  // Replies, a quick ack (where the framing has them) and a transport error, in one stream.
  // Replies are at least 24 bytes, like every real MTProto packet: shorter server packets that
  // start with a negative word read as transport errors.
  std::string stream;
  std::vector<Frame> expected;
  for (size_t size : {24u, 28u, 508u, 512u, 40u}) {
    stream += Unwrap(server_.Encode(MakePayload(size, 9)));
    expected.push_back(PacketFrame(MakePayload(size, 9)));
  }
  if (QuickAckCapable()) {
    stream += Unwrap(server_.EncodeQuickAck(0x12345678));
    expected.push_back(QuickAckFrame(0x92345678));
  }
  stream += Unwrap(server_.Encode(MakePayload(24, 3)));
  expected.push_back(PacketFrame(MakePayload(24, 3)));
  stream += Unwrap(server_.EncodeError(kErrorAuthKeyNotFound));
  expected.push_back(ErrorFrame(-404));

  auto check = [&](const std::vector<Frame>& frames) {
    ASSERT_EQ(frames.size(), expected.size());
    for (size_t i = 0; i < frames.size(); ++i) {
      if (expected[i].kind == Frame::Kind::kPacket) {
        ExpectPayload(frames[i], expected[i].payload);
      } else {
        EXPECT_EQ(frames[i], expected[i]) << i;
      }
    }
  };
  for (size_t chunk : {0, 1, 3, 64}) {
    // Every client needs its own copy of the decrypt stream: replay the client from its seed.
    DeterministicRandom rng(1);
    Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, rng);
    std::vector<Frame> frames;
    ASSERT_TRUE(FeedChunked(client, stream, chunk, &frames).ok()) << chunk;
    check(frames);
  }
  for (size_t cut = 0; cut <= stream.size(); cut += 7) {
    DeterministicRandom rng(1);
    Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, rng);
    std::vector<Frame> frames;
    ASSERT_TRUE(client.Feed(std::string_view(stream).substr(0, cut), &frames).ok());
    ASSERT_TRUE(client.Feed(std::string_view(stream).substr(cut), &frames).ok());
    check(frames);
  }
}

TEST_P(CodecTest, EveryTransportErrorCode) {
  Handshake();
  for (int32_t code : {kErrorAuthKeyNotFound, kErrorFlood, kErrorInvalidDc, -1}) {
    std::vector<Frame> frames;
    ASSERT_TRUE(client_.Feed(Unwrap(server_.EncodeError(code)), &frames).ok());
    ASSERT_THAT(frames, SizeIs(1));
    EXPECT_EQ(frames[0].kind, Frame::Kind::kError);
    EXPECT_EQ(frames[0].error_code, code);
  }
  EXPECT_FALSE(server_.EncodeError(0).ok());
  EXPECT_FALSE(server_.EncodeError(404).ok());
  EXPECT_FALSE(client_.EncodeError(-404).ok());
}

TEST_P(CodecTest, QuickAckBothWays) {
  Handshake();
  if (!QuickAckCapable()) {
    EXPECT_FALSE(client_.Encode(MakePayload(8, 0), true).ok());
    EXPECT_FALSE(server_.EncodeQuickAck(1).ok());
    EXPECT_FALSE(client_.supports_quick_ack());
    return;
  }
  EXPECT_TRUE(client_.supports_quick_ack());
  std::vector<Frame> frames;
  ASSERT_TRUE(server_.Feed(Unwrap(client_.Encode(MakePayload(600, 1), true)), &frames).ok());
  ASSERT_THAT(frames, SizeIs(1));
  EXPECT_TRUE(frames[0].quick_ack_requested);
  frames.clear();
  for (uint32_t token : {0u, 1u, 0x7fffffffu, 0x80000001u, 0xdeadbeefu}) {
    ASSERT_TRUE(client_.Feed(Unwrap(server_.EncodeQuickAck(token)), &frames).ok());
  }
  EXPECT_THAT(frames, ElementsAre(QuickAckFrame(0x80000000u), QuickAckFrame(0x80000001u),
                                  QuickAckFrame(0xffffffffu), QuickAckFrame(0x80000001u),
                                  QuickAckFrame(0xdeadbeefu)));
  // Servers never request quick acks; clients never send them.
  EXPECT_FALSE(server_.Encode(MakePayload(8, 0), true).ok());
  EXPECT_FALSE(client_.EncodeQuickAck(1).ok());
}

TEST_P(CodecTest, TruncationAtEveryLengthNeedsMore) {
  const std::vector<size_t> sizes = {8, 508, 16};
  const std::string stream = ClientStream(sizes);
  for (size_t len = 0; len < stream.size(); ++len) {
    DeterministicRandom rng(2);
    Codec server = Codec::ForServer(rng);
    std::vector<Frame> frames;
    ASSERT_TRUE(server.Feed(std::string_view(stream).substr(0, len), &frames).ok()) << len;
    EXPECT_LT(frames.size(), sizes.size());
  }
}

TEST_P(CodecTest, CorruptedByteNeverCrashes) {
  const std::vector<size_t> sizes = {8, 132, 16};
  const std::string stream = ClientStream(sizes);
  for (size_t i = 0; i < stream.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string bad = stream;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      DeterministicRandom rng(2);
      Codec server = Codec::ForServer(rng);
      std::vector<Frame> frames;
      absl::Status s = FeedChunked(server, bad, 5, &frames);
      if (!s.ok()) {
        // Sticky: the stream stays failed.
        EXPECT_EQ(server.Feed("x", &frames), s);
      }
      EXPECT_LE(frames.size(), bad.size());
    }
  }
}

TEST_P(CodecTest, GarbageAfterValidPacketsIsAnErrorOrNeedsMore) {
  DeterministicRandom garbage_rng(77);
  for (int trial = 0; trial < 200; ++trial) {
    DeterministicRandom crng(trial + 100);
    DeterministicRandom srng(2);
    Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, crng);
    Codec server = Codec::ForServer(srng);
    std::string stream = client.TakePreamble() + Unwrap(client.Encode(MakePayload(16, 1)));
    crypto::Bytes junk = garbage_rng.Generate(1 + trial * 3);
    stream.append(junk.begin(), junk.end());
    std::vector<Frame> frames;
    (void)server.Feed(stream, &frames);
    ASSERT_GE(frames.size(), 1u);
    // Never buffers more than it was given.
    EXPECT_LE(server.buffered_bytes(), stream.size());
  }
}

TEST_P(CodecTest, ClientSurvivesGarbageFromTheServer) {
  DeterministicRandom garbage_rng(78);
  for (int trial = 0; trial < 300; ++trial) {
    DeterministicRandom rng(trial);
    Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, rng);
    const crypto::Bytes junk = garbage_rng.Generate(1 + trial * 7);
    const std::string bytes(junk.begin(), junk.end());
    std::vector<Frame> frames;
    (void)FeedChunked(client, bytes, 1 + trial % 13, &frames);
    EXPECT_LE(client.buffered_bytes(), bytes.size());
    EXPECT_LE(frames.size(), bytes.size() / 4);
  }
}

TEST_P(CodecTest, SmallMaxPacketSize) {
  Codec::Options options;
  options.max_packet_size = 64;
  DeterministicRandom crng(5), srng(6);
  Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, crng, options);
  Codec server = Codec::ForServer(srng, options);
  EXPECT_FALSE(client.Encode(MakePayload(68, 0)).ok());
  std::vector<Frame> frames;
  ASSERT_TRUE(
      server.Feed(client.TakePreamble() + Unwrap(client.Encode(MakePayload(64, 0))), &frames).ok());
  ASSERT_THAT(frames, SizeIs(1));
  // A bigger peer's packet: the declared length alone fails the stream, before its body arrives.
  DeterministicRandom big_rng(5);
  Codec big = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, big_rng);
  (void)big.TakePreamble();
  (void)big.Encode(MakePayload(64, 0));
  const std::string header = Unwrap(big.Encode(MakePayload(1000, 0))).substr(0, 8);
  EXPECT_EQ(server.Feed(header, &frames).code(), absl::StatusCode::kDataLoss);
}

TEST_P(CodecTest, EncodeRejectsBadInput) {
  EXPECT_FALSE(client_.Encode("").ok());
  if (GetParam().framing == Framing::kAbridged) {
    EXPECT_FALSE(client_.Encode("abc").ok());
    EXPECT_FALSE(client_.Encode("abcde").ok());
  }
  // A server cannot encode before it has seen the client's framing.
  EXPECT_EQ(server_.Encode("abcd").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(server_.EncodeError(-404).ok());
  EXPECT_FALSE(server_.EncodeQuickAck(1).ok());
}

TEST_P(CodecTest, PreambleTakenOnceAndPrependedIfForgotten) {
  DeterministicRandom rng(1);
  Codec client = *Codec::ForClient(GetParam().framing, GetParam().obfuscated, rng);
  const std::string with_preamble = Unwrap(client.Encode(MakePayload(8, 0)));
  const std::string preamble = client_.TakePreamble();
  EXPECT_EQ(client_.TakePreamble(), "");
  EXPECT_EQ(with_preamble, preamble + Unwrap(client_.Encode(MakePayload(8, 0))));
  EXPECT_EQ(server_.TakePreamble(), "");
}

TEST(CodecFullTest, ObfuscatedFullIsRejected) {
  DeterministicRandom rng(1);
  EXPECT_EQ(Codec::ForClient(Framing::kFull, true, rng).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mtproto::transport

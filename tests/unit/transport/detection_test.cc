// Server-side detection of the client's framing from the first bytes of the stream.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mtproto/crypto/random.h"
#include "mtproto/transport/codec.h"
#include "tests/unit/transport/test_util.h"

namespace mtproto::transport {
namespace {

using crypto::DeterministicRandom;

using Case = testing::FramingCase;

class DetectionTest : public ::testing::TestWithParam<Case> {};

INSTANTIATE_TEST_SUITE_P(
    AllFramings, DetectionTest,
    ::testing::ValuesIn(testing::AllFramingCases()),
    [](const ::testing::TestParamInfo<Case>& info) {
      return testing::FramingCaseName(info.param);
    });

// How many bytes the server must see before it knows the framing.
size_t BytesToDetect(const Case& c) {
  if (c.obfuscated) return 64;
  switch (c.framing) {
    case Framing::kAbridged:
      return 1;
    case Framing::kFull:
      return 8;
    default:
      return 4;
  }
}

TEST_P(DetectionTest, DetectsAfterExactlyTheNeededBytes) {
  const Case& c = GetParam();
  for (uint64_t seed = 0; seed < 20; ++seed) {
    DeterministicRandom crng(seed), srng(seed + 1000);
    Codec client = *Codec::ForClient(c.framing, c.obfuscated, crng);
    const std::string stream = client.TakePreamble() + *client.Encode(std::string(40, 'a'));
    Codec server = Codec::ForServer(srng);
    std::vector<Frame> frames;
    const size_t needed = BytesToDetect(c);
    for (size_t i = 0; i < stream.size(); ++i) {
      ASSERT_TRUE(server.Feed(stream.substr(i, 1), &frames).ok()) << i;
      ASSERT_EQ(server.framing_known(), i + 1 >= needed) << i;
    }
    EXPECT_EQ(server.framing(), c.framing);
    EXPECT_EQ(server.obfuscated(), c.obfuscated);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].payload.substr(0, 40), std::string(40, 'a'));
  }
}

TEST(DetectionEdgeTest, RefusesHttpAndTls) {
  for (std::string start : {"POST /api HTTP/1.1", "GET / HTTP/1.1", "HEAD / HTTP/1.1",
                            "OPTIONS * HTTP/1.1", "\x16\x03\x01\x02\x00"}) {
    DeterministicRandom rng(1);
    Codec server = Codec::ForServer(rng);
    std::vector<Frame> frames;
    EXPECT_EQ(server.Feed(start, &frames).code(), absl::StatusCode::kUnimplemented) << start;
    EXPECT_FALSE(server.Feed("more", &frames).ok());
  }
}

TEST(DetectionEdgeTest, ObfuscatedHeaderWithBadTagFails) {
  DeterministicRandom crng(4), srng(5);
  Codec client = *Codec::ForClient(Framing::kIntermediate, true, crng);
  std::string header = client.TakePreamble();
  header[57] ^= 0x01;  // Corrupts the encrypted tag.
  Codec server = Codec::ForServer(srng);
  std::vector<Frame> frames;
  ASSERT_TRUE(server.Feed(header.substr(0, 63), &frames).ok());
  EXPECT_EQ(server.Feed(header.substr(63), &frames).code(), absl::StatusCode::kDataLoss);
}

TEST(DetectionEdgeTest, RandomGarbageFailsOrWaits) {
  // Streams of random bytes: detection ends in an error, or waits for more, never crashes; what
  // it buffers is never more than it was given.
  DeterministicRandom garbage(9);
  int errors = 0;
  int long_streams = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    crypto::Bytes b = garbage.Generate(1 + trial % 130);
    DeterministicRandom rng(trial);
    Codec server = Codec::ForServer(rng);
    std::vector<Frame> frames;
    absl::Status s =
        server.Feed(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), &frames);
    // (A first byte 0xef is a legitimate abridged start and may just wait for more.)
    if (b.size() >= 64 && b[0] != 0xef) {
      ++long_streams;
      if (!s.ok()) ++errors;
    }
    EXPECT_LE(server.buffered_bytes(), b.size());
  }
  // A random 64-byte header carries a valid tag with probability 3 / 2^32.
  EXPECT_EQ(errors, long_streams);
}

}  // namespace
}  // namespace mtproto::transport

// Exact byte forms of each framing, with expected values written out by hand from the spec
// (https://core.telegram.org/mtproto/mtproto-transports) and CRC32 computed independently here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/random.h"
#include "mtproto/transport/codec.h"
#include "mtproto/transport/obfuscated2.h"
#include "tests/unit/transport/test_util.h"

namespace mtproto::transport {
namespace {

using testing::Hex;

// Returns the scripted bytes in order, then zeros.
class ScriptedRandom final : public crypto::RandomSource {
 public:
  explicit ScriptedRandom(std::string script) : script_(std::move(script)) {}
  void Fill(crypto::MutableByteSpan out) override {
    for (uint8_t& b : out) b = pos_ < script_.size() ? static_cast<uint8_t>(script_[pos_++]) : 0;
  }

 private:
  std::string script_;
  size_t pos_ = 0;
};

// Bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): independent of zlib.
uint32_t ReferenceCrc32(std::string_view data) {
  uint32_t crc = 0xffffffffu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string Le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}

std::string Words(size_t n) {
  std::string p(n * 4, '\0');
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>(i);
  return p;
}

std::string Enc(Codec& codec, std::string_view payload, bool qa = false) {
  auto s = codec.Encode(payload, qa);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

Codec Client(Framing framing, crypto::RandomSource& rng) {
  return *Codec::ForClient(framing, false, rng);
}

// A server that has seen `preamble` (and so knows the framing).
Codec Server(std::string_view preamble, crypto::RandomSource& rng) {
  Codec server = Codec::ForServer(rng);
  std::vector<Frame> frames;
  EXPECT_TRUE(server.Feed(preamble, &frames).ok());
  EXPECT_TRUE(server.framing_known());
  return server;
}

TEST(WireFormatTest, ReferenceCrcMatchesTheStandardCheckValue) {
  EXPECT_EQ(ReferenceCrc32("123456789"), 0xcbf43926u);
}

TEST(WireFormatTest, Abridged) {
  crypto::DeterministicRandom rng(1);
  Codec c = Client(Framing::kAbridged, rng);
  EXPECT_EQ(Hex(c.TakePreamble()), "ef");
  EXPECT_EQ(Hex(Enc(c, Words(2)).substr(0, 1)), "02");
  EXPECT_EQ(Enc(c, Words(2)).substr(1), Words(2));
  EXPECT_EQ(Hex(Enc(c, Words(126)).substr(0, 1)), "7e");
  // 127 words and up: 0x7f then the word count in 3 little-endian bytes.
  EXPECT_EQ(Hex(Enc(c, Words(127)).substr(0, 4)), "7f7f0000");
  EXPECT_EQ(Hex(Enc(c, Words(0x12345)).substr(0, 4)), "7f452301");
  // Quick-ack request: the top bit of the first byte.
  EXPECT_EQ(Hex(Enc(c, Words(2), true).substr(0, 1)), "82");
  EXPECT_EQ(Hex(Enc(c, Words(127), true).substr(0, 4)), "ff7f0000");

  Codec s = Server("\xef", rng);
  EXPECT_EQ(Hex(*s.EncodeQuickAck(0x12345678)), "92345678");  // Big-endian, top bit set.
  EXPECT_EQ(Hex(*s.EncodeError(-404)), "016cfeffff");
  EXPECT_EQ(Hex(*s.EncodeError(-429)), "0153feffff");
  EXPECT_EQ(Hex(*s.EncodeError(-444)), "0144feffff");
}

TEST(WireFormatTest, Intermediate) {
  crypto::DeterministicRandom rng(1);
  Codec c = Client(Framing::kIntermediate, rng);
  EXPECT_EQ(Hex(c.TakePreamble()), "eeeeeeee");
  EXPECT_EQ(Enc(c, Words(2)), Le32(8) + Words(2));
  EXPECT_EQ(Hex(Enc(c, Words(2), true).substr(0, 4)), "08000080");
  EXPECT_EQ(Hex(Enc(c, Words(127)).substr(0, 4)), "fc010000");

  Codec s = Server("\xee\xee\xee\xee", rng);
  EXPECT_EQ(Hex(*s.EncodeQuickAck(0x12345678)), "78563492");  // Little-endian, top bit set.
  EXPECT_EQ(Hex(*s.EncodeError(-404)), "040000006cfeffff");
}

TEST(WireFormatTest, PaddedIntermediate) {
  // First byte drawn: padding length (mod 16); then the padding itself.
  ScriptedRandom rng(std::string("\x23\xaa\xbb\xcc", 4) + std::string("\x10", 1) +
                     std::string("\x0f", 1) + std::string(15, '\x55') +
                     std::string("\x07\x99\x98\x97", 4));
  Codec c = Client(Framing::kPaddedIntermediate, rng);
  EXPECT_EQ(Hex(c.TakePreamble()), "dddddddd");
  EXPECT_EQ(Enc(c, Words(2)), Le32(11) + Words(2) + "\xaa\xbb\xcc");
  EXPECT_EQ(Enc(c, Words(2)), Le32(8) + Words(2));  // 0x10 % 16 == 0: no padding.
  EXPECT_EQ(Enc(c, Words(2), true), Le32(23 | 0x80000000u) + Words(2) + std::string(15, '\x55'));

  // Transport errors get 0-3 padding bytes (7 % 4 == 3), so a receiver that only cuts to a
  // whole word still sees exactly the 4-byte error.
  Codec s = Server("\xdd\xdd\xdd\xdd", rng);
  EXPECT_EQ(Hex(*s.EncodeError(-404)), "070000006cfeffff999897");

  // Decoding cuts the packet to whole words.
  crypto::DeterministicRandom rng2(3);
  Codec server = Server("\xdd\xdd\xdd\xdd", rng2);
  std::vector<Frame> frames;
  ASSERT_TRUE(server.Feed(Le32(27) + Words(6) + "xyz", &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, Words(6));
}

TEST(WireFormatTest, Full) {
  crypto::DeterministicRandom rng(1);
  Codec c = Client(Framing::kFull, rng);
  EXPECT_EQ(c.TakePreamble(), "");
  for (uint32_t seq = 0; seq < 3; ++seq) {
    const std::string body = Le32(20) + Le32(seq) + Words(2);
    EXPECT_EQ(Enc(c, Words(2)), body + Le32(ReferenceCrc32(body))) << seq;
  }
  // The server numbers its own packets from 0 too; errors take a seq no like any packet.
  Codec s = Server(Le32(20) + Le32(0), rng);
  const std::string first = Le32(16) + Le32(0) + Le32(static_cast<uint32_t>(-404));
  EXPECT_EQ(*s.EncodeError(-404), first + Le32(ReferenceCrc32(first)));
  const std::string second = Le32(36) + Le32(1) + Words(6);
  EXPECT_EQ(Enc(s, Words(6)), second + Le32(ReferenceCrc32(second)));
}

TEST(WireFormatTest, FullRejectsBadCrcSeqAndLength) {
  crypto::DeterministicRandom rng(1);
  auto fresh = [&] { return Codec::ForServer(rng); };
  const std::string body = Le32(20) + Le32(0) + Words(2);
  const std::string good = body + Le32(ReferenceCrc32(body));
  std::vector<Frame> frames;
  {
    Codec s = fresh();
    ASSERT_TRUE(s.Feed(good, &frames).ok());
    EXPECT_EQ(frames.size(), 1u);
    // The next packet must carry seq no 1; a replayed seq 0 fails.
    EXPECT_EQ(s.Feed(good, &frames).code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(frames.size(), 1u);
  }
  {
    Codec s = fresh();
    std::string bad = good;
    bad[12] ^= 1;
    EXPECT_EQ(s.Feed(bad, &frames).code(), absl::StatusCode::kDataLoss);
  }
  {
    // seq 0 then a length over the limit: this reads as obfuscated2, whose tag will not match.
    Codec s = fresh();
    EXPECT_FALSE(s.Feed(Le32(0x7ffffff0) + Le32(0) + std::string(56, 'x'), &frames).ok());
  }
  {
    // A client codec sees an absurd length from the server straight away.
    Codec c = Client(Framing::kFull, rng);
    EXPECT_EQ(c.Feed(Le32(0x7ffffff0) + Le32(0), &frames).code(), absl::StatusCode::kDataLoss);
    Codec c2 = Client(Framing::kFull, rng);
    EXPECT_EQ(c2.Feed(Le32(13) + Le32(0), &frames).code(), absl::StatusCode::kDataLoss);
  }
}

TEST(WireFormatTest, AbsurdLengthsFailBeforeTheirBodyArrives) {
  crypto::DeterministicRandom rng(1);
  std::vector<Frame> frames;
  Codec a = Codec::ForServer(rng);
  EXPECT_EQ(a.Feed("\xef\x7f\xff\xff\xff", &frames).code(), absl::StatusCode::kDataLoss);
  Codec i = Codec::ForServer(rng);
  EXPECT_EQ(i.Feed("\xee\xee\xee\xee\xff\xff\xff\x7f", &frames).code(),
            absl::StatusCode::kDataLoss);
  Codec z = Codec::ForServer(rng);
  EXPECT_EQ(z.Feed("\xee\xee\xee\xee" + Le32(0), &frames).code(), absl::StatusCode::kDataLoss);
  Codec e = Codec::ForServer(rng);
  EXPECT_EQ(e.Feed(std::string("\xef\x00", 2), &frames).code(), absl::StatusCode::kDataLoss);
}

TEST(WireFormatTest, ClientReadsShortServerPackets) {
  crypto::DeterministicRandom rng(1);
  std::vector<Frame> frames;
  Codec c = Client(Framing::kIntermediate, rng);
  // A 4-byte non-negative packet is not an error; deliver it (the session will reject it).
  ASSERT_TRUE(c.Feed(Le32(4) + Le32(7), &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::kPacket);
  // An 8-byte packet starting with a negative word is a packet too (only 4-byte ones are errors).
  ASSERT_TRUE(c.Feed(Le32(8) + Le32(-404) + Le32(0), &frames).ok());
  EXPECT_EQ(frames[1].kind, Frame::Kind::kPacket);
}

TEST(WireFormatTest, Obfuscated2HeaderLayout) {
  std::string script(64, '\0');
  for (int i = 0; i < 64; ++i) script[i] = static_cast<char>(0x40 + i);
  ScriptedRandom rng(script);
  Codec::Options options;
  options.dc_id = -2;
  Codec c = *Codec::ForClient(Framing::kPaddedIntermediate, true, rng, options);
  const std::string header = c.TakePreamble();
  ASSERT_EQ(header.size(), 64u);
  EXPECT_EQ(header.substr(0, 56), script.substr(0, 56));
  // Expected tail: the plaintext header (tag dddddddd, dc -2 = fe ff) run through AES-256-CTR
  // keyed by bytes 8..39 with iv 40..55; only bytes 56..63 of the result are sent.
  std::string plain = script;
  plain.replace(56, 6, "\xdd\xdd\xdd\xdd\xfe\xff");
  auto ctr = crypto::AesCtr256::Create(crypto::AsBytes(script).subspan(8, 32),
                                       crypto::AsBytes(script).subspan(40, 16));
  ASSERT_TRUE(ctr.ok());
  ctr->Apply({reinterpret_cast<uint8_t*>(plain.data()), plain.size()});
  EXPECT_EQ(Hex(header.substr(56)), Hex(plain.substr(56)));

  auto accepted = AcceptObfuscated2Client(header);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->framing, Framing::kPaddedIntermediate);
  EXPECT_EQ(accepted->dc_id, -2);

  // The server's replies use the reversed key material: bytes 55..8 backwards.
  std::string reversed(script.rbegin() + 8, script.rbegin() + 56);
  auto back = crypto::AesCtr256::Create(crypto::AsBytes(reversed).subspan(0, 32),
                                        crypto::AsBytes(reversed).subspan(32, 16));
  ASSERT_TRUE(back.ok());
  std::string wire = Le32(4) + Le32(static_cast<uint32_t>(-404));  // Intermediate form.
  back->Apply({reinterpret_cast<uint8_t*>(wire.data()), wire.size()});
  std::vector<Frame> frames;
  ASSERT_TRUE(c.Feed(wire, &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::kError);
  EXPECT_EQ(frames[0].error_code, -404);
}

TEST(WireFormatTest, Obfuscated2RedrawsForbiddenStarts) {
  const std::string good = "\x01\x02\x03\x04\x05\x06\x07\x08" + std::string(56, '\x33');
  auto with_start = [](std::string start) {
    return start + std::string(64 - start.size(), '\x33');
  };
  const std::string script =
      with_start("\xef") + with_start("HEAD") + with_start("POST") + with_start("GET ") +
      with_start("OPTI") + with_start("\xee\xee\xee\xee") + with_start("\xdd\xdd\xdd\xdd") +
      with_start("\x16\x03\x01\x02") + with_start(std::string("abcd\0\0\0\0", 8)) + good;
  for (size_t i = 0; i + 64 < script.size(); i += 64) {
    EXPECT_TRUE(IsForbiddenObfuscated2Start(script.substr(i, 64))) << i / 64;
  }
  EXPECT_FALSE(IsForbiddenObfuscated2Start(good));
  ScriptedRandom rng(script);
  Codec c = *Codec::ForClient(Framing::kAbridged, true, rng);
  EXPECT_EQ(c.TakePreamble().substr(0, 56), good.substr(0, 56));
}

}  // namespace
}  // namespace mtproto::transport

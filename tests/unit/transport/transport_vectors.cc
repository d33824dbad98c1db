// Line-oriented driver of mtproto::transport for transport_crosscheck.py, which compares our
// codecs with Telethon's. One request per stdin line, one reply per stdout line:
//
//   client <framing> <obfuscated 0|1> <seed> <payloads> <server stream>
//     -> ok <client stream> <frames decoded from the server stream>
//   server <seed> <client stream> <reply payloads>
//     -> ok <framing> <obfuscated 0|1> <frames> <server stream: replies, then error -404>
//
// Byte strings are hex; lists are comma-separated; "-" is empty. Frames print as p:<hex>,
// q:<token hex> or e:<code>. Streams are fed in seed-dependent chunk sizes. Failures print
// "error <message>".
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mtproto/crypto/random.h"
#include "mtproto/transport/codec.h"
#include "tests/unit/transport/test_util.h"

namespace mtproto::transport {
namespace {

using testing::Hex;
using testing::Unhex;

bool ParseFraming(const std::string& name, Framing* out) {
  for (Framing f :
       {Framing::kAbridged, Framing::kIntermediate, Framing::kPaddedIntermediate, Framing::kFull}) {
    if (name == FramingName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

bool ParseList(const std::string& text, std::vector<std::string>* out) {
  out->clear();
  if (text == "-") return true;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    std::string bytes;
    if (!Unhex(std::string(item), &bytes)) return false;
    out->push_back(std::move(bytes));
  }
  return true;
}

bool ParseBytes(const std::string& text, std::string* out) {
  out->clear();
  return text == "-" || Unhex(text, out);
}

std::string ShowFrames(const std::vector<Frame>& frames) {
  if (frames.empty()) return "-";
  std::vector<std::string> parts;
  for (const Frame& f : frames) {
    switch (f.kind) {
      case Frame::Kind::kPacket:
        parts.push_back(absl::StrCat("p:", Hex(f.payload)));
        break;
      case Frame::Kind::kQuickAck:
        parts.push_back(absl::StrCat("q:", absl::Hex(f.quick_ack_token)));
        break;
      case Frame::Kind::kError:
        parts.push_back(absl::StrCat("e:", f.error_code));
        break;
    }
  }
  return absl::StrJoin(parts, ",");
}

// Feeds in chunks of 1..97 bytes drawn from `rng`, so each run exercises different splits.
absl::Status FeedInChunks(Codec& codec, const std::string& bytes, crypto::RandomSource& rng,
                          std::vector<Frame>* frames) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint8_t r = 0;
    rng.Fill({&r, 1});
    const size_t n = 1 + r % 97;
    absl::Status s = codec.Feed(std::string_view(bytes).substr(pos, n), frames);
    if (!s.ok()) return s;
    pos += n;
  }
  return absl::OkStatus();
}

std::string Fail(const absl::Status& s) {
  std::string msg(s.message());
  for (char& c : msg) {
    if (c == ' ') c = '_';
  }
  return "error " + msg;
}

std::string RunClient(std::istringstream& in) {
  std::string framing_name, payloads_text, server_text;
  int obfuscated = 0;
  uint64_t seed = 0;
  in >> framing_name >> obfuscated >> seed >> payloads_text >> server_text;
  Framing framing;
  std::vector<std::string> payloads;
  std::string server_stream;
  if (!in || !ParseFraming(framing_name, &framing) || !ParseList(payloads_text, &payloads) ||
      !ParseBytes(server_text, &server_stream)) {
    return "error bad_request";
  }
  crypto::DeterministicRandom rng(seed);
  auto codec = Codec::ForClient(framing, obfuscated != 0, rng);
  if (!codec.ok()) return Fail(codec.status());
  std::string stream = codec->TakePreamble();
  for (const std::string& p : payloads) {
    auto encoded = codec->Encode(p);
    if (!encoded.ok()) return Fail(encoded.status());
    stream += *encoded;
  }
  crypto::DeterministicRandom chunk_rng(seed ^ 0x5a5a);
  std::vector<Frame> frames;
  if (absl::Status s = FeedInChunks(*codec, server_stream, chunk_rng, &frames); !s.ok()) {
    return Fail(s);
  }
  return absl::StrCat("ok ", stream.empty() ? "-" : Hex(stream), " ", ShowFrames(frames));
}

std::string RunServer(std::istringstream& in) {
  uint64_t seed = 0;
  std::string client_text, replies_text;
  in >> seed >> client_text >> replies_text;
  std::string client_stream;
  std::vector<std::string> replies;
  if (!in || !ParseBytes(client_text, &client_stream) || !ParseList(replies_text, &replies)) {
    return "error bad_request";
  }
  crypto::DeterministicRandom rng(seed);
  Codec codec = Codec::ForServer(rng);
  std::vector<Frame> frames;
  if (absl::Status s = FeedInChunks(codec, client_stream, rng, &frames); !s.ok()) return Fail(s);
  if (!codec.framing_known()) return "error framing_not_detected";
  std::string out;
  for (const std::string& r : replies) {
    auto encoded = codec.Encode(r);
    if (!encoded.ok()) return Fail(encoded.status());
    out += *encoded;
  }
  auto error = codec.EncodeError(kErrorAuthKeyNotFound);
  if (!error.ok()) return Fail(error.status());
  out += *error;
  return absl::StrCat("ok ", FramingName(codec.framing()), " ", codec.obfuscated() ? 1 : 0, " ",
                      ShowFrames(frames), " ", Hex(out));
}

}  // namespace
}  // namespace mtproto::transport

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op;
    in >> op;
    if (op == "client") {
      std::cout << mtproto::transport::RunClient(in) << "\n";
    } else if (op == "server") {
      std::cout << mtproto::transport::RunServer(in) << "\n";
    } else {
      std::cout << "error unknown_op\n";
    }
  }
  return 0;
}

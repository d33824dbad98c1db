#include "mtproto/transport/codec.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mtproto/transport/frame_format.h"
#include "mtproto/transport/obfuscated2.h"

namespace mtproto::transport {
namespace {

using internal::LoadLe32;

constexpr uint8_t kAbridgedPreamble = 0xef;
constexpr uint32_t kIntermediatePreamble = 0xeeeeeeeeu;
constexpr uint32_t kPaddedPreamble = 0xddddddddu;
// What every framing's length field can express: abridged counts words in 3 bytes.
constexpr size_t kMaxEncodable = ((size_t{1} << 24) - 1) * 4;

void ApplyCipher(crypto::AesCtr256& cipher, char* data, size_t size) {
  cipher.Apply({reinterpret_cast<uint8_t*>(data), size});
}

// First words a server refuses outright: the HTTP transport and fake-TLS proxying, which this
// codec does not speak. Clients never start an obfuscated2 header with them.
absl::Status CheckUnsupportedStart(uint32_t first) {
  switch (first) {
    case 0x44414548u:  // "HEAD"
    case 0x54534f50u:  // "POST"
    case 0x20544547u:  // "GET "
    case 0x4954504fu:  // "OPTI"
      return absl::UnimplementedError("mtproto transport: HTTP transport is not supported");
    case 0x02010316u:
      return absl::UnimplementedError("mtproto transport: fake-TLS transport is not supported");
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<Codec> Codec::ForClient(Framing framing, bool obfuscated,
                                       crypto::RandomSource& random, const Options& options) {
  Codec codec(/*client=*/true, random, options);
  codec.framing_ = framing;
  if (obfuscated) {
    auto client = MakeObfuscated2Client(framing, options.dc_id, random);
    if (!client.ok()) return client.status();
    codec.preamble_ = std::move(client->header);
    codec.encrypt_.emplace(std::move(client->ciphers.encrypt));
    codec.decrypt_.emplace(std::move(client->ciphers.decrypt));
    return codec;
  }
  switch (framing) {
    case Framing::kAbridged:
      codec.preamble_.push_back(static_cast<char>(kAbridgedPreamble));
      break;
    case Framing::kIntermediate:
      internal::AppendLe32(kIntermediatePreamble, &codec.preamble_);
      break;
    case Framing::kPaddedIntermediate:
      internal::AppendLe32(kPaddedPreamble, &codec.preamble_);
      break;
    case Framing::kFull:
      break;
  }
  return codec;
}

Codec Codec::ForServer(crypto::RandomSource& random, const Options& options) {
  return Codec(/*client=*/false, random, options);
}

std::string Codec::TakePreamble() { return std::exchange(preamble_, std::string()); }

absl::StatusOr<std::string> Codec::Seal(std::string out) {
  if (encrypt_) ApplyCipher(*encrypt_, out.data(), out.size());
  if (preamble_.empty()) return out;
  return TakePreamble() + out;
}

std::string Codec::Padding(int modulus) {
  uint8_t n = 0;
  random_->Fill({&n, 1});
  std::string padding(n % modulus, '\0');
  random_->Fill({reinterpret_cast<uint8_t*>(padding.data()), padding.size()});
  return padding;
}

absl::StatusOr<std::string> Codec::Encode(std::string_view payload, bool request_quick_ack) {
  if (!framing_) {
    return absl::FailedPreconditionError(
        "mtproto transport: the client's framing is not known yet");
  }
  if (payload.empty()) return absl::InvalidArgumentError("mtproto transport: empty packet");
  if (payload.size() > std::min(options_.max_packet_size, kMaxEncodable)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mtproto transport: packet of ", payload.size(), " bytes exceeds the limit"));
  }
  if (*framing_ == Framing::kAbridged && payload.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        "mtproto transport: abridged packets must be a whole number of 4-byte words");
  }
  if (request_quick_ack && (!client_ || *framing_ == Framing::kFull)) {
    return absl::InvalidArgumentError(
        "mtproto transport: only a client on a non-full framing can request a quick ack");
  }
  // Clients pad 0-15 bytes as the spec describes. Servers pad only 0-3: Telethon strips just
  // the bytes past the last whole word, and its MTProto decryption fails on more.
  const std::string padding =
      *framing_ == Framing::kPaddedIntermediate ? Padding(client_ ? 16 : 4) : std::string();
  std::string out;
  out.reserve(payload.size() + padding.size() + 12);
  internal::AppendPacket(*framing_, payload, request_quick_ack, send_seq_, padding, &out);
  if (*framing_ == Framing::kFull) ++send_seq_;
  return Seal(std::move(out));
}

absl::StatusOr<std::string> Codec::EncodeQuickAck(uint32_t token) {
  if (client_ || !framing_ || *framing_ == Framing::kFull) {
    return absl::FailedPreconditionError(
        "mtproto transport: quick acks are sent by a server on a non-full framing");
  }
  std::string out;
  internal::AppendQuickAck(*framing_, token, &out);
  return Seal(std::move(out));
}

absl::StatusOr<std::string> Codec::EncodeError(int32_t code) {
  if (client_ || !framing_) {
    return absl::FailedPreconditionError(
        "mtproto transport: transport errors are sent by a server that knows the framing");
  }
  if (code >= 0) {
    return absl::InvalidArgumentError("mtproto transport: transport error codes are negative");
  }
  std::string word;
  internal::AppendLe32(static_cast<uint32_t>(code), &word);
  const std::string padding =
      *framing_ == Framing::kPaddedIntermediate ? Padding(4) : std::string();
  std::string out;
  internal::AppendPacket(*framing_, word, false, send_seq_, padding, &out);
  if (*framing_ == Framing::kFull) ++send_seq_;
  return Seal(std::move(out));
}

absl::Status Codec::Fail(absl::Status status) {
  failed_ = std::move(status);
  in_.clear();  // Nothing more will be parsed; don't hold on to the bytes.
  in_pos_ = 0;
  return failed_;
}

absl::Status Codec::Detect() {
  // in_ holds raw bytes here and in_pos_ is 0.
  if (in_.empty()) return absl::OkStatus();
  if (static_cast<uint8_t>(in_[0]) == kAbridgedPreamble) {
    framing_ = Framing::kAbridged;
    in_pos_ = 1;
    return absl::OkStatus();
  }
  if (in_.size() < 4) return absl::OkStatus();
  const uint32_t first = LoadLe32(in_.data());
  if (first == kIntermediatePreamble || first == kPaddedPreamble) {
    framing_ =
        first == kIntermediatePreamble ? Framing::kIntermediate : Framing::kPaddedIntermediate;
    in_pos_ = 4;
    return absl::OkStatus();
  }
  if (absl::Status s = CheckUnsupportedStart(first); !s.ok()) return s;
  if (in_.size() < 8) return absl::OkStatus();
  // Full has no preamble: its first packet starts with a plausible length and seq no 0. An
  // obfuscated2 header never has a zero second word, so the two cannot be confused.
  const uint32_t second = LoadLe32(in_.data() + 4);
  if (second == 0 && first % 4 == 0 && first >= internal::kFullOverhead + 4 &&
      first - internal::kFullOverhead <= options_.max_packet_size) {
    framing_ = Framing::kFull;
    return absl::OkStatus();
  }
  if (in_.size() < kObfuscated2HeaderSize) return absl::OkStatus();
  auto server = AcceptObfuscated2Client(std::string_view(in_).substr(0, kObfuscated2HeaderSize));
  if (!server.ok()) return server.status();
  framing_ = server->framing;
  encrypt_.emplace(std::move(server->ciphers.encrypt));
  decrypt_.emplace(std::move(server->ciphers.decrypt));
  in_pos_ = kObfuscated2HeaderSize;
  ApplyCipher(*decrypt_, in_.data() + in_pos_, in_.size() - in_pos_);
  return absl::OkStatus();
}

absl::Status Codec::Feed(std::string_view bytes, std::vector<Frame>* frames) {
  if (!failed_.ok()) return failed_;
  const size_t old_size = in_.size();
  in_.append(bytes);
  if (decrypt_) ApplyCipher(*decrypt_, in_.data() + old_size, bytes.size());
  if (!framing_) {
    if (absl::Status s = Detect(); !s.ok()) return Fail(std::move(s));
    if (!framing_) return absl::OkStatus();
  }
  // Bytes sent by the server carry quick-ack replies and transport errors.
  const bool from_server = client_;
  while (true) {
    internal::ParseResult r =
        internal::ParseFrame(*framing_, from_server, std::string_view(in_).substr(in_pos_),
                             options_.max_packet_size, recv_seq_);
    if (r.state == internal::ParseResult::State::kNeedMore) break;
    if (r.state == internal::ParseResult::State::kError) return Fail(std::move(r.error));
    in_pos_ += r.consumed;
    if (*framing_ == Framing::kFull) ++recv_seq_;
    frames->push_back(std::move(r.frame));
  }
  in_.erase(0, in_pos_);
  in_pos_ = 0;
  return absl::OkStatus();
}

}  // namespace mtproto::transport

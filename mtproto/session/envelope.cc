#include "mtproto/session/envelope.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/kdf.h"
#include "mtproto/tl/reader.h"
#include "mtproto/tl/writer.h"

namespace mtproto::session {
namespace {

constexpr size_t kHeaderSize = 8 + 16;                  // auth_key_id + msg_key
constexpr size_t kInnerHeaderSize = 8 + 8 + 8 + 4 + 4;  // salt, session, msg_id, seqno, length
constexpr size_t kMinPadding = 12;
constexpr size_t kMaxPadding = 1024;

crypto::Direction DirectionOf(Role sender) {
  return sender == Role::kClient ? crypto::Direction::kClientToServer
                                 : crypto::Direction::kServerToClient;
}

std::string_view AsChars(crypto::ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Parses the decrypted plaintext; `exact_length` requires no padding beyond the body.
absl::StatusOr<InnerMessage> ParseInner(std::string_view plain, size_t* body_end) {
  tl::Reader in(plain);
  InnerMessage inner;
  inner.salt = static_cast<uint64_t>(in.Int64());
  inner.session_id = static_cast<uint64_t>(in.Int64());
  inner.msg_id = static_cast<uint64_t>(in.Int64());
  inner.seqno = in.Int32();
  const uint32_t length = in.Uint32();
  if (!in.ok()) return absl::InvalidArgumentError("encrypted message too short");
  if (length % 4 != 0 || length > in.remaining()) {
    return absl::InvalidArgumentError(absl::StrCat("bad message length ", length));
  }
  inner.body = std::string(in.Raw(length));
  *body_end = kInnerHeaderSize + length;
  return inner;
}

// Padded intermediate framing may append up to 15 bytes of transport padding to a packet.
std::string_view TrimTransportPadding(std::string_view packet) {
  if (packet.size() < kHeaderSize) return packet;
  return packet.substr(0, kHeaderSize + (packet.size() - kHeaderSize) / 16 * 16);
}

}  // namespace

std::optional<uint64_t> PeekAuthKeyId(std::string_view packet) {
  if (packet.size() < 8) return std::nullopt;
  tl::Reader in(packet);
  return static_cast<uint64_t>(in.Int64());
}

std::string PackPlain(uint64_t msg_id, std::string_view body) {
  tl::Writer out;
  out.Int64(0);
  out.Int64(static_cast<int64_t>(msg_id));
  out.Int32(static_cast<int32_t>(body.size()));
  out.Raw(body);
  return out.Take();
}

absl::StatusOr<PlainMessage> UnpackPlain(std::string_view packet) {
  tl::Reader in(packet);
  const int64_t auth_key_id = in.Int64();
  PlainMessage message;
  message.msg_id = static_cast<uint64_t>(in.Int64());
  const uint32_t length = in.Uint32();
  if (!in.ok()) return absl::InvalidArgumentError("unencrypted message too short");
  if (auth_key_id != 0) return absl::InvalidArgumentError("not an unencrypted message");
  // Padded intermediate framing may leave up to 15 bytes of transport padding after the body.
  if (length > in.remaining() || in.remaining() - length >= 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("unencrypted message length ", length, " != ", in.remaining()));
  }
  message.body = std::string(in.Raw(length));
  return message;
}

std::string EncryptMessage(const AuthKey& key, Role sender, const InnerMessage& inner,
                           crypto::RandomSource& random) {
  tl::Writer plain;
  plain.Int64(static_cast<int64_t>(inner.salt));
  plain.Int64(static_cast<int64_t>(inner.session_id));
  plain.Int64(static_cast<int64_t>(inner.msg_id));
  plain.Int32(inner.seqno);
  plain.Int32(static_cast<int32_t>(inner.body.size()));
  plain.Raw(inner.body);
  // 12..27 bytes of padding reach the next multiple of 16; up to 3 more blocks vary the size.
  uint8_t extra_blocks = 0;
  random.Fill({&extra_blocks, 1});
  const size_t padding =
      kMinPadding + (16 - (plain.size() + kMinPadding) % 16) % 16 + 16 * (extra_blocks % 4);
  const crypto::Bytes pad = random.Generate(padding);
  plain.Raw(pad.data(), pad.size());

  const crypto::ByteSpan plaintext = crypto::AsBytes(plain.data());
  const crypto::MsgKey msg_key = crypto::ComputeMsgKey(key.bytes, DirectionOf(sender), plaintext);
  const crypto::AesKeyIv aes = crypto::DeriveAesKeyIv(key.bytes, msg_key, DirectionOf(sender));

  std::string packet(kHeaderSize + plaintext.size(), '\0');
  tl::Writer header;
  header.Int64(static_cast<int64_t>(key.id));
  header.Raw(msg_key.data(), msg_key.size());
  packet.replace(0, kHeaderSize, header.data());
  auto* out = reinterpret_cast<uint8_t*>(packet.data()) + kHeaderSize;
  // Sizes are multiples of 16 by construction, so encryption cannot fail.
  (void)crypto::AesIgeEncrypt(aes.key, aes.iv, plaintext, {out, plaintext.size()});
  return packet;
}

namespace {

enum class Version { k1, k2 };

// The steps both versions share: size and key checks, then AES-IGE with the version's KDF.
// Fills msg_key and the plaintext (body and padding) for the version's own checks.
absl::Status DecryptPlaintext(const AuthKey& key, Role sender, Version version,
                              std::string_view packet, crypto::MsgKey* msg_key,
                              crypto::Bytes* plain) {
  const size_t min_size =
      kHeaderSize + kInnerHeaderSize + (version == Version::k2 ? kMinPadding : 0);
  if (packet.size() < min_size || (packet.size() - kHeaderSize) % 16 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad encrypted packet size ", packet.size()));
  }
  if (PeekAuthKeyId(packet) != key.id) return absl::InvalidArgumentError("auth_key_id mismatch");
  const crypto::ByteSpan bytes = crypto::AsBytes(packet);
  std::copy_n(bytes.begin() + 8, 16, msg_key->begin());
  const crypto::AesKeyIv aes =
      version == Version::k2 ? crypto::DeriveAesKeyIv(key.bytes, *msg_key, DirectionOf(sender))
                             : crypto::DeriveAesKeyIvV1(key.bytes, *msg_key, DirectionOf(sender));
  plain->resize(packet.size() - kHeaderSize);
  if (!crypto::AesIgeDecrypt(aes.key, aes.iv, bytes.subspan(kHeaderSize), *plain).ok()) {
    return absl::InvalidArgumentError("decryption failed");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InnerMessage> DecryptMessage(const AuthKey& key, Role sender,
                                            std::string_view packet) {
  crypto::MsgKey msg_key;
  crypto::Bytes plain;
  if (absl::Status s = DecryptPlaintext(key, sender, Version::k2, TrimTransportPadding(packet),
                                        &msg_key, &plain);
      !s.ok()) {
    return s;
  }
  // msg_key must match the plaintext, compared in constant time (the spec's main check).
  const crypto::MsgKey expected = crypto::ComputeMsgKey(key.bytes, DirectionOf(sender), plain);
  if (CRYPTO_memcmp(expected.data(), msg_key.data(), msg_key.size()) != 0) {
    return absl::InvalidArgumentError("msg_key mismatch");
  }
  size_t body_end = 0;
  absl::StatusOr<InnerMessage> inner = ParseInner(AsChars(plain), &body_end);
  if (!inner.ok()) return inner.status();
  const size_t padding = plain.size() - body_end;
  if (padding < kMinPadding || padding > kMaxPadding) {
    return absl::InvalidArgumentError(absl::StrCat("bad padding size ", padding));
  }
  return inner;
}

absl::StatusOr<InnerMessage> DecryptMessageV1(const AuthKey& key, Role sender,
                                              std::string_view packet) {
  crypto::MsgKey msg_key;
  crypto::Bytes plain;
  if (absl::Status s = DecryptPlaintext(key, sender, Version::k1, TrimTransportPadding(packet),
                                        &msg_key, &plain);
      !s.ok()) {
    return s;
  }
  size_t body_end = 0;
  absl::StatusOr<InnerMessage> inner = ParseInner(AsChars(plain), &body_end);
  if (!inner.ok()) return inner.status();
  // 1.0's msg_key covers the plaintext without padding (at most 15 bytes of it).
  const crypto::MsgKey expected = crypto::ComputeMsgKeyV1(crypto::ByteSpan(plain).first(body_end));
  if (plain.size() - body_end > 15 ||
      CRYPTO_memcmp(expected.data(), msg_key.data(), msg_key.size()) != 0) {
    return absl::InvalidArgumentError("msg_key mismatch");
  }
  return inner;
}

}  // namespace mtproto::session

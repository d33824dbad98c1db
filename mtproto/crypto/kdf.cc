#include "mtproto/crypto/kdf.h"

#include <algorithm>

#include "mtproto/crypto/hash.h"

namespace mtproto::crypto {
namespace {

size_t Offset(Direction direction) { return direction == Direction::kClientToServer ? 0 : 8; }

// Copies `count` bytes of `from` starting at `from_offset` to `to` at `to_offset`.
template <typename From, typename To>
void Put(const From& from, size_t from_offset, size_t count, To& to, size_t to_offset) {
  std::copy_n(from.begin() + from_offset, count, to.begin() + to_offset);
}

uint64_t LittleEndian64(const uint8_t* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

}  // namespace

MsgKey ComputeMsgKey(AuthKeySpan auth_key, Direction direction, ByteSpan plaintext_with_padding) {
  const Sha256Digest large =
      Sha256({auth_key.subspan(88 + Offset(direction), 32), plaintext_with_padding});
  MsgKey msg_key;
  Put(large, 8, 16, msg_key, 0);
  return msg_key;
}

AesKeyIv DeriveAesKeyIv(AuthKeySpan auth_key, MsgKeySpan msg_key, Direction direction) {
  const size_t x = Offset(direction);
  const Sha256Digest a = Sha256({msg_key, auth_key.subspan(x, 36)});
  const Sha256Digest b = Sha256({auth_key.subspan(40 + x, 36), msg_key});
  AesKeyIv out;
  Put(a, 0, 8, out.key, 0);
  Put(b, 8, 16, out.key, 8);
  Put(a, 24, 8, out.key, 24);
  Put(b, 0, 8, out.iv, 0);
  Put(a, 8, 16, out.iv, 8);
  Put(b, 24, 8, out.iv, 24);
  return out;
}

MsgKey ComputeMsgKeyV1(ByteSpan plaintext_without_padding) {
  const Sha1Digest digest = Sha1(plaintext_without_padding);
  MsgKey msg_key;
  Put(digest, 4, 16, msg_key, 0);
  return msg_key;
}

AesKeyIv DeriveAesKeyIvV1(AuthKeySpan auth_key, MsgKeySpan msg_key, Direction direction) {
  const size_t x = Offset(direction);
  const Sha1Digest a = Sha1({msg_key, auth_key.subspan(x, 32)});
  const Sha1Digest b = Sha1({auth_key.subspan(32 + x, 16), msg_key, auth_key.subspan(48 + x, 16)});
  const Sha1Digest c = Sha1({auth_key.subspan(64 + x, 32), msg_key});
  const Sha1Digest d = Sha1({msg_key, auth_key.subspan(96 + x, 32)});
  AesKeyIv out;
  Put(a, 0, 8, out.key, 0);
  Put(b, 8, 12, out.key, 8);
  Put(c, 4, 12, out.key, 20);
  Put(a, 8, 12, out.iv, 0);
  Put(b, 0, 8, out.iv, 12);
  Put(c, 16, 4, out.iv, 20);
  Put(d, 0, 8, out.iv, 24);
  return out;
}

uint64_t AuthKeyId(AuthKeySpan auth_key) {
  const Sha1Digest digest = Sha1(auth_key);
  return LittleEndian64(digest.data() + 12);
}

AesKeyIv DeriveTmpAesKeyIv(Int256Span new_nonce, Int128Span server_nonce) {
  const Sha1Digest new_server = Sha1({new_nonce, server_nonce});
  const Sha1Digest server_new = Sha1({server_nonce, new_nonce});
  const Sha1Digest new_new = Sha1({new_nonce, new_nonce});
  AesKeyIv out;
  Put(new_server, 0, 20, out.key, 0);
  Put(server_new, 0, 12, out.key, 20);
  Put(server_new, 12, 8, out.iv, 0);
  Put(new_new, 0, 20, out.iv, 8);
  Put(new_nonce, 0, 4, out.iv, 28);
  return out;
}

std::array<uint8_t, 16> NewNonceHash(Int256Span new_nonce, AuthKeySpan auth_key, uint8_t number) {
  const Sha1Digest key_hash = Sha1(auth_key);
  const uint8_t number_byte[1] = {number};
  const Sha1Digest digest = Sha1({new_nonce, ByteSpan(number_byte), ByteSpan(key_hash).first(8)});
  std::array<uint8_t, 16> out;
  Put(digest, 4, 16, out, 0);
  return out;
}

uint64_t InitialServerSalt(Int256Span new_nonce, Int128Span server_nonce) {
  return LittleEndian64(new_nonce.data()) ^ LittleEndian64(server_nonce.data());
}

}  // namespace mtproto::crypto

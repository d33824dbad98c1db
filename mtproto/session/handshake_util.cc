#include "mtproto/session/handshake_util.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/hash.h"
#include "mtproto/session/envelope.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::session::internal {

std::string_view AsChars(crypto::ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

absl::StatusOr<tl::ObjectPtr<tl::Object>> ReadPlainObject(std::string_view packet) {
  absl::StatusOr<PlainMessage> plain = UnpackPlain(packet);
  if (!plain.ok()) return plain.status();
  tl::Reader in(plain->body);
  tl::ObjectPtr<tl::Object> object =
      tl::FetchBoxedObject(in, tl::mt::kSchema, tl::Schema::kAnyType);
  if (in.ok() && in.remaining() != 0) in.Fail(tl::DecodeError::kTrailingBytes);
  if (!in.ok()) return tl::DecodeStatus(in);
  return object;
}

std::string EncryptWithHash(const crypto::AesKeyIv& tmp, const tl::Object& object,
                            crypto::RandomSource& random) {
  tl::Writer data;
  object.StoreBoxed(data);
  const crypto::Sha1Digest hash = crypto::Sha1(crypto::AsBytes(data.data()));
  tl::Writer out;
  out.Raw(hash.data(), hash.size());
  out.Raw(data.data());
  const crypto::Bytes padding = random.Generate((16 - out.size() % 16) % 16);
  out.Raw(padding.data(), padding.size());
  crypto::Bytes encrypted(out.size());
  (void)crypto::AesIgeEncrypt(tmp.key, tmp.iv, crypto::AsBytes(out.data()), encrypted);
  return std::string(AsChars(encrypted));
}

absl::StatusOr<tl::ObjectPtr<tl::Object>> DecryptWithHash(const crypto::AesKeyIv& tmp,
                                                          std::string_view encrypted) {
  if (encrypted.size() < 32 || encrypted.size() % 16 != 0) {
    return absl::InvalidArgumentError("bad encrypted DH data size");
  }
  crypto::Bytes plain(encrypted.size());
  if (!crypto::AesIgeDecrypt(tmp.key, tmp.iv, crypto::AsBytes(encrypted), plain).ok()) {
    return absl::InvalidArgumentError("DH data decryption failed");
  }
  const std::string_view text = AsChars(plain);
  tl::Reader in(text.substr(20));
  tl::ObjectPtr<tl::Object> object =
      tl::FetchBoxedObject(in, tl::mt::kSchema, tl::Schema::kAnyType);
  if (!in.ok()) return tl::DecodeStatus(in);
  if (in.remaining() >= 16) return absl::InvalidArgumentError("DH data padding too long");
  const crypto::Sha1Digest hash = crypto::Sha1(crypto::ByteSpan(plain).subspan(20, in.offset()));
  if (CRYPTO_memcmp(hash.data(), plain.data(), hash.size()) != 0) {
    return absl::InvalidArgumentError("DH data SHA-1 mismatch");
  }
  return object;
}

crypto::Bytes PadTo256(crypto::Bytes value) {
  if (value.size() < 256) value.insert(value.begin(), 256 - value.size(), 0);
  return value;
}

}  // namespace mtproto::session::internal

// Pieces both ends of the auth-key handshake share (internal to mtproto/session).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/kdf.h"
#include "mtproto/crypto/random.h"
#include "mtproto/tl/mt.h"

namespace mtproto::session::internal {

// Decodes an unencrypted packet's body as one boxed object of the MTProto schema.
[[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::Object>> ReadPlainObject(std::string_view packet);

// SHA1(data) + data + random padding to a multiple of 16, AES-IGE encrypted with the tmp key:
// the form of server_DH_inner_data and client_DH_inner_data on the wire.
[[nodiscard]] std::string EncryptWithHash(const crypto::AesKeyIv& tmp, const tl::Object& object,
                                          crypto::RandomSource& random);
// The reverse, checking the SHA-1 over exactly the object's bytes.
[[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::Object>> DecryptWithHash(const crypto::AesKeyIv& tmp,
                                                                        std::string_view encrypted);

// A DH value as a 256-byte big-endian number (ModExp drops leading zero bytes).
[[nodiscard]] crypto::Bytes PadTo256(crypto::Bytes value);

std::string_view AsChars(crypto::ByteSpan bytes);

}  // namespace mtproto::session::internal

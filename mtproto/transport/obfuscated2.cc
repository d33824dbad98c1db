#include "mtproto/transport/obfuscated2.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/transport/frame_format.h"

namespace mtproto::transport {
namespace {

using crypto::AsBytes;
using crypto::ByteSpan;

// Header layout: bytes 8..39 key, 40..55 iv for client->server; the same 48 bytes reversed give
// key and iv for server->client. 56..59 tag, 60..61 dc id, 62..63 random.
constexpr size_t kKeyOffset = 8;
constexpr size_t kKeyIvSize = 48;
constexpr size_t kTagOffset = 56;
constexpr size_t kDcOffset = 60;

uint32_t TagOf(Framing framing) {
  switch (framing) {
    case Framing::kAbridged:
      return 0xefefefefu;
    case Framing::kIntermediate:
      return 0xeeeeeeeeu;
    case Framing::kPaddedIntermediate:
      return 0xddddddddu;
    case Framing::kFull:
      break;
  }
  return 0;
}

// Ciphers as seen by the client: it encrypts with the forward key material.
absl::StatusOr<Obfuscated2Ciphers> ClientCiphers(std::string_view header, bool for_server) {
  const ByteSpan forward = AsBytes(header.substr(kKeyOffset, kKeyIvSize));
  crypto::Bytes backward(forward.rbegin(), forward.rend());
  auto fwd = crypto::AesCtr256::Create(forward.first(32), forward.subspan(32, 16));
  if (!fwd.ok()) return fwd.status();
  auto bwd =
      crypto::AesCtr256::Create(ByteSpan(backward).first(32), ByteSpan(backward).subspan(32, 16));
  if (!bwd.ok()) return bwd.status();
  if (for_server) return Obfuscated2Ciphers{std::move(*bwd), std::move(*fwd)};
  return Obfuscated2Ciphers{std::move(*fwd), std::move(*bwd)};
}

}  // namespace

bool IsForbiddenObfuscated2Start(std::string_view header) {
  if (header.size() < 8) return true;
  if (static_cast<uint8_t>(header[0]) == 0xef) return true;
  const uint32_t first = internal::LoadLe32(header.data());
  static constexpr uint32_t kForbidden[] = {
      0x44414548u,  // "HEAD"
      0x54534f50u,  // "POST"
      0x20544547u,  // "GET "
      0x4954504fu,  // "OPTI"
      0xeeeeeeeeu,  // intermediate
      0xddddddddu,  // padded intermediate
      0x02010316u,  // TLS handshake record (fake-TLS proxies)
  };
  if (std::find(std::begin(kForbidden), std::end(kForbidden), first) != std::end(kForbidden)) {
    return true;
  }
  return internal::LoadLe32(header.data() + 4) == 0;  // Would read as full's seq no 0.
}

absl::StatusOr<Obfuscated2Client> MakeObfuscated2Client(Framing framing, int16_t dc_id,
                                                        crypto::RandomSource& random) {
  const uint32_t tag = TagOf(framing);
  if (tag == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("obfuscated2 cannot carry the ", FramingName(framing), " framing"));
  }
  std::string header(kObfuscated2HeaderSize, '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(header.data());
  do {
    random.Fill({bytes, header.size()});
  } while (IsForbiddenObfuscated2Start(header));
  auto ciphers = ClientCiphers(header, /*for_server=*/false);
  if (!ciphers.ok()) return ciphers.status();

  std::string plain = header;
  std::memcpy(plain.data() + kTagOffset, &tag, 4);  // All four bytes equal: order is moot.
  if (dc_id != 0) {
    plain[kDcOffset] = static_cast<char>(dc_id);
    plain[kDcOffset + 1] = static_cast<char>(static_cast<uint16_t>(dc_id) >> 8);
  }
  // The whole header goes through the keystream (so it advances by 64 bytes), but only its
  // tail is sent encrypted: the head has to stay readable for the server to derive the keys.
  auto* p = reinterpret_cast<uint8_t*>(plain.data());
  ciphers->encrypt.Apply({p, plain.size()});
  std::memcpy(header.data() + kTagOffset, plain.data() + kTagOffset,
              kObfuscated2HeaderSize - kTagOffset);
  return Obfuscated2Client{std::move(header), std::move(*ciphers)};
}

absl::StatusOr<Obfuscated2Server> AcceptObfuscated2Client(std::string_view header) {
  if (header.size() != kObfuscated2HeaderSize) {
    return absl::InvalidArgumentError("obfuscated2 header must be 64 bytes");
  }
  auto ciphers = ClientCiphers(header, /*for_server=*/true);
  if (!ciphers.ok()) return ciphers.status();
  std::string plain(header);
  ciphers->decrypt.Apply({reinterpret_cast<uint8_t*>(plain.data()), plain.size()});
  const uint32_t tag = internal::LoadLe32(plain.data() + kTagOffset);
  Framing framing;
  if (tag == TagOf(Framing::kAbridged)) {
    framing = Framing::kAbridged;
  } else if (tag == TagOf(Framing::kIntermediate)) {
    framing = Framing::kIntermediate;
  } else if (tag == TagOf(Framing::kPaddedIntermediate)) {
    framing = Framing::kPaddedIntermediate;
  } else {
    return absl::DataLossError(
        absl::StrCat("mtproto transport: unknown obfuscated2 protocol tag 0x", absl::Hex(tag)));
  }
  const auto dc = static_cast<int16_t>(static_cast<uint8_t>(plain[kDcOffset]) |
                                       (static_cast<uint8_t>(plain[kDcOffset + 1]) << 8));
  return Obfuscated2Server{framing, dc, std::move(*ciphers)};
}

}  // namespace mtproto::transport

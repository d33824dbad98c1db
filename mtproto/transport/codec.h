// Sans-IO MTProto transport codec: turns MTProto packets into the bytes of one TCP connection
// and back, for either end. A client picks the framing (and obfuscation) and sends a preamble; a
// server detects both from the first bytes it receives. Decoding is streaming: Feed takes reads of
// any size and yields whole frames; a malformed stream is an error, never a crash, and no declared
// length above Options::max_packet_size is waited for.
// Spec: https://core.telegram.org/mtproto/mtproto-transports
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/random.h"
#include "mtproto/transport/framing.h"

namespace mtproto::transport {

// One end of one connection's transport. Not thread-safe; movable, not copyable. The
// RandomSource passed in must outlive the codec (it draws padding and the obfuscation header).
class Codec {
 public:
  struct Options {
    // Largest payload accepted (and produced; encoding is also capped at abridged's 64 MiB);
    // larger declared lengths fail the stream.
    size_t max_packet_size = kDefaultMaxPacketSize;
    // Client, obfuscated: written to header bytes 60..61 when nonzero (MTProxy routing);
    // left random when 0, as direct connections may.
    int16_t dc_id = 0;
  };

  // A client codec. Fails for kFull with obfuscation (obfuscated2 has no tag for full).
  [[nodiscard]] static absl::StatusOr<Codec> ForClient(Framing framing, bool obfuscated,
                                                       crypto::RandomSource& random,
                                                       const Options& options);
  [[nodiscard]] static absl::StatusOr<Codec> ForClient(Framing framing, bool obfuscated,
                                                       crypto::RandomSource& random) {
    return ForClient(framing, obfuscated, random, Options());
  }
  // A server codec; framing and obfuscation become known once the client's first bytes are fed.
  static Codec ForServer(crypto::RandomSource& random, const Options& options);
  static Codec ForServer(crypto::RandomSource& random) { return ForServer(random, Options()); }

  Codec(Codec&&) = default;
  Codec& operator=(Codec&&) = default;

  // Client: the bytes to send before the first packet (0xef, 0xeeeeeeee, 0xdddddddd, nothing
  // for full, or the 64-byte obfuscated2 header). Returns them once, then "". If they were never
  // taken, the first Encode output starts with them. Server: always "".
  std::string TakePreamble();

  // Frames (and, if obfuscated, encrypts) one packet. request_quick_ack: client only, not full.
  // Padded intermediate: a client adds 0-15 random bytes (the spec's range); a server adds only
  // 0-3, because Telethon strips just the bytes past the last whole word (longer padding breaks
  // its decryption).
  // Fails on an empty payload, one above max_packet_size, a payload that is not whole words for
  // abridged, or a server whose framing is not yet known.
  [[nodiscard]] absl::StatusOr<std::string> Encode(std::string_view payload,
                                                   bool request_quick_ack = false);
  // Server: a quick-ack reply; the top bit of `token` is set on the wire. Not for full.
  [[nodiscard]] absl::StatusOr<std::string> EncodeQuickAck(uint32_t token);
  // Server: a transport error packet; `code` must be negative (e.g. kErrorAuthKeyNotFound).
  [[nodiscard]] absl::StatusOr<std::string> EncodeError(int32_t code);

  // Consumes received bytes and appends every frame they complete to `frames`. OK with nothing
  // appended means more bytes are needed. A malformed stream returns an error (frames before the
  // fault are still appended) and the codec stays failed: every later Feed returns that error.
  [[nodiscard]] absl::Status Feed(std::string_view bytes, std::vector<Frame>* frames);

  bool is_client() const { return client_; }
  // Server: whether the framing has been detected yet; framing() and obfuscated() are
  // meaningful only once it has.
  bool framing_known() const { return framing_.has_value(); }
  Framing framing() const { return framing_.value_or(Framing::kAbridged); }
  bool obfuscated() const { return encrypt_.has_value(); }
  bool supports_quick_ack() const { return framing_known() && framing() != Framing::kFull; }
  // Bytes received but not yet forming a whole frame.
  size_t buffered_bytes() const { return in_.size() - in_pos_; }

 private:
  Codec(bool client, crypto::RandomSource& random, const Options& options)
      : client_(client), random_(&random), options_(options) {}

  // Server: tries to recognise the framing from the buffered bytes. Sets framing_ (and ciphers)
  // when it can; OK without framing_ means more bytes are needed.
  absl::Status Detect();
  absl::StatusOr<std::string> Seal(std::string out);
  // Padded intermediate: n random bytes, n drawn uniformly below `modulus` (a power of two).
  std::string Padding(int modulus);
  absl::Status Fail(absl::Status status);

  bool client_;
  crypto::RandomSource* random_;
  Options options_;
  std::optional<Framing> framing_;
  std::optional<crypto::AesCtr256> encrypt_;
  std::optional<crypto::AesCtr256> decrypt_;
  std::string preamble_;
  // Received bytes, decrypted once the ciphers are known; in_pos_ is where parsing resumes.
  std::string in_;
  size_t in_pos_ = 0;
  uint32_t send_seq_ = 0;  // Full transport only.
  uint32_t recv_seq_ = 0;
  absl::Status failed_;
};

}  // namespace mtproto::transport

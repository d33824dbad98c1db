// Creating an authorization key: both ends of the Diffie-Hellman exchange, sans-IO.
// Spec: https://core.telegram.org/mtproto/auth_key
//
// Each side consumes unencrypted packets and produces the next one; time and randomness come
// from the caller. The client speaks req_pq_multi, p_q_inner_data_dc (or _temp_dc) and RSA_PAD;
// the server also accepts the legacy p_q_inner_data(_temp) and RSA scheme older clients use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/session/auth_key.h"
#include "mtproto/session/message_id.h"
#include "mtproto/session/time.h"
#include "mtproto/tl/object.h"

namespace mtproto::session {

// What a finished handshake yields.
struct HandshakeResult {
  AuthKey key;
  uint64_t server_salt = 0;
  int32_t dc_id = 0;
  int32_t expires_in = 0;   // > 0 for a temporary key (PFS)
  UnixTime time_offset{0};  // server clock − local clock, as learned by the client
};

// The client side. Start() gives the first packet; each server packet gives the next one,
// until done().
class ClientHandshake {
 public:
  struct Options {
    std::vector<crypto::RsaPublicKey> server_keys;
    int32_t dc_id = 2;
    int32_t expires_in = 0;  // > 0: create a temporary key for that many seconds
  };
  ClientHandshake(Options options, crypto::RandomSource& random);

  [[nodiscard]] std::string Start(UnixTime now);
  // The next packet to send, or an error that ends the handshake.
  [[nodiscard]] absl::StatusOr<std::string> OnPacket(std::string_view packet, UnixTime now);

  bool done() const { return result_.has_value(); }
  const HandshakeResult& result() const { return *result_; }

 private:
  absl::StatusOr<std::string> OnResPq(const tl::Object& answer, UnixTime now);
  absl::StatusOr<std::string> OnServerDhParams(const tl::Object& answer, UnixTime now);
  absl::StatusOr<std::string> OnDhGen(const tl::Object& answer, UnixTime now);
  std::string SetClientDhParams(UnixTime now);
  std::string Plain(const tl::Object& request, UnixTime now);

  Options options_;
  crypto::RandomSource& random_;
  MessageIdGenerator ids_{Role::kClient};
  enum class State {
    kIdle,
    kAwaitingResPq,
    kAwaitingDhParams,
    kAwaitingDhGen,
    kDone
  } state_ = State::kIdle;
  tl::Int128 nonce_{};
  tl::Int128 server_nonce_{};
  tl::Int256 new_nonce_{};
  crypto::Bytes dh_prime_, g_a_;
  int32_t g_ = 0;
  int64_t retry_id_ = 0;
  crypto::Bytes auth_key_;  // of the attempt awaiting dh_gen_*
  std::optional<HandshakeResult> result_;
};

// The server side: answers req_pq_multi, req_DH_params and set_client_DH_params.
class ServerHandshake {
 public:
  ServerHandshake(const crypto::RsaPrivateKey& key, crypto::RandomSource& random);

  // The answer to send, or an error after which the connection should be closed.
  [[nodiscard]] absl::StatusOr<std::string> OnPacket(std::string_view packet, UnixTime now);

  bool done() const { return result_.has_value(); }
  const HandshakeResult& result() const { return *result_; }

 private:
  absl::StatusOr<std::string> OnReqPq(const tl::Object& request, UnixTime now);
  absl::StatusOr<std::string> OnReqDhParams(const tl::Object& request, UnixTime now);
  absl::StatusOr<std::string> OnSetClientDhParams(const tl::Object& request, UnixTime now);
  std::string Plain(const tl::Object& answer, UnixTime now);

  const crypto::RsaPrivateKey& key_;
  crypto::RandomSource& random_;
  MessageIdGenerator ids_{Role::kServer};
  enum class State {
    kAwaitingReqPq,
    kAwaitingReqDh,
    kAwaitingSetDh,
    kDone
  } state_ = State::kAwaitingReqPq;
  tl::Int128 nonce_{};
  tl::Int128 server_nonce_{};
  tl::Int256 new_nonce_{};
  uint64_t p_ = 0, q_ = 0;
  crypto::Bytes a_;  // the server's DH secret
  int32_t dc_id_ = 0;
  int32_t expires_in_ = 0;
  std::optional<HandshakeResult> result_;
};

}  // namespace mtproto::session

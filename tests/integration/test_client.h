// A blocking MTProto client for integration tests: our own transport, handshake and session
// over a plain TCP socket. (The engine's real client, with pipelining and reconnects, lives in
// mtproto/net; this one exists to prove the emulator against our protocol core.)
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/session/handshake.h"
#include "mtproto/session/session.h"
#include "mtproto/tl/api.h"
#include "mtproto/transport/codec.h"

namespace mtproto::testing {

class TestClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    int dc_id = 2;
    crypto::RsaPublicKey server_key;
    transport::Framing framing = transport::Framing::kIntermediate;
    bool obfuscated = false;
  };

  explicit TestClient(Options options);
  ~TestClient();

  // Opens the TCP connection (again, after Disconnect), keeping the auth key and session.
  [[nodiscard]] absl::Status Connect();
  void Disconnect();
  // Creates an auth key with the server (Connect first).
  [[nodiscard]] absl::Status Handshake();

  // Sends one call and waits for its answer: the raw result (possibly an rpc_error). The first
  // call of a connection is wrapped in invokeWithLayer(223, initConnection(...)).
  [[nodiscard]] absl::StatusOr<std::string> CallRaw(const tl::Object& call);
  // CallRaw in two halves, for tests that reconnect while a call is out: Send returns the
  // call's msg_id, Await waits for its answer (on whatever connection is open by then).
  [[nodiscard]] absl::StatusOr<uint64_t> Send(const tl::Object& call);
  [[nodiscard]] absl::StatusOr<std::string> Await(uint64_t msg_id);
  // The same, decoded with the function's Result codec; an rpc_error becomes an error status
  // whose message is "<code> <NAME>".
  template <typename F>
  [[nodiscard]] absl::StatusOr<typename F::Result::Value> Call(const F& call);

  // The transport error code the server sent instead of a packet, if any.
  std::optional<int32_t> transport_error() const { return transport_error_; }
  const session::AuthKey& auth_key() const { return *key_; }

 private:
  [[nodiscard]] absl::Status SendPacket(std::string_view packet);
  [[nodiscard]] absl::StatusOr<std::string> ReceivePacket();
  static absl::Status ErrorOf(std::string_view result);

  Options options_;
  crypto::SecureRandom random_;
  std::optional<transport::Codec> codec_;
  std::deque<transport::Frame> frames_;  // received but not yet read
  int fd_ = -1;
  std::optional<session::AuthKey> key_;
  std::unique_ptr<session::Session> session_;
  bool layer_sent_ = false;
  std::optional<int32_t> transport_error_;
};

template <typename F>
absl::StatusOr<typename F::Result::Value> TestClient::Call(const F& call) {
  absl::StatusOr<std::string> raw = CallRaw(call);
  if (!raw.ok()) return raw.status();
  if (absl::Status error = ErrorOf(*raw); !error.ok()) return error;
  tl::Reader in(*raw);
  typename F::Result::Value value = F::Result::Fetch(in);
  if (!in.ok()) return absl::DataLossError("undecodable result: " + in.ErrorText());
  return value;
}

}  // namespace mtproto::testing

// The vocabulary of the emulator's RPC layer: what a handler returns (an answer object or an
// rpc_error), the per-connection context (layer, initConnection) and the services handlers use.
// Spec: https://core.telegram.org/mtproto/service_messages (rpc_result, rpc_error),
// https://core.telegram.org/api/invoking (invokeWithLayer, initConnection)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "mtproto/tl/object.h"

namespace mtproto::crypto {
class RandomSource;
}

namespace mtproto::emulator {

class World;
class Store;
class RpcFaults;
class PasswordService;
class UpdateHub;
class ChatState;

// An rpc_error: a Telegram error code (303, 400, 401, 406, 420, 500...) and name.
struct RpcError {
  int code = 0;
  std::string message;
};

// A successful answer: a boxed object, a Vector of boxed objects (users.getUsers), or a Bool.
// The server serializes it into the rpc_result in the layer of the connection.
class RpcAnswer {
 public:
  static RpcAnswer Of(tl::ObjectPtr<tl::Object> object);
  static RpcAnswer VectorOf(std::vector<tl::ObjectPtr<tl::Object>> objects);
  static RpcAnswer Bool(bool value);
  // `object` boxed inside a one-field constructor the pinned schema lacks (e.g. layer 227's
  // messages.chatInviteJoinResultOk updates:Updates): written as its id, then the object.
  static RpcAnswer Wrapped(uint32_t wrapper_id, tl::ObjectPtr<tl::Object> object);

  // Writes the boxed answer (in `out`'s layer adapter, if any).
  void Store(tl::Writer& out) const;

  // Typed access for tests: the object as T, or null when it is another constructor.
  template <typename T>
  const T* As() const {
    const tl::Object* o = object();
    return o && o->ConstructorId() == T::kId ? static_cast<const T*>(o) : nullptr;
  }
  const tl::Object* object() const;
  const std::vector<tl::ObjectPtr<tl::Object>>* vector() const;
  std::optional<bool> boolean() const;
  // The id written before the object (Wrapped), or 0.
  uint32_t wrapper_id() const { return wrapper_id_; }

 private:
  std::variant<tl::ObjectPtr<tl::Object>, std::vector<tl::ObjectPtr<tl::Object>>, bool> value_;
  uint32_t wrapper_id_ = 0;
};

using Outcome = std::variant<RpcAnswer, RpcError>;

inline Outcome Error(int code, std::string message) { return RpcError{code, std::move(message)}; }

// The parameters of initConnection, recorded per connection.
struct InitConnectionParams {
  int32_t api_id = 0;
  std::string device_model;
  std::string system_version;
  std::string app_version;
  std::string system_lang_code;
  std::string lang_pack;
  std::string lang_code;
};

// What the dispatcher knows about the connection a request came on; it updates `layer` and
// `init` as invokeWithLayer / initConnection arrive.
struct ConnectionContext {
  int dc_id = 1;
  int64_t auth_key_id = 0;
  int layer = 0;  // 0 until the client declares one
  std::optional<InitConnectionParams> init;
};

// One DC this emulator serves.
struct DcEndpoint {
  int id = 0;
  std::string host = "127.0.0.1";
  int port = 0;
};

// Wall-clock time, injected so tests can run on a fixed clock.
using Clock = std::function<absl::Time()>;

// The services shared by all handlers; owned by the Emulator (or a test fixture).
struct EmulatorEnv {
  World* world = nullptr;
  Store* store = nullptr;
  RpcFaults* faults = nullptr;
  PasswordService* passwords = nullptr;
  // Sequencing and delivery of updates (update_hub.h).
  UpdateHub* updates = nullptr;
  // Chats, channels, memberships and invite links (chat_state.h).
  ChatState* chats = nullptr;
  crypto::RandomSource* random = nullptr;
  Clock clock = [] { return absl::Now(); };
  std::vector<DcEndpoint> dcs;
  // How long a login code stays valid.
  absl::Duration login_code_lifetime = absl::Minutes(5);

  int64_t NowSeconds() const { return absl::ToUnixSeconds(clock()); }
};

}  // namespace mtproto::emulator

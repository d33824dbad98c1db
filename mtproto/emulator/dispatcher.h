// The emulator's RPC dispatcher: takes one decoded API request as it arrived in an MTProto
// content message, unwraps invokeWithLayer / initConnection / invokeWithoutUpdates /
// invokeAfterMsg(s) (recording the layer and the initConnection parameters in the connection
// context), applies the RPC-level faults, checks that the auth key is signed in where the method
// needs it, and runs the method's handler from the table.
//
// Methods the emulator does not know answer 400 INPUT_METHOD_INVALID (Telegram's name for a
// constructor it cannot call); layer-223 methods it knows but does not implement answer
// 400 METHOD_NOT_IMPLEMENTED: a 400 makes clients fail fast instead of retrying as they do on
// 5xx, and the name says plainly that the emulator, not the request, is lacking.
// Spec: https://core.telegram.org/api/invoking, https://core.telegram.org/api/errors
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/rpc.h"
#include "mtproto/tl/object.h"

namespace mtproto::emulator {

// The outcome of one request, with the fault-injected delay the server must hold it for.
struct DispatchResult {
  std::string method;  // the innermost query's TL name ("help.getConfig"), for logs and faults
  Outcome outcome;
  std::chrono::milliseconds delay{0};
};

// See the file comment. Not thread-safe: one per emulator, used from its I/O thread.
class Dispatcher {
 public:
  explicit Dispatcher(EmulatorEnv& env);

  DispatchResult Dispatch(const tl::Function& request, ConnectionContext& conn);
  // Decodes a content message's body as an API function first; undecodable input answers
  // 400 INPUT_METHOD_INVALID (unknown constructor) or 400 INPUT_FETCH_FAIL.
  DispatchResult DispatchBytes(std::string_view body, ConnectionContext& conn);

  // The TL name of a constructor id, or "0x<hex>" when the schema has none.
  static std::string MethodName(uint32_t constructor_id);

 private:
  EmulatorEnv& env_;
  HandlerTable table_;
};

}  // namespace mtproto::emulator

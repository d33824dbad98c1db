// The one place the client side reads the wall clock. The sans-IO core takes time as an argument;
// mtproto/net passes it the value of a Clock, which tests may replace.
#pragma once

#include <chrono>

#include "mtproto/session/time.h"

namespace mtproto::net {

// Where "now" comes from for msg ids, the session's receive window and the handshake.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual session::UnixTime Now() = 0;
};

// The system clock (the default).
class SystemClock final : public Clock {
 public:
  session::UnixTime Now() override {
    return std::chrono::duration_cast<session::UnixTime>(
        std::chrono::system_clock::now().time_since_epoch());
  }
  // A process-wide instance, for options that default to it.
  static SystemClock& Instance() {
    static SystemClock clock;
    return clock;
  }
};

}  // namespace mtproto::net

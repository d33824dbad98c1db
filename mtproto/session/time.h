// Time as the sans-IO MTProto core sees it: a value passed in by the caller, never read from a
// clock here, so that tests can replay exact transcripts.
#pragma once

#include <chrono>
#include <cstdint>

namespace mtproto::session {

// Time since the Unix epoch.
using UnixTime = std::chrono::nanoseconds;

inline int32_t UnixSeconds(UnixTime t) {
  return static_cast<int32_t>(std::chrono::duration_cast<std::chrono::seconds>(t).count());
}

}  // namespace mtproto::session

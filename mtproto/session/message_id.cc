#include "mtproto/session/message_id.h"

namespace mtproto::session {

uint64_t MessageIdGenerator::Next(UnixTime now, MessageKind kind) {
  const int64_t ns = (now + offset_).count();
  const uint64_t seconds = static_cast<uint64_t>(ns / 1'000'000'000);
  const uint64_t fraction = static_cast<uint64_t>(ns % 1'000'000'000);
  uint64_t id = seconds << 32 | ((fraction << 32) / 1'000'000'000);
  const uint64_t low = role_ == Role::kClient ? 0 : kind == MessageKind::kResponse ? 1 : 3;
  id = (id & ~uint64_t{3}) | low;
  if (id <= last_) id = ((last_ + 4) & ~uint64_t{3}) | low;
  last_ = id;
  return id;
}

void MessageIdGenerator::SyncWithServerTime(UnixTime now, int64_t server_unix_seconds) {
  offset_ = std::chrono::seconds(server_unix_seconds) - now;
  // Ids issued with a clock that ran ahead were refused (bad_msg_notification 17); the corrected
  // ones must be allowed to be smaller.
  last_ = 0;
}

}  // namespace mtproto::session

// Message identifiers: time-based, strictly increasing, with the low bits saying who sent them.
// Spec: https://core.telegram.org/mtproto/description#message-identifier-msg-id
#pragma once

#include <cstdint>

#include "mtproto/session/auth_key.h"
#include "mtproto/session/time.h"

namespace mtproto::session {

// What a server's message is, which its msg_id's low bits encode (clients always use 0 mod 4).
enum class MessageKind {
  kResponse,      // answers a client's message: msg_id ≡ 1 (mod 4)
  kNotification,  // sent unprompted (updates): msg_id ≡ 3 (mod 4)
};

// Issues msg_ids for one side of a session: approximately unixtime·2³², synchronized to the
// server's clock (the client learns the offset from the handshake and bad_msg_notification),
// strictly increasing even when the clock steps back.
class MessageIdGenerator {
 public:
  explicit MessageIdGenerator(Role role) : role_(role) {}

  uint64_t Next(UnixTime now, MessageKind kind = MessageKind::kResponse);

  // Adopts the server's clock, read from a msg_id the server sent (its upper 32 bits are the
  // server's unixtime) or from server_DH_inner_data.server_time.
  void SyncWithServerTime(UnixTime now, int64_t server_unix_seconds);
  void set_offset(UnixTime offset) { offset_ = offset; }
  UnixTime offset() const { return offset_; }
  UnixTime ServerTime(UnixTime now) const { return now + offset_; }

  // The unixtime a msg_id carries.
  static int64_t SecondsOf(uint64_t msg_id) { return static_cast<int64_t>(msg_id >> 32); }

 private:
  Role role_;
  UnixTime offset_{0};
  uint64_t last_ = 0;
};

}  // namespace mtproto::session

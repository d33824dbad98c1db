// service/ledger — the join-request events the service records, streams and counts.
// What the events mirror: https://core.telegram.org/api/invites#join-requests
// (updateBotChatInviteRequester, updatePendingJoinRequests, messages.hideChatJoinRequest,
// chatInviteImporter). An Event is the unit the engine hands to the ledger, the ledger stores
// with a sequence, and the stream hub delivers to subscribers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace invitegate::ledger {

// What happened. Stored as its number: append, never renumber (values fit a 32-bit mask).
enum class EventType : int {
  kRequestCreated = 1,       // a user asked to join through a request-needed link
  kRequestApproved = 2,      // an admin (actor_id) approved; the user becomes a member
  kRequestDeclined = 3,      // an admin (actor_id) declined, or the request was dismissed
  kPendingCountChanged = 4,  // Telegram's own pending counter for the chat (pending_count)
  kMemberJoined = 5,         // a user became a member (directly, or after an approval)
};
inline constexpr int kMaxEventType = 5;

// "request_created", ... (the names the API and logs use).
std::string_view EventTypeName(EventType type);
// The inverse of EventTypeName; INVALID_ARGUMENT for anything else.
[[nodiscard]] absl::StatusOr<EventType> ParseEventType(std::string_view name);

// One event. The producer fills everything but `sequence` and `recorded_at`, which the ledger
// assigns on append. Fields that do not apply to a type stay at their zero value.
struct Event {
  uint64_t sequence = 0;      // the ledger's order, strictly increasing, never reused
  int64_t recorded_at_ms = 0; // the ledger's clock at append (unix ms); retention ages by it

  std::string account;        // the service's account name that saw the event
  int64_t chat_id = 0;        // the chat (Bot API style id or bare channel id: the producer's)
  std::string link;           // the invite link used; "" when not through a link
  EventType type = EventType::kRequestCreated;
  int64_t user_id = 0;        // the requesting / joining user
  std::string user_name;      // first + last name as Telegram shows it
  std::string username;       // without '@'; "" if none
  int64_t date = 0;           // Telegram's date of the event (unix seconds)
  std::string about;          // the request's "about" text (request_created)
  int64_t actor_id = 0;       // who approved / declined; 0 if unknown
  int32_t pending_count = 0;  // pending_count_changed: Telegram's count for the chat
  // Supplied by the producer and unique per event (e.g. "acct:chat:user:date:type"): appending
  // an event whose key is already stored is a no-op that returns the stored sequence, so the
  // engine may re-deliver after a crash. "" disables deduplication for that event. Keys are
  // remembered as long as their event is retained (see RetentionPolicy).
  std::string idempotency_key;

  bool operator==(const Event&) const = default;
};

// Which events a reader or subscriber wants. Every set field must match; unset = any.
struct EventFilter {
  std::string account;                // "" = every account
  std::optional<int64_t> chat_id;
  std::optional<std::string> link;    // "" selects events not through a link
  uint32_t type_mask = 0;             // bit (1 << type); 0 = every type

  static uint32_t MaskOf(std::initializer_list<EventType> types);
  bool Matches(const Event& event) const;
  // "account=a chat=5 types=request_created,member_joined" (for logs and error messages).
  std::string DebugString() const;
};

// "#12 request_created acct/chat 5 user 7 link=..." — for logs and test failures.
std::string EventDebugString(const Event& event);

}  // namespace invitegate::ledger

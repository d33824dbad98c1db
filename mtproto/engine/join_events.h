// The typed stream of join-request events, for bot and user-admin accounts alike, derived from
// applied updates: a request was created, a request was resolved, a chat's pending count changed.
// Spec: https://core.telegram.org/api/invites#join-requests,
//       https://core.telegram.org/constructor/updateBotChatInviteRequester,
//       https://core.telegram.org/constructor/updatePendingJoinRequests,
//       https://core.telegram.org/method/messages.getChatInviteImporters
//
// Bots are told each request (updateBotChatInviteRequester) and each approval
// (updateChannelParticipant / updateChatParticipant with the invite and the approving admin).
// User admins are only told that a chat's pending count changed (updatePendingJoinRequests), so
// for them the chat's pending importers are fetched (all pages) and diffed against the set known
// before: new requesters become RequestCreated, vanished ones RequestResolved. The known sets are
// part of the persisted state, and after a restart or a too-long difference every known chat is
// re-read, so what happened meanwhile is still reported.
//
// Sans-IO: the owner feeds applied updates and the fetched importers, performs the fetches
// NextFetch names, and persists state() once the consumer accepted the events taken before it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mtproto/engine/update_state.h"

namespace mtproto::engine {

// One join-request event.
struct JoinEvent {
  enum class Kind { kRequestCreated, kRequestResolved, kPendingCountChanged };
  enum class Outcome { kUnknown, kApproved, kDeclined };

  Kind kind = Kind::kRequestCreated;
  // Bot API form: -100<id> for channels and supergroups, -<id> for basic groups.
  int64_t chat_id = 0;
  int64_t user_id = 0;          // the requester (0 for kPendingCountChanged)
  int32_t date = 0;             // when it happened, as Telegram dated it (0 if unknown)
  int32_t request_date = 0;     // the request's own date, when known
  std::string about;            // the requester's note (kRequestCreated)
  std::string link;             // the invite link used, when Telegram says
  Outcome outcome = Outcome::kUnknown;  // kRequestResolved: approved or declined, if known
  int64_t by_user_id = 0;       // kRequestResolved: the admin who approved it (0 if unknown)
  int32_t pending_count = 0;    // kPendingCountChanged
  std::vector<int64_t> recent_requesters;  // kPendingCountChanged
  // Equal for two deliveries of the same event (e.g. after a restart re-read it): downstream
  // dedupes on it.
  std::string key;
};

const char* JoinEventKindName(JoinEvent::Kind kind);

// A chat's Bot API id from its TL identity.
int64_t ChannelChatId(int64_t channel_id);
int64_t BasicChatId(int64_t chat_id);

// One pending importer as messages.getChatInviteImporters(requested=true) lists it.
struct PendingRequester {
  int64_t user_id = 0;
  int32_t date = 0;
  std::string about;
  bool operator==(const PendingRequester&) const = default;
};

// What JoinEvents persists.
struct JoinEventsState {
  struct Chat {
    bool is_channel = true;
    int64_t access_hash = 0;  // channels: for the InputPeer of the fetch
    std::map<int64_t, PendingRequester> pending;  // by user id: the last known pending set
    bool dirty = false;                           // its pending set must be fetched
    bool operator==(const Chat&) const = default;
  };
  std::map<int64_t, Chat> chats;  // by Bot API chat id

  bool operator==(const JoinEventsState&) const = default;
  std::string Serialize() const;
  [[nodiscard]] static absl::StatusOr<JoinEventsState> Parse(std::string_view bytes);
};

// A chat whose pending importers the owner must fetch (all pages) for a user admin.
struct PendingFetch {
  int64_t chat_id = 0;      // Bot API form, to pass back to OnPendingRequesters
  bool is_channel = true;
  int64_t peer_id = 0;      // the channel's or basic group's own id
  int64_t access_hash = 0;  // channels
};

// See the file comment. Not thread-safe: one owner drives it.
class JoinEvents {
 public:
  // `is_bot`: bots cannot list importers, so their pending counts are reported, never fetched.
  JoinEvents(bool is_bot, JoinEventsState state = {});

  void OnUpdate(const AppliedUpdate& applied);
  // A box went too long, or the engine restarted: every known chat is re-read.
  void RefetchAll();
  // The next chat to fetch; nullopt when none (or one is in flight).
  std::optional<PendingFetch> NextFetch();
  // The complete pending set of the fetched chat.
  void OnPendingRequesters(int64_t chat_id, const std::vector<PendingRequester>& pending);
  // The fetch failed: the chat stays dirty and is asked for again.
  void OnFetchFailed(int64_t chat_id);
  // The chat cannot be read (no admin rights any more, or it is gone): it is forgotten.
  void Forget(int64_t chat_id);

  std::vector<JoinEvent> TakeEvents();
  bool has_events() const { return !events_.empty(); }
  const JoinEventsState& state() const { return state_; }

 private:
  void Learn(const UpdateEntities& entities);
  JoinEventsState::Chat& ChatFor(int64_t chat_id, bool is_channel);
  void Emit(JoinEvent event);

  const bool is_bot_;
  JoinEventsState state_;
  std::optional<int64_t> in_flight_;
  std::vector<JoinEvent> events_;
};

}  // namespace mtproto::engine

// The emulator's update sequencing: every update an account receives gets its place in the
// account's common box (pts), its secondary box (qts: bot events such as join requests and
// participant changes) or its seq-ordered stream (updates without pts/qts), or a channel's own
// box (channel pts). Each is logged durably before it is pushed to the account's connected
// sessions, so updates.getDifference / updates.getChannelDifference return exactly what a client
// missed, across client and emulator restarts.
// Spec: https://core.telegram.org/api/updates
//
// Handlers (chats, channels, invite links) only publish; the hub numbers, logs and pushes.
// The users and chats passed along are the recipient's view of them (min flags, self, phone):
// the caller builds them for that recipient.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/tl/api.h"

namespace mtproto::emulator {

// The users and chats an update mentions, as the recipient may see them.
struct UpdateEntities {
  std::vector<tl::ObjectPtr<tl::api::User>> users;
  std::vector<tl::ObjectPtr<tl::api::Chat>> chats;
};

// See the file comment. Not thread-safe: used from the emulator's I/O thread.
class UpdateHub {
 public:
  // Sends an Updates object (already numbered and logged) to every session of `user_id` that is
  // connected now. Installed by the server; a hub without one only logs.
  using Deliver = std::function<void(int64_t user_id, const tl::api::Updates& updates)>;

  virtual ~UpdateHub() = default;

  // A common-box update (updateNewMessage of a basic group's service message,
  // updateChatParticipants, ...) occupying `pts_count` pts: its pts field is set by the hub.
  [[nodiscard]] virtual absl::Status PublishPts(int64_t user_id, tl::ObjectPtr<tl::api::Update> update,
                                                int pts_count, UpdateEntities entities) = 0;
  // A secondary-box update for a bot (updateBotChatInviteRequester, updateChatParticipant,
  // updateChannelParticipant): its qts field is set by the hub.
  [[nodiscard]] virtual absl::Status PublishQts(int64_t user_id, tl::ObjectPtr<tl::api::Update> update,
                                                UpdateEntities entities) = 0;
  // Updates without pts or qts (updatePendingJoinRequests, updateChannel, ...), sent as one
  // updates#74ae4240 with the account's next seq.
  [[nodiscard]] virtual absl::Status PublishSeq(int64_t user_id,
                                                std::vector<tl::ObjectPtr<tl::api::Update>> updates,
                                                UpdateEntities entities) = 0;
  // A channel-box update (updateNewChannelMessage, ...) occupying `pts_count` of the channel's
  // pts: its pts field is set by the hub; pushed to `recipients` (the channel's members who should
  // see it), each with their own entities.
  [[nodiscard]] virtual absl::Status PublishChannel(
      int64_t channel_id, tl::ObjectPtr<tl::api::Update> update, int pts_count,
      const std::vector<int64_t>& recipients,
      const std::function<UpdateEntities(int64_t recipient)>& entities_for) = 0;

  // The channel's current pts (1 for a channel that never had an update).
  [[nodiscard]] virtual int32_t ChannelPts(int64_t channel_id) = 0;

  virtual void SetDeliver(Deliver deliver) = 0;

  // What updates.* answers, from the log. Errors are statuses: INVALID_ARGUMENT carries the
  // Telegram error name for a 400 (PERSISTENT_TIMESTAMP_INVALID, ...); anything else is a 500.
  // updates.getState: the account's pts/qts/seq (an account that never had an update: pts 1,
  // qts 0, seq 0) and the current date.
  [[nodiscard]] virtual absl::StatusOr<tl::ObjectPtr<tl::api::updates_state>> State(
      int64_t user_id) = 0;
  // updates.getDifference for `user_id`.
  [[nodiscard]] virtual absl::StatusOr<tl::ObjectPtr<tl::api::updates_Difference>> Difference(
      int64_t user_id, const tl::api::updates_getDifference& request) = 0;
  // updates.getChannelDifference for `user_id` (membership is the caller's check).
  [[nodiscard]] virtual absl::StatusOr<tl::ObjectPtr<tl::api::updates_ChannelDifference>>
  ChannelDifference(int64_t user_id, int64_t channel_id, int32_t pts, int32_t limit) = 0;
};

}  // namespace mtproto::emulator

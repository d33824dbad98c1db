// The client side of Telegram's update sequencing: the account's position in its common box
// (pts), secondary box (qts), seq-ordered stream (seq, date) and each channel's box (channel
// pts); gap detection, a short hold for out-of-order arrivals, and the difference calls that
// fill a gap for good. Every update is emitted exactly once, in order.
// Spec: https://core.telegram.org/api/updates
//
// Sans-IO: no sockets, no clock, no threads. The owner feeds it what the server sends (pushed
// Updates, Updates returned by calls, the answers of the fetches it asked for), passes the
// current time, calls Tick at NextDeadline, performs the fetch NextFetch names, and takes the
// applied updates with TakeOutput. Persisting boxes() after the consumer accepted the output
// makes a restart re-deliver (through getDifference) what was not accepted, and nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/tl/api.h"

namespace mtproto::engine {

// The users and chats an Updates container (or a difference) carried along with its updates.
struct UpdateEntities {
  std::vector<tl::ObjectPtr<tl::api::User>> users;
  std::vector<tl::ObjectPtr<tl::api::Chat>> chats;
};

// The account's persisted position in its update boxes.
struct UpdateBoxes {
  bool known = false;  // false until updates.getState answered once
  int32_t pts = 0;
  int32_t qts = 0;
  int32_t seq = 0;
  int32_t date = 0;
  std::map<int64_t, int32_t> channel_pts;          // channels whose box we follow
  // Learned from entities, for getChannelDifference.
  std::map<int64_t, int64_t> channel_access_hash;

  bool operator==(const UpdateBoxes&) const = default;
  // A compact binary form for SessionStore::PutValue; Parse refuses anything else.
  std::string Serialize() const;
  [[nodiscard]] static absl::StatusOr<UpdateBoxes> Parse(std::string_view bytes);
};

// One applied update, in order, with the entities of the container it came in.
struct AppliedUpdate {
  tl::ObjectPtr<tl::api::Update> update;
  std::shared_ptr<const UpdateEntities> entities;  // never null
  int32_t date = 0;                                // the container's date; 0 when it had none
  bool from_difference = false;
};

// What the state machine hands out, in order.
struct UpdateOutput {
  enum class Kind {
    kUpdate,   // `update` was applied
    kTooLong,  // updates of a box were skipped (differenceTooLong / channelDifferenceTooLong):
               // state derived from them must be re-read (channel_id 0: the common box)
  };
  Kind kind = Kind::kUpdate;
  AppliedUpdate update;
  int64_t channel_id = 0;
};

// A call the owner must make for the state machine.
struct FetchRequest {
  enum class Kind { kState, kDifference, kChannelDifference };
  Kind kind = Kind::kDifference;
  int32_t pts = 0;  // kDifference: the common pts; kChannelDifference: the channel's pts
  int32_t qts = 0;
  int32_t date = 0;
  int64_t channel_id = 0;
  int64_t access_hash = 0;
};

// The TL call for a fetch: updates.getState, updates.getDifference (pts_total_limit when > 0)
// or updates.getChannelDifference (`channel_limit` messages, force=true).
[[nodiscard]] absl::StatusOr<std::string> SerializeFetch(const FetchRequest& fetch,
                                                         int32_t pts_total_limit = 0,
                                                         int32_t channel_limit = 100);

// See the file comment. Not thread-safe: one owner drives it.
class UpdateState {
 public:
  using Time = std::chrono::steady_clock::time_point;
  struct Options {
    // How long an out-of-order update waits for the ones before it before the gap is filled by
    // a difference (Telegram suggests 0.5 s).
    std::chrono::milliseconds hold{500};
  };

  explicit UpdateState(UpdateBoxes boxes = {});
  UpdateState(UpdateBoxes boxes, Options options);

  // The account may have missed updates (a reconnect, new_session_created, a restart): fetch
  // the difference (or the state, if none is known yet).
  void Resync();
  // An Updates object, pushed or returned by a call.
  void OnUpdates(tl::ObjectPtr<tl::api::Updates> updates, Time now);
  // The answers to NextFetch's requests. An answer of the wrong kind is refused.
  [[nodiscard]] absl::Status OnState(const tl::api::updates_State& state, Time now);
  [[nodiscard]] absl::Status OnDifference(tl::ObjectPtr<tl::api::updates_Difference> difference,
                                          Time now);
  [[nodiscard]] absl::Status OnChannelDifference(
      int64_t channel_id, tl::ObjectPtr<tl::api::updates_ChannelDifference> difference, Time now);
  // The fetch in flight failed; it is asked for again by the next NextFetch.
  void OnFetchFailed();

  // Gaps held past their time become fetches.
  void Tick(Time now);
  // When Tick should run next; nullopt when nothing is held.
  std::optional<Time> NextDeadline() const;

  // The fetch to make now (it is then in flight until its answer or OnFetchFailed); nullopt
  // when none is needed or one is already in flight.
  std::optional<FetchRequest> NextFetch(Time now);
  bool fetch_in_flight() const { return in_flight_.has_value(); }
  // True while a fetch is needed or in flight: pushed updates wait until it is done.
  bool syncing() const;

  std::vector<UpdateOutput> TakeOutput();
  bool has_output() const { return !output_.empty(); }
  // The position after everything TakeOutput has handed out (and before what is held).
  const UpdateBoxes& boxes() const { return boxes_; }

 private:
  // One update waiting in a box's hold, or being applied.
  struct Item {
    tl::ObjectPtr<tl::api::Update> update;  // null: advances the box only (updateShort*Message)
    std::shared_ptr<const UpdateEntities> entities;
    int32_t date = 0;
    int32_t pts = 0;
    int32_t count = 0;
  };
  // A held seq-ordered container.
  struct SeqItem {
    std::vector<tl::ObjectPtr<tl::api::Update>> updates;
    std::shared_ptr<const UpdateEntities> entities;
    int32_t date = 0;
    int32_t seq_start = 0;  // seq for `updates`, seq_start for `updatesCombined`
    int32_t seq = 0;
  };
  // Out-of-order items of one box, keyed by the position they need (pts - pts_count).
  struct Hold {
    std::multimap<int32_t, Item> items;
    std::optional<Time> since;
  };

  void Process(tl::ObjectPtr<tl::api::Updates> updates, Time now);
  // `seq_applied`: the container's seq check passed (or it had none), so updates without a
  // box are applied too; otherwise only boxed ones go through their own checks.
  void ApplyAll(std::vector<tl::ObjectPtr<tl::api::Update>> updates,
                const std::shared_ptr<const UpdateEntities>& entities, int32_t date,
                bool seq_applied, Time now);
  void ApplyOne(tl::ObjectPtr<tl::api::Update> update,
                const std::shared_ptr<const UpdateEntities>& entities, int32_t date,
                bool seq_applied, Time now);
  void CheckPts(Item item, Time now);
  void CheckQts(Item item, Time now);
  void CheckChannel(int64_t channel_id, Item item, Time now);
  void CheckSeq(SeqItem item, Time now);
  // Applies whatever the holds allow after the boxes moved.
  void Drain(Time now);
  void DrainBox(int32_t* local, Hold* hold, Time now);
  void Emit(Item item, bool from_difference);
  void Learn(const UpdateEntities& entities);
  void NeedDifference();
  void NeedChannelDifference(int64_t channel_id);
  // Once no fetch is needed any more: replays what arrived meanwhile.
  void AfterFetch(Time now);

  Options options_;
  UpdateBoxes boxes_;
  std::vector<UpdateOutput> output_;

  Hold pts_hold_;
  Hold qts_hold_;
  std::map<int64_t, Hold> channel_holds_;
  std::multimap<int32_t, SeqItem> seq_hold_;  // keyed by seq_start
  std::optional<Time> seq_since_;

  bool need_state_ = false;
  bool need_difference_ = false;
  std::set<int64_t> need_channels_;
  std::optional<FetchRequest> in_flight_;
  std::deque<tl::ObjectPtr<tl::api::Updates>> buffered_;  // arrived while syncing
};

}  // namespace mtproto::engine

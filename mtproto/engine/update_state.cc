#include "mtproto/engine/update_state.h"

#include <utility>

#include "mtproto/tl/reader.h"
#include "mtproto/tl/serialize.h"
#include "mtproto/tl/writer.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

constexpr uint32_t kBoxesVersion = 1;

// Where an update belongs, read from its constructor (the list follows layer 223's schema:
// every Update with pts/pts_count, or qts).
struct Box {
  enum Kind { kNone, kPts, kQts, kChannel, kChannelTooLong, kPtsChanged };
  Kind kind = kNone;
  int32_t pts = 0;
  int32_t count = 0;
  int64_t channel_id = 0;
};

int64_t ChannelOfPeer(const api::Peer* peer) {
  const auto* channel = dynamic_cast<const api::peerChannel*>(peer);
  return channel == nullptr ? 0 : channel->channel_id;
}

int64_t ChannelOfMessage(const api::Message* message) {
  if (const auto* m = dynamic_cast<const api::message*>(message)) {
    return ChannelOfPeer(m->peer_id.get());
  }
  if (const auto* m = dynamic_cast<const api::messageService*>(message)) {
    return ChannelOfPeer(m->peer_id.get());
  }
  if (const auto* m = dynamic_cast<const api::messageEmpty*>(message)) {
    return ChannelOfPeer(m->peer_id.get());
  }
  return 0;
}

template <typename T>
Box PtsBox(const api::Update& update) {
  const auto& u = static_cast<const T&>(update);
  return {Box::kPts, u.pts, u.pts_count, 0};
}
template <typename T>
Box QtsBox(const api::Update& update) {
  return {Box::kQts, static_cast<const T&>(update).qts, 1, 0};
}
template <typename T>
Box ChannelBox(const api::Update& update) {
  const auto& u = static_cast<const T&>(update);
  return {Box::kChannel, u.pts, u.pts_count, u.channel_id};
}
template <typename T>
Box ChannelMessageBox(const api::Update& update) {
  const auto& u = static_cast<const T&>(update);
  const int64_t channel = ChannelOfMessage(u.message.get());
  // A channel message without a channel peer cannot be placed: let it through unchecked.
  if (channel == 0) return {};
  return {Box::kChannel, u.pts, u.pts_count, channel};
}

Box BoxOf(const api::Update& update) {
  switch (update.ConstructorId()) {
#define INVITEGATE_PTS(T) \
  case api::T::kId: return PtsBox<api::T>(update);
    INVITEGATE_PTS(updateNewMessage)
    INVITEGATE_PTS(updateDeleteMessages)
    INVITEGATE_PTS(updateReadHistoryInbox)
    INVITEGATE_PTS(updateReadHistoryOutbox)
    INVITEGATE_PTS(updateWebPage)
    INVITEGATE_PTS(updateReadMessagesContents)
    INVITEGATE_PTS(updateEditMessage)
    INVITEGATE_PTS(updateFolderPeers)
    INVITEGATE_PTS(updatePinnedMessages)
#undef INVITEGATE_PTS
#define INVITEGATE_QTS(T) \
  case api::T::kId: return QtsBox<api::T>(update);
    INVITEGATE_QTS(updateNewEncryptedMessage)
    INVITEGATE_QTS(updateMessagePollVote)
    INVITEGATE_QTS(updateChatParticipant)
    INVITEGATE_QTS(updateChannelParticipant)
    INVITEGATE_QTS(updateBotStopped)
    INVITEGATE_QTS(updateBotChatInviteRequester)
    INVITEGATE_QTS(updateBotChatBoost)
    INVITEGATE_QTS(updateBotMessageReaction)
    INVITEGATE_QTS(updateBotMessageReactions)
    INVITEGATE_QTS(updateBotBusinessConnect)
    INVITEGATE_QTS(updateBotNewBusinessMessage)
    INVITEGATE_QTS(updateBotEditBusinessMessage)
    INVITEGATE_QTS(updateBotDeleteBusinessMessage)
    INVITEGATE_QTS(updateBotPurchasedPaidMedia)
#undef INVITEGATE_QTS
    case api::updateNewChannelMessage::kId:
      return ChannelMessageBox<api::updateNewChannelMessage>(update);
    case api::updateEditChannelMessage::kId:
      return ChannelMessageBox<api::updateEditChannelMessage>(update);
    case api::updateDeleteChannelMessages::kId:
      return ChannelBox<api::updateDeleteChannelMessages>(update);
    case api::updateChannelWebPage::kId: return ChannelBox<api::updateChannelWebPage>(update);
    case api::updatePinnedChannelMessages::kId:
      return ChannelBox<api::updatePinnedChannelMessages>(update);
    case api::updateChannelTooLong::kId: {
      const auto& u = static_cast<const api::updateChannelTooLong&>(update);
      return {Box::kChannelTooLong, u.pts.value_or(0), 0, u.channel_id};
    }
    case api::updatePtsChanged::kId: return {Box::kPtsChanged};
    default: return {};
  }
}

std::shared_ptr<const UpdateEntities> NoEntities() {
  static const auto* empty = new std::shared_ptr<const UpdateEntities>(
      std::make_shared<const UpdateEntities>());
  return *empty;
}

std::shared_ptr<const UpdateEntities> EntitiesOf(std::vector<tl::ObjectPtr<api::User>>* users,
                                                 std::vector<tl::ObjectPtr<api::Chat>>* chats) {
  if (users->empty() && chats->empty()) return NoEntities();
  auto entities = std::make_shared<UpdateEntities>();
  entities->users = std::move(*users);
  entities->chats = std::move(*chats);
  return entities;
}

}  // namespace

std::string UpdateBoxes::Serialize() const {
  tl::Writer out;
  out.Uint32(kBoxesVersion);
  out.Int32(known ? 1 : 0);
  out.Int32(pts);
  out.Int32(qts);
  out.Int32(seq);
  out.Int32(date);
  out.Int32(static_cast<int32_t>(channel_pts.size()));
  for (const auto& [id, channel] : channel_pts) {
    out.Int64(id);
    out.Int32(channel);
  }
  out.Int32(static_cast<int32_t>(channel_access_hash.size()));
  for (const auto& [id, hash] : channel_access_hash) {
    out.Int64(id);
    out.Int64(hash);
  }
  return out.Take();
}

absl::StatusOr<UpdateBoxes> UpdateBoxes::Parse(std::string_view bytes) {
  tl::Reader in(bytes);
  UpdateBoxes boxes;
  if (in.Uint32() != kBoxesVersion) return absl::DataLossError("update state: unknown version");
  const int32_t known = in.Int32();
  boxes.known = known == 1;
  boxes.pts = in.Int32();
  boxes.qts = in.Int32();
  boxes.seq = in.Int32();
  boxes.date = in.Int32();
  const uint32_t channels = in.Count(12);
  for (uint32_t i = 0; i < channels && in.ok(); ++i) {
    const int64_t id = in.Int64();
    boxes.channel_pts[id] = in.Int32();
  }
  const uint32_t hashes = in.Count(16);
  for (uint32_t i = 0; i < hashes && in.ok(); ++i) {
    const int64_t id = in.Int64();
    boxes.channel_access_hash[id] = in.Int64();
  }
  if (!in.ok() || in.remaining() != 0 || (known != 0 && known != 1)) {
    return absl::DataLossError("update state: malformed");
  }
  return boxes;
}

absl::StatusOr<std::string> SerializeFetch(const FetchRequest& fetch, int32_t pts_total_limit,
                                           int32_t channel_limit) {
  switch (fetch.kind) {
    case FetchRequest::Kind::kState: return tl::Serialize(api::updates_getState());
    case FetchRequest::Kind::kDifference: {
      api::updates_getDifference call;
      call.pts = fetch.pts;
      call.qts = fetch.qts;
      call.date = fetch.date;
      if (pts_total_limit > 0) call.pts_total_limit = pts_total_limit;
      return tl::Serialize(call);
    }
    case FetchRequest::Kind::kChannelDifference: {
      api::updates_getChannelDifference call;
      call.force = true;
      auto channel = std::make_unique<api::inputChannel>();
      channel->channel_id = fetch.channel_id;
      channel->access_hash = fetch.access_hash;
      call.channel = std::move(channel);
      call.filter = std::make_unique<api::channelMessagesFilterEmpty>();
      call.pts = fetch.pts;
      call.limit = channel_limit;
      return tl::Serialize(call);
    }
  }
  return absl::InvalidArgumentError("unknown fetch kind");
}

UpdateState::UpdateState(UpdateBoxes boxes) : UpdateState(std::move(boxes), Options()) {}

UpdateState::UpdateState(UpdateBoxes boxes, Options options)
    : options_(options), boxes_(std::move(boxes)) {}

void UpdateState::Resync() {
  if (boxes_.known) {
    need_difference_ = true;
  } else {
    need_state_ = true;
  }
}

bool UpdateState::syncing() const {
  return need_state_ || need_difference_ || !need_channels_.empty() || in_flight_.has_value();
}

void UpdateState::OnUpdates(tl::ObjectPtr<api::Updates> updates, Time now) {
  if (updates == nullptr) return;
  // While a difference is due or in flight, what arrives may be part of it: it waits, and is
  // checked against the boxes the difference leaves.
  if (syncing()) {
    buffered_.push_back(std::move(updates));
    return;
  }
  Process(std::move(updates), now);
}

void UpdateState::Process(tl::ObjectPtr<api::Updates> updates, Time now) {
  switch (updates->ConstructorId()) {
    case api::updatesTooLong::kId: return NeedDifference();
    case api::updateShort::kId: {
      auto& u = static_cast<api::updateShort&>(*updates);
      return ApplyOne(std::move(u.update), NoEntities(), u.date, /*seq_applied=*/true, now);
    }
    case api::updateShortMessage::kId: {
      const auto& u = static_cast<const api::updateShortMessage&>(*updates);
      return CheckPts(Item{nullptr, NoEntities(), u.date, u.pts, u.pts_count}, now);
    }
    case api::updateShortChatMessage::kId: {
      const auto& u = static_cast<const api::updateShortChatMessage&>(*updates);
      return CheckPts(Item{nullptr, NoEntities(), u.date, u.pts, u.pts_count}, now);
    }
    case api::updateShortSentMessage::kId: {
      const auto& u = static_cast<const api::updateShortSentMessage&>(*updates);
      return CheckPts(Item{nullptr, NoEntities(), u.date, u.pts, u.pts_count}, now);
    }
    case api::updates::kId: {
      auto& u = static_cast<api::updates&>(*updates);
      auto entities = EntitiesOf(&u.users, &u.chats);
      Learn(*entities);
      return CheckSeq(
          SeqItem{std::move(u.updates), std::move(entities), u.date, u.seq, u.seq}, now);
    }
    case api::updatesCombined::kId: {
      auto& u = static_cast<api::updatesCombined&>(*updates);
      auto entities = EntitiesOf(&u.users, &u.chats);
      Learn(*entities);
      return CheckSeq(
          SeqItem{std::move(u.updates), std::move(entities), u.date, u.seq_start, u.seq}, now);
    }
    default: return;  // not an Updates we know: nothing to apply
  }
}

void UpdateState::CheckSeq(SeqItem item, Time now) {
  if (item.seq == 0 || item.seq_start == 0) {
    // No seq: applied as it comes, its boxed updates checked one by one.
    return ApplyAll(std::move(item.updates), item.entities, item.date, true, now);
  }
  if (boxes_.seq + 1 == item.seq_start) {
    ApplyAll(std::move(item.updates), item.entities, item.date, true, now);
    boxes_.seq = item.seq;
    boxes_.date = std::max(boxes_.date, item.date);
    return Drain(now);
  }
  if (boxes_.seq + 1 > item.seq_start) {
    // Applied already; only boxed updates inside may still be new (their checks tell).
    return ApplyAll(std::move(item.updates), item.entities, item.date, false, now);
  }
  if (!seq_since_) seq_since_ = now;
  const int32_t start = item.seq_start;
  seq_hold_.emplace(start, std::move(item));
}

void UpdateState::ApplyAll(std::vector<tl::ObjectPtr<api::Update>> updates,
                           const std::shared_ptr<const UpdateEntities>& entities, int32_t date,
                           bool seq_applied, Time now) {
  for (auto& update : updates) ApplyOne(std::move(update), entities, date, seq_applied, now);
}

void UpdateState::ApplyOne(tl::ObjectPtr<api::Update> update,
                           const std::shared_ptr<const UpdateEntities>& entities, int32_t date,
                           bool seq_applied, Time now) {
  if (update == nullptr) return;
  const Box box = BoxOf(*update);
  switch (box.kind) {
    case Box::kPts:
      return CheckPts(Item{std::move(update), entities, date, box.pts, box.count}, now);
    case Box::kQts:
      return CheckQts(Item{std::move(update), entities, date, box.pts, 1}, now);
    case Box::kChannel:
      return CheckChannel(box.channel_id,
                          Item{std::move(update), entities, date, box.pts, box.count}, now);
    case Box::kChannelTooLong: {
      auto it = boxes_.channel_pts.find(box.channel_id);
      // Nothing to fetch when the box is known to be at least as far as the server says.
      if (it != boxes_.channel_pts.end() && box.pts != 0 && it->second >= box.pts) return;
      if (it == boxes_.channel_pts.end() && box.pts != 0) {
        boxes_.channel_pts[box.channel_id] = box.pts;
        output_.push_back({UpdateOutput::Kind::kTooLong, {}, box.channel_id});
        return;
      }
      return NeedChannelDifference(box.channel_id);
    }
    case Box::kPtsChanged:
      need_state_ = true;
      return;
    case Box::kNone:
      if (!seq_applied) return;  // a repeat of something applied
      Emit(Item{std::move(update), entities, date, 0, 0}, false);
      return;
  }
}

void UpdateState::CheckPts(Item item, Time now) {
  if (boxes_.pts + item.count == item.pts) {
    boxes_.pts = item.pts;
    Emit(std::move(item), false);
    return Drain(now);
  }
  if (boxes_.pts + item.count > item.pts) return;  // applied already
  if (!pts_hold_.since) pts_hold_.since = now;
  const int32_t start = item.pts - item.count;
  pts_hold_.items.emplace(start, std::move(item));
}

void UpdateState::CheckQts(Item item, Time now) {
  if (boxes_.qts + 1 == item.pts) {
    boxes_.qts = item.pts;
    Emit(std::move(item), false);
    return Drain(now);
  }
  if (boxes_.qts + 1 > item.pts) return;
  if (!qts_hold_.since) qts_hold_.since = now;
  const int32_t start = item.pts - 1;
  qts_hold_.items.emplace(start, std::move(item));
}

void UpdateState::CheckChannel(int64_t channel_id, Item item, Time now) {
  auto it = boxes_.channel_pts.find(channel_id);
  if (it == boxes_.channel_pts.end()) {
    // The first update of a channel we did not follow: its box starts here.
    boxes_.channel_pts[channel_id] = item.pts;
    Emit(std::move(item), false);
    return;
  }
  if (it->second + item.count == item.pts) {
    it->second = item.pts;
    Emit(std::move(item), false);
    return Drain(now);
  }
  if (it->second + item.count > item.pts) return;
  Hold& hold = channel_holds_[channel_id];
  if (!hold.since) hold.since = now;
  const int32_t start = item.pts - item.count;
  hold.items.emplace(start, std::move(item));
}

void UpdateState::DrainBox(int32_t* local, Hold* hold, Time now) {
  bool moved = false;
  while (!hold->items.empty() && hold->items.begin()->first <= *local) {
    auto node = hold->items.extract(hold->items.begin());
    Item& item = node.mapped();
    if (node.key() == *local) {
      *local = item.pts;
      Emit(std::move(item), false);
      moved = true;
    }  // else: a repeat of something applied meanwhile
  }
  // The gap's clock restarts when part of it was filled: the rest may still come by itself.
  if (hold->items.empty()) {
    hold->since.reset();
  } else if (moved) {
    hold->since = now;
  }
}

void UpdateState::Drain(Time now) {
  // Applying one box's held update may not unblock another box, but a seq container may carry
  // boxed updates: loop until nothing moves.
  // A box whose difference is due or in flight is left alone: what it holds is judged once the
  // difference is complete (its updates carry no positions to compare with).
  const bool common_syncing =
      need_state_ || need_difference_ ||
      (in_flight_ && in_flight_->kind != FetchRequest::Kind::kChannelDifference);
  auto channel_syncing = [&](int64_t channel_id) {
    return need_channels_.contains(channel_id) ||
           (in_flight_ && in_flight_->kind == FetchRequest::Kind::kChannelDifference &&
            in_flight_->channel_id == channel_id);
  };
  bool again = true;
  while (again) {
    again = false;
    if (!common_syncing) {
      DrainBox(&boxes_.pts, &pts_hold_, now);
      DrainBox(&boxes_.qts, &qts_hold_, now);
    }
    for (auto& [channel_id, hold] : channel_holds_) {
      auto it = boxes_.channel_pts.find(channel_id);
      if (it != boxes_.channel_pts.end() && !channel_syncing(channel_id)) {
        DrainBox(&it->second, &hold, now);
      }
    }
    std::erase_if(channel_holds_, [](const auto& entry) { return entry.second.items.empty(); });
    while (!common_syncing && !seq_hold_.empty() && seq_hold_.begin()->first <= boxes_.seq + 1) {
      auto node = seq_hold_.extract(seq_hold_.begin());
      SeqItem& item = node.mapped();
      const bool fresh = node.key() == boxes_.seq + 1;
      ApplyAll(std::move(item.updates), item.entities, item.date, fresh, now);
      if (fresh) {
        boxes_.seq = item.seq;
        boxes_.date = std::max(boxes_.date, item.date);
      }
      again = true;
    }
    if (seq_hold_.empty()) seq_since_.reset();
  }
}

void UpdateState::Emit(Item item, bool from_difference) {
  if (item.update == nullptr) return;  // a short message: it only moved the box
  UpdateOutput out;
  out.update.update = std::move(item.update);
  out.update.entities = std::move(item.entities);
  out.update.date = item.date;
  out.update.from_difference = from_difference;
  output_.push_back(std::move(out));
}

void UpdateState::Learn(const UpdateEntities& entities) {
  for (const auto& chat : entities.chats) {
    if (const auto* channel = dynamic_cast<const api::channel*>(chat.get())) {
      // min channels carry a hash valid only in their context: keep a full one if known.
      if (channel->access_hash &&
          (!channel->min || !boxes_.channel_access_hash.contains(channel->id))) {
        boxes_.channel_access_hash[channel->id] = *channel->access_hash;
      }
    } else if (const auto* forbidden = dynamic_cast<const api::channelForbidden*>(chat.get())) {
      boxes_.channel_access_hash[forbidden->id] = forbidden->access_hash;
    }
  }
}

void UpdateState::NeedDifference() {
  if (boxes_.known) {
    need_difference_ = true;
  } else {
    need_state_ = true;
  }
}

void UpdateState::NeedChannelDifference(int64_t channel_id) {
  need_channels_.insert(channel_id);
}

void UpdateState::Tick(Time now) {
  auto expired = [&](const std::optional<Time>& since) {
    return since && *since + options_.hold <= now;
  };
  if (expired(pts_hold_.since) || expired(qts_hold_.since) || expired(seq_since_)) {
    NeedDifference();
    pts_hold_.since.reset();
    qts_hold_.since.reset();
    seq_since_.reset();
  }
  for (auto& [channel_id, hold] : channel_holds_) {
    if (expired(hold.since)) {
      NeedChannelDifference(channel_id);
      hold.since.reset();
    }
  }
}

std::optional<UpdateState::Time> UpdateState::NextDeadline() const {
  std::optional<Time> next;
  auto consider = [&](const std::optional<Time>& since) {
    if (since && (!next || *since + options_.hold < *next)) next = *since + options_.hold;
  };
  consider(pts_hold_.since);
  consider(qts_hold_.since);
  consider(seq_since_);
  for (const auto& [channel_id, hold] : channel_holds_) consider(hold.since);
  return next;
}

std::optional<FetchRequest> UpdateState::NextFetch(Time now) {
  if (in_flight_) return std::nullopt;
  FetchRequest fetch;
  if (need_state_) {
    fetch.kind = FetchRequest::Kind::kState;
  } else if (need_difference_) {
    fetch.kind = FetchRequest::Kind::kDifference;
    fetch.pts = boxes_.pts;
    fetch.qts = boxes_.qts;
    fetch.date = boxes_.date;
  } else if (!need_channels_.empty()) {
    const int64_t channel_id = *need_channels_.begin();
    auto hash = boxes_.channel_access_hash.find(channel_id);
    auto pts = boxes_.channel_pts.find(channel_id);
    if (hash == boxes_.channel_access_hash.end() || pts == boxes_.channel_pts.end()) {
      // No way to ask for this channel (no access hash, or no position): the box restarts at
      // its next update, and its consumers re-read it.
      need_channels_.erase(channel_id);
      channel_holds_.erase(channel_id);
      boxes_.channel_pts.erase(channel_id);
      output_.push_back({UpdateOutput::Kind::kTooLong, {}, channel_id});
      if (!syncing()) AfterFetch(now);
      return NextFetch(now);
    }
    fetch.kind = FetchRequest::Kind::kChannelDifference;
    fetch.channel_id = channel_id;
    fetch.access_hash = hash->second;
    fetch.pts = pts->second;
  } else {
    return std::nullopt;
  }
  in_flight_ = fetch;
  return fetch;
}

void UpdateState::OnFetchFailed() { in_flight_.reset(); }

std::vector<UpdateOutput> UpdateState::TakeOutput() { return std::exchange(output_, {}); }

absl::Status UpdateState::OnState(const api::updates_State& state, Time now) {
  if (!in_flight_ || in_flight_->kind != FetchRequest::Kind::kState) {
    return absl::FailedPreconditionError("no updates.getState in flight");
  }
  const auto& s = static_cast<const api::updates_state&>(state);
  in_flight_.reset();
  need_state_ = false;
  need_difference_ = false;
  boxes_.known = true;
  boxes_.pts = s.pts;
  boxes_.qts = s.qts;
  boxes_.seq = s.seq;
  boxes_.date = s.date;
  // Whatever waited is now judged against the server's state.
  pts_hold_ = {};
  qts_hold_ = {};
  seq_hold_.clear();
  seq_since_.reset();
  AfterFetch(now);
  return absl::OkStatus();
}

absl::Status UpdateState::OnDifference(tl::ObjectPtr<api::updates_Difference> difference,
                                       Time now) {
  if (!in_flight_ || in_flight_->kind != FetchRequest::Kind::kDifference) {
    return absl::FailedPreconditionError("no updates.getDifference in flight");
  }
  if (difference == nullptr) return absl::InvalidArgumentError("null difference");
  in_flight_.reset();
  need_difference_ = false;
  auto apply = [&](std::vector<tl::ObjectPtr<api::Message>>& messages,
                   std::vector<tl::ObjectPtr<api::Update>>& others,
                   std::vector<tl::ObjectPtr<api::User>>& users,
                   std::vector<tl::ObjectPtr<api::Chat>>& chats, const api::updates_State* state) {
    auto entities = EntitiesOf(&users, &chats);
    Learn(*entities);
    const int32_t date = state == nullptr ? 0 : static_cast<const api::updates_state*>(state)->date;
    for (auto& message : messages) {
      auto update = std::make_unique<api::updateNewMessage>();
      update->message = std::move(message);
      Emit(Item{std::move(update), entities, date, 0, 0}, true);
    }
    for (auto& update : others) {
      if (update == nullptr) continue;
      const Box box = BoxOf(*update);
      if (box.kind == Box::kChannel || box.kind == Box::kChannelTooLong) {
        ApplyOne(std::move(update), entities, date, true, now);
      } else if (box.kind == Box::kPtsChanged) {
        need_state_ = true;
      } else {
        // Everything else in a difference is new by construction (it starts at our boxes).
        Emit(Item{std::move(update), entities, date, 0, 0}, true);
      }
    }
    if (const auto* s = dynamic_cast<const api::updates_state*>(state)) {
      boxes_.pts = s->pts;
      boxes_.qts = s->qts;
      boxes_.seq = s->seq;
      boxes_.date = s->date;
    }
  };
  switch (difference->ConstructorId()) {
    case api::updates_differenceEmpty::kId: {
      const auto& d = static_cast<const api::updates_differenceEmpty&>(*difference);
      boxes_.date = d.date;
      boxes_.seq = d.seq;
      break;
    }
    case api::updates_difference::kId: {
      auto& d = static_cast<api::updates_difference&>(*difference);
      apply(d.new_messages, d.other_updates, d.users, d.chats, d.state.get());
      break;
    }
    case api::updates_differenceSlice::kId: {
      auto& d = static_cast<api::updates_differenceSlice&>(*difference);
      apply(d.new_messages, d.other_updates, d.users, d.chats, d.intermediate_state.get());
      need_difference_ = true;  // the rest follows from the intermediate state
      break;
    }
    case api::updates_differenceTooLong::kId: {
      const auto& d = static_cast<const api::updates_differenceTooLong&>(*difference);
      boxes_.pts = d.pts;
      output_.push_back({UpdateOutput::Kind::kTooLong, {}, 0});
      need_difference_ = true;  // qts and seq still come from a difference at the new pts
      break;
    }
    default: return absl::InvalidArgumentError("unknown updates.Difference");
  }
  AfterFetch(now);
  return absl::OkStatus();
}

absl::Status UpdateState::OnChannelDifference(
    int64_t channel_id, tl::ObjectPtr<api::updates_ChannelDifference> difference, Time now) {
  if (!in_flight_ || in_flight_->kind != FetchRequest::Kind::kChannelDifference ||
      in_flight_->channel_id != channel_id) {
    return absl::FailedPreconditionError("no updates.getChannelDifference in flight for it");
  }
  if (difference == nullptr) return absl::InvalidArgumentError("null channel difference");
  in_flight_.reset();
  need_channels_.erase(channel_id);
  bool final = true;
  switch (difference->ConstructorId()) {
    case api::updates_channelDifferenceEmpty::kId: {
      const auto& d = static_cast<const api::updates_channelDifferenceEmpty&>(*difference);
      boxes_.channel_pts[channel_id] = d.pts;
      final = d.final_;
      break;
    }
    case api::updates_channelDifference::kId: {
      auto& d = static_cast<api::updates_channelDifference&>(*difference);
      auto entities = EntitiesOf(&d.users, &d.chats);
      Learn(*entities);
      for (auto& message : d.new_messages) {
        auto update = std::make_unique<api::updateNewChannelMessage>();
        update->message = std::move(message);
        Emit(Item{std::move(update), entities, 0, 0, 0}, true);
      }
      for (auto& update : d.other_updates) {
        if (update != nullptr) Emit(Item{std::move(update), entities, 0, 0, 0}, true);
      }
      boxes_.channel_pts[channel_id] = d.pts;
      final = d.final_;
      break;
    }
    case api::updates_channelDifferenceTooLong::kId: {
      auto& d = static_cast<api::updates_channelDifferenceTooLong&>(*difference);
      auto entities = EntitiesOf(&d.users, &d.chats);
      Learn(*entities);
      const auto* dialog = dynamic_cast<const api::dialog*>(d.dialog.get());
      if (dialog != nullptr && dialog->pts) boxes_.channel_pts[channel_id] = *dialog->pts;
      output_.push_back({UpdateOutput::Kind::kTooLong, {}, channel_id});
      final = d.final_;
      break;
    }
    default: return absl::InvalidArgumentError("unknown updates.ChannelDifference");
  }
  if (!final) need_channels_.insert(channel_id);
  AfterFetch(now);
  return absl::OkStatus();
}

void UpdateState::AfterFetch(Time now) {
  // Held updates the difference covered are dropped; the rest may apply now.
  Drain(now);
  while (!syncing() && !buffered_.empty()) {
    tl::ObjectPtr<api::Updates> next = std::move(buffered_.front());
    buffered_.pop_front();
    Process(std::move(next), now);
  }
  // A gap still open after a fetch gets its full hold time again.
  if (!pts_hold_.items.empty()) pts_hold_.since = now;
  if (!qts_hold_.items.empty()) qts_hold_.since = now;
  if (!seq_hold_.empty()) seq_since_ = now;
}

}  // namespace mtproto::engine

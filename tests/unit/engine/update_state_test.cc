// engine::UpdateState replayed on exact sequences: in order, duplicates, gaps filled by late
// arrivals or by a difference, slices, too-long, seq containers, qts, channel boxes, restarts.
#include "mtproto/engine/update_state.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;
using std::chrono::milliseconds;
using Time = UpdateState::Time;
using Kind = FetchRequest::Kind;

const Time kT0 = Time() + std::chrono::hours(1);

tl::ObjectPtr<api::Message> Msg(int32_t id, int64_t channel_id = 0) {
  auto message = std::make_unique<api::messageEmpty>();
  message->id = id;
  if (channel_id != 0) {
    auto peer = std::make_unique<api::peerChannel>();
    peer->channel_id = channel_id;
    message->peer_id = std::move(peer);
  }
  return message;
}

tl::ObjectPtr<api::Update> NewMessage(int32_t id, int32_t pts, int32_t count = 1) {
  auto update = std::make_unique<api::updateNewMessage>();
  update->message = Msg(id);
  update->pts = pts;
  update->pts_count = count;
  return update;
}

tl::ObjectPtr<api::Update> ChannelMessage(int64_t channel, int32_t id, int32_t pts) {
  auto update = std::make_unique<api::updateNewChannelMessage>();
  update->message = Msg(id, channel);
  update->pts = pts;
  update->pts_count = 1;
  return update;
}

tl::ObjectPtr<api::Update> Requester(int64_t user, int32_t qts) {
  auto update = std::make_unique<api::updateBotChatInviteRequester>();
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = 77;
  update->peer = std::move(peer);
  update->user_id = user;
  update->qts = qts;
  update->invite = std::make_unique<api::chatInvitePublicJoinRequests>();
  return update;
}

tl::ObjectPtr<api::Update> Pending(int32_t count) {
  auto update = std::make_unique<api::updatePendingJoinRequests>();
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = 77;
  update->peer = std::move(peer);
  update->requests_pending = count;
  return update;
}

tl::ObjectPtr<api::Updates> Short(tl::ObjectPtr<api::Update> update) {
  auto updates = std::make_unique<api::updateShort>();
  updates->update = std::move(update);
  updates->date = 1000;
  return updates;
}

tl::ObjectPtr<api::Chat> Channel(int64_t id, int64_t hash) {
  auto channel = std::make_unique<api::channel>();
  channel->id = id;
  channel->access_hash = hash;
  return channel;
}

tl::ObjectPtr<api::Updates> Container(std::vector<tl::ObjectPtr<api::Update>> list, int32_t seq,
                                      int32_t seq_start = 0, int32_t date = 2000) {
  if (seq_start != 0) {
    auto updates = std::make_unique<api::updatesCombined>();
    updates->updates = std::move(list);
    updates->seq_start = seq_start;
    updates->seq = seq;
    updates->date = date;
    return updates;
  }
  auto updates = std::make_unique<api::updates>();
  updates->updates = std::move(list);
  updates->seq = seq;
  updates->date = date;
  updates->chats.push_back(Channel(77, 7777));
  return updates;
}

template <typename... U>
std::vector<tl::ObjectPtr<api::Update>> List(U... updates) {
  std::vector<tl::ObjectPtr<api::Update>> list;
  (list.push_back(std::move(updates)), ...);
  return list;
}

api::updates_state State(int32_t pts, int32_t qts, int32_t seq, int32_t date = 1000) {
  api::updates_state state;
  state.pts = pts;
  state.qts = qts;
  state.seq = seq;
  state.date = date;
  return state;
}

tl::ObjectPtr<api::updates_State> StatePtr(int32_t pts, int32_t qts, int32_t seq) {
  return std::make_unique<api::updates_state>(State(pts, qts, seq));
}

// "msg:11", "req:5", "pending:3", "chmsg:77:4", "toolong:0" (+ "*" when from a difference).
std::string Describe(const UpdateOutput& out) {
  if (out.kind == UpdateOutput::Kind::kTooLong) return absl::StrCat("toolong:", out.channel_id);
  const api::Update& update = *out.update.update;
  const std::string mark = out.update.from_difference ? "*" : "";
  if (const auto* u = dynamic_cast<const api::updateNewMessage*>(&update)) {
    return absl::StrCat("msg:", static_cast<const api::messageEmpty&>(*u->message).id, mark);
  }
  if (const auto* u = dynamic_cast<const api::updateNewChannelMessage*>(&update)) {
    const auto& m = static_cast<const api::messageEmpty&>(*u->message);
    return absl::StrCat("chmsg:", static_cast<const api::peerChannel&>(*m.peer_id).channel_id,
                        ":", m.id, mark);
  }
  if (const auto* u = dynamic_cast<const api::updateBotChatInviteRequester*>(&update)) {
    return absl::StrCat("req:", u->user_id, mark);
  }
  if (const auto* u = dynamic_cast<const api::updatePendingJoinRequests*>(&update)) {
    return absl::StrCat("pending:", u->requests_pending, mark);
  }
  return "?";
}

std::vector<std::string> Take(UpdateState& state) {
  std::vector<std::string> out;
  for (const UpdateOutput& o : state.TakeOutput()) out.push_back(Describe(o));
  return out;
}

using Strings = std::vector<std::string>;

UpdateBoxes Known(int32_t pts, int32_t qts, int32_t seq) {
  UpdateBoxes boxes;
  boxes.known = true;
  boxes.pts = pts;
  boxes.qts = qts;
  boxes.seq = seq;
  boxes.date = 1000;
  return boxes;
}

TEST(UpdateState, FreshAccountAsksForTheStateFirst) {
  UpdateState state;
  state.Resync();
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kState);
  EXPECT_FALSE(state.NextFetch(kT0));  // one in flight
  state.OnUpdates(Short(NewMessage(1, 11)), kT0);  // waits for the state
  ASSERT_TRUE(state.OnState(State(10, 5, 3), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"msg:1"}));
  EXPECT_EQ(state.boxes().pts, 11);
  EXPECT_EQ(state.boxes().qts, 5);
  EXPECT_EQ(state.boxes().seq, 3);
  EXPECT_FALSE(state.NextFetch(kT0));
  EXPECT_FALSE(state.syncing());
}

TEST(UpdateState, InOrderAndDuplicates) {
  UpdateState state(Known(10, 0, 0));
  state.OnUpdates(Short(NewMessage(1, 11)), kT0);
  state.OnUpdates(Short(NewMessage(2, 13, 2)), kT0);
  state.OnUpdates(Short(NewMessage(1, 11)), kT0);     // duplicate
  state.OnUpdates(Short(NewMessage(2, 13, 2)), kT0);  // duplicate
  state.OnUpdates(Short(NewMessage(3, 14)), kT0);
  EXPECT_EQ(Take(state), Strings({"msg:1", "msg:2", "msg:3"}));
  EXPECT_EQ(state.boxes().pts, 14);
  EXPECT_FALSE(state.NextDeadline());
  EXPECT_FALSE(state.NextFetch(kT0));
}

TEST(UpdateState, GapFilledByLateArrivals) {
  UpdateState state(Known(10, 0, 0));
  state.OnUpdates(Short(NewMessage(3, 13)), kT0);
  state.OnUpdates(Short(NewMessage(2, 12)), kT0);
  EXPECT_TRUE(Take(state).empty());
  ASSERT_TRUE(state.NextDeadline());
  EXPECT_EQ(*state.NextDeadline(), kT0 + milliseconds(500));
  state.OnUpdates(Short(NewMessage(1, 11)), kT0 + milliseconds(100));
  EXPECT_EQ(Take(state), Strings({"msg:1", "msg:2", "msg:3"}));
  EXPECT_FALSE(state.NextDeadline());
  state.Tick(kT0 + milliseconds(1000));
  EXPECT_FALSE(state.NextFetch(kT0));
}

TEST(UpdateState, GapFilledByDifference) {
  UpdateState state(Known(10, 0, 0));
  state.OnUpdates(Short(NewMessage(2, 12)), kT0);
  state.Tick(kT0 + milliseconds(499));
  EXPECT_FALSE(state.NextFetch(kT0));
  state.Tick(kT0 + milliseconds(500));
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kDifference);
  EXPECT_EQ(fetch->pts, 10);
  // Arrives while the difference is in flight: waits for it.
  state.OnUpdates(Short(NewMessage(3, 13)), kT0 + milliseconds(600));
  state.OnUpdates(Short(NewMessage(1, 11)), kT0 + milliseconds(600));  // late, and in the diff
  EXPECT_TRUE(Take(state).empty());
  auto difference = std::make_unique<api::updates_difference>();
  difference->new_messages.push_back(Msg(1));
  difference->new_messages.push_back(Msg(2));
  difference->state = StatePtr(12, 0, 0);
  ASSERT_TRUE(state.OnDifference(std::move(difference), kT0 + milliseconds(700)).ok());
  EXPECT_EQ(Take(state), Strings({"msg:1*", "msg:2*", "msg:3"}));
  EXPECT_EQ(state.boxes().pts, 13);
  EXPECT_FALSE(state.NextDeadline());
  EXPECT_FALSE(state.syncing());
}

TEST(UpdateState, QtsBoxForBots) {
  UpdateState state(Known(10, 100, 0));
  state.OnUpdates(Container(List(Requester(1, 101)), 0), kT0);
  state.OnUpdates(Container(List(Requester(3, 103)), 0), kT0);  // gap at 102
  state.OnUpdates(Container(List(Requester(1, 101)), 0), kT0);  // duplicate
  EXPECT_EQ(Take(state), Strings({"req:1"}));
  state.OnUpdates(Container(List(Requester(2, 102)), 0), kT0);
  EXPECT_EQ(Take(state), Strings({"req:2", "req:3"}));
  EXPECT_EQ(state.boxes().qts, 103);
  EXPECT_EQ(state.boxes().channel_access_hash.at(77), 7777);  // learned from the entities
}

TEST(UpdateState, QtsGapFilledByDifferenceOtherUpdates) {
  UpdateState state(Known(10, 100, 0));
  state.OnUpdates(Container(List(Requester(3, 103)), 0), kT0);
  state.Tick(kT0 + milliseconds(500));
  ASSERT_TRUE(state.NextFetch(kT0));
  auto difference = std::make_unique<api::updates_difference>();
  difference->other_updates = List(Requester(1, 101), Requester(2, 102), Requester(3, 103));
  difference->state = StatePtr(10, 103, 0);
  ASSERT_TRUE(state.OnDifference(std::move(difference), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"req:1*", "req:2*", "req:3*"}));  // the held 103 is dropped
  EXPECT_EQ(state.boxes().qts, 103);
}

TEST(UpdateState, SeqOrderedContainers) {
  UpdateState state(Known(10, 0, 5));
  state.OnUpdates(Container(List(Pending(2)), 7), kT0);  // seq 6 missing
  EXPECT_TRUE(Take(state).empty());
  state.OnUpdates(Container(List(Pending(1)), 6), kT0);
  EXPECT_EQ(Take(state), Strings({"pending:1", "pending:2"}));
  EXPECT_EQ(state.boxes().seq, 7);
  EXPECT_EQ(state.boxes().date, 2000);
  // An old container: its seq-less updates were applied already; boxed ones are checked.
  state.OnUpdates(Container(List(Pending(1), NewMessage(1, 11)), 6), kT0);
  EXPECT_EQ(Take(state), Strings({"msg:1"}));
  // updatesCombined covers seq_start..seq.
  state.OnUpdates(Container(List(Pending(4)), 10, 9), kT0);  // 8 missing
  state.OnUpdates(Container(List(Pending(3)), 8), kT0);
  EXPECT_EQ(Take(state), Strings({"pending:3", "pending:4"}));
  EXPECT_EQ(state.boxes().seq, 10);
}

TEST(UpdateState, SeqGapFetchesDifference) {
  UpdateState state(Known(10, 0, 5));
  state.OnUpdates(Container(List(Pending(2)), 7), kT0);
  state.Tick(kT0 + milliseconds(500));
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  auto difference = std::make_unique<api::updates_difference>();
  difference->other_updates = List(Pending(1), Pending(2));
  difference->state = StatePtr(10, 0, 7);
  ASSERT_TRUE(state.OnDifference(std::move(difference), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"pending:1*", "pending:2*"}));
  EXPECT_EQ(state.boxes().seq, 7);
}

TEST(UpdateState, DifferenceSlicesContinueFromTheIntermediateState) {
  UpdateState state(Known(10, 0, 0));
  state.Resync();
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->pts, 10);
  auto slice = std::make_unique<api::updates_differenceSlice>();
  slice->new_messages.push_back(Msg(1));
  slice->new_messages.push_back(Msg(2));
  slice->intermediate_state = StatePtr(12, 0, 0);
  ASSERT_TRUE(state.OnDifference(std::move(slice), kT0).ok());
  EXPECT_TRUE(state.syncing());
  fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kDifference);
  EXPECT_EQ(fetch->pts, 12);
  auto last = std::make_unique<api::updates_difference>();
  last->new_messages.push_back(Msg(3));
  last->state = StatePtr(13, 0, 0);
  ASSERT_TRUE(state.OnDifference(std::move(last), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"msg:1*", "msg:2*", "msg:3*"}));
  EXPECT_FALSE(state.NextFetch(kT0));
  EXPECT_FALSE(state.syncing());
}

TEST(UpdateState, TooLongThenResync) {
  UpdateState state(Known(10, 0, 0));
  state.OnUpdates(std::make_unique<api::updatesTooLong>(), kT0);
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  auto too_long = std::make_unique<api::updates_differenceTooLong>();
  too_long->pts = 5000;
  ASSERT_TRUE(state.OnDifference(std::move(too_long), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"toolong:0"}));
  fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->pts, 5000);
  auto empty = std::make_unique<api::updates_differenceEmpty>();
  empty->date = 3000;
  empty->seq = 9;
  ASSERT_TRUE(state.OnDifference(std::move(empty), kT0).ok());
  EXPECT_EQ(state.boxes().pts, 5000);
  EXPECT_EQ(state.boxes().seq, 9);
  EXPECT_EQ(state.boxes().date, 3000);
  EXPECT_FALSE(state.syncing());
}

TEST(UpdateState, ChannelBoxes) {
  UpdateState state(Known(10, 0, 0));
  auto first = Container(List(ChannelMessage(77, 1, 50)), 0);
  state.OnUpdates(std::move(first), kT0);  // the first update of a channel starts its box
  state.OnUpdates(Container(List(ChannelMessage(77, 2, 51)), 0), kT0);
  state.OnUpdates(Container(List(ChannelMessage(77, 4, 53)), 0), kT0);  // gap at 52
  EXPECT_EQ(Take(state), Strings({"chmsg:77:1", "chmsg:77:2"}));
  state.Tick(kT0 + milliseconds(500));
  std::optional<FetchRequest> fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kChannelDifference);
  EXPECT_EQ(fetch->channel_id, 77);
  EXPECT_EQ(fetch->access_hash, 7777);
  EXPECT_EQ(fetch->pts, 51);
  auto partial = std::make_unique<api::updates_channelDifference>();
  partial->new_messages.push_back(Msg(3, 77));
  partial->pts = 52;
  ASSERT_TRUE(state.OnChannelDifference(77, std::move(partial), kT0).ok());
  EXPECT_TRUE(state.syncing());  // not final: more to fetch
  fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->pts, 52);
  auto rest = std::make_unique<api::updates_channelDifference>();
  rest->final_ = true;
  rest->new_messages.push_back(Msg(4, 77));
  rest->pts = 53;
  ASSERT_TRUE(state.OnChannelDifference(77, std::move(rest), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"chmsg:77:3*", "chmsg:77:4*"}));
  EXPECT_EQ(state.boxes().channel_pts.at(77), 53);
  EXPECT_FALSE(state.syncing());
  // updateChannelTooLong, then a channelDifferenceTooLong.
  auto too_long = std::make_unique<api::updateChannelTooLong>();
  too_long->channel_id = 77;
  state.OnUpdates(Short(std::move(too_long)), kT0);
  fetch = state.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kChannelDifference);
  auto long_diff = std::make_unique<api::updates_channelDifferenceTooLong>();
  long_diff->final_ = true;
  auto dialog = std::make_unique<api::dialog>();
  dialog->pts = 900;
  long_diff->dialog = std::move(dialog);
  ASSERT_TRUE(state.OnChannelDifference(77, std::move(long_diff), kT0).ok());
  EXPECT_EQ(Take(state), Strings({"toolong:77"}));
  EXPECT_EQ(state.boxes().channel_pts.at(77), 900);
}

TEST(UpdateState, WrongAnswersAreRefused) {
  UpdateState state(Known(10, 0, 0));
  EXPECT_FALSE(state.OnState(State(1, 1, 1), kT0).ok());
  EXPECT_FALSE(state.OnDifference(std::make_unique<api::updates_differenceEmpty>(), kT0).ok());
  state.Resync();
  ASSERT_TRUE(state.NextFetch(kT0));
  EXPECT_FALSE(state.OnChannelDifference(
                        1, std::make_unique<api::updates_channelDifferenceEmpty>(), kT0)
                   .ok());
  EXPECT_FALSE(state.OnDifference(nullptr, kT0).ok());
}

TEST(UpdateState, FailedFetchIsAskedForAgain) {
  UpdateState state(Known(10, 0, 0));
  state.Resync();
  ASSERT_TRUE(state.NextFetch(kT0));
  state.OnFetchFailed();
  std::optional<FetchRequest> again = state.NextFetch(kT0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Kind::kDifference);
}

TEST(UpdateState, RestartFromPersistedBoxes) {
  UpdateState before(Known(10, 100, 5));
  before.OnUpdates(Container(List(Requester(1, 101)), 0), kT0);
  before.OnUpdates(Container(List(ChannelMessage(77, 1, 50)), 0), kT0);
  ASSERT_EQ(Take(before).size(), 2u);
  const std::string saved = before.boxes().Serialize();
  absl::StatusOr<UpdateBoxes> loaded = UpdateBoxes::Parse(saved);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, before.boxes());
  UpdateState after(*loaded);
  after.Resync();
  std::optional<FetchRequest> fetch = after.NextFetch(kT0);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->kind, Kind::kDifference);
  EXPECT_EQ(fetch->qts, 101);
  // Garbage and truncations are refused, never a crash.
  for (size_t n = 0; n < saved.size(); ++n) {
    EXPECT_FALSE(UpdateBoxes::Parse(saved.substr(0, n)).ok());
  }
  EXPECT_FALSE(UpdateBoxes::Parse(saved + "x").ok());
  EXPECT_FALSE(UpdateBoxes::Parse(std::string(64, '\xff')).ok());
}

TEST(UpdateState, FetchCallsSerialize) {
  FetchRequest difference{Kind::kDifference, 10, 20, 30};
  EXPECT_TRUE(SerializeFetch(difference, 1000).ok());
  FetchRequest channel{Kind::kChannelDifference, 5, 0, 0, 77, 7777};
  EXPECT_TRUE(SerializeFetch(channel).ok());
  EXPECT_TRUE(SerializeFetch(FetchRequest{Kind::kState}).ok());
}

}  // namespace
}  // namespace mtproto::engine

// The UpdateHub's log on its own: numbering in each box, what is pushed, persistence across
// reopening, and updates.getDifference / getChannelDifference answers (empty, exact, slice,
// too long), the secondary box (qts) and the seq stream's order.
#include "mtproto/emulator/update_log.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;
using testing::TempDir;

constexpr int64_t kAdmin = 1000001;
constexpr int64_t kBot = 2000001;
constexpr int64_t kMember = 1000002;
constexpr int64_t kChannel = 777;

tl::ObjectPtr<api::Update> NewMessage(int32_t id) {
  auto message = std::make_unique<api::message>();
  message->id = id;
  auto peer = std::make_unique<api::peerUser>();
  peer->user_id = kMember;
  message->peer_id = std::move(peer);
  message->message = "message " + std::to_string(id);
  auto update = std::make_unique<api::updateNewMessage>();
  update->message = std::move(message);
  return update;
}

tl::ObjectPtr<api::Update> DeleteMessages(std::vector<int32_t> ids) {
  auto update = std::make_unique<api::updateDeleteMessages>();
  update->messages = std::move(ids);
  return update;
}

tl::ObjectPtr<api::Update> JoinRequest(int64_t user_id) {
  auto invite = std::make_unique<api::chatInviteExported>();
  invite->link = "https://t.me/+abc";
  invite->admin_id = kAdmin;
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = kChannel;
  auto update = std::make_unique<api::updateBotChatInviteRequester>();
  update->peer = std::move(peer);
  update->user_id = user_id;
  update->about = "let me in";
  update->invite = std::move(invite);
  return update;
}

std::vector<tl::ObjectPtr<api::Update>> Pending(int count) {
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = kChannel;
  auto update = std::make_unique<api::updatePendingJoinRequests>();
  update->peer = std::move(peer);
  update->requests_pending = count;
  update->recent_requesters = {kMember};
  std::vector<tl::ObjectPtr<api::Update>> updates;
  updates.push_back(std::move(update));
  return updates;
}

tl::ObjectPtr<api::Update> ChannelMessage(int32_t id) {
  auto message = std::make_unique<api::message>();
  message->id = id;
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = kChannel;
  message->peer_id = std::move(peer);
  auto update = std::make_unique<api::updateNewChannelMessage>();
  update->message = std::move(message);
  return update;
}

UpdateEntities WithUser(int64_t id, const std::string& name) {
  auto user = std::make_unique<api::user>();
  user->id = id;
  user->first_name = name;
  UpdateEntities entities;
  entities.users.push_back(std::move(user));
  return entities;
}

UpdateEntities WithChannel(const std::string& title) {
  auto channel = std::make_unique<api::channel>();
  channel->id = kChannel;
  channel->title = title;
  channel->photo = std::make_unique<api::chatPhotoEmpty>();
  UpdateEntities entities;
  entities.chats.push_back(std::move(channel));
  return entities;
}

api::updates_getDifference Since(int32_t pts, int32_t qts, int32_t date) {
  api::updates_getDifference request;
  request.pts = pts;
  request.qts = qts;
  request.date = date;
  return request;
}

template <typename T, typename Base>
const T* As(const tl::ObjectPtr<Base>& object) {
  return object && object->ConstructorId() == T::kId ? static_cast<const T*>(object.get())
                                                      : nullptr;
}

class UpdateLogTest : public ::testing::Test {
 protected:
  void Open(UpdateLogOptions options = {}) {
    log_.reset();
    auto log = UpdateLog::Open(dir_.path(), [this] { return absl::FromUnixSeconds(now_); },
                               options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    log_->SetDeliver([this](int64_t user_id, const api::Updates& updates) {
      pushed_.emplace_back(user_id, updates.ToString());
      if (updates.ConstructorId() == api::updates::kId) {
        last_seq_ = static_cast<const api::updates&>(updates).seq;
      }
    });
  }

  api::updates_state State(int64_t user) {
    auto state = log_->State(user);
    EXPECT_TRUE(state.ok()) << state.status();
    return state.ok() ? **state : api::updates_state{};
  }

  TempDir dir_;
  int64_t now_ = 1'700'000'000;
  std::unique_ptr<UpdateLog> log_;
  std::vector<std::pair<int64_t, std::string>> pushed_;
  int32_t last_seq_ = -1;
};

TEST_F(UpdateLogTest, NumbersEachBoxAndPushesAfterLogging) {
  Open();
  EXPECT_EQ(State(kAdmin).pts, 1);
  EXPECT_EQ(State(kAdmin).qts, 0);
  EXPECT_EQ(State(kAdmin).seq, 0);

  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(10), 1, WithUser(kMember, "Mia")).ok());
  ASSERT_TRUE(log_->PublishPts(kAdmin, DeleteMessages({3, 4}), 2, {}).ok());
  ASSERT_TRUE(log_->PublishQts(kBot, JoinRequest(kMember), {}).ok());
  ASSERT_TRUE(log_->PublishQts(kBot, JoinRequest(kAdmin), {}).ok());
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(1), {}).ok());
  EXPECT_EQ(last_seq_, 1);
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(2), {}).ok());
  EXPECT_EQ(last_seq_, 2);

  EXPECT_EQ(State(kAdmin).pts, 4);
  EXPECT_EQ(State(kAdmin).seq, 2);
  EXPECT_EQ(State(kBot).qts, 2);
  EXPECT_EQ(State(kBot).pts, 1);
  EXPECT_EQ(State(kAdmin).date, now_ + 1);  // after the seq update of this second

  ASSERT_EQ(pushed_.size(), 6u);
  EXPECT_EQ(pushed_[0].first, kAdmin);
  EXPECT_NE(pushed_[0].second.find("pts=2 pts_count=1"), std::string::npos) << pushed_[0].second;
  EXPECT_NE(pushed_[1].second.find("pts=4 pts_count=2"), std::string::npos) << pushed_[1].second;
  EXPECT_EQ(pushed_[2].first, kBot);
  EXPECT_NE(pushed_[3].second.find("qts=2"), std::string::npos) << pushed_[3].second;
  EXPECT_NE(pushed_[0].second.find("Mia"), std::string::npos);
}

TEST_F(UpdateLogTest, RefusesUpdatesOutsideTheirBox) {
  Open();
  EXPECT_TRUE(absl::IsInvalidArgument(log_->PublishPts(kAdmin, JoinRequest(1), 1, {})));
  EXPECT_TRUE(absl::IsInvalidArgument(log_->PublishQts(kBot, NewMessage(1), {})));
  EXPECT_TRUE(absl::IsInvalidArgument(log_->PublishPts(kAdmin, nullptr, 1, {})));
  EXPECT_TRUE(absl::IsInvalidArgument(log_->PublishPts(kAdmin, NewMessage(1), 0, {})));
  EXPECT_EQ(State(kAdmin).pts, 1);
  EXPECT_TRUE(pushed_.empty());
}

TEST_F(UpdateLogTest, PersistsAcrossReopenInAPrivateFile) {
  Open();
  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(1), 1, {}).ok());
  ASSERT_TRUE(log_->PublishQts(kAdmin, JoinRequest(kMember), {}).ok());
  ASSERT_TRUE(log_->PublishChannel(kChannel, ChannelMessage(5), 1, {kAdmin}, nullptr).ok());
  Open();
  EXPECT_EQ(State(kAdmin).pts, 2);
  EXPECT_EQ(State(kAdmin).qts, 1);
  EXPECT_EQ(log_->ChannelPts(kChannel), 2);
  auto difference = log_->Difference(kAdmin, Since(1, 0, 0));
  ASSERT_TRUE(difference.ok()) << difference.status();
  const auto* full = As<api::updates_difference>(*difference);
  ASSERT_NE(full, nullptr) << (*difference)->ToString();
  EXPECT_EQ(full->new_messages.size(), 1u);
  EXPECT_EQ(full->other_updates.size(), 1u);

  struct stat st{};
  ASSERT_EQ(::stat((dir_.path() / "updates.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(UpdateLogTest, DifferenceEmptyExactAndErrors) {
  Open();
  auto empty = log_->Difference(kAdmin, Since(1, 0, static_cast<int32_t>(now_)));
  ASSERT_TRUE(empty.ok());
  const auto* nothing = As<api::updates_differenceEmpty>(*empty);
  ASSERT_NE(nothing, nullptr) << (*empty)->ToString();
  EXPECT_EQ(nothing->seq, 0);

  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(1), 1, WithUser(kMember, "Old name")).ok());
  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(2), 1, WithUser(kMember, "New name")).ok());
  ASSERT_TRUE(log_->PublishPts(kAdmin, DeleteMessages({1}), 1, {}).ok());

  auto exact = log_->Difference(kAdmin, Since(2, 0, 0));  // saw the first message only
  ASSERT_TRUE(exact.ok());
  const auto* diff = As<api::updates_difference>(*exact);
  ASSERT_NE(diff, nullptr) << (*exact)->ToString();
  ASSERT_EQ(diff->new_messages.size(), 1u);
  EXPECT_EQ(static_cast<const api::message&>(*diff->new_messages[0]).id, 2);
  ASSERT_EQ(diff->other_updates.size(), 1u);
  EXPECT_EQ(diff->other_updates[0]->ConstructorId(), api::updateDeleteMessages::kId);
  ASSERT_EQ(diff->users.size(), 1u);  // one user, in its newest form
  EXPECT_EQ(static_cast<const api::user&>(*diff->users[0]).first_name, "New name");
  const auto& state = static_cast<const api::updates_state&>(*diff->state);
  EXPECT_EQ(state.pts, 4);

  auto all = log_->Difference(kAdmin, Since(1, 0, 0));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(As<api::updates_difference>(*all)->new_messages.size(), 2u);
  EXPECT_EQ(As<api::updates_difference>(*all)->users.size(), 1u);

  EXPECT_EQ(log_->Difference(kAdmin, Since(5, 0, 0)).status().message(),
            "PERSISTENT_TIMESTAMP_INVALID");
  EXPECT_EQ(log_->Difference(kAdmin, Since(0, 0, 0)).status().message(),
            "PERSISTENT_TIMESTAMP_EMPTY");
  EXPECT_EQ(log_->Difference(kAdmin, Since(1, 3, 0)).status().message(),
            "PERSISTENT_TIMESTAMP_INVALID");
}

TEST_F(UpdateLogTest, DifferenceSlicesPageByPage) {
  UpdateLogOptions options;
  options.difference_page = 2;
  Open(options);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(log_->PublishPts(kBot, NewMessage(i), 1, {}).ok());
    ASSERT_TRUE(log_->PublishQts(kBot, JoinRequest(kMember + i), {}).ok());
  }
  ASSERT_TRUE(log_->PublishSeq(kBot, Pending(5), {}).ok());

  api::updates_getDifference request = Since(1, 0, static_cast<int32_t>(now_));
  std::vector<int32_t> messages;
  int qts_updates = 0, pending_updates = 0, slices = 0;
  for (int round = 0; round < 10; ++round) {
    auto page = log_->Difference(kBot, request);
    ASSERT_TRUE(page.ok()) << page.status();
    const api::updates_state* state = nullptr;
    auto take = [&](const auto& d) {
      for (const auto& m : d.new_messages) messages.push_back(static_cast<const api::message&>(*m).id);
      for (const auto& u : d.other_updates) {
        if (u->ConstructorId() == api::updateBotChatInviteRequester::kId) ++qts_updates;
        if (u->ConstructorId() == api::updatePendingJoinRequests::kId) ++pending_updates;
      }
    };
    if (const auto* slice = As<api::updates_differenceSlice>(*page)) {
      ++slices;
      take(*slice);
      EXPECT_LE(slice->new_messages.size(), 2u);
      state = static_cast<const api::updates_state*>(slice->intermediate_state.get());
      EXPECT_EQ(state->date, request.date);  // the seq stream still to come
    } else if (const auto* last = As<api::updates_difference>(*page)) {
      take(*last);
      state = static_cast<const api::updates_state*>(last->state.get());
      EXPECT_EQ(state->pts, 6);
      EXPECT_EQ(state->qts, 5);
      EXPECT_EQ(state->seq, 1);
      break;
    } else {
      FAIL() << (*page)->ToString();
    }
    request.pts = state->pts;
    request.qts = state->qts;
    request.date = state->date;
  }
  EXPECT_EQ(slices, 2);
  EXPECT_EQ(messages, (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(qts_updates, 5);
  EXPECT_EQ(pending_updates, 1);

  // pts_limit asks for smaller pages.
  api::updates_getDifference small = Since(1, 5, 0);
  small.pts_limit = 1;
  auto one = log_->Difference(kBot, small);
  ASSERT_TRUE(one.ok());
  ASSERT_NE(As<api::updates_differenceSlice>(*one), nullptr);
  EXPECT_EQ(As<api::updates_differenceSlice>(*one)->new_messages.size(), 1u);
}

TEST_F(UpdateLogTest, DifferenceTooLongBeyondTheLogOrTheTotalLimit) {
  UpdateLogOptions options;
  options.max_entries_per_box = 3;
  Open(options);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(i), 1, {}).ok());
  // Entries for pts 2 and 3 are gone: a client at pts 1 or 2 cannot be caught up.
  for (int32_t pts : {1, 2}) {
    auto too_long = log_->Difference(kAdmin, Since(pts, 0, 0));
    ASSERT_TRUE(too_long.ok());
    const auto* answer = As<api::updates_differenceTooLong>(*too_long);
    ASSERT_NE(answer, nullptr) << pts << ": " << (*too_long)->ToString();
    EXPECT_EQ(answer->pts, 6);
  }
  auto caught_up = log_->Difference(kAdmin, Since(3, 0, 0));
  ASSERT_TRUE(caught_up.ok());
  ASSERT_NE(As<api::updates_difference>(*caught_up), nullptr) << (*caught_up)->ToString();
  EXPECT_EQ(As<api::updates_difference>(*caught_up)->new_messages.size(), 3u);

  api::updates_getDifference limited = Since(3, 0, 0);
  limited.pts_total_limit = 2;
  auto over = log_->Difference(kAdmin, limited);
  ASSERT_TRUE(over.ok());
  EXPECT_NE(As<api::updates_differenceTooLong>(*over), nullptr);
  limited.pts_total_limit = 3;
  EXPECT_NE(As<api::updates_difference>(*log_->Difference(kAdmin, limited)), nullptr);

  // The age bound drops entries too.
  UpdateLogOptions aged;
  aged.max_age = absl::Hours(1);
  Open(aged);
  now_ += 2 * 3600;
  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(6), 1, {}).ok());
  EXPECT_NE(As<api::updates_differenceTooLong>(*log_->Difference(kAdmin, Since(5, 0, 0))),
            nullptr);
  EXPECT_NE(As<api::updates_difference>(*log_->Difference(kAdmin, Since(6, 0, 0))), nullptr);
}

TEST_F(UpdateLogTest, QtsDifferenceForABot) {
  Open();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(log_->PublishQts(kBot, JoinRequest(kMember + i), WithUser(kMember + i, "U")).ok());
  }
  auto difference = log_->Difference(kBot, Since(1, 1, 0));
  ASSERT_TRUE(difference.ok());
  const auto* diff = As<api::updates_difference>(*difference);
  ASSERT_NE(diff, nullptr) << (*difference)->ToString();
  ASSERT_EQ(diff->other_updates.size(), 2u);
  const auto& first = static_cast<const api::updateBotChatInviteRequester&>(*diff->other_updates[0]);
  EXPECT_EQ(first.qts, 2);
  EXPECT_EQ(first.user_id, kMember + 1);
  EXPECT_EQ(diff->users.size(), 2u);
  EXPECT_EQ(static_cast<const api::updates_state&>(*diff->state).qts, 3);
}

TEST_F(UpdateLogTest, SeqUpdatesFollowTheClientsDateInOrder) {
  Open();
  const int32_t t0 = static_cast<int32_t>(now_);
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(1), {}).ok());
  now_ += 10;
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(2), {}).ok());
  ASSERT_TRUE(log_->PublishPts(kAdmin, NewMessage(1), 1, {}).ok());
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(3), {}).ok());

  // A client whose state is from t0 + 5 missed the last two seq updates and the message.
  auto difference = log_->Difference(kAdmin, Since(1, 0, t0 + 5));
  ASSERT_TRUE(difference.ok());
  const auto* diff = As<api::updates_difference>(*difference);
  ASSERT_NE(diff, nullptr) << (*difference)->ToString();
  ASSERT_EQ(diff->other_updates.size(), 2u);
  EXPECT_EQ(static_cast<const api::updatePendingJoinRequests&>(*diff->other_updates[0]).requests_pending, 2);
  EXPECT_EQ(static_cast<const api::updatePendingJoinRequests&>(*diff->other_updates[1]).requests_pending, 3);
  EXPECT_EQ(static_cast<const api::updates_state&>(*diff->state).seq, 3);

  // Nothing new since pts 2 and the current date: empty, with the current seq.
  auto none = log_->Difference(kAdmin, Since(2, 0, static_cast<int32_t>(now_) + 1));
  ASSERT_TRUE(none.ok());
  const auto* empty = As<api::updates_differenceEmpty>(*none);
  ASSERT_NE(empty, nullptr) << (*none)->ToString();
  EXPECT_EQ(empty->seq, 3);
}

TEST_F(UpdateLogTest, SeqUpdatesWithinOneSecondAreNeitherLostNorRepeated) {
  Open();
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(1), {}).ok());
  const api::updates_state seen = State(kAdmin);  // the same second as that update
  ASSERT_TRUE(log_->PublishSeq(kAdmin, Pending(2), {}).ok());  // still the same second
  auto difference = log_->Difference(kAdmin, Since(seen.pts, seen.qts, seen.date));
  ASSERT_TRUE(difference.ok());
  const auto* diff = As<api::updates_difference>(*difference);
  ASSERT_NE(diff, nullptr) << (*difference)->ToString();
  ASSERT_EQ(diff->other_updates.size(), 1u);
  EXPECT_EQ(static_cast<const api::updatePendingJoinRequests&>(*diff->other_updates[0]).requests_pending, 2);
  const auto& state = static_cast<const api::updates_state&>(*diff->state);
  EXPECT_EQ(state.seq, 2);
  auto again = log_->Difference(kAdmin, Since(state.pts, state.qts, state.date));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(As<api::updates_differenceEmpty>(*again), nullptr) << (*again)->ToString();
}

TEST_F(UpdateLogTest, ChannelBoxDifferences) {
  UpdateLogOptions options;
  options.max_entries_per_box = 4;
  Open(options);
  EXPECT_EQ(log_->ChannelPts(kChannel), 1);
  auto view = [](int64_t recipient) {
    return WithChannel(recipient == kAdmin ? "seen by admin" : "seen by member");
  };
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(log_->PublishChannel(kChannel, ChannelMessage(i), 1, {kAdmin, kMember}, view).ok());
  }
  EXPECT_EQ(log_->ChannelPts(kChannel), 4);
  EXPECT_EQ(pushed_.size(), 6u);  // each recipient, each update

  auto empty = log_->ChannelDifference(kAdmin, kChannel, 4, 100);
  ASSERT_TRUE(empty.ok());
  const auto* nothing = As<api::updates_channelDifferenceEmpty>(*empty);
  ASSERT_NE(nothing, nullptr) << (*empty)->ToString();
  EXPECT_TRUE(nothing->final_);
  EXPECT_EQ(nothing->pts, 4);

  auto some = log_->ChannelDifference(kMember, kChannel, 2, 100);
  ASSERT_TRUE(some.ok());
  const auto* diff = As<api::updates_channelDifference>(*some);
  ASSERT_NE(diff, nullptr) << (*some)->ToString();
  EXPECT_EQ(diff->pts, 4);
  ASSERT_EQ(diff->new_messages.size(), 2u);
  EXPECT_EQ(static_cast<const api::message&>(*diff->new_messages[0]).id, 2);
  ASSERT_EQ(diff->chats.size(), 1u);
  EXPECT_EQ(static_cast<const api::channel&>(*diff->chats[0]).title, "seen by member");

  // pts + limit < remote pts: too long.
  auto limited = log_->ChannelDifference(kAdmin, kChannel, 1, 2);
  ASSERT_TRUE(limited.ok());
  const auto* too_long = As<api::updates_channelDifferenceTooLong>(*limited);
  ASSERT_NE(too_long, nullptr) << (*limited)->ToString();
  EXPECT_EQ(*static_cast<const api::dialog&>(*too_long->dialog).pts, 4);

  // Beyond the log: two more updates push pts 2 out (4 entries kept).
  for (int i = 4; i <= 5; ++i) {
    ASSERT_TRUE(log_->PublishChannel(kChannel, ChannelMessage(i), 1, {kAdmin}, view).ok());
  }
  auto gone = log_->ChannelDifference(kAdmin, kChannel, 1, 1000);
  ASSERT_TRUE(gone.ok());
  EXPECT_NE(As<api::updates_channelDifferenceTooLong>(*gone), nullptr) << (*gone)->ToString();
  auto kept = log_->ChannelDifference(kAdmin, kChannel, 2, 1000);
  ASSERT_TRUE(kept.ok());
  ASSERT_NE(As<api::updates_channelDifference>(*kept), nullptr) << (*kept)->ToString();
  EXPECT_EQ(As<api::updates_channelDifference>(*kept)->new_messages.size(), 4u);

  EXPECT_EQ(log_->ChannelDifference(kAdmin, kChannel, 9, 10).status().message(),
            "PERSISTENT_TIMESTAMP_INVALID");
}

}  // namespace
}  // namespace mtproto::emulator

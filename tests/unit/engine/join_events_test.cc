// engine::JoinEvents: bot updates become typed events; a user admin's pending counts become
// concrete requests by diffing fetched importers; keys are stable; state survives a restart.
#include "mtproto/engine/join_events.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;
using Kind = JoinEvent::Kind;

constexpr int64_t kChannel = 77;
const int64_t kChatId = ChannelChatId(kChannel);  // -1000000000077

tl::ObjectPtr<api::Peer> ChannelPeer() {
  auto peer = std::make_unique<api::peerChannel>();
  peer->channel_id = kChannel;
  return peer;
}

tl::ObjectPtr<api::ExportedChatInvite> Invite(const std::string& link) {
  auto invite = std::make_unique<api::chatInviteExported>();
  invite->link = link;
  invite->request_needed = true;
  return invite;
}

AppliedUpdate Applied(tl::ObjectPtr<api::Update> update, int32_t date = 0,
                      std::shared_ptr<const UpdateEntities> entities = nullptr) {
  AppliedUpdate applied;
  applied.update = std::move(update);
  applied.entities = entities ? entities : std::make_shared<const UpdateEntities>();
  applied.date = date;
  return applied;
}

AppliedUpdate Requester(int64_t user, int32_t date, const std::string& about) {
  auto u = std::make_unique<api::updateBotChatInviteRequester>();
  u->peer = ChannelPeer();
  u->date = date;
  u->user_id = user;
  u->about = about;
  u->invite = Invite("https://t.me/+abc");
  u->qts = 1;
  return Applied(std::move(u));
}

AppliedUpdate Participant(int64_t user, int64_t actor, int32_t date, bool with_invite) {
  auto u = std::make_unique<api::updateChannelParticipant>();
  u->channel_id = kChannel;
  u->date = date;
  u->actor_id = actor;
  u->user_id = user;
  auto member = std::make_unique<api::channelParticipant>();
  member->user_id = user;
  member->date = date;
  u->new_participant = std::move(member);
  if (with_invite) u->invite = Invite("https://t.me/+abc");
  return Applied(std::move(u));
}

AppliedUpdate Pending(int32_t count, std::vector<int64_t> recent, int32_t date) {
  auto u = std::make_unique<api::updatePendingJoinRequests>();
  u->peer = ChannelPeer();
  u->requests_pending = count;
  u->recent_requesters = std::move(recent);
  auto entities = std::make_shared<UpdateEntities>();
  auto channel = std::make_unique<api::channel>();
  channel->id = kChannel;
  channel->access_hash = 4242;
  entities->chats.push_back(std::move(channel));
  return Applied(std::move(u), date, std::move(entities));
}

std::vector<std::string> Keys(JoinEvents& events) {
  std::vector<std::string> keys;
  for (const JoinEvent& e : events.TakeEvents()) keys.push_back(e.key);
  return keys;
}

using Strings = std::vector<std::string>;

TEST(JoinEvents, BotRequestsAndApprovals) {
  JoinEvents events(/*is_bot=*/true);
  events.OnUpdate(Requester(5, 1000, "hi"));
  events.OnUpdate(Participant(5, 9, 1010, true));    // approved by admin 9
  events.OnUpdate(Participant(6, 6, 1020, true));    // joined by a link by itself: no event
  events.OnUpdate(Participant(7, 9, 1030, false));   // added by an admin: no event
  std::vector<JoinEvent> out = events.TakeEvents();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Kind::kRequestCreated);
  EXPECT_EQ(out[0].chat_id, -1000000000077);
  EXPECT_EQ(out[0].user_id, 5);
  EXPECT_EQ(out[0].date, 1000);
  EXPECT_EQ(out[0].about, "hi");
  EXPECT_EQ(out[0].link, "https://t.me/+abc");
  EXPECT_EQ(out[0].key, "created:-1000000000077:5:1000");
  EXPECT_EQ(out[1].kind, Kind::kRequestResolved);
  EXPECT_EQ(out[1].outcome, JoinEvent::Outcome::kApproved);
  EXPECT_EQ(out[1].by_user_id, 9);
  EXPECT_EQ(out[1].key, "resolved:-1000000000077:5:1010");
  // Bots cannot list importers: a pending count is reported, nothing is fetched.
  events.OnUpdate(Pending(3, {1, 2}, 1100));
  EXPECT_EQ(Keys(events), Strings({"pending:-1000000000077:1100:3:1,2"}));
  EXPECT_FALSE(events.NextFetch());
}

TEST(JoinEvents, UserAdminDiffsFetchedImporters) {
  JoinEvents events(/*is_bot=*/false);
  events.OnUpdate(Pending(2, {11, 12}, 1100));
  EXPECT_EQ(Keys(events), Strings({"pending:-1000000000077:1100:2:11,12"}));
  std::optional<PendingFetch> fetch = events.NextFetch();
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->chat_id, kChatId);
  EXPECT_TRUE(fetch->is_channel);
  EXPECT_EQ(fetch->peer_id, kChannel);
  EXPECT_EQ(fetch->access_hash, 4242);
  EXPECT_FALSE(events.NextFetch());  // one at a time
  events.OnPendingRequesters(kChatId, {{12, 1002, "b"}, {11, 1001, "a"}});
  std::vector<JoinEvent> out = events.TakeEvents();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].key, "created:-1000000000077:11:1001");  // in request order
  EXPECT_EQ(out[0].about, "a");
  EXPECT_EQ(out[1].key, "created:-1000000000077:12:1002");
  // 11 was resolved, 13 asked, 12 still waits.
  events.OnUpdate(Pending(2, {13, 12}, 1200));
  EXPECT_EQ(Keys(events).size(), 1u);
  ASSERT_TRUE(events.NextFetch());
  events.OnPendingRequesters(kChatId, {{12, 1002, "b"}, {13, 1003, "c"}});
  out = events.TakeEvents();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Kind::kRequestResolved);
  EXPECT_EQ(out[0].user_id, 11);
  EXPECT_EQ(out[0].request_date, 1001);
  EXPECT_EQ(out[0].key, "resolved:-1000000000077:11:1001");
  EXPECT_EQ(out[1].key, "created:-1000000000077:13:1003");
  // Nothing changed: nothing emitted.
  events.RefetchAll();
  ASSERT_TRUE(events.NextFetch());
  events.OnPendingRequesters(kChatId, {{12, 1002, "b"}, {13, 1003, "c"}});
  EXPECT_TRUE(Keys(events).empty());
}

TEST(JoinEvents, FailedFetchIsRetriedAndARestartRepairs) {
  JoinEvents events(/*is_bot=*/false);
  events.OnUpdate(Pending(1, {11}, 1100));
  (void)events.TakeEvents();
  ASSERT_TRUE(events.NextFetch());
  events.OnFetchFailed(kChatId);
  ASSERT_TRUE(events.NextFetch());
  events.OnPendingRequesters(kChatId, {{11, 1001, ""}});
  EXPECT_EQ(Keys(events), Strings({"created:-1000000000077:11:1001"}));
  // Persisted, restarted; meanwhile 11 was resolved and asked again, and 14 asked.
  const std::string saved = events.state().Serialize();
  absl::StatusOr<JoinEventsState> loaded = JoinEventsState::Parse(saved);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, events.state());
  JoinEvents after(false, *loaded);
  after.RefetchAll();
  ASSERT_TRUE(after.NextFetch());
  after.OnPendingRequesters(kChatId, {{11, 1500, "again"}, {14, 1400, ""}});
  EXPECT_EQ(Keys(after), Strings({"resolved:-1000000000077:11:1001",
                                  "created:-1000000000077:14:1400",
                                  "created:-1000000000077:11:1500"}));
  for (size_t n = 0; n < saved.size(); ++n) {
    EXPECT_FALSE(JoinEventsState::Parse(saved.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(JoinEventsState::Parse(saved + "xxxx").ok());
  EXPECT_FALSE(JoinEventsState::Parse(std::string(40, '\x7f')).ok());
}

TEST(JoinEvents, ForgetDropsTheChat) {
  JoinEvents events(false);
  events.OnUpdate(Pending(1, {11}, 1100));
  ASSERT_TRUE(events.NextFetch());
  events.Forget(kChatId);
  EXPECT_FALSE(events.NextFetch());
  EXPECT_TRUE(events.state().chats.empty());
}

}  // namespace
}  // namespace mtproto::engine

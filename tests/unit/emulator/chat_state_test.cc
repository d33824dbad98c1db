// ChatState: seeding from the world's chats, persistence of every kind of row across a reopen,
// and invite hashes; plus the world file's chats (parsing and validation).
#include "mtproto/emulator/chat_state.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mtproto/crypto/random.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

constexpr int64_t kNow = 1700000000;

TEST(WorldChats, SampleHasAGroupASupergroupAndAChannel) {
  const World& world = World::Sample();
  ASSERT_EQ(world.chats().size(), 3u);
  const WorldChat* group = world.FindChat(3000001);
  const WorldChat* supergroup = world.FindChat(4000001);
  const WorldChat* channel = world.FindChat(4000002);
  ASSERT_TRUE(group && supergroup && channel);
  EXPECT_EQ(group->kind, ChatKind::kGroup);
  EXPECT_EQ(supergroup->kind, ChatKind::kSupergroup);
  EXPECT_EQ(supergroup->username, "invitegate_group");
  EXPECT_EQ(channel->kind, ChatKind::kChannel);
  for (const WorldChat* c : {group, supergroup, channel}) {
    EXPECT_EQ(c->creator, 1000001);
    ASSERT_EQ(c->admins.size(), 2u);
    EXPECT_EQ(c->admins[0].user, 1000002);
    EXPECT_TRUE(c->admins[0].rights & kRightInviteUsers);
    EXPECT_EQ(c->admins[1].user, 2000001);  // the first sample bot
    EXPECT_TRUE(c->admins[1].rights & kRightInviteUsers);
    EXPECT_EQ(c->members, std::vector<int64_t>{1000003});
  }
  EXPECT_NE(channel->access_hash, 0);
  // Joiners Dave..Ivan, login code 44444.
  for (int64_t id = 1000004; id <= 1000009; ++id) ASSERT_TRUE(world.FindAccount(id).user) << id;
}

TEST(WorldChats, RoundTripThroughJson) {
  auto back = World::FromJson(World::Sample().ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), World::Sample().ToJson());
  EXPECT_EQ(back->chats().size(), 3u);
}

struct BadChat {
  const char* chats;
  const char* error;
};

class WorldChatValidation : public ::testing::TestWithParam<BadChat> {};

TEST_P(WorldChatValidation, NamesTheProblem) {
  const std::string json = std::string(
      R"({"users":[{"id":1,"first_name":"A","phone":"9996611111","username":"alice_a"},
                   {"id":2,"first_name":"B","phone":"9996611112"}],
          "bots":[{"id":3,"first_name":"Bot","username":"some_bot","token":"3:AAAAAAAAAAAAAAAAAAAAAAAA"}],
          "chats":)") + GetParam().chats + "}";
  auto world = World::FromJson(json);
  ASSERT_FALSE(world.ok());
  EXPECT_THAT(std::string(world.status().message()), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, WorldChatValidation,
    ::testing::Values(
        BadChat{R"([{"id":10,"kind":"forum","title":"T","creator":1}])", "bad kind"},
        BadChat{R"([{"id":10,"kind":"group","title":"","creator":1}])", "title"},
        BadChat{R"([{"id":10,"kind":"group","title":"T","creator":1,"username":"group_name"}])",
                "basic groups cannot have a username"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":1,"username":"alice_a"}])",
                "duplicate username"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":3}])", "creator 3"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":1,"members":[99]}])", "member 99"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":1,"members":[1]}])",
                "duplicate participant"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":1,
                     "admins":[{"user":2,"rights":["fly"]}]}])", "unknown right"},
        BadChat{R"([{"id":10,"kind":"channel","title":"T","creator":1,"join_request":true}])",
                "join_request"},
        BadChat{R"([{"id":10,"kind":"group","title":"T","creator":1},
                    {"id":10,"kind":"group","title":"U","creator":1}])", "duplicate chat id"}));

class ChatStateTest : public ::testing::Test {
 protected:
  void Open() {
    state_.reset();
    auto state = ChatState::Open(dir_.path(), World::Sample(), random_, kNow);
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = *std::move(state);
  }
  void SetUp() override { Open(); }

  TempDir dir_;
  crypto::DeterministicRandom random_{7};
  std::unique_ptr<ChatState> state_;
};

TEST_F(ChatStateTest, SeedsTheWorldsChatsWithAPrimaryLink) {
  ASSERT_EQ(state_->chats().size(), 3u);
  for (const auto& [id, chat] : state_->chats()) {
    const InviteLink* primary = state_->FindLink(chat.primary_hash);
    ASSERT_NE(primary, nullptr);
    EXPECT_TRUE(primary->permanent);
    EXPECT_FALSE(primary->revoked);
    EXPECT_EQ(primary->admin_id, 1000001);
    EXPECT_EQ(primary->chat_id, id);
    EXPECT_EQ(chat.Find(1000001)->role, Role::kCreator);
    EXPECT_TRUE(chat.Find(1000002)->Can(kRightInviteUsers));
    EXPECT_FALSE(chat.Find(1000002)->Can(kRightAddAdmins));
    EXPECT_EQ(chat.Find(1000003)->role, Role::kMember);
    EXPECT_FALSE(chat.Find(1000003)->Can(kRightInviteUsers));
    EXPECT_EQ(chat.Count(), 4);
  }
  EXPECT_EQ(state_->FindByUsername("INVITEGATE_group")->id, 4000001);
  EXPECT_EQ(state_->FindByUsername("nobody_here"), nullptr);
}

TEST_F(ChatStateTest, HashesAreUrlSafeAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string hash = state_->NewHash();
    EXPECT_EQ(hash.size(), 16u);
    EXPECT_EQ(hash.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_TRUE(seen.insert(hash).second);
  }
}

TEST_F(ChatStateTest, EveryMutationSurvivesAReopen) {
  const std::string primary = state_->FindChat(4000002)->primary_hash;
  InviteLink link;
  link.hash = state_->NewHash();
  link.chat_id = 4000002;
  link.admin_id = 1000002;
  link.date = kNow;
  link.expire_date = kNow + 3600;
  link.usage_limit = 5;
  link.usage = 2;
  link.requested = 1;
  link.title = "Spring";
  link.pricing = SubscriptionPricing{2592000, 100};
  ASSERT_TRUE(state_->PutLink(link).ok());
  ASSERT_TRUE(state_->PutParticipant(4000002, Participant{1000004, Role::kMember, 0, 1000002, kNow + 1, true}).ok());
  ASSERT_TRUE(state_->PutImporter(Importer{4000002, 1000004, kNow + 1, link.hash, "", 1000001, true}).ok());
  ASSERT_TRUE(state_->PutRequest(Importer{4000002, 1000005, kNow + 2, link.hash, "hi", 0, true}).ok());
  ChatRecord chat = *state_->FindChat(4000002);
  chat.title = "Renamed";
  chat.join_to_send = true;
  ASSERT_TRUE(state_->PutChat(chat).ok());
  ASSERT_TRUE(state_->NextMessageId(4000002).ok());
  ASSERT_TRUE(state_->DeleteLink(primary).ok());

  Open();
  const InviteLink* back = state_->FindLink(link.hash);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->admin_id, 1000002);
  EXPECT_EQ(back->expire_date, kNow + 3600);
  EXPECT_EQ(back->usage_limit, 5);
  EXPECT_EQ(back->usage, 2);
  EXPECT_EQ(back->requested, 1);
  EXPECT_EQ(back->title, "Spring");
  ASSERT_TRUE(back->pricing.has_value());
  EXPECT_EQ(back->pricing->amount, 100);
  EXPECT_FALSE(back->start_date.has_value());
  EXPECT_EQ(state_->FindLink(primary), nullptr);
  const ChatRecord* c = state_->FindChat(4000002);
  EXPECT_EQ(c->title, "Renamed");
  EXPECT_TRUE(c->join_to_send);
  EXPECT_EQ(c->top_message, 1);
  ASSERT_NE(c->Find(1000004), nullptr);
  EXPECT_TRUE(c->Find(1000004)->via_request);
  EXPECT_EQ(c->Find(1000004)->inviter_id, 1000002);
  ASSERT_EQ(state_->ImportersOf(4000002).size(), 1u);
  EXPECT_EQ(state_->ImportersOf(4000002)[0]->approved_by, 1000001);
  const Importer* request = state_->FindRequest(4000002, 1000005);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->about, "hi");
  ASSERT_TRUE(state_->DeleteRequest(4000002, 1000005).ok());
  Open();
  EXPECT_EQ(state_->FindRequest(4000002, 1000005), nullptr);
  // Seeding does not run again for chats already stored.
  EXPECT_EQ(state_->FindChat(4000002)->title, "Renamed");
}

}  // namespace
}  // namespace mtproto::emulator

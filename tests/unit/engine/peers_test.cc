// Peer references (ParsePeerRef, Bot API ids), their TL forms, what Users/Chats give the cache,
// and the persisted peer cache over a real SessionStore (survives reopening; usernames move).
#include "mtproto/engine/peers.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "mtproto/engine/invites.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;
using Kind = PeerRef::Kind;

PeerRef Ref(std::string_view text) {
  absl::StatusOr<PeerRef> ref = ParsePeerRef(text);
  EXPECT_TRUE(ref.ok()) << text << ": " << ref.status();
  return ref.ok() ? *ref : PeerRef{};
}

TEST(ParsePeerRef, Usernames) {
  EXPECT_EQ(Ref("@alice_admin"), (PeerRef{Kind::kUsername, "alice_admin", 0}));
  EXPECT_EQ(Ref("alice_admin"), (PeerRef{Kind::kUsername, "alice_admin", 0}));
  EXPECT_EQ(Ref("  @Alice_Admin "), (PeerRef{Kind::kUsername, "Alice_Admin", 0}));
  EXPECT_EQ(Ref("https://t.me/alice_admin"), (PeerRef{Kind::kUsername, "alice_admin", 0}));
  EXPECT_EQ(Ref("t.me/s/some_channel/"), (PeerRef{Kind::kUsername, "some_channel", 0}));
}

TEST(ParsePeerRef, BotApiIds) {
  EXPECT_EQ(Ref("1000001"), (PeerRef{Kind::kUser, "", 1000001}));
  EXPECT_EQ(Ref("-42"), (PeerRef{Kind::kChat, "", 42}));
  EXPECT_EQ(Ref("-999999999999"), (PeerRef{Kind::kChat, "", 999999999999}));
  EXPECT_EQ(Ref("-1001234567890"), (PeerRef{Kind::kChannel, "", 1234567890}));
  EXPECT_EQ(Ref("-1000000000001"), (PeerRef{Kind::kChannel, "", 1}));
  for (PeerKind kind : {PeerKind::kUser, PeerKind::kChat, PeerKind::kChannel}) {
    for (int64_t id : {1LL, 42LL, 1234567890LL, 999999999999LL}) {
      const PeerRef ref = Ref(std::to_string(BotApiId(kind, id)));
      EXPECT_EQ(ref.id, id);
      EXPECT_EQ(static_cast<int>(ref.kind),
                static_cast<int>(kind == PeerKind::kUser   ? Kind::kUser
                                 : kind == PeerKind::kChat ? Kind::kChat
                                                           : Kind::kChannel));
    }
  }
}

TEST(ParsePeerRef, ExplicitPrefixesSelfAndPrivateLinks) {
  EXPECT_EQ(Ref("me"), (PeerRef{Kind::kSelf, "", 0}));
  EXPECT_EQ(Ref("SELF"), (PeerRef{Kind::kSelf, "", 0}));
  EXPECT_EQ(Ref("user:7"), (PeerRef{Kind::kUser, "", 7}));
  EXPECT_EQ(Ref("chat:7"), (PeerRef{Kind::kChat, "", 7}));
  EXPECT_EQ(Ref("Channel:7"), (PeerRef{Kind::kChannel, "", 7}));
  EXPECT_EQ(Ref("https://t.me/c/3000001/15"), (PeerRef{Kind::kChannel, "", 3000001}));
}

TEST(ParsePeerRef, RefusesWithInvalidArgument) {
  for (const char* text : {"", "   ", "0", "-", "@", "@ab", "@1abc", "user:", "user:-5",
                           "chat:x", "99999999999999999999", "-9223372036854775808",
                           "-1000000000000", "https://t.me/+AbCdEf", "+AbCdEf",
                           "https://example.com/alice", "not a peer", "ab"}) {
    absl::StatusOr<PeerRef> ref = ParsePeerRef(text);
    EXPECT_FALSE(ref.ok()) << '"' << text << '"';
    if (!ref.ok()) EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  // Invite links are pointed at the right operation.
  EXPECT_NE(ParsePeerRef("https://t.me/+AbCdEf").status().message().find("CheckLink"),
            std::string_view::npos);
}

TEST(ToInput, Forms) {
  ResolvedPeer self{true, {}};
  EXPECT_EQ(ToInputPeer(self)->ConstructorId(), api::inputPeerSelf::kId);
  EXPECT_EQ((*ToInputUser(self))->ConstructorId(), api::inputUserSelf::kId);
  EXPECT_EQ(ToInputChannel(self).status().code(), absl::StatusCode::kInvalidArgument);

  ResolvedPeer channel{false, {PeerKind::kChannel, 5, 77, "chan", false}};
  auto peer = ToInputPeer(channel);
  ASSERT_EQ(peer->ConstructorId(), api::inputPeerChannel::kId);
  EXPECT_EQ(static_cast<api::inputPeerChannel&>(*peer).access_hash, 77);
  auto input_channel = ToInputChannel(channel);
  ASSERT_TRUE(input_channel.ok());
  EXPECT_EQ(static_cast<api::inputChannel&>(**input_channel).channel_id, 5);
  EXPECT_EQ(ToInputUser(channel).status().code(), absl::StatusCode::kInvalidArgument);

  ResolvedPeer chat{false, {PeerKind::kChat, 9, 0, "", false}};
  EXPECT_EQ(ToInputPeer(chat)->ConstructorId(), api::inputPeerChat::kId);
  EXPECT_NE(ToInputChannel(chat).status().message().find("basic group"), std::string_view::npos);

  ResolvedPeer user{false, {PeerKind::kUser, 11, 99, "", false}};
  auto input_user = ToInputUser(user);
  ASSERT_TRUE(input_user.ok());
  EXPECT_EQ(static_cast<api::inputUser&>(**input_user).access_hash, 99);
}

tl::ObjectPtr<api::User> MakeUser(int64_t id, int64_t hash, std::string username, bool min = false) {
  auto u = std::make_unique<api::user>();
  u->id = id;
  u->access_hash = hash;
  u->first_name = "F" + std::to_string(id);
  if (!username.empty()) u->username = username;
  u->min = min;
  return u;
}

tl::ObjectPtr<api::Chat> MakeChannel(int64_t id, int64_t hash, std::string username) {
  auto c = std::make_unique<api::channel>();
  c->id = id;
  c->access_hash = hash;
  c->title = "Channel " + std::to_string(id);
  if (!username.empty()) c->username = username;
  c->megagroup = true;
  return c;
}

TEST(RecordOf, UsersAndChats) {
  EXPECT_EQ(RecordOf(*MakeUser(1, 2, "Ann_User")),
            (PeerRecord{PeerKind::kUser, 1, 2, "Ann_User", false}));
  EXPECT_EQ(RecordOf(*MakeUser(1, 2, "", /*min=*/true))->access_hash, 0);
  EXPECT_EQ(RecordOf(api::userEmpty()), std::nullopt);
  EXPECT_EQ(RecordOf(*MakeChannel(3, 4, "chan")),
            (PeerRecord{PeerKind::kChannel, 3, 4, "chan", false}));
  api::chat chat;
  chat.id = 8;
  EXPECT_EQ(RecordOf(chat), (PeerRecord{PeerKind::kChat, 8, 0, "", false}));
  EXPECT_EQ(RecordOf(api::chatEmpty()), std::nullopt);

  std::optional<ChatInfo> info = ToChatInfo(*MakeChannel(3, 4, "chan"));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->bot_api_id, -1000000000003);
  EXPECT_TRUE(info->megagroup);
}

class PeerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("invitegate-peers-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    auto store = store::SessionStore::Open(dir_ / "account.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::SessionStore> store_;
};

TEST_F(PeerCacheTest, FeedFindAndSurviveReopen) {
  {
    PeerCache cache(*store_);
    std::vector<tl::ObjectPtr<api::User>> users;
    users.push_back(MakeUser(10, 100, "Alice_Admin"));
    users.push_back(MakeUser(11, 110, ""));
    std::vector<tl::ObjectPtr<api::Chat>> chats;
    chats.push_back(MakeChannel(20, 200, "SomeGroup"));
    ASSERT_TRUE(cache.Feed(users, chats).ok());
    EXPECT_EQ(cache.Find(PeerKind::kUser, 10)->access_hash, 100);
    EXPECT_EQ(cache.FindUsername("alice_admin")->id, 10);
    EXPECT_EQ(cache.FindUsername("SOMEGROUP")->kind, PeerKind::kChannel);
    EXPECT_EQ(cache.Find(PeerKind::kChannel, 10), std::nullopt);  // kinds are separate
  }
  Open();
  PeerCache cache(*store_);
  EXPECT_EQ(cache.Find(PeerKind::kUser, 11)->access_hash, 110);
  EXPECT_EQ(cache.FindUsername("@alice_admin"), std::nullopt);  // '@' is not part of the key
  EXPECT_EQ(cache.FindUsername("Alice_Admin")->access_hash, 100);
  EXPECT_EQ(cache.FindUsername("somegroup")->access_hash, 200);
}

TEST_F(PeerCacheTest, MinObjectsKeepTheKnownHashAndUsernamesMove) {
  PeerCache cache(*store_);
  std::vector<tl::ObjectPtr<api::User>> users;
  users.push_back(MakeUser(10, 100, "first_name"));
  ASSERT_TRUE(cache.Feed(users, {}).ok());
  users.clear();
  users.push_back(MakeUser(10, 555, "first_name", /*min=*/true));
  ASSERT_TRUE(cache.Feed(users, {}).ok());
  EXPECT_EQ(cache.Find(PeerKind::kUser, 10)->access_hash, 100);

  // User 12 takes the username over; 10 no longer has it (also after a reopen).
  users.clear();
  users.push_back(MakeUser(12, 120, "first_name"));
  ASSERT_TRUE(cache.Feed(users, {}).ok());
  EXPECT_EQ(cache.FindUsername("first_name")->id, 12);
  EXPECT_EQ(cache.Find(PeerKind::kUser, 10)->username, "");
  Open();
  PeerCache reopened(*store_);
  EXPECT_EQ(reopened.FindUsername("first_name")->id, 12);
  EXPECT_EQ(reopened.Find(PeerKind::kUser, 10)->username, "");
  EXPECT_EQ(reopened.Find(PeerKind::kUser, 10)->access_hash, 100);
}

TEST_F(PeerCacheTest, StoreRejectsInvalidRecords) {
  PeerRecord bad{PeerKind::kUser, 0, 1, "", false};
  EXPECT_EQ(store_->PutPeers({&bad, 1}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->GetPeer(PeerKind::kUser, 1), std::nullopt);
  EXPECT_EQ(*store_->FindPeerByUsername(""), std::nullopt);
}

}  // namespace
}  // namespace mtproto::engine

// A dispatcher over the sample world with its chats, on a fixed clock, with accounts signed in
// by auth key, and a recording UpdateHub standing in for the update log (the integration tests
// use the real one): what the invite and channel handlers publish, to whom.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mtproto/crypto/random.h"
#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/chat_state.h"
#include "mtproto/emulator/dispatcher.h"
#include "mtproto/emulator/store.h"
#include "mtproto/emulator/update_hub.h"
#include "mtproto/tl/api.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator::testing {

namespace api = tl::api;

inline constexpr int64_t kAlice = 1000001;  // creator of every sample chat
inline constexpr int64_t kBob = 1000002;    // admin with invite_users
inline constexpr int64_t kCarol = 1000003;  // member
inline constexpr int64_t kDave = 1000004;   // joiners: Dave..Ivan
inline constexpr int64_t kErin = 1000005;
inline constexpr int64_t kFrank = 1000006;
inline constexpr int64_t kGrace = 1000007;
inline constexpr int64_t kHeidi = 1000008;
inline constexpr int64_t kBot = 2000001;    // admin bot with invite_users
inline constexpr int64_t kGroup = 3000001;
inline constexpr int64_t kSupergroup = 4000001;
inline constexpr int64_t kChannel = 4000002;

// One published update, as the hub received it.
struct Published {
  std::string box;  // "pts", "qts", "seq", "channel"
  int64_t to = 0;   // the account (for "channel": each recipient gets its own record)
  uint32_t update_id = 0;
  tl::ObjectPtr<api::Update> update;  // a copy (for "channel", only in the first record)
};

// Numbers nothing; records what it is given.
class RecordingHub final : public UpdateHub {
 public:
  absl::Status PublishPts(int64_t user_id, tl::ObjectPtr<api::Update> update, int pts_count,
                          UpdateEntities) override {
    pts_[user_id] += pts_count;
    Record("pts", user_id, std::move(update));
    return absl::OkStatus();
  }
  absl::Status PublishQts(int64_t user_id, tl::ObjectPtr<api::Update> update, UpdateEntities) override {
    Record("qts", user_id, std::move(update));
    return absl::OkStatus();
  }
  absl::Status PublishSeq(int64_t user_id, std::vector<tl::ObjectPtr<api::Update>> updates,
                          UpdateEntities) override {
    for (auto& u : updates) Record("seq", user_id, std::move(u));
    return absl::OkStatus();
  }
  absl::Status PublishChannel(int64_t channel_id, tl::ObjectPtr<api::Update> update, int pts_count,
                              const std::vector<int64_t>& recipients,
                              const std::function<UpdateEntities(int64_t)>& entities_for) override {
    channel_pts_[channel_id] += pts_count;
    for (int64_t r : recipients) {
      (void)entities_for(r);
      log.push_back(Published{"channel", r, update->ConstructorId(), nullptr});
    }
    return absl::OkStatus();
  }
  int32_t ChannelPts(int64_t channel_id) override { return 1 + channel_pts_[channel_id]; }
  void SetDeliver(Deliver) override {}
  absl::StatusOr<tl::ObjectPtr<api::updates_state>> State(int64_t user_id) override {
    auto state = std::make_unique<api::updates_state>();
    state->pts = 1 + pts_[user_id];
    return state;
  }
  absl::StatusOr<tl::ObjectPtr<api::updates_Difference>> Difference(
      int64_t, const api::updates_getDifference&) override {
    return absl::UnimplementedError("recording hub");
  }
  absl::StatusOr<tl::ObjectPtr<api::updates_ChannelDifference>> ChannelDifference(int64_t, int64_t,
                                                                                 int32_t,
                                                                                 int32_t) override {
    return absl::UnimplementedError("recording hub");
  }

  // The records of `box` to `to` with constructor T.
  template <typename T>
  std::vector<const T*> Find(const std::string& box, int64_t to) const {
    std::vector<const T*> out;
    for (const Published& p : log) {
      if (p.box == box && p.to == to && p.update_id == T::kId) {
        out.push_back(p.update ? static_cast<const T*>(p.update.get()) : nullptr);
      }
    }
    return out;
  }

  std::vector<Published> log;

 private:
  void Record(const char* box, int64_t to, tl::ObjectPtr<api::Update> update) {
    const uint32_t id = update->ConstructorId();
    log.push_back(Published{box, to, id, std::move(update)});
  }
  std::map<int64_t, int32_t> pts_;
  std::map<int64_t, int32_t> channel_pts_;
};

template <typename T, typename... Args>
tl::ObjectPtr<T> Make(Args&&... args) {
  return std::make_unique<T>(std::forward<Args>(args)...);
}

class InviteTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStart = 1700000000;

  void SetUp() override { Boot(); }

  // (Re)creates the services on the same state directory, as an emulator restart does.
  void Boot() {
    dispatcher_.reset();
    chats_.reset();
    store_.reset();
    auto store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    world_ = World::Sample();
    auto chats = ChatState::Open(dir_.path(), world_, random_, now_);
    ASSERT_TRUE(chats.ok()) << chats.status();
    chats_ = *std::move(chats);
    env_.world = &world_;
    env_.store = store_.get();
    env_.random = &random_;
    env_.updates = &hub_;
    env_.chats = chats_.get();
    env_.clock = [this] { return absl::FromUnixSeconds(now_); };
    dispatcher_ = std::make_unique<Dispatcher>(env_);
  }

  // Runs `request` as `user` (a fresh auth key signed in as it), in `layer`.
  Outcome Run(int64_t user, tl::ObjectPtr<api::Function> request, int layer = 223) {
    AuthKeyRecord key{next_key_id_++, std::string(256, 'k'), 1, kStart, user, layer};
    EXPECT_TRUE(store_->PutAuthKey(key).ok());
    ConnectionContext conn{1, key.id, layer, std::nullopt};
    return dispatcher_->Dispatch(*request, conn).outcome;
  }

  static std::string ErrorOf(const Outcome& outcome) {
    const auto* error = std::get_if<RpcError>(&outcome);
    return error ? error->message : "(no error)";
  }
  static int CodeOf(const Outcome& outcome) {
    const auto* error = std::get_if<RpcError>(&outcome);
    return error ? error->code : 0;
  }
  template <typename T>
  static const T* As(const Outcome& outcome) {
    const auto* answer = std::get_if<RpcAnswer>(&outcome);
    EXPECT_NE(answer, nullptr) << "failed: " << ErrorOf(outcome);
    if (!answer) return nullptr;
    const T* typed = answer->As<T>();
    EXPECT_NE(typed, nullptr) << "another constructor: " << answer->object()->ConstructorId();
    return typed;
  }
  static std::optional<bool> BoolOf(const Outcome& outcome) {
    const auto* answer = std::get_if<RpcAnswer>(&outcome);
    return answer ? answer->boolean() : std::nullopt;
  }

  tl::ObjectPtr<api::InputPeer> Peer(int64_t chat_id) {
    const ChatRecord* chat = chats_->FindChat(chat_id);
    if (!chat || chat->kind == ChatKind::kGroup) {
      auto p = Make<api::inputPeerChat>();
      p->chat_id = chat_id;
      return p;
    }
    auto p = Make<api::inputPeerChannel>();
    p->channel_id = chat_id;
    p->access_hash = chat->access_hash;
    return p;
  }
  tl::ObjectPtr<api::InputChannel> Channel(int64_t chat_id) {
    auto c = Make<api::inputChannel>();
    c->channel_id = chat_id;
    const ChatRecord* chat = chats_->FindChat(chat_id);
    c->access_hash = chat ? chat->access_hash : 0;
    return c;
  }
  tl::ObjectPtr<api::InputUser> User(int64_t id) {
    const Account account = world_.FindAccount(id);
    auto u = Make<api::inputUser>();
    u->user_id = id;
    u->access_hash = account.user ? account.user->access_hash : account.bot ? account.bot->access_hash : 0;
    return u;
  }

  // messages.exportChatInvite by `user` in `chat_id`; `edit` adjusts the request.
  Outcome ExportRaw(int64_t user, int64_t chat_id,
                    const std::function<void(api::messages_exportChatInvite&)>& edit = nullptr) {
    auto req = Make<api::messages_exportChatInvite>();
    req->peer = Peer(chat_id);
    if (edit) edit(*req);
    return Run(user, std::move(req));
  }
  // The URL of a new link (fails the test if the export fails).
  std::string Export(int64_t user, int64_t chat_id,
                     const std::function<void(api::messages_exportChatInvite&)>& edit = nullptr) {
    Outcome o = ExportRaw(user, chat_id, edit);
    const auto* invite = As<api::chatInviteExported>(o);
    return invite ? invite->link : "";
  }
  Outcome Import(int64_t user, const std::string& link, int layer = 223) {
    auto req = Make<api::messages_importChatInvite>();
    req->hash = LinkHash(link);
    return Run(user, std::move(req), layer);
  }
  Outcome Importers(int64_t user, int64_t chat_id, bool requested, int limit,
                    const std::function<void(api::messages_getChatInviteImporters&)>& edit = nullptr) {
    auto req = Make<api::messages_getChatInviteImporters>();
    req->requested = requested;
    req->peer = Peer(chat_id);
    req->offset_user = Make<api::inputUserEmpty>();
    req->limit = limit;
    if (edit) edit(*req);
    return Run(user, std::move(req));
  }
  Outcome Hide(int64_t admin, int64_t chat_id, int64_t user, bool approved) {
    auto req = Make<api::messages_hideChatJoinRequest>();
    req->approved = approved;
    req->peer = Peer(chat_id);
    req->user_id = User(user);
    return Run(admin, std::move(req));
  }
  const InviteLink& LinkOf(const std::string& url) {
    static const InviteLink kNone;
    const InviteLink* link = chats_->FindLink(LinkHash(url));
    EXPECT_NE(link, nullptr) << url;
    return link ? *link : kNone;
  }

  TempDir dir_;
  int64_t now_ = kStart;
  crypto::DeterministicRandom random_{42};
  std::unique_ptr<Store> store_;
  World world_;
  std::unique_ptr<ChatState> chats_;
  RecordingHub hub_;
  EmulatorEnv env_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int64_t next_key_id_ = 1;
};

}  // namespace mtproto::emulator::testing

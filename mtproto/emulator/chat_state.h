// The live state of the emulator's chats: basic groups, supergroups and broadcast channels with
// their participants (creator, admins with rights, members, left, kicked), invite links (each
// chat's primary permanent link and the additional ones, with usage and request counters),
// importers (who joined through which link, approved by whom) and pending join requests.
// Seeded from the world's chats on first start and persisted (chats.sqlite in the state dir) on
// every mutation, so an emulator restart loses nothing.
// The semantics (who may do what, which error) live in the handlers; this is the data.
// Spec: https://core.telegram.org/api/invites, https://core.telegram.org/api/channel
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/emulator/world.h"

namespace mtproto::crypto {
class RandomSource;
}
namespace mtproto::store {
class SqliteDatabase;
}

namespace mtproto::emulator {

// Where an account stands in a chat.
enum class Role { kCreator = 0, kAdmin = 1, kMember = 2, kLeft = 3, kKicked = 4 };

// One account's membership of one chat.
struct Participant {
  int64_t user_id = 0;
  Role role = Role::kMember;
  uint32_t rights = 0;     // chatAdminRights flag bits (kRight* in world.h); creators hold all
  int64_t inviter_id = 0;  // who added them: the link's creator, the approving admin, or 0
  int64_t date = 0;        // unix seconds of joining (or of the last change)
  bool via_request = false;

  bool present() const { return role == Role::kCreator || role == Role::kAdmin || role == Role::kMember; }
  bool admin() const { return role == Role::kCreator || role == Role::kAdmin; }
  bool Can(uint32_t right) const {
    return role == Role::kCreator || (role == Role::kAdmin && (rights & right) != 0);
  }
};

// A Telegram Star subscription price on a broadcast channel's link.
struct SubscriptionPricing {
  int32_t period = 0;
  int64_t amount = 0;
};

// An invite link ("https://t.me/+<hash>").
struct InviteLink {
  std::string hash;
  int64_t chat_id = 0;
  int64_t admin_id = 0;  // its creator
  int64_t date = 0;      // created (or last edited)
  std::optional<int64_t> start_date;
  std::optional<int64_t> expire_date;
  std::optional<int32_t> usage_limit;
  int32_t usage = 0;      // joins through it (approved requests included)
  int32_t requested = 0;  // pending join requests through it
  bool request_needed = false;
  bool revoked = false;
  bool permanent = false;
  std::string title;
  std::optional<SubscriptionPricing> pricing;

  std::string Url() const { return "https://t.me/+" + hash; }
  bool Expired(int64_t now) const { return expire_date && *expire_date <= now; }
  bool Exhausted() const { return usage_limit && usage >= *usage_limit; }
};

// A join through a link, or a pending join request (link_hash empty: through the username).
struct Importer {
  int64_t chat_id = 0;
  int64_t user_id = 0;
  int64_t date = 0;
  std::string link_hash;
  std::string about;
  int64_t approved_by = 0;
  bool via_request = false;
};

// A chat: its settings and participants. Links and importers are kept by ChatState.
struct ChatRecord {
  int64_t id = 0;
  int64_t access_hash = 0;
  ChatKind kind = ChatKind::kGroup;
  std::string title;
  std::string username;
  int64_t creator = 0;
  int64_t date = 0;
  bool join_request = false;
  bool join_to_send = false;
  int32_t top_message = 0;  // the last service message id used
  int32_t version = 1;      // basic groups: participants version
  std::string primary_hash;  // the current primary (permanent) link
  std::map<int64_t, Participant> participants;

  bool is_channel() const { return kind != ChatKind::kGroup; }
  const Participant* Find(int64_t user_id) const {
    auto it = participants.find(user_id);
    return it == participants.end() ? nullptr : &it->second;
  }
  bool IsPresent(int64_t user_id) const {
    const Participant* p = Find(user_id);
    return p && p->present();
  }
  int32_t Count() const;
};

// See the file comment. Not thread-safe: used from the emulator's I/O thread.
class ChatState {
 public:
  // Opens (creating) <state_dir>/chats.sqlite, loads it, and seeds the world's chats that are not
  // in it yet (with a fresh primary link each, created by the chat's creator at `now`).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ChatState>> Open(
      const std::filesystem::path& state_dir, const World& world, crypto::RandomSource& random,
      int64_t now);
  ~ChatState();
  ChatState(const ChatState&) = delete;
  ChatState& operator=(const ChatState&) = delete;

  const ChatRecord* FindChat(int64_t id) const;
  // A supergroup or channel by its public username (case-insensitive).
  const ChatRecord* FindByUsername(std::string_view username) const;
  const std::map<int64_t, ChatRecord>& chats() const { return chats_; }

  const InviteLink* FindLink(std::string_view hash) const;
  // The links of one chat, in creation order.
  std::vector<const InviteLink*> LinksOf(int64_t chat_id) const;

  // Joined importers and pending requests of one chat, in no particular order.
  std::vector<const Importer*> ImportersOf(int64_t chat_id) const;
  std::vector<const Importer*> RequestsOf(int64_t chat_id) const;
  const Importer* FindRequest(int64_t chat_id, int64_t user_id) const;

  // A new random URL-safe invite hash, unused so far.
  std::string NewHash();

  // Mutations, each persisted before it returns.
  [[nodiscard]] absl::Status PutChat(const ChatRecord& chat);  // settings, not participants
  [[nodiscard]] absl::Status PutParticipant(int64_t chat_id, const Participant& participant);
  [[nodiscard]] absl::Status PutLink(const InviteLink& link);
  [[nodiscard]] absl::Status DeleteLink(std::string_view hash);
  [[nodiscard]] absl::Status PutImporter(const Importer& importer);
  [[nodiscard]] absl::Status PutRequest(const Importer& request);
  [[nodiscard]] absl::Status DeleteRequest(int64_t chat_id, int64_t user_id);
  // Takes the chat's next service-message id (persisted).
  [[nodiscard]] absl::StatusOr<int32_t> NextMessageId(int64_t chat_id);

  // Groups the writes that follow into one SQLite transaction until Commit (or the guard's end):
  // a join touches a participant, the link's counters and an importer at once.
  class Batch {
   public:
    explicit Batch(ChatState& state);
    ~Batch();
    [[nodiscard]] absl::Status Commit();

   private:
    ChatState* state_;
    bool open_;
  };

 private:
  ChatState(std::unique_ptr<store::SqliteDatabase> db, crypto::RandomSource& random);
  [[nodiscard]] absl::Status Load();
  [[nodiscard]] absl::Status Seed(const World& world, int64_t now);

  std::unique_ptr<store::SqliteDatabase> db_;
  crypto::RandomSource& random_;
  std::map<int64_t, ChatRecord> chats_;
  std::map<std::string, InviteLink, std::less<>> links_;
  std::map<std::pair<int64_t, int64_t>, Importer> importers_;
  std::map<std::pair<int64_t, int64_t>, Importer> requests_;
};

}  // namespace mtproto::emulator

// The emulator's world: the accounts (users and bots) and the chats (basic groups, supergroups,
// broadcast channels, with their creators, admins and members) that exist on the emulated
// Telegram when it first starts, loaded from a JSON world file or the built-in sample world.
// What happens to the chats afterwards (joins, invite links) lives in ChatState (chat_state.h).
// Spec of the objects mirrored: https://core.telegram.org/constructor/user,
// https://core.telegram.org/api/channel (groups, supergroups, channels) and
// https://core.telegram.org/api/auth (test phone numbers 99966XYYYY, login code X repeated).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mtproto::emulator {

// A user account. `password` set means two-step verification (SRP) is on.
struct WorldUser {
  int64_t id = 0;
  int64_t access_hash = 0;
  std::string first_name;
  std::string last_name;
  std::string username;  // without '@'; empty when the user has none
  std::string phone;     // digits only, e.g. "9996621234"
  std::optional<std::string> password;
  std::string password_hint;
};

// A bot account; it signs in with auth.importBotAuthorization and `token` ("<id>:<secret>").
struct WorldBot {
  int64_t id = 0;
  int64_t access_hash = 0;
  std::string first_name;
  std::string username;  // must end in "bot", as Telegram requires
  std::string token;
};

// An admin of a world chat and its rights: the flag bits of chatAdminRights (kRight* below).
struct WorldChatAdmin {
  int64_t user = 0;
  uint32_t rights = 0;
};

// The bits of chatAdminRights#5fb224d5's flags, as the emulator stores admin rights.
// Spec: https://core.telegram.org/constructor/chatAdminRights
inline constexpr uint32_t kRightChangeInfo = 1u << 0;
inline constexpr uint32_t kRightPostMessages = 1u << 1;
inline constexpr uint32_t kRightEditMessages = 1u << 2;
inline constexpr uint32_t kRightDeleteMessages = 1u << 3;
inline constexpr uint32_t kRightBanUsers = 1u << 4;
inline constexpr uint32_t kRightInviteUsers = 1u << 5;
inline constexpr uint32_t kRightPinMessages = 1u << 7;
inline constexpr uint32_t kRightAddAdmins = 1u << 9;
inline constexpr uint32_t kRightOther = 1u << 12;
// What a chat's creator holds.
inline constexpr uint32_t kAllRights = kRightChangeInfo | kRightPostMessages | kRightEditMessages |
                                       kRightDeleteMessages | kRightBanUsers | kRightInviteUsers |
                                       kRightPinMessages | kRightAddAdmins | kRightOther;

// The kinds of chat Telegram has: basic groups (chat#), supergroups (channel# with megagroup)
// and broadcast channels (channel# with broadcast).
enum class ChatKind { kGroup, kSupergroup, kChannel };

// A chat as the world file declares it. Basic group ids and channel ids are separate spaces on
// Telegram; the emulator keeps all chat ids distinct so a bare id names one chat.
struct WorldChat {
  int64_t id = 0;
  int64_t access_hash = 0;  // channels only; derived from the id when absent
  ChatKind kind = ChatKind::kGroup;
  std::string title;
  std::string username;  // supergroups and channels only; empty = private
  int64_t creator = 0;   // a user (bots cannot create chats)
  std::vector<WorldChatAdmin> admins;
  std::vector<int64_t> members;
  bool join_request = false;  // supergroups: joining by username needs an admin's approval
};

// Either kind of account, as handlers see it (bots are users in the API).
struct Account {
  const WorldUser* user = nullptr;
  const WorldBot* bot = nullptr;
  int64_t id() const { return user ? user->id : bot ? bot->id : 0; }
  explicit operator bool() const { return user || bot; }
};

// The set of accounts. Lookups are linear: worlds are small (tens of accounts).
// Not thread-safe; the emulator touches it from its one I/O thread.
class World {
 public:
  // Parses and validates a world file's JSON text:
  //   {"users": [{"id", "access_hash"?, "first_name", "last_name"?, "username"?, "phone",
  //               "password"?, "password_hint"?}...],
  //    "bots":  [{"id", "access_hash"?, "first_name", "username", "token"}...],
  //    "chats": [{"id", "kind": "group"|"supergroup"|"channel", "title", "username"?,
  //               "access_hash"?, "creator", "admins"?: [{"user", "rights": ["invite_users"...]}],
  //               "members"?: [ids], "join_request"?}...]}
  // A missing access_hash is derived from the id. Errors name the offending entry.
  [[nodiscard]] static absl::StatusOr<World> FromJson(std::string_view json_text);
  [[nodiscard]] static absl::StatusOr<World> FromFile(const std::string& path);
  // The seeded default world (see kSampleWorldJson in world.cc for the accounts and passwords).
  // A shared immutable instance, so references into it stay valid; copy it to modify it.
  [[nodiscard]] static const World& Sample();

  // Checks ids, phones, usernames and tokens (also run by FromJson).
  [[nodiscard]] absl::Status Validate() const;

  // Adds a user created by auth.signUp (or reloaded from the store); fails on a clash.
  [[nodiscard]] absl::Status AddUser(WorldUser user);

  const std::vector<WorldUser>& users() const { return users_; }
  const std::vector<WorldBot>& bots() const { return bots_; }
  const std::vector<WorldChat>& chats() const { return chats_; }

  Account FindAccount(int64_t id) const;
  const WorldUser* FindUserByPhone(std::string_view phone) const;
  const WorldBot* FindBotByToken(std::string_view token) const;
  const WorldChat* FindChat(int64_t id) const;
  // The largest account id in use (new users are numbered after it).
  int64_t MaxId() const;

  // The world as JSON text in the FromJson format (tests read tokens, phones and passwords
  // from it; the ready-file embeds it).
  std::string ToJson() const;

 private:
  std::vector<WorldUser> users_;
  std::vector<WorldBot> bots_;
  std::vector<WorldChat> chats_;
};

// A stable access_hash for accounts whose world entry has none.
int64_t DeriveAccessHash(int64_t id);

// Telegram's username rules: 5-32 characters of [A-Za-z0-9_], starting with a letter, not
// ending in '_'.
bool ValidUsername(std::string_view name);

// The lower-case form usernames are compared in (they are case-insensitive).
std::string LowerUsername(std::string_view name);

// Test phone numbers 99966XYYYY: returns the login code (X five times), or nullopt when
// `phone` is not such a number.
std::optional<std::string> TestLoginCode(std::string_view phone);

}  // namespace mtproto::emulator

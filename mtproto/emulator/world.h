// The emulator's world: the accounts (users and bots) that exist on the emulated Telegram, loaded
// from a JSON world file or the built-in sample world. Later issues add chats, channels and
// invite links here (as more vectors beside `users` and `bots`).
// Spec of the objects mirrored: https://core.telegram.org/constructor/user and
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
  //    "bots":  [{"id", "access_hash"?, "first_name", "username", "token"}...]}
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

  Account FindAccount(int64_t id) const;
  const WorldUser* FindUserByPhone(std::string_view phone) const;
  const WorldBot* FindBotByToken(std::string_view token) const;
  // The largest account id in use (new users are numbered after it).
  int64_t MaxId() const;

  // The world as JSON text in the FromJson format (tests read tokens, phones and passwords
  // from it; the ready-file embeds it).
  std::string ToJson() const;

 private:
  std::vector<WorldUser> users_;
  std::vector<WorldBot> bots_;
};

// A stable access_hash for accounts whose world entry has none.
int64_t DeriveAccessHash(int64_t id);

// Test phone numbers 99966XYYYY: returns the login code (X five times), or nullopt when
// `phone` is not such a number.
std::optional<std::string> TestLoginCode(std::string_view phone);

}  // namespace mtproto::emulator

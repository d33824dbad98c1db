#include "mtproto/emulator/world.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace mtproto::emulator {
namespace {

using Json = nlohmann::json;

// The default world. Its phone numbers follow Telegram's test-number scheme, so the login code of
// 99966XYYYY is X five times (22222 for Alice and Bob, 33333 for Carol, 44444 for the joiners
// Dave..Ivan and "Joiner 07".."Joiner 30", ids 1000004-1000033, phones 9996641001-030: enough
// distinct users for the no-lost-updates test's stream of join requests). Bob has two-step
// verification with the password "emulator-2fa-pass". Chats: a basic group, a public supergroup
// (@invitegate_group) and a private broadcast channel, each created by Alice, with Bob and the
// first bot as admins that may invite, and Carol a member.
constexpr std::string_view kSampleWorldJson = R"json({
  "users": [
    {"id": 1000001, "first_name": "Alice", "last_name": "Admin", "username": "alice_admin",
     "phone": "9996621234"},
    {"id": 1000002, "first_name": "Bob", "last_name": "Secure", "username": "bob_secure",
     "phone": "9996625678", "password": "emulator-2fa-pass", "password_hint": "emulator 2fa"},
    {"id": 1000003, "first_name": "Carol", "last_name": "Member", "username": "carol_member",
     "phone": "9996631111"},
    {"id": 1000004, "first_name": "Dave", "last_name": "Joiner", "username": "dave_joiner",
     "phone": "9996641001"},
    {"id": 1000005, "first_name": "Erin", "last_name": "Joiner", "phone": "9996641002"},
    {"id": 1000006, "first_name": "Frank", "last_name": "Joiner", "username": "frank_joiner",
     "phone": "9996641003"},
    {"id": 1000007, "first_name": "Grace", "last_name": "Joiner", "phone": "9996641004"},
    {"id": 1000008, "first_name": "Heidi", "last_name": "Joiner", "phone": "9996641005"},
    {"id": 1000009, "first_name": "Ivan", "last_name": "Joiner", "phone": "9996641006"},
    {"id": 1000010, "first_name": "Joiner", "last_name": "07", "phone": "9996641007"},
    {"id": 1000011, "first_name": "Joiner", "last_name": "08", "phone": "9996641008"},
    {"id": 1000012, "first_name": "Joiner", "last_name": "09", "phone": "9996641009"},
    {"id": 1000013, "first_name": "Joiner", "last_name": "10", "phone": "9996641010"},
    {"id": 1000014, "first_name": "Joiner", "last_name": "11", "phone": "9996641011"},
    {"id": 1000015, "first_name": "Joiner", "last_name": "12", "phone": "9996641012"},
    {"id": 1000016, "first_name": "Joiner", "last_name": "13", "phone": "9996641013"},
    {"id": 1000017, "first_name": "Joiner", "last_name": "14", "phone": "9996641014"},
    {"id": 1000018, "first_name": "Joiner", "last_name": "15", "phone": "9996641015"},
    {"id": 1000019, "first_name": "Joiner", "last_name": "16", "phone": "9996641016"},
    {"id": 1000020, "first_name": "Joiner", "last_name": "17", "phone": "9996641017"},
    {"id": 1000021, "first_name": "Joiner", "last_name": "18", "phone": "9996641018"},
    {"id": 1000022, "first_name": "Joiner", "last_name": "19", "phone": "9996641019"},
    {"id": 1000023, "first_name": "Joiner", "last_name": "20", "phone": "9996641020"},
    {"id": 1000024, "first_name": "Joiner", "last_name": "21", "phone": "9996641021"},
    {"id": 1000025, "first_name": "Joiner", "last_name": "22", "phone": "9996641022"},
    {"id": 1000026, "first_name": "Joiner", "last_name": "23", "phone": "9996641023"},
    {"id": 1000027, "first_name": "Joiner", "last_name": "24", "phone": "9996641024"},
    {"id": 1000028, "first_name": "Joiner", "last_name": "25", "phone": "9996641025"},
    {"id": 1000029, "first_name": "Joiner", "last_name": "26", "phone": "9996641026"},
    {"id": 1000030, "first_name": "Joiner", "last_name": "27", "phone": "9996641027"},
    {"id": 1000031, "first_name": "Joiner", "last_name": "28", "phone": "9996641028"},
    {"id": 1000032, "first_name": "Joiner", "last_name": "29", "phone": "9996641029"},
    {"id": 1000033, "first_name": "Joiner", "last_name": "30", "phone": "9996641030"}
  ],
  "bots": [
    {"id": 2000001, "first_name": "Invitegate Bot", "username": "invitegate_test_bot",
     "token": "2000001:AAEmulatorInvitegateBotToken0000001"},
    {"id": 2000002, "first_name": "Helper Bot", "username": "helper_test_bot",
     "token": "2000002:AAEmulatorHelperBotToken000000000002"}
  ],
  "chats": [
    {"id": 3000001, "kind": "group", "title": "Invitegate Group", "creator": 1000001,
     "admins": [{"user": 1000002, "rights": ["invite_users"]},
                {"user": 2000001, "rights": ["invite_users"]}],
     "members": [1000003]},
    {"id": 4000001, "kind": "supergroup", "title": "Invitegate Supergroup",
     "username": "invitegate_group", "creator": 1000001,
     "admins": [{"user": 1000002, "rights": ["invite_users", "ban_users", "pin_messages"]},
                {"user": 2000001, "rights": ["invite_users", "ban_users"]}],
     "members": [1000003]},
    {"id": 4000002, "kind": "channel", "title": "Invitegate Channel", "creator": 1000001,
     "admins": [{"user": 1000002, "rights": ["invite_users", "post_messages"]},
                {"user": 2000001, "rights": ["invite_users"]}],
     "members": [1000003]}
  ]
})json";

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads an optional field of the expected JSON type; a wrong type is an error naming `where`.
template <typename T>
absl::Status Field(const Json& object, const char* key, const std::string& where, bool required,
                   T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(where, ": missing \"", key, "\""))
                    : absl::OkStatus();
  }
  try {
    out = it->get<T>();
  } catch (const Json::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"", key, "\" has the wrong type"));
  }
  return absl::OkStatus();
}

#define WORLD_RETURN_IF_ERROR(expr)   \
  do {                                \
    absl::Status status_ = (expr);    \
    if (!status_.ok()) return status_; \
  } while (0)

absl::Status ParseUser(const Json& j, const std::string& where, WorldUser& u) {
  if (!j.is_object()) return absl::InvalidArgumentError(where + ": not an object");
  WORLD_RETURN_IF_ERROR(Field(j, "id", where, true, u.id));
  WORLD_RETURN_IF_ERROR(Field(j, "access_hash", where, false, u.access_hash));
  WORLD_RETURN_IF_ERROR(Field(j, "first_name", where, true, u.first_name));
  WORLD_RETURN_IF_ERROR(Field(j, "last_name", where, false, u.last_name));
  WORLD_RETURN_IF_ERROR(Field(j, "username", where, false, u.username));
  WORLD_RETURN_IF_ERROR(Field(j, "phone", where, true, u.phone));
  std::string password;
  WORLD_RETURN_IF_ERROR(Field(j, "password", where, false, password));
  if (j.contains("password") && !j["password"].is_null()) u.password = password;
  WORLD_RETURN_IF_ERROR(Field(j, "password_hint", where, false, u.password_hint));
  if (u.access_hash == 0) u.access_hash = DeriveAccessHash(u.id);
  return absl::OkStatus();
}

absl::Status ParseBot(const Json& j, const std::string& where, WorldBot& b) {
  if (!j.is_object()) return absl::InvalidArgumentError(where + ": not an object");
  WORLD_RETURN_IF_ERROR(Field(j, "id", where, true, b.id));
  WORLD_RETURN_IF_ERROR(Field(j, "access_hash", where, false, b.access_hash));
  WORLD_RETURN_IF_ERROR(Field(j, "first_name", where, true, b.first_name));
  WORLD_RETURN_IF_ERROR(Field(j, "username", where, true, b.username));
  WORLD_RETURN_IF_ERROR(Field(j, "token", where, true, b.token));
  if (b.access_hash == 0) b.access_hash = DeriveAccessHash(b.id);
  return absl::OkStatus();
}

// The names of chatAdminRights flags a world file may list.
constexpr std::pair<std::string_view, uint32_t> kRightNames[] = {
    {"change_info", kRightChangeInfo},         {"post_messages", kRightPostMessages},
    {"edit_messages", kRightEditMessages},     {"delete_messages", kRightDeleteMessages},
    {"ban_users", kRightBanUsers},             {"invite_users", kRightInviteUsers},
    {"pin_messages", kRightPinMessages},       {"add_admins", kRightAddAdmins},
    {"other", kRightOther},
};

constexpr std::pair<std::string_view, ChatKind> kKindNames[] = {
    {"group", ChatKind::kGroup}, {"supergroup", ChatKind::kSupergroup}, {"channel", ChatKind::kChannel}};

// Channels' access hashes are derived from a salted id, so a channel never shares its hash with
// an account that happens to have the same number.
int64_t DeriveChatAccessHash(int64_t id) { return DeriveAccessHash(id ^ 0x43484154); }

absl::Status ParseChat(const Json& j, const std::string& where, WorldChat& c) {
  if (!j.is_object()) return absl::InvalidArgumentError(where + ": not an object");
  WORLD_RETURN_IF_ERROR(Field(j, "id", where, true, c.id));
  WORLD_RETURN_IF_ERROR(Field(j, "access_hash", where, false, c.access_hash));
  std::string kind;
  WORLD_RETURN_IF_ERROR(Field(j, "kind", where, true, kind));
  bool known = false;
  for (const auto& [name, value] : kKindNames) {
    if (kind == name) {
      c.kind = value;
      known = true;
    }
  }
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": bad kind \"", kind, "\" (want \"group\", \"supergroup\" or \"channel\")"));
  }
  WORLD_RETURN_IF_ERROR(Field(j, "title", where, true, c.title));
  WORLD_RETURN_IF_ERROR(Field(j, "username", where, false, c.username));
  WORLD_RETURN_IF_ERROR(Field(j, "creator", where, true, c.creator));
  WORLD_RETURN_IF_ERROR(Field(j, "members", where, false, c.members));
  WORLD_RETURN_IF_ERROR(Field(j, "join_request", where, false, c.join_request));
  if (j.contains("admins")) {
    if (!j["admins"].is_array()) return absl::InvalidArgumentError(where + ": \"admins\" is not an array");
    for (size_t i = 0; i < j["admins"].size(); ++i) {
      const Json& a = j["admins"][i];
      const std::string at = absl::StrCat(where, ": admins[", i, "]");
      if (!a.is_object()) return absl::InvalidArgumentError(at + ": not an object");
      WorldChatAdmin admin;
      WORLD_RETURN_IF_ERROR(Field(a, "user", at, true, admin.user));
      std::vector<std::string> rights;
      WORLD_RETURN_IF_ERROR(Field(a, "rights", at, false, rights));
      for (const std::string& right : rights) {
        uint32_t bit = 0;
        for (const auto& [name, value] : kRightNames) {
          if (right == name) bit = value;
        }
        if (bit == 0) return absl::InvalidArgumentError(absl::StrCat(at, ": unknown right \"", right, "\""));
        admin.rights |= bit;
      }
      c.admins.push_back(admin);
    }
  }
  if (c.access_hash == 0 && c.kind != ChatKind::kGroup) c.access_hash = DeriveChatAccessHash(c.id);
  return absl::OkStatus();
}

}  // namespace

bool ValidUsername(std::string_view name) {
  if (name.size() < 5 || name.size() > 32) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0])) || name.back() == '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string LowerUsername(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int64_t DeriveAccessHash(int64_t id) {
  // splitmix64: any fixed, well-mixed function will do; it only has to be stable.
  uint64_t z = static_cast<uint64_t>(id) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<int64_t>(z == 0 ? 1 : z);
}

std::optional<std::string> TestLoginCode(std::string_view phone) {
  if (phone.size() != 10 || !AllDigits(phone) || phone.substr(0, 5) != "99966") return std::nullopt;
  const char x = phone[5];
  if (x < '1' || x > '9') return std::nullopt;
  return std::string(5, x);
}

absl::StatusOr<World> World::FromJson(std::string_view json_text) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("world: not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("world: the top level is not an object");
  World world;
  for (const char* key : {"users", "bots", "chats"}) {
    if (root.contains(key) && !root[key].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("world: \"", key, "\" is not an array"));
    }
  }
  if (root.contains("users")) {
    for (size_t i = 0; i < root["users"].size(); ++i) {
      WorldUser user;
      WORLD_RETURN_IF_ERROR(ParseUser(root["users"][i], absl::StrCat("world: users[", i, "]"), user));
      world.users_.push_back(std::move(user));
    }
  }
  if (root.contains("bots")) {
    for (size_t i = 0; i < root["bots"].size(); ++i) {
      WorldBot bot;
      WORLD_RETURN_IF_ERROR(ParseBot(root["bots"][i], absl::StrCat("world: bots[", i, "]"), bot));
      world.bots_.push_back(std::move(bot));
    }
  }
  if (root.contains("chats")) {
    for (size_t i = 0; i < root["chats"].size(); ++i) {
      WorldChat chat;
      WORLD_RETURN_IF_ERROR(ParseChat(root["chats"][i], absl::StrCat("world: chats[", i, "]"), chat));
      world.chats_.push_back(std::move(chat));
    }
  }
  WORLD_RETURN_IF_ERROR(world.Validate());
  return world;
}

absl::StatusOr<World> World::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("world file ", path, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<World> world = FromJson(text.str());
  if (!world.ok()) {
    return absl::Status(world.status().code(),
                        absl::StrCat(path, ": ", world.status().message()));
  }
  return world;
}

const World& World::Sample() {
  static const World* const sample = [] {
    absl::StatusOr<World> world = FromJson(kSampleWorldJson);
    // The sample is a literal covered by a unit test; failing here is a programming error.
    if (!world.ok()) std::abort();
    return new World(*std::move(world));
  }();
  return *sample;
}

absl::Status World::Validate() const {
  std::map<int64_t, std::string> ids;
  std::map<std::string, std::string> phones, usernames;
  auto claim = [](auto& seen, const auto& key, const std::string& where,
                  const std::string& what) -> absl::Status {
    auto [it, inserted] = seen.emplace(key, where);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate ", what, " (also ", it->second, ")"));
    }
    return absl::OkStatus();
  };
  for (size_t i = 0; i < users_.size(); ++i) {
    const WorldUser& u = users_[i];
    const std::string where = absl::StrCat("world: users[", i, "] (id ", u.id, ")");
    if (u.id <= 0 || u.id >= (int64_t{1} << 52)) {
      return absl::InvalidArgumentError(where + ": id must be in 1..2^52");
    }
    WORLD_RETURN_IF_ERROR(claim(ids, u.id, where, absl::StrCat("id ", u.id)));
    if (u.first_name.empty()) return absl::InvalidArgumentError(where + ": empty first_name");
    if (!AllDigits(u.phone) || u.phone.size() < 5 || u.phone.size() > 15) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": bad phone \"", u.phone, "\" (5-15 digits, no '+')"));
    }
    WORLD_RETURN_IF_ERROR(claim(phones, u.phone, where, "phone " + u.phone));
    if (!u.username.empty()) {
      if (!ValidUsername(u.username)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": bad username \"", u.username, "\""));
      }
      WORLD_RETURN_IF_ERROR(claim(usernames, LowerUsername(u.username), where, "username " + u.username));
    }
    if (u.password && u.password->empty()) {
      return absl::InvalidArgumentError(where + ": empty password (omit it for no 2FA)");
    }
  }
  for (size_t i = 0; i < bots_.size(); ++i) {
    const WorldBot& b = bots_[i];
    const std::string where = absl::StrCat("world: bots[", i, "] (id ", b.id, ")");
    if (b.id <= 0 || b.id >= (int64_t{1} << 52)) {
      return absl::InvalidArgumentError(where + ": id must be in 1..2^52");
    }
    WORLD_RETURN_IF_ERROR(claim(ids, b.id, where, absl::StrCat("id ", b.id)));
    if (b.first_name.empty()) return absl::InvalidArgumentError(where + ": empty first_name");
    if (!ValidUsername(b.username) || LowerUsername(b.username).size() < 3 ||
        LowerUsername(b.username).substr(b.username.size() - 3) != "bot") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": bad bot username \"", b.username, "\" (must end in \"bot\")"));
    }
    WORLD_RETURN_IF_ERROR(claim(usernames, LowerUsername(b.username), where, "username " + b.username));
    // "<id>:<secret>", the id being the bot's own, the secret 20+ characters of [A-Za-z0-9_-].
    const size_t colon = b.token.find(':');
    const std::string_view secret =
        colon == std::string::npos ? std::string_view() : std::string_view(b.token).substr(colon + 1);
    const bool secret_ok =
        secret.size() >= 20 && std::all_of(secret.begin(), secret.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
    if (colon == std::string::npos || b.token.substr(0, colon) != std::to_string(b.id) ||
        !secret_ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": bad token (want \"", b.id, ":<secret of 20+ [A-Za-z0-9_-]>\")"));
    }
  }
  std::map<int64_t, std::string> chat_ids;
  for (size_t i = 0; i < chats_.size(); ++i) {
    const WorldChat& c = chats_[i];
    const std::string where = absl::StrCat("world: chats[", i, "] (id ", c.id, ")");
    if (c.id <= 0 || c.id >= (int64_t{1} << 40)) {
      return absl::InvalidArgumentError(where + ": id must be in 1..2^40");
    }
    WORLD_RETURN_IF_ERROR(claim(chat_ids, c.id, where, absl::StrCat("chat id ", c.id)));
    if (c.title.empty() || c.title.size() > 128) {
      return absl::InvalidArgumentError(where + ": title must be 1-128 characters");
    }
    if (!c.username.empty()) {
      if (c.kind == ChatKind::kGroup) {
        return absl::InvalidArgumentError(where + ": basic groups cannot have a username");
      }
      if (!ValidUsername(c.username)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": bad username \"", c.username, "\""));
      }
      WORLD_RETURN_IF_ERROR(claim(usernames, LowerUsername(c.username), where, "username " + c.username));
    }
    if (c.join_request && c.kind != ChatKind::kSupergroup) {
      return absl::InvalidArgumentError(where + ": join_request is for supergroups only");
    }
    const Account creator = FindAccount(c.creator);
    if (!creator.user) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": creator ", c.creator, " is not a user of this world"));
    }
    std::map<int64_t, std::string> in_chat;
    WORLD_RETURN_IF_ERROR(claim(in_chat, c.creator, where, absl::StrCat("participant ", c.creator)));
    for (const WorldChatAdmin& a : c.admins) {
      if (!FindAccount(a.user)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": admin ", a.user, " is not an account"));
      }
      WORLD_RETURN_IF_ERROR(claim(in_chat, a.user, where, absl::StrCat("participant ", a.user)));
    }
    for (int64_t m : c.members) {
      if (!FindAccount(m)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": member ", m, " is not an account"));
      }
      WORLD_RETURN_IF_ERROR(claim(in_chat, m, where, absl::StrCat("participant ", m)));
    }
  }
  return absl::OkStatus();
}

absl::Status World::AddUser(WorldUser user) {
  if (user.access_hash == 0) user.access_hash = DeriveAccessHash(user.id);
  users_.push_back(std::move(user));
  absl::Status status = Validate();
  if (!status.ok()) users_.pop_back();
  return status;
}

Account World::FindAccount(int64_t id) const {
  for (const WorldUser& u : users_) {
    if (u.id == id) return Account{&u, nullptr};
  }
  for (const WorldBot& b : bots_) {
    if (b.id == id) return Account{nullptr, &b};
  }
  return Account{};
}

const WorldChat* World::FindChat(int64_t id) const {
  for (const WorldChat& c : chats_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const WorldUser* World::FindUserByPhone(std::string_view phone) const {
  for (const WorldUser& u : users_) {
    if (u.phone == phone) return &u;
  }
  return nullptr;
}

const WorldBot* World::FindBotByToken(std::string_view token) const {
  for (const WorldBot& b : bots_) {
    if (b.token == token) return &b;
  }
  return nullptr;
}

int64_t World::MaxId() const {
  int64_t max_id = 0;
  for (const WorldUser& u : users_) max_id = std::max(max_id, u.id);
  for (const WorldBot& b : bots_) max_id = std::max(max_id, b.id);
  return max_id;
}

std::string World::ToJson() const {
  Json root = Json::object();
  root["users"] = Json::array();
  for (const WorldUser& u : users_) {
    Json j = {{"id", u.id},       {"access_hash", u.access_hash}, {"first_name", u.first_name},
              {"last_name", u.last_name}, {"username", u.username},   {"phone", u.phone}};
    if (auto code = TestLoginCode(u.phone)) j["login_code"] = *code;  // informational
    if (u.password) {
      j["password"] = *u.password;
      j["password_hint"] = u.password_hint;
    }
    root["users"].push_back(std::move(j));
  }
  root["bots"] = Json::array();
  for (const WorldBot& b : bots_) {
    root["bots"].push_back({{"id", b.id},
                            {"access_hash", b.access_hash},
                            {"first_name", b.first_name},
                            {"username", b.username},
                            {"token", b.token}});
  }
  root["chats"] = Json::array();
  for (const WorldChat& c : chats_) {
    Json j = {{"id", c.id}, {"title", c.title}, {"creator", c.creator}, {"members", c.members}};
    for (const auto& [name, value] : kKindNames) {
      if (value == c.kind) j["kind"] = std::string(name);
    }
    if (c.kind != ChatKind::kGroup) j["access_hash"] = c.access_hash;
    if (!c.username.empty()) j["username"] = c.username;
    if (c.join_request) j["join_request"] = true;
    j["admins"] = Json::array();
    for (const WorldChatAdmin& a : c.admins) {
      Json rights = Json::array();
      for (const auto& [name, value] : kRightNames) {
        if (a.rights & value) rights.push_back(std::string(name));
      }
      j["admins"].push_back({{"user", a.user}, {"rights", rights}});
    }
    root["chats"].push_back(std::move(j));
  }
  return root.dump();
}

}  // namespace mtproto::emulator

#include "mtproto/emulator/chat_state.h"

#include "absl/strings/str_cat.h"
#include "mtproto/crypto/random.h"
#include "mtproto/emulator/store.h"
#include "mtproto/store/sqlite_database.h"

namespace mtproto::emulator {
namespace {

constexpr char kDatabaseFile[] = "chats.sqlite";

// One row per entity; participants, importers and requests are keyed by (chat, user) so a write
// replaces the previous state of that pair.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS chats (
  id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, kind INTEGER NOT NULL, title TEXT NOT NULL,
  username TEXT NOT NULL, creator INTEGER NOT NULL, date INTEGER NOT NULL,
  join_request INTEGER NOT NULL, join_to_send INTEGER NOT NULL, top_message INTEGER NOT NULL,
  version INTEGER NOT NULL, primary_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
  chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL, role INTEGER NOT NULL,
  rights INTEGER NOT NULL, inviter_id INTEGER NOT NULL, date INTEGER NOT NULL,
  via_request INTEGER NOT NULL, PRIMARY KEY (chat_id, user_id));
CREATE TABLE IF NOT EXISTS links (
  hash TEXT PRIMARY KEY, seq INTEGER NOT NULL, chat_id INTEGER NOT NULL, admin_id INTEGER NOT NULL,
  date INTEGER NOT NULL, start_date INTEGER, expire_date INTEGER, usage_limit INTEGER,
  usage INTEGER NOT NULL, requested INTEGER NOT NULL, request_needed INTEGER NOT NULL,
  revoked INTEGER NOT NULL, permanent INTEGER NOT NULL, title TEXT NOT NULL,
  sub_period INTEGER, sub_amount INTEGER);
CREATE TABLE IF NOT EXISTS importers (
  chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL, requested INTEGER NOT NULL,
  date INTEGER NOT NULL, link_hash TEXT NOT NULL, about TEXT NOT NULL,
  approved_by INTEGER NOT NULL, via_request INTEGER NOT NULL,
  PRIMARY KEY (chat_id, user_id, requested));
)sql";

using Statement = store::SqliteDatabase::Statement;

// Optional integers are stored as -1 for "absent": every stored value is >= 0.
int64_t Opt(const std::optional<int64_t>& v) { return v ? *v : -1; }
std::optional<int64_t> FromOpt(int64_t v) { return v < 0 ? std::nullopt : std::optional<int64_t>(v); }

constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

int32_t ChatRecord::Count() const {
  int32_t n = 0;
  for (const auto& [id, p] : participants) n += p.present() ? 1 : 0;
  return n;
}

absl::StatusOr<std::unique_ptr<ChatState>> ChatState::Open(const std::filesystem::path& state_dir,
                                                           const World& world,
                                                           crypto::RandomSource& random,
                                                           int64_t now) {
  absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
      OpenStateDatabase(state_dir / kDatabaseFile, "chat state");
  if (!db.ok()) return db.status();
  std::unique_ptr<ChatState> state(new ChatState(*std::move(db), random));
  if (absl::Status s = state->db_->Exec(kSchema); !s.ok()) return s;
  if (absl::Status s = state->Load(); !s.ok()) return s;
  if (absl::Status s = state->Seed(world, now); !s.ok()) return s;
  return state;
}

ChatState::ChatState(std::unique_ptr<store::SqliteDatabase> db, crypto::RandomSource& random)
    : db_(std::move(db)), random_(random) {}

ChatState::~ChatState() = default;

absl::Status ChatState::Load() {
  {
    Statement st(*db_,
                 "SELECT id, access_hash, kind, title, username, creator, date, join_request, "
                 "join_to_send, top_message, version, primary_hash FROM chats");
    while (st.Step()) {
      ChatRecord c;
      c.id = st.Int(0);
      c.access_hash = st.Int(1);
      c.kind = static_cast<ChatKind>(st.Int(2));
      c.title = st.Blob(3);
      c.username = st.Blob(4);
      c.creator = st.Int(5);
      c.date = st.Int(6);
      c.join_request = st.Int(7) != 0;
      c.join_to_send = st.Int(8) != 0;
      c.top_message = static_cast<int32_t>(st.Int(9));
      c.version = static_cast<int32_t>(st.Int(10));
      c.primary_hash = st.Blob(11);
      chats_[c.id] = std::move(c);
    }
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  {
    Statement st(*db_,
                 "SELECT chat_id, user_id, role, rights, inviter_id, date, via_request "
                 "FROM participants");
    while (st.Step()) {
      Participant p;
      const int64_t chat_id = st.Int(0);
      p.user_id = st.Int(1);
      p.role = static_cast<Role>(st.Int(2));
      p.rights = static_cast<uint32_t>(st.Int(3));
      p.inviter_id = st.Int(4);
      p.date = st.Int(5);
      p.via_request = st.Int(6) != 0;
      auto it = chats_.find(chat_id);
      if (it != chats_.end()) it->second.participants[p.user_id] = p;
    }
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  {
    Statement st(*db_,
                 "SELECT hash, chat_id, admin_id, date, start_date, expire_date, usage_limit, "
                 "usage, requested, request_needed, revoked, permanent, title, sub_period, "
                 "sub_amount FROM links ORDER BY seq");
    while (st.Step()) {
      InviteLink l;
      l.hash = st.Blob(0);
      l.chat_id = st.Int(1);
      l.admin_id = st.Int(2);
      l.date = st.Int(3);
      l.start_date = FromOpt(st.Int(4));
      l.expire_date = FromOpt(st.Int(5));
      if (auto limit = FromOpt(st.Int(6))) l.usage_limit = static_cast<int32_t>(*limit);
      l.usage = static_cast<int32_t>(st.Int(7));
      l.requested = static_cast<int32_t>(st.Int(8));
      l.request_needed = st.Int(9) != 0;
      l.revoked = st.Int(10) != 0;
      l.permanent = st.Int(11) != 0;
      l.title = st.Blob(12);
      if (st.Int(13) >= 0) l.pricing = SubscriptionPricing{static_cast<int32_t>(st.Int(13)), st.Int(14)};
      links_[l.hash] = std::move(l);
    }
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  {
    Statement st(*db_,
                 "SELECT chat_id, user_id, requested, date, link_hash, about, approved_by, "
                 "via_request FROM importers");
    while (st.Step()) {
      Importer i;
      i.chat_id = st.Int(0);
      i.user_id = st.Int(1);
      const bool requested = st.Int(2) != 0;
      i.date = st.Int(3);
      i.link_hash = st.Blob(4);
      i.about = st.Blob(5);
      i.approved_by = st.Int(6);
      i.via_request = st.Int(7) != 0;
      (requested ? requests_ : importers_)[{i.chat_id, i.user_id}] = std::move(i);
    }
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ChatState::Seed(const World& world, int64_t now) {
  for (const WorldChat& w : world.chats()) {
    if (chats_.count(w.id)) continue;
    Batch batch(*this);
    ChatRecord c;
    c.id = w.id;
    c.access_hash = w.access_hash;
    c.kind = w.kind;
    c.title = w.title;
    c.username = w.username;
    c.creator = w.creator;
    c.date = now;
    c.join_request = w.join_request;
    InviteLink primary;
    primary.hash = NewHash();
    primary.chat_id = c.id;
    primary.admin_id = c.creator;
    primary.date = now;
    primary.permanent = true;
    c.primary_hash = primary.hash;
    chats_[c.id] = c;
    if (absl::Status s = PutChat(c); !s.ok()) return s;
    if (absl::Status s = PutLink(primary); !s.ok()) return s;
    if (absl::Status s = PutParticipant(c.id, Participant{c.creator, Role::kCreator, kAllRights, 0, now});
        !s.ok()) {
      return s;
    }
    for (const WorldChatAdmin& a : w.admins) {
      Participant p{a.user, Role::kAdmin, a.rights, c.creator, now};
      if (absl::Status s = PutParticipant(c.id, p); !s.ok()) return s;
    }
    for (int64_t m : w.members) {
      if (absl::Status s = PutParticipant(c.id, Participant{m, Role::kMember, 0, c.creator, now});
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = batch.Commit(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

const ChatRecord* ChatState::FindChat(int64_t id) const {
  auto it = chats_.find(id);
  return it == chats_.end() ? nullptr : &it->second;
}

const ChatRecord* ChatState::FindByUsername(std::string_view username) const {
  if (username.empty()) return nullptr;
  const std::string wanted = LowerUsername(username);
  for (const auto& [id, c] : chats_) {
    if (!c.username.empty() && LowerUsername(c.username) == wanted) return &c;
  }
  return nullptr;
}

const InviteLink* ChatState::FindLink(std::string_view hash) const {
  auto it = links_.find(hash);
  return it == links_.end() ? nullptr : &it->second;
}

std::vector<const InviteLink*> ChatState::LinksOf(int64_t chat_id) const {
  std::vector<const InviteLink*> out;
  for (const auto& [hash, l] : links_) {
    if (l.chat_id == chat_id) out.push_back(&l);
  }
  return out;
}

std::vector<const Importer*> ChatState::ImportersOf(int64_t chat_id) const {
  std::vector<const Importer*> out;
  for (auto it = importers_.lower_bound({chat_id, INT64_MIN});
       it != importers_.end() && it->first.first == chat_id; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

std::vector<const Importer*> ChatState::RequestsOf(int64_t chat_id) const {
  std::vector<const Importer*> out;
  for (auto it = requests_.lower_bound({chat_id, INT64_MIN});
       it != requests_.end() && it->first.first == chat_id; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

const Importer* ChatState::FindRequest(int64_t chat_id, int64_t user_id) const {
  auto it = requests_.find({chat_id, user_id});
  return it == requests_.end() ? nullptr : &it->second;
}

std::string ChatState::NewHash() {
  // 16 characters of base64url (96 bits), the shape of Telegram's "+AbCd..." hashes.
  for (;;) {
    const crypto::Bytes bytes = random_.Generate(16);
    std::string hash;
    for (uint8_t b : bytes) hash.push_back(kUrlSafe[b & 63]);
    if (!links_.count(hash)) return hash;
  }
}

absl::Status ChatState::PutChat(const ChatRecord& c) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO chats (id, access_hash, kind, title, username, creator, date, "
               "join_request, join_to_send, top_message, version, primary_hash) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(c.id).Bind(c.access_hash).Bind(static_cast<int64_t>(c.kind)).BindText(c.title);
  st.BindText(c.username).Bind(c.creator).Bind(c.date).Bind(c.join_request ? 1 : 0);
  st.Bind(c.join_to_send ? 1 : 0).Bind(c.top_message).Bind(c.version).BindText(c.primary_hash);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  ChatRecord& mine = chats_[c.id];
  std::map<int64_t, Participant> participants = std::move(mine.participants);
  mine = c;
  mine.participants = std::move(participants);
  return absl::OkStatus();
}

absl::Status ChatState::PutParticipant(int64_t chat_id, const Participant& p) {
  auto chat = chats_.find(chat_id);
  if (chat == chats_.end()) return absl::NotFoundError(absl::StrCat("no chat ", chat_id));
  Statement st(*db_,
               "INSERT OR REPLACE INTO participants (chat_id, user_id, role, rights, inviter_id, "
               "date, via_request) VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(chat_id).Bind(p.user_id).Bind(static_cast<int64_t>(p.role)).Bind(p.rights);
  st.Bind(p.inviter_id).Bind(p.date).Bind(p.via_request ? 1 : 0);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  chat->second.participants[p.user_id] = p;
  return absl::OkStatus();
}

absl::Status ChatState::PutLink(const InviteLink& l) {
  // seq keeps the creation order across restarts: an existing row keeps its own.
  Statement st(*db_,
               "INSERT INTO links (hash, seq, chat_id, admin_id, date, start_date, expire_date, "
               "usage_limit, usage, requested, request_needed, revoked, permanent, title, "
               "sub_period, sub_amount) VALUES (?, (SELECT IFNULL(MAX(seq), 0) + 1 FROM links), "
               "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET "
               "chat_id = excluded.chat_id, admin_id = excluded.admin_id, date = excluded.date, "
               "start_date = excluded.start_date, expire_date = excluded.expire_date, "
               "usage_limit = excluded.usage_limit, usage = excluded.usage, "
               "requested = excluded.requested, request_needed = excluded.request_needed, "
               "revoked = excluded.revoked, permanent = excluded.permanent, title = excluded.title, "
               "sub_period = excluded.sub_period, sub_amount = excluded.sub_amount");
  st.BindText(l.hash).Bind(l.chat_id).Bind(l.admin_id).Bind(l.date).Bind(Opt(l.start_date));
  st.Bind(Opt(l.expire_date));
  st.Bind(Opt(l.usage_limit ? std::optional<int64_t>(*l.usage_limit) : std::nullopt));
  st.Bind(l.usage).Bind(l.requested).Bind(l.request_needed ? 1 : 0).Bind(l.revoked ? 1 : 0);
  st.Bind(l.permanent ? 1 : 0).BindText(l.title);
  st.Bind(l.pricing ? l.pricing->period : -1).Bind(l.pricing ? l.pricing->amount : -1);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  links_[l.hash] = l;
  return absl::OkStatus();
}

absl::Status ChatState::DeleteLink(std::string_view hash) {
  Statement st(*db_, "DELETE FROM links WHERE hash = ?");
  st.BindText(hash);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  auto it = links_.find(hash);
  if (it != links_.end()) links_.erase(it);
  return absl::OkStatus();
}

namespace {

absl::Status WriteImporter(store::SqliteDatabase& db, const Importer& i, bool requested) {
  Statement st(db,
               "INSERT OR REPLACE INTO importers (chat_id, user_id, requested, date, link_hash, "
               "about, approved_by, via_request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(i.chat_id).Bind(i.user_id).Bind(requested ? 1 : 0).Bind(i.date).BindText(i.link_hash);
  st.BindText(i.about).Bind(i.approved_by).Bind(i.via_request ? 1 : 0);
  st.Step();
  return st.Check();
}

}  // namespace

absl::Status ChatState::PutImporter(const Importer& importer) {
  if (absl::Status s = WriteImporter(*db_, importer, false); !s.ok()) return s;
  importers_[{importer.chat_id, importer.user_id}] = importer;
  return absl::OkStatus();
}

absl::Status ChatState::PutRequest(const Importer& request) {
  if (absl::Status s = WriteImporter(*db_, request, true); !s.ok()) return s;
  requests_[{request.chat_id, request.user_id}] = request;
  return absl::OkStatus();
}

absl::Status ChatState::DeleteRequest(int64_t chat_id, int64_t user_id) {
  Statement st(*db_, "DELETE FROM importers WHERE chat_id = ? AND user_id = ? AND requested = 1");
  st.Bind(chat_id).Bind(user_id);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  requests_.erase({chat_id, user_id});
  return absl::OkStatus();
}

absl::StatusOr<int32_t> ChatState::NextMessageId(int64_t chat_id) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return absl::NotFoundError(absl::StrCat("no chat ", chat_id));
  ChatRecord copy = it->second;
  ++copy.top_message;
  if (absl::Status s = PutChat(copy); !s.ok()) return s;
  return copy.top_message;
}

ChatState::Batch::Batch(ChatState& state) : state_(&state) {
  open_ = state_->db_->Exec("BEGIN").ok();
}

ChatState::Batch::~Batch() {
  if (open_) (void)state_->db_->Exec("COMMIT");
}

absl::Status ChatState::Batch::Commit() {
  if (!open_) return absl::OkStatus();
  open_ = false;
  return state_->db_->Exec("COMMIT");
}

}  // namespace mtproto::emulator

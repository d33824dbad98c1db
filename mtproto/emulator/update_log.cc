#include "mtproto/emulator/update_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "mtproto/emulator/store.h"
#include "mtproto/store/sqlite_database.h"
#include "mtproto/tl/codecs.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::emulator {
namespace {

using Statement = store::SqliteDatabase::Statement;

namespace api = tl::api;

constexpr char kDatabaseFile[] = "updates.sqlite";

// Which counter an entry advanced. Channel entries are owned by the channel, the rest by the
// account.
enum Box : int { kPtsBox = 0, kQtsBox = 1, kSeqBox = 2, kChannelBox = 3 };

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  user_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL, qts INTEGER NOT NULL, seq INTEGER NOT NULL,
  date INTEGER NOT NULL, pts_floor INTEGER NOT NULL, qts_floor INTEGER NOT NULL,
  seq_date INTEGER NOT NULL, issued INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS channels (
  channel_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL, pts_floor INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER NOT NULL, box INTEGER NOT NULL,
  counter INTEGER NOT NULL, count INTEGER NOT NULL, date INTEGER NOT NULL,
  updates BLOB NOT NULL, entities BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_box ON entries (owner, box, counter);
CREATE TABLE IF NOT EXISTS channel_entities (
  entry_id INTEGER NOT NULL, user_id INTEGER NOT NULL, entities BLOB NOT NULL,
  PRIMARY KEY (entry_id, user_id));
)sql";

template <typename... Ts>
struct Types {};

// The constructors whose `pts` (and `pts_count`, where present) the hub assigns.
using PtsUpdates =
    Types<api::updateNewMessage, api::updateDeleteMessages, api::updateReadHistoryInbox,
          api::updateReadHistoryOutbox, api::updateWebPage, api::updateReadMessagesContents,
          api::updateEditMessage, api::updateFolderPeers, api::updatePinnedMessages,
          api::updateNewChannelMessage, api::updateEditChannelMessage,
          api::updateDeleteChannelMessages, api::updatePinnedChannelMessages,
          api::updateChannelWebPage, api::updateReadChannelInbox>;
// The constructors carrying `qts` (the secondary box: bots and encrypted chats).
using QtsUpdates =
    Types<api::updateNewEncryptedMessage, api::updateMessagePollVote, api::updateChatParticipant,
          api::updateChannelParticipant, api::updateBotStopped, api::updateBotChatInviteRequester,
          api::updateBotChatBoost, api::updateBotMessageReaction, api::updateBotMessageReactions,
          api::updateBotBusinessConnect, api::updateBotNewBusinessMessage,
          api::updateBotEditBusinessMessage, api::updateBotDeleteBusinessMessage,
          api::updateBotPurchasedPaidMedia>;
using UserTypes = Types<api::user, api::userEmpty>;
using ChatTypes =
    Types<api::chatEmpty, api::chat, api::chatForbidden, api::channel, api::channelForbidden>;

template <typename T>
void AssignPts(T& update, int32_t pts, int32_t pts_count) {
  update.pts = pts;
  if constexpr (requires { update.pts_count; }) update.pts_count = pts_count;
}

template <typename... Ts>
bool SetPtsOf(api::Update& update, int32_t pts, int32_t pts_count, Types<Ts...>) {
  return ((update.ConstructorId() == Ts::kId &&
           (AssignPts(static_cast<Ts&>(update), pts, pts_count), true)) ||
          ...);
}

template <typename... Ts>
bool SetQtsOf(api::Update& update, int32_t qts, Types<Ts...>) {
  return ((update.ConstructorId() == Ts::kId && (static_cast<Ts&>(update).qts = qts, true)) ||
          ...);
}

template <typename Base, typename... Ts>
int64_t IdOf(const Base& object, Types<Ts...>) {
  int64_t id = 0;
  (void)((object.ConstructorId() == Ts::kId && (id = static_cast<const Ts&>(object).id, true)) ||
         ...);
  return id;
}

std::string EncodeUpdates(const std::vector<tl::ObjectPtr<api::Update>>& updates,
                          absl::Status* status) {
  tl::Writer out;
  tl::VectorC<tl::BoxedC<api::Update>>::Store(out, updates);
  if (!out.ok()) *status = absl::InvalidArgumentError("update log: " + out.error());
  return out.Take();
}

std::string EncodeEntities(const UpdateEntities& entities, absl::Status* status) {
  tl::Writer out;
  tl::VectorC<tl::BoxedC<api::User>>::Store(out, entities.users);
  tl::VectorC<tl::BoxedC<api::Chat>>::Store(out, entities.chats);
  if (!out.ok()) *status = absl::InvalidArgumentError("update log: " + out.error());
  return out.Take();
}

absl::StatusOr<std::vector<tl::ObjectPtr<api::Update>>> DecodeUpdates(std::string_view bytes) {
  return tl::DeserializeAs<tl::VectorC<tl::BoxedC<api::Update>>>(bytes);
}

absl::StatusOr<UpdateEntities> DecodeEntities(std::string_view bytes) {
  UpdateEntities entities;
  if (bytes.empty()) return entities;
  tl::Reader in(bytes);
  entities.users = tl::VectorC<tl::BoxedC<api::User>>::Fetch(in);
  entities.chats = tl::VectorC<tl::BoxedC<api::Chat>>::Fetch(in);
  if (in.ok() && in.remaining() != 0) in.Fail(tl::DecodeError::kTrailingBytes);
  if (!in.ok()) return tl::DecodeStatus(in);
  return entities;
}

// Users and chats of several entries, once each: the newest view of each id wins.
class EntityMerger {
 public:
  void Add(UpdateEntities entities) {
    for (auto& user : entities.users) {
      if (!user) continue;
      const int64_t id = IdOf(*user, UserTypes{});  // before the move below
      Put(users_, user_index_, id, std::move(user));
    }
    for (auto& chat : entities.chats) {
      if (!chat) continue;
      const int64_t id = IdOf(*chat, ChatTypes{});
      Put(chats_, chat_index_, id, std::move(chat));
    }
  }
  std::vector<tl::ObjectPtr<api::User>> TakeUsers() { return std::move(users_); }
  std::vector<tl::ObjectPtr<api::Chat>> TakeChats() { return std::move(chats_); }

 private:
  template <typename T>
  static void Put(std::vector<tl::ObjectPtr<T>>& list, std::map<int64_t, size_t>& index,
                  int64_t id, tl::ObjectPtr<T> object) {
    if (auto it = index.find(id); it != index.end()) {
      list[it->second] = std::move(object);
      return;
    }
    index[id] = list.size();
    list.push_back(std::move(object));
  }

  std::vector<tl::ObjectPtr<api::User>> users_;
  std::vector<tl::ObjectPtr<api::Chat>> chats_;
  std::map<int64_t, size_t> user_index_, chat_index_;
};

// Splits entries' updates into new messages (updateNewMessage / updateNewChannelMessage) and the
// rest, as the difference constructors want them.
void Sort(std::vector<tl::ObjectPtr<api::Update>> updates,
          std::vector<tl::ObjectPtr<api::Message>>& new_messages,
          std::vector<tl::ObjectPtr<api::Update>>& other_updates) {
  for (auto& update : updates) {
    if (!update) continue;
    if (update->ConstructorId() == api::updateNewMessage::kId) {
      new_messages.push_back(std::move(static_cast<api::updateNewMessage&>(*update).message));
    } else if (update->ConstructorId() == api::updateNewChannelMessage::kId) {
      new_messages.push_back(
          std::move(static_cast<api::updateNewChannelMessage&>(*update).message));
    } else {
      other_updates.push_back(std::move(update));
    }
  }
}

absl::Status PersistentTimestamp(const char* name) { return absl::InvalidArgumentError(name); }

}  // namespace

struct UpdateLog::Counters {
  int32_t pts = 1;
  int32_t qts = 0;
  int32_t seq = 0;
  int32_t date = 0;
  int32_t pts_floor = 0;  // the highest pts dropped from the log: older clients are too far back
  int32_t qts_floor = 0;
  int32_t seq_date = 0;  // the position (date) of the newest seq entry
  int32_t issued = 0;    // the latest date handed out in a state
};

struct UpdateLog::Entry {
  int64_t id = 0;
  int32_t counter = 0;
  int32_t date = 0;
  std::string updates;
  std::string entities;
};

absl::StatusOr<std::unique_ptr<UpdateLog>> UpdateLog::Open(const std::filesystem::path& state_dir,
                                                           Clock clock,
                                                           UpdateLogOptions options) {
  if (absl::Status s = EnsurePrivateDirectory(state_dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
      OpenStateDatabase(state_dir / kDatabaseFile, "update log");
  if (!db.ok()) return db.status();
  if (!clock) clock = [] { return absl::Now(); };
  std::unique_ptr<UpdateLog> log(new UpdateLog(*std::move(db), std::move(clock), options));
  if (absl::Status s = log->db_->Exec(kSchema); !s.ok()) return s;
  return log;
}

UpdateLog::UpdateLog(std::unique_ptr<store::SqliteDatabase> db, Clock clock,
                     UpdateLogOptions options)
    : db_(std::move(db)), clock_(std::move(clock)), options_(options) {}

UpdateLog::~UpdateLog() = default;

bool UpdateLog::SetPts(api::Update& update, int32_t pts, int32_t pts_count) {
  return SetPtsOf(update, pts, pts_count, PtsUpdates{});
}

bool UpdateLog::SetQts(api::Update& update, int32_t qts) {
  return SetQtsOf(update, qts, QtsUpdates{});
}

absl::StatusOr<UpdateLog::Counters> UpdateLog::LoadAccount(int64_t user_id) {
  Statement st(*db_,
               "SELECT pts, qts, seq, date, pts_floor, qts_floor, seq_date, issued FROM accounts "
               "WHERE user_id = ?");
  st.Bind(user_id);
  Counters c;
  if (st.Step()) {
    c = Counters{static_cast<int32_t>(st.Int(0)), static_cast<int32_t>(st.Int(1)),
                 static_cast<int32_t>(st.Int(2)), static_cast<int32_t>(st.Int(3)),
                 static_cast<int32_t>(st.Int(4)), static_cast<int32_t>(st.Int(5)),
                 static_cast<int32_t>(st.Int(6)), static_cast<int32_t>(st.Int(7))};
  }
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return c;
}

absl::Status UpdateLog::SaveAccount(int64_t user_id, const Counters& c) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO accounts (user_id, pts, qts, seq, date, pts_floor, "
               "qts_floor, seq_date, issued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(user_id).Bind(c.pts).Bind(c.qts).Bind(c.seq).Bind(c.date).Bind(c.pts_floor);
  st.Bind(c.qts_floor).Bind(c.seq_date).Bind(c.issued);
  st.Step();
  return st.Check();
}

absl::StatusOr<UpdateLog::Counters> UpdateLog::LoadChannel(int64_t channel_id) {
  Statement st(*db_, "SELECT pts, pts_floor FROM channels WHERE channel_id = ?");
  st.Bind(channel_id);
  Counters c;
  if (st.Step()) {
    c.pts = static_cast<int32_t>(st.Int(0));
    c.pts_floor = static_cast<int32_t>(st.Int(1));
  }
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return c;
}

absl::Status UpdateLog::SaveChannel(int64_t channel_id, const Counters& c) {
  Statement st(*db_, "INSERT OR REPLACE INTO channels (channel_id, pts, pts_floor) VALUES (?, ?, ?)");
  st.Bind(channel_id).Bind(c.pts).Bind(c.pts_floor);
  st.Step();
  return st.Check();
}

absl::StatusOr<int64_t> UpdateLog::Append(int64_t owner, int box, int32_t counter, int32_t count,
                                          int32_t date, const std::string& updates,
                                          const std::string& entities) {
  Statement st(*db_,
               "INSERT INTO entries (owner, box, counter, count, date, updates, entities) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(owner).Bind(box).Bind(counter).Bind(count).Bind(date).BindBlob(updates);
  st.BindBlob(entities);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return sqlite3_last_insert_rowid(db_->handle());
}

absl::StatusOr<int32_t> UpdateLog::Trim(int64_t owner, int box) {
  // The newest id beyond the count bound (0 when within it), and the age bound.
  int64_t last_dropped_id = 0;
  {
    Statement st(*db_,
                 "SELECT id FROM entries WHERE owner = ? AND box = ? ORDER BY id DESC "
                 "LIMIT 1 OFFSET ?");
    st.Bind(owner).Bind(box).Bind(options_.max_entries_per_box);
    if (st.Step()) last_dropped_id = st.Int(0);
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  const int64_t oldest_date = Now() - absl::ToInt64Seconds(options_.max_age);
  int32_t floor = 0;
  {
    Statement st(*db_,
                 "SELECT MAX(counter) FROM entries WHERE owner = ? AND box = ? AND "
                 "(id <= ? OR date < ?)");
    st.Bind(owner).Bind(box).Bind(last_dropped_id).Bind(oldest_date);
    if (st.Step() && !st.IsNull(0)) floor = static_cast<int32_t>(st.Int(0));
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  if (floor == 0) return 0;
  if (box == kChannelBox) {
    Statement st(*db_,
                 "DELETE FROM channel_entities WHERE entry_id IN (SELECT id FROM entries WHERE "
                 "owner = ? AND box = ? AND (id <= ? OR date < ?))");
    st.Bind(owner).Bind(box).Bind(last_dropped_id).Bind(oldest_date);
    st.Step();
    if (absl::Status s = st.Check(); !s.ok()) return s;
  }
  Statement st(*db_, "DELETE FROM entries WHERE owner = ? AND box = ? AND (id <= ? OR date < ?)");
  st.Bind(owner).Bind(box).Bind(last_dropped_id).Bind(oldest_date);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return floor;
}

absl::StatusOr<std::vector<UpdateLog::Entry>> UpdateLog::Load(int64_t owner, int box,
                                                              int32_t after, int limit,
                                                              bool by_date) {
  Statement st(*db_, by_date ? "SELECT id, counter, date, updates, entities FROM entries WHERE "
                              "owner = ? AND box = ? AND date >= ? ORDER BY id LIMIT ?"
                            : "SELECT id, counter, date, updates, entities FROM entries WHERE "
                              "owner = ? AND box = ? AND counter > ? ORDER BY id LIMIT ?");
  st.Bind(owner).Bind(box).Bind(after).Bind(limit);
  std::vector<Entry> entries;
  while (st.Step()) {
    entries.push_back(Entry{st.Int(0), static_cast<int32_t>(st.Int(1)),
                            static_cast<int32_t>(st.Int(2)), st.Blob(3), st.Blob(4)});
  }
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return entries;
}

absl::Status UpdateLog::InTransaction(const std::function<absl::Status()>& body) {
  store::SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  if (absl::Status s = body(); !s.ok()) return s;
  return tx.Commit();
}

void UpdateLog::Push(int64_t user_id, std::vector<tl::ObjectPtr<api::Update>> updates,
                     UpdateEntities entities, int32_t date, int32_t seq) {
  if (!deliver_) return;
  api::updates pushed;
  pushed.updates = std::move(updates);
  pushed.users = std::move(entities.users);
  pushed.chats = std::move(entities.chats);
  pushed.date = date;
  pushed.seq = seq;
  deliver_(user_id, pushed);
}

absl::Status UpdateLog::PublishPts(int64_t user_id, tl::ObjectPtr<api::Update> update,
                                   int pts_count, UpdateEntities entities) {
  if (!update || pts_count < 1) return absl::InvalidArgumentError("update log: no pts update");
  if (!SetPts(*update, 0, pts_count)) {
    return absl::InvalidArgumentError("update log: not a pts update: " + update->ToString());
  }
  Counters counters;
  const int32_t date = Now();
  std::vector<tl::ObjectPtr<api::Update>> updates;
  updates.push_back(std::move(update));
  absl::Status status = InTransaction([&]() -> absl::Status {
    absl::StatusOr<Counters> loaded = LoadAccount(user_id);
    if (!loaded.ok()) return loaded.status();
    counters = *loaded;
    counters.pts += pts_count;
    counters.date = date;
    SetPts(*updates.front(), counters.pts, pts_count);
    absl::Status encoded;
    const std::string bytes = EncodeUpdates(updates, &encoded);
    const std::string entity_bytes = EncodeEntities(entities, &encoded);
    if (!encoded.ok()) return encoded;
    if (auto id = Append(user_id, kPtsBox, counters.pts, pts_count, date, bytes, entity_bytes);
        !id.ok()) {
      return id.status();
    }
    absl::StatusOr<int32_t> floor = Trim(user_id, kPtsBox);
    if (!floor.ok()) return floor.status();
    counters.pts_floor = std::max(counters.pts_floor, *floor);
    return SaveAccount(user_id, counters);
  });
  if (!status.ok()) return status;
  Push(user_id, std::move(updates), std::move(entities), date, 0);
  return absl::OkStatus();
}

absl::Status UpdateLog::PublishQts(int64_t user_id, tl::ObjectPtr<api::Update> update,
                                   UpdateEntities entities) {
  if (!update || !SetQts(*update, 0)) {
    return absl::InvalidArgumentError("update log: not a qts update");
  }
  const int32_t date = Now();
  std::vector<tl::ObjectPtr<api::Update>> updates;
  updates.push_back(std::move(update));
  absl::Status status = InTransaction([&]() -> absl::Status {
    absl::StatusOr<Counters> counters = LoadAccount(user_id);
    if (!counters.ok()) return counters.status();
    counters->qts += 1;
    counters->date = date;
    SetQts(*updates.front(), counters->qts);
    absl::Status encoded;
    const std::string bytes = EncodeUpdates(updates, &encoded);
    const std::string entity_bytes = EncodeEntities(entities, &encoded);
    if (!encoded.ok()) return encoded;
    if (auto id = Append(user_id, kQtsBox, counters->qts, 1, date, bytes, entity_bytes);
        !id.ok()) {
      return id.status();
    }
    absl::StatusOr<int32_t> floor = Trim(user_id, kQtsBox);
    if (!floor.ok()) return floor.status();
    counters->qts_floor = std::max(counters->qts_floor, *floor);
    return SaveAccount(user_id, *counters);
  });
  if (!status.ok()) return status;
  Push(user_id, std::move(updates), std::move(entities), date, 0);
  return absl::OkStatus();
}

absl::Status UpdateLog::PublishSeq(int64_t user_id,
                                   std::vector<tl::ObjectPtr<api::Update>> updates,
                                   UpdateEntities entities) {
  if (updates.empty()) return absl::OkStatus();
  const int32_t date = Now();
  int32_t seq = 0;
  absl::Status status = InTransaction([&]() -> absl::Status {
    absl::StatusOr<Counters> counters = LoadAccount(user_id);
    if (!counters.ok()) return counters.status();
    seq = ++counters->seq;
    counters->date = date;
    // Never before a date already handed out: a client holding that date has not seen it.
    counters->seq_date = std::max(date, counters->issued);
    absl::Status encoded;
    const std::string bytes = EncodeUpdates(updates, &encoded);
    const std::string entity_bytes = EncodeEntities(entities, &encoded);
    if (!encoded.ok()) return encoded;
    if (auto id = Append(user_id, kSeqBox, seq, 1, counters->seq_date, bytes, entity_bytes);
        !id.ok()) {
      return id.status();
    }
    if (absl::StatusOr<int32_t> floor = Trim(user_id, kSeqBox); !floor.ok()) {
      return floor.status();
    }
    return SaveAccount(user_id, *counters);
  });
  if (!status.ok()) return status;
  Push(user_id, std::move(updates), std::move(entities), date, seq);
  return absl::OkStatus();
}

absl::Status UpdateLog::PublishChannel(
    int64_t channel_id, tl::ObjectPtr<api::Update> update, int pts_count,
    const std::vector<int64_t>& recipients,
    const std::function<UpdateEntities(int64_t recipient)>& entities_for) {
  if (!update || pts_count < 1 || !SetPts(*update, 0, pts_count)) {
    return absl::InvalidArgumentError("update log: not a channel pts update");
  }
  const int32_t date = Now();
  std::string bytes;
  std::vector<std::pair<int64_t, UpdateEntities>> views;
  for (int64_t recipient : recipients) {
    views.emplace_back(recipient, entities_for ? entities_for(recipient) : UpdateEntities{});
  }
  absl::Status status = InTransaction([&]() -> absl::Status {
    absl::StatusOr<Counters> counters = LoadChannel(channel_id);
    if (!counters.ok()) return counters.status();
    counters->pts += pts_count;
    SetPts(*update, counters->pts, pts_count);
    std::vector<tl::ObjectPtr<api::Update>> one;
    one.push_back(std::move(update));
    absl::Status encoded;
    bytes = EncodeUpdates(one, &encoded);
    if (!encoded.ok()) return encoded;
    absl::StatusOr<int64_t> id =
        Append(channel_id, kChannelBox, counters->pts, pts_count, date, bytes, "");
    if (!id.ok()) return id.status();
    for (const auto& [recipient, entities] : views) {
      const std::string entity_bytes = EncodeEntities(entities, &encoded);
      if (!encoded.ok()) return encoded;
      Statement st(*db_,
                   "INSERT OR REPLACE INTO channel_entities (entry_id, user_id, entities) "
                   "VALUES (?, ?, ?)");
      st.Bind(*id).Bind(recipient).BindBlob(entity_bytes);
      st.Step();
      if (absl::Status s = st.Check(); !s.ok()) return s;
    }
    absl::StatusOr<int32_t> floor = Trim(channel_id, kChannelBox);
    if (!floor.ok()) return floor.status();
    counters->pts_floor = std::max(counters->pts_floor, *floor);
    return SaveChannel(channel_id, *counters);
  });
  if (!status.ok()) return status;
  // Each recipient gets its own copy, decoded from the logged bytes.
  for (auto& [recipient, entities] : views) {
    absl::StatusOr<std::vector<tl::ObjectPtr<api::Update>>> copy = DecodeUpdates(bytes);
    if (!copy.ok()) return copy.status();
    Push(recipient, *std::move(copy), std::move(entities), date, 0);
  }
  return absl::OkStatus();
}

int32_t UpdateLog::ChannelPts(int64_t channel_id) {
  absl::StatusOr<Counters> counters = LoadChannel(channel_id);
  return counters.ok() ? counters->pts : Counters{}.pts;
}

absl::StatusOr<int32_t> UpdateLog::IssueDate(int64_t user_id, Counters& counters) {
  const int32_t date = std::max(Now(), counters.seq_date + 1);
  if (date > counters.issued) {
    counters.issued = date;
    if (absl::Status s = SaveAccount(user_id, counters); !s.ok()) return s;
  }
  return date;
}

absl::StatusOr<tl::ObjectPtr<api::updates_state>> UpdateLog::State(int64_t user_id) {
  absl::StatusOr<Counters> counters = LoadAccount(user_id);
  if (!counters.ok()) return counters.status();
  absl::StatusOr<int32_t> date = IssueDate(user_id, *counters);
  if (!date.ok()) return date.status();
  auto state = std::make_unique<api::updates_state>();
  state->pts = counters->pts;
  state->qts = counters->qts;
  state->seq = counters->seq;
  state->date = *date;
  state->unread_count = 0;
  return state;
}

absl::StatusOr<tl::ObjectPtr<api::updates_Difference>> UpdateLog::Difference(
    int64_t user_id, const api::updates_getDifference& request) {
  absl::StatusOr<Counters> account = LoadAccount(user_id);
  if (!account.ok()) return account.status();
  if (request.pts <= 0) return PersistentTimestamp("PERSISTENT_TIMESTAMP_EMPTY");
  if (request.pts > account->pts || request.qts > account->qts || request.qts < 0) {
    return PersistentTimestamp("PERSISTENT_TIMESTAMP_INVALID");
  }
  const bool beyond_log = request.pts < account->pts_floor;
  const bool beyond_limit = request.pts_total_limit && *request.pts_total_limit > 0 &&
                            int64_t{request.pts} + *request.pts_total_limit < account->pts;
  if (beyond_log || beyond_limit) {
    auto too_long = std::make_unique<api::updates_differenceTooLong>();
    too_long->pts = account->pts;
    return too_long;
  }

  auto page = [this](const std::optional<int32_t>& asked) {
    return asked && *asked > 0 ? std::min(*asked, options_.difference_page)
                               : options_.difference_page;
  };
  const int pts_page = page(request.pts_limit);
  const int qts_page = page(request.qts_limit);
  absl::StatusOr<std::vector<Entry>> pts_entries =
      Load(user_id, kPtsBox, request.pts, pts_page + 1, false);
  if (!pts_entries.ok()) return pts_entries.status();
  absl::StatusOr<std::vector<Entry>> qts_entries =
      Load(user_id, kQtsBox, request.qts, qts_page + 1, false);
  if (!qts_entries.ok()) return qts_entries.status();
  const bool more = static_cast<int>(pts_entries->size()) > pts_page ||
                    static_cast<int>(qts_entries->size()) > qts_page;
  if (static_cast<int>(pts_entries->size()) > pts_page) pts_entries->resize(pts_page);
  if (static_cast<int>(qts_entries->size()) > qts_page) qts_entries->resize(qts_page);
  std::vector<Entry> seq_entries;
  if (!more) {
    absl::StatusOr<std::vector<Entry>> loaded =
        Load(user_id, kSeqBox, request.date, options_.max_entries_per_box, true);
    if (!loaded.ok()) return loaded.status();
    seq_entries = *std::move(loaded);
  }

  if (pts_entries->empty() && qts_entries->empty() && seq_entries.empty() &&
      request.pts == account->pts && request.qts == account->qts) {
    absl::StatusOr<int32_t> now = IssueDate(user_id, *account);
    if (!now.ok()) return now.status();
    auto empty = std::make_unique<api::updates_differenceEmpty>();
    empty->date = *now;
    empty->seq = account->seq;
    return empty;
  }

  // Everything in the order it was published.
  std::vector<const Entry*> all;
  for (const auto* list : {&*pts_entries, &*qts_entries, &seq_entries}) {
    for (const Entry& e : *list) all.push_back(&e);
  }
  std::sort(all.begin(), all.end(), [](const Entry* a, const Entry* b) { return a->id < b->id; });
  std::vector<tl::ObjectPtr<api::Message>> new_messages;
  std::vector<tl::ObjectPtr<api::Update>> other_updates;
  EntityMerger entities;
  for (const Entry* e : all) {
    absl::StatusOr<std::vector<tl::ObjectPtr<api::Update>>> updates = DecodeUpdates(e->updates);
    if (!updates.ok()) return updates.status();
    absl::StatusOr<UpdateEntities> mentioned = DecodeEntities(e->entities);
    if (!mentioned.ok()) return mentioned.status();
    Sort(*std::move(updates), new_messages, other_updates);
    entities.Add(*std::move(mentioned));
  }

  auto state = std::make_unique<api::updates_state>();
  state->seq = account->seq;
  state->unread_count = 0;
  if (more) {
    state->pts = pts_entries->empty() ? request.pts : pts_entries->back().counter;
    state->qts = qts_entries->empty() ? request.qts : qts_entries->back().counter;
    state->date = request.date;  // the seq stream is still to come, from the same date
    auto slice = std::make_unique<api::updates_differenceSlice>();
    slice->new_messages = std::move(new_messages);
    slice->other_updates = std::move(other_updates);
    slice->users = entities.TakeUsers();
    slice->chats = entities.TakeChats();
    slice->intermediate_state = std::move(state);
    return slice;
  }
  absl::StatusOr<int32_t> now = IssueDate(user_id, *account);
  if (!now.ok()) return now.status();
  state->pts = account->pts;
  state->qts = account->qts;
  state->date = *now;
  auto difference = std::make_unique<api::updates_difference>();
  difference->new_messages = std::move(new_messages);
  difference->other_updates = std::move(other_updates);
  difference->users = entities.TakeUsers();
  difference->chats = entities.TakeChats();
  difference->state = std::move(state);
  return difference;
}

absl::StatusOr<tl::ObjectPtr<api::updates_ChannelDifference>> UpdateLog::ChannelDifference(
    int64_t user_id, int64_t channel_id, int32_t pts, int32_t limit) {
  absl::StatusOr<Counters> channel = LoadChannel(channel_id);
  if (!channel.ok()) return channel.status();
  if (pts <= 0) return PersistentTimestamp("PERSISTENT_TIMESTAMP_EMPTY");
  if (pts > channel->pts) return PersistentTimestamp("PERSISTENT_TIMESTAMP_INVALID");
  limit = std::clamp(limit, 1, 100'000);

  // The recipient's view of the entities of the channel's entries after `after` (all of them
  // when `after` is 0; the newest when only the view matters).
  auto views_after = [&](int32_t after, EntityMerger& merger) -> absl::Status {
    Statement st(*db_,
                 "SELECT c.entities FROM channel_entities c JOIN entries e ON e.id = c.entry_id "
                 "WHERE e.owner = ? AND e.box = ? AND e.counter > ? AND c.user_id = ? "
                 "ORDER BY e.id");
    st.Bind(channel_id).Bind(int{kChannelBox}).Bind(after).Bind(user_id);
    while (st.Step()) {
      absl::StatusOr<UpdateEntities> view = DecodeEntities(st.Blob(0));
      if (!view.ok()) return view.status();
      merger.Add(*std::move(view));
    }
    return st.Check();
  };

  // "pts + limit < remote pts": too many to catch up with; also when the log no longer reaches
  // back to the client's pts.
  if (pts < channel->pts_floor || int64_t{pts} + limit < channel->pts) {
    auto too_long = std::make_unique<api::updates_channelDifferenceTooLong>();
    too_long->final_ = true;
    too_long->timeout = options_.channel_timeout_seconds;
    auto dialog = std::make_unique<api::dialog>();
    auto peer = std::make_unique<api::peerChannel>();
    peer->channel_id = channel_id;
    dialog->peer = std::move(peer);
    dialog->notify_settings = std::make_unique<api::peerNotifySettings>();
    dialog->pts = channel->pts;
    too_long->dialog = std::move(dialog);
    EntityMerger merger;
    if (absl::Status s = views_after(channel->pts_floor, merger); !s.ok()) return s;
    too_long->users = merger.TakeUsers();
    too_long->chats = merger.TakeChats();
    return too_long;
  }
  if (pts == channel->pts) {
    auto empty = std::make_unique<api::updates_channelDifferenceEmpty>();
    empty->final_ = true;
    empty->pts = channel->pts;
    empty->timeout = options_.channel_timeout_seconds;
    return empty;
  }
  absl::StatusOr<std::vector<Entry>> entries = Load(channel_id, kChannelBox, pts, limit, false);
  if (!entries.ok()) return entries.status();
  auto difference = std::make_unique<api::updates_channelDifference>();
  difference->final_ = true;
  difference->pts = channel->pts;
  difference->timeout = options_.channel_timeout_seconds;
  for (const Entry& e : *entries) {
    absl::StatusOr<std::vector<tl::ObjectPtr<api::Update>>> updates = DecodeUpdates(e.updates);
    if (!updates.ok()) return updates.status();
    Sort(*std::move(updates), difference->new_messages, difference->other_updates);
  }
  EntityMerger merger;
  if (absl::Status s = views_after(pts, merger); !s.ok()) return s;
  difference->users = merger.TakeUsers();
  difference->chats = merger.TakeChats();
  return difference;
}

}  // namespace mtproto::emulator

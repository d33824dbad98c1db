#include "service/ledger/sqlite_ledger.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <bit>
#include <random>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "mtproto/store/sqlite_database.h"

namespace invitegate::ledger {
namespace {

using mtproto::store::SqliteDatabase;
using mtproto::store::SqliteOptions;
using Transaction = mtproto::store::SqliteTransaction;

// Debian's Abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
// Sequences and ids are uint64 in the API and int64 in SQLite: same bits.
int64_t ToDb(uint64_t v) { return std::bit_cast<int64_t>(v); }
uint64_t FromDb(int64_t v) { return std::bit_cast<uint64_t>(v); }

// Forward migrations: entry i takes version i to i + 1. Append, never edit.
constexpr std::array<const char*, 1> kMigrations = {
    // Version 1. events: the log (AUTOINCREMENT: a sequence is never reused, even when the
    // newest events were compacted away). pending and link_stats: state derived from it in the
    // append transaction. meta: the ledger's id and compaction point.
    R"sql(
CREATE TABLE meta (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  ledger_id INTEGER NOT NULL,
  compacted_through INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  recorded_at_ms INTEGER NOT NULL,
  account TEXT NOT NULL,
  chat_id INTEGER NOT NULL,
  link TEXT NOT NULL,
  type INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  username TEXT NOT NULL,
  date INTEGER NOT NULL,
  about TEXT NOT NULL,
  actor_id INTEGER NOT NULL,
  pending_count INTEGER NOT NULL,
  idempotency_key TEXT UNIQUE);
CREATE INDEX events_by_account ON events (account, sequence);
CREATE TABLE pending (
  account TEXT NOT NULL,
  chat_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  link TEXT NOT NULL,
  user_name TEXT NOT NULL,
  username TEXT NOT NULL,
  about TEXT NOT NULL,
  date INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  PRIMARY KEY (account, chat_id, user_id));
CREATE INDEX pending_by_sequence ON pending (sequence);
CREATE TABLE link_stats (
  account TEXT NOT NULL,
  chat_id INTEGER NOT NULL,
  link TEXT NOT NULL,
  joined INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  approved INTEGER NOT NULL DEFAULT 0,
  declined INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, chat_id, link));
)sql",
};

constexpr const char* kEventColumns =
    "sequence, recorded_at_ms, account, chat_id, link, type, user_id, user_name, username, date, "
    "about, actor_id, pending_count, idempotency_key";

// Sequences are SQLite rowids (positive int64): clamp "no upper bound" into that range.
int64_t SequenceBound(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, static_cast<uint64_t>(INT64_MAX)));
}

absl::Status ValidateEvent(const Event& e) {
  const int type = static_cast<int>(e.type);
  if (type < 1 || type > kMaxEventType) {
    return absl::InvalidArgumentError(absl::StrCat("ledger event has unknown type ", type));
  }
  if (e.account.empty()) return absl::InvalidArgumentError("ledger event has no account");
  if (e.chat_id == 0) return absl::InvalidArgumentError("ledger event has no chat id");
  if (e.type != EventType::kPendingCountChanged && e.user_id == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ledger event ", Sv(EventTypeName(e.type)), " has no user id"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PositionUnavailable(uint64_t after_sequence, const LedgerState& state) {
  if (after_sequence < state.compacted_through) {
    return absl::OutOfRangeError(absl::StrCat(
        "position ", after_sequence, " was compacted: events through ", state.compacted_through,
        " are gone (retention); start again from a snapshot or from now"));
  }
  return absl::OutOfRangeError(absl::StrCat("position ", after_sequence,
                                            " is beyond the ledger's last event ",
                                            state.last_sequence,
                                            " (a token from another ledger?)"));
}


namespace {

// The state every read and write is checked against (inside the caller's transaction).
absl::StatusOr<LedgerState> ReadState(SqliteDatabase& c) {
  LedgerState state;
  {
    auto st = c.Prepare("SELECT ledger_id, compacted_through FROM meta");
    if (!st.Step()) {
      if (absl::Status s = st.Check("reading the ledger's state"); !s.ok()) return s;
      return c.Fail(absl::StatusCode::kDataLoss, "meta has no row");
    }
    state.ledger_id = FromDb(st.Int(0));
    state.compacted_through = FromDb(st.Int(1));
  }
  auto seq = c.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
  if (seq.Step()) state.last_sequence = FromDb(seq.Int(0));
  if (absl::Status s = seq.Check("reading the last sequence"); !s.ok()) return s;
  return state;
}

// Run after migration `v` in its transaction. Version 1 gives the ledger its identity: resume
// tokens carry it, so a token minted by a database that was since replaced is refused instead of
// positioning a stream in unrelated events.
absl::Status AfterMigration(SqliteDatabase& c, int v) {
  if (v != 0) return absl::OkStatus();
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t{rd()} << 32) ^ rd();
  auto meta = c.Prepare("INSERT INTO meta (singleton, ledger_id) VALUES (1, ?)");
  meta.Bind(ToDb(id)).Step();
  return meta.Check("creating the ledger's identity");
}

// " AND account = ? ..." for the filter's set fields, in the order BindFilter binds them.
std::string FilterSql(const EventFilter& f, bool with_types) {
  std::string sql;
  if (!f.account.empty()) sql += " AND account = ?";
  if (f.chat_id) sql += " AND chat_id = ?";
  if (f.link) sql += " AND link = ?";
  if (with_types && f.type_mask != 0) sql += " AND ((1 << type) & ?) != 0";
  return sql;
}

void BindFilter(SqliteDatabase::Statement& st, const EventFilter& f, bool with_types) {
  if (!f.account.empty()) st.BindText(f.account);
  if (f.chat_id) st.Bind(*f.chat_id);
  if (f.link) st.BindText(*f.link);
  if (with_types && f.type_mask != 0) st.Bind(f.type_mask);
}

absl::Status ValidateFilter(const EventFilter& f) {
  const uint32_t valid = ((1u << (kMaxEventType + 1)) - 1) & ~1u;
  if ((f.type_mask & ~valid) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("event filter has unknown type bits 0x", absl::Hex(f.type_mask & ~valid)));
  }
  return absl::OkStatus();
}

}  // namespace

SqliteLedger::SqliteLedger(Options options, std::unique_ptr<Connection> writer,
                           std::unique_ptr<Connection> reader)
    : options_(std::move(options)), writer_(std::move(writer)), reader_(std::move(reader)) {}

SqliteLedger::~SqliteLedger() = default;

absl::StatusOr<std::unique_ptr<SqliteLedger>> SqliteLedger::Open(Options options) {
  if (options.path.empty()) return absl::InvalidArgumentError("ledger: empty path");
  if (!options.clock) return absl::InvalidArgumentError("ledger: no clock");
  // A new file is created 0600 (names and request texts of users); an existing one is left as
  // the operator set it. FULL: an append that returned survives a power cut, not only a crash.
  SqliteOptions writer_options;
  writer_options.label = "ledger";
  writer_options.serialized = false;  // each connection is guarded by its own mutex
  absl::StatusOr<std::unique_ptr<Connection>> writer =
      SqliteDatabase::Open(options.path, writer_options);
  if (!writer.ok()) return writer.status();
  Connection& w = **writer;
  if (absl::Status s = w.Migrate(kMigrations, [&w](int v) { return AfterMigration(w, v); });
      !s.ok()) {
    return s;
  }
  SqliteOptions reader_options = writer_options;
  reader_options.journal_mode.clear();
  reader_options.synchronous.clear();
  absl::StatusOr<std::unique_ptr<Connection>> reader =
      SqliteDatabase::Open(options.path, reader_options);
  if (!reader.ok()) return reader.status();
  if (absl::Status s = (*reader)->Exec("PRAGMA query_only = 1"); !s.ok()) return s;
  return std::unique_ptr<SqliteLedger>(
      new SqliteLedger(std::move(options), *std::move(writer), *std::move(reader)));
}

absl::StatusOr<std::vector<AppendResult>> SqliteLedger::Append(std::span<const Event> events) {
  for (const Event& e : events) {
    if (absl::Status s = ValidateEvent(e); !s.ok()) return s;
  }
  std::vector<AppendResult> results;
  results.reserve(events.size());
  if (events.empty()) return results;
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  std::lock_guard lock(write_mutex_);
  Connection& c = *writer_;
  Transaction tx(c, /*write=*/true);
  if (!tx.status().ok()) return tx.status();
  for (const Event& e : events) {
    if (!e.idempotency_key.empty()) {
      auto dup = c.Prepare("SELECT sequence FROM events WHERE idempotency_key = ?");
      dup.BindText(e.idempotency_key);
      if (dup.Step()) {
        results.push_back({FromDb(dup.Int(0)), true});
        continue;
      }
      if (absl::Status s = dup.Check("looking up an idempotency key"); !s.ok()) return s;
    }
    auto ins = c.Prepare(
        "INSERT INTO events (recorded_at_ms, account, chat_id, link, type, user_id, user_name, "
        "username, date, about, actor_id, pending_count, idempotency_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.Bind(now_ms).BindText(e.account).Bind(e.chat_id).BindText(e.link)
        .Bind(static_cast<int>(e.type)).Bind(e.user_id).BindText(e.user_name)
        .BindText(e.username).Bind(e.date).BindText(e.about).Bind(e.actor_id)
        .Bind(e.pending_count);
    if (e.idempotency_key.empty()) {
      ins.BindNull();
    } else {
      ins.BindText(e.idempotency_key);
    }
    ins.Step();
    if (absl::Status s = ins.Check("appending an event"); !s.ok()) return s;
    const uint64_t sequence = FromDb(sqlite3_last_insert_rowid(c.handle()));
    if (absl::Status s = ApplyDerivedState(e, sequence); !s.ok()) return s;
    results.push_back({sequence, false});
  }
  if (absl::Status s = tx.Commit(); !s.ok()) return s;
  return results;
}

// The backlog and counters, in the append's transaction (write_mutex_ held). The rules:
// - request_created opens (or refreshes) the user's request in that chat: pending + 1 on its
//   link, or moves it between links when the user asked again through another one;
// - request_approved / request_declined close it: pending - 1 and approved / declined + 1 on the
//   link it was opened through (the event's link if the ledger never saw it opened);
// - member_joined: joined + 1; if the user still had an open request, it was approved by
//   someone the ledger did not hear from: closed and counted approved;
// - pending_count_changed is Telegram's own counter: recorded, not derived.
absl::Status SqliteLedger::ApplyDerivedState(const Event& e, uint64_t sequence) {
  Connection& c = *writer_;
  struct Delta {
    std::string link;
    int64_t joined = 0, pending = 0, approved = 0, declined = 0;
  };
  std::vector<Delta> deltas;
  std::optional<std::string> open_link;
  if (e.type != EventType::kPendingCountChanged) {
    // Scoped: the statement is reset before the writes below touch the same table.
    auto find = c.Prepare("SELECT link FROM pending WHERE account = ? AND chat_id = ? AND "
                          "user_id = ?");
    find.BindText(e.account).Bind(e.chat_id).Bind(e.user_id);
    if (find.Step()) open_link = find.Blob(0);
    if (absl::Status s = find.Check("reading the backlog"); !s.ok()) return s;
  }
  auto close_request = [&]() -> absl::Status {
    auto del = c.Prepare("DELETE FROM pending WHERE account = ? AND chat_id = ? AND user_id = ?");
    del.BindText(e.account).Bind(e.chat_id).Bind(e.user_id).Step();
    return del.Check("updating the backlog");
  };
  switch (e.type) {
    case EventType::kRequestCreated: {
      auto put = c.Prepare(
          "INSERT OR REPLACE INTO pending (account, chat_id, user_id, link, user_name, username, "
          "about, date, sequence, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      put.BindText(e.account).Bind(e.chat_id).Bind(e.user_id).BindText(e.link)
          .BindText(e.user_name).BindText(e.username).BindText(e.about).Bind(e.date)
          .Bind(ToDb(sequence)).BindText(e.idempotency_key).Step();
      if (absl::Status s = put.Check("updating the backlog"); !s.ok()) return s;
      if (!open_link) {
        deltas.push_back({.link = e.link, .pending = 1});
      } else if (*open_link != e.link) {
        deltas.push_back({.link = *open_link, .pending = -1});
        deltas.push_back({.link = e.link, .pending = 1});
      }
      break;
    }
    case EventType::kRequestApproved:
    case EventType::kRequestDeclined: {
      const bool approved = e.type == EventType::kRequestApproved;
      Delta d{.link = open_link.value_or(e.link)};
      (approved ? d.approved : d.declined) = 1;
      if (open_link) {
        if (absl::Status s = close_request(); !s.ok()) return s;
        d.pending = -1;
      }
      deltas.push_back(d);
      break;
    }
    case EventType::kMemberJoined: {
      if (open_link) {
        if (absl::Status s = close_request(); !s.ok()) return s;
        deltas.push_back({.link = *open_link, .pending = -1, .approved = 1});
      }
      deltas.push_back({.link = e.link.empty() && open_link ? *open_link : e.link, .joined = 1});
      break;
    }
    case EventType::kPendingCountChanged:
      break;
  }
  for (const Delta& d : deltas) {
    auto up = c.Prepare(
        "INSERT INTO link_stats (account, chat_id, link, joined, pending, approved, declined) "
        "VALUES (?, ?, ?, ?, MAX(0, ?), ?, ?) ON CONFLICT (account, chat_id, link) DO UPDATE SET "
        "joined = joined + excluded.joined, pending = MAX(0, pending + ?), "
        "approved = approved + excluded.approved, declined = declined + excluded.declined");
    up.BindText(e.account).Bind(e.chat_id).BindText(d.link).Bind(d.joined).Bind(d.pending)
        .Bind(d.approved).Bind(d.declined).Bind(d.pending).Step();
    if (absl::Status s = up.Check("updating link statistics"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<ReadResult> SqliteLedger::Read(const ReadRequest& request) {
  if (absl::Status s = ValidateFilter(request.filter); !s.ok()) return s;
  if (request.limit == 0) return absl::InvalidArgumentError("ledger read with limit 0");
  std::lock_guard lock(read_mutex_);
  Connection& c = *reader_;
  Transaction tx(c, /*write=*/false);
  if (!tx.status().ok()) return tx.status();
  absl::StatusOr<LedgerState> state = ReadState(c);
  if (!state.ok()) return state.status();
  if (request.after_sequence < state->compacted_through ||
      request.after_sequence > state->last_sequence) {
    return PositionUnavailable(request.after_sequence, *state);
  }
  const uint64_t through = std::min(request.through_sequence, state->last_sequence);
  ReadResult result;
  result.scanned_through = std::max(through, request.after_sequence);
  if (through <= request.after_sequence) return result;
  auto st = c.Prepare(absl::StrCat("SELECT ", kEventColumns,
                                   " FROM events WHERE sequence > ? AND sequence <= ?",
                                   FilterSql(request.filter, true), " ORDER BY sequence LIMIT ?"));
  st.Bind(SequenceBound(request.after_sequence)).Bind(SequenceBound(through));
  BindFilter(st, request.filter, true);
  st.Bind(static_cast<int64_t>(std::min<size_t>(request.limit, INT64_MAX)));
  while (st.Step()) {
    Event e;
    e.sequence = FromDb(st.Int(0));
    e.recorded_at_ms = st.Int(1);
    e.account = st.Blob(2);
    e.chat_id = st.Int(3);
    e.link = st.Blob(4);
    const int64_t type = st.Int(5);
    if (type < 1 || type > kMaxEventType) {
      return absl::DataLossError(absl::StrCat("ledger ", options_.path.string(), ": event ",
                                              e.sequence, " has unknown type ", type));
    }
    e.type = static_cast<EventType>(type);
    e.user_id = st.Int(6);
    e.user_name = st.Blob(7);
    e.username = st.Blob(8);
    e.date = st.Int(9);
    e.about = st.Blob(10);
    e.actor_id = st.Int(11);
    e.pending_count = static_cast<int32_t>(st.Int(12));
    e.idempotency_key = st.Blob(13);
    result.events.push_back(std::move(e));
  }
  if (absl::Status s = st.Check("reading events"); !s.ok()) return s;
  if (result.events.size() == request.limit) result.scanned_through = result.events.back().sequence;
  return result;
}

absl::StatusOr<LedgerState> SqliteLedger::State() {
  std::lock_guard lock(read_mutex_);
  Transaction tx(*reader_, /*write=*/false);
  if (!tx.status().ok()) return tx.status();
  return ReadState(*reader_);
}

absl::StatusOr<PendingSnapshot> SqliteLedger::Pending(const EventFilter& filter) {
  std::lock_guard lock(read_mutex_);
  Connection& c = *reader_;
  // One read transaction: the rows and the sequence they are current as of agree.
  Transaction tx(c, /*write=*/false);
  if (!tx.status().ok()) return tx.status();
  absl::StatusOr<LedgerState> state = ReadState(c);
  if (!state.ok()) return state.status();
  PendingSnapshot snapshot;
  snapshot.as_of_sequence = state->last_sequence;
  auto st = c.Prepare(absl::StrCat(
      "SELECT account, chat_id, link, user_id, user_name, username, about, date, sequence, "
      "idempotency_key FROM pending WHERE 1", FilterSql(filter, false), " ORDER BY sequence"));
  BindFilter(st, filter, false);
  while (st.Step()) {
    PendingRequest r;
    r.account = st.Blob(0);
    r.chat_id = st.Int(1);
    r.link = st.Blob(2);
    r.user_id = st.Int(3);
    r.user_name = st.Blob(4);
    r.username = st.Blob(5);
    r.about = st.Blob(6);
    r.date = st.Int(7);
    r.sequence = FromDb(st.Int(8));
    r.idempotency_key = st.Blob(9);
    snapshot.requests.push_back(std::move(r));
  }
  if (absl::Status s = st.Check("reading the backlog"); !s.ok()) return s;
  return snapshot;
}

absl::StatusOr<std::vector<LinkStats>> SqliteLedger::Stats(const EventFilter& filter) {
  std::lock_guard lock(read_mutex_);
  Connection& c = *reader_;
  auto st = c.Prepare(absl::StrCat(
      "SELECT account, chat_id, link, joined, pending, approved, declined FROM link_stats "
      "WHERE 1", FilterSql(filter, false), " ORDER BY account, chat_id, link"));
  BindFilter(st, filter, false);
  std::vector<LinkStats> stats;
  while (st.Step()) {
    stats.push_back({st.Blob(0), st.Int(1), st.Blob(2), st.Int(3), st.Int(4), st.Int(5),
                     st.Int(6)});
  }
  if (absl::Status s = st.Check("reading link statistics"); !s.ok()) return s;
  return stats;
}

absl::StatusOr<CompactionResult> SqliteLedger::Compact(const RetentionPolicy& policy,
                                                       absl::Time now) {
  std::lock_guard lock(write_mutex_);
  Connection& c = *writer_;
  Transaction tx(c, /*write=*/true);
  if (!tx.status().ok()) return tx.status();
  absl::StatusOr<LedgerState> state = ReadState(c);
  if (!state.ok()) return state.status();
  // Compaction removes a prefix (everything below `keep_from`), so "compacted through" is one
  // number a resume position can be checked against, even if the clock once went backwards.
  uint64_t keep_from = 0;
  if (policy.max_age) {
    auto st = c.Prepare(
        "SELECT sequence FROM events WHERE recorded_at_ms >= ? ORDER BY sequence LIMIT 1");
    st.Bind(absl::ToUnixMillis(now - *policy.max_age));
    keep_from = st.Step() ? FromDb(st.Int(0)) : state->last_sequence + 1;
    if (absl::Status s = st.Check("finding expired events"); !s.ok()) return s;
  }
  if (policy.max_events) {
    uint64_t from = state->last_sequence + 1;
    if (*policy.max_events > 0) {
      auto st = c.Prepare("SELECT sequence FROM events ORDER BY sequence DESC LIMIT 1 OFFSET ?");
      st.Bind(static_cast<int64_t>(std::min<uint64_t>(*policy.max_events - 1, INT64_MAX)));
      from = st.Step() ? FromDb(st.Int(0)) : 0;
      if (absl::Status s = st.Check("counting events"); !s.ok()) return s;
    }
    keep_from = std::max(keep_from, from);
  }
  CompactionResult result{0, state->compacted_through};
  if (keep_from <= state->compacted_through + 1) return result;
  auto del = c.Prepare("DELETE FROM events WHERE sequence < ?");
  del.Bind(SequenceBound(keep_from)).Step();
  if (absl::Status s = del.Check("compacting events"); !s.ok()) return s;
  result.removed = static_cast<uint64_t>(sqlite3_changes(c.handle()));
  result.compacted_through = keep_from - 1;
  auto meta = c.Prepare("UPDATE meta SET compacted_through = ?");
  meta.Bind(ToDb(result.compacted_through)).Step();
  if (absl::Status s = meta.Check("recording the compaction point"); !s.ok()) return s;
  if (absl::Status s = tx.Commit(); !s.ok()) return s;
  return result;
}

}  // namespace invitegate::ledger

// service/ledger — SQLite plumbing for SqliteLedger: a connection with a cache of prepared
// statements, and a transaction guard. Internal to the ledger library.
#pragma once

#include <sqlite3.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "service/ledger/ledger.h"

namespace invitegate::ledger::internal {

// Debian's Abseil has its own string_view type.
inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
// Sequences and ids are uint64 in the API and int64 in SQLite: same bits.
inline int64_t ToDb(uint64_t v) { return std::bit_cast<int64_t>(v); }
inline uint64_t FromDb(int64_t v) { return std::bit_cast<uint64_t>(v); }

// One SQLite connection with a cache of prepared statements (appends run the same few
// statements thousands of times; preparing each time would cost more than the work).
class Connection {
 public:
  // A cached statement, reset when this handle goes away. Binds in order; the first failure
  // sticks, so callers check once (as mtproto/store/SqliteStatement does).
  class Stmt {
   public:
    Stmt(Connection& c, sqlite3_stmt* s, int rc) : conn_(c), stmt_(s), rc_(rc) {}
    ~Stmt() {
      if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
      }
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& Bind(int64_t v) {
      if (ok()) rc_ = sqlite3_bind_int64(stmt_, ++index_, v);
      return *this;
    }
    Stmt& BindText(std::string_view v) {
      if (ok()) {
        rc_ = sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()),
                                SQLITE_TRANSIENT);
      }
      return *this;
    }
    Stmt& BindNull() {
      if (ok()) rc_ = sqlite3_bind_null(stmt_, ++index_);
      return *this;
    }
    bool Step() {
      if (!ok()) return false;
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) rc_ = rc;
      return false;
    }
    int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
    std::string Text(int col) {
      const unsigned char* data = sqlite3_column_text(stmt_, col);
      const int size = sqlite3_column_bytes(stmt_, col);
      return data ? std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size))
                  : "";
    }
    bool ok() const { return rc_ == SQLITE_OK; }
    absl::Status Check(std::string_view what) const {
      return ok() ? absl::OkStatus() : conn_.Error(what);
    }

   private:
    Connection& conn_;
    sqlite3_stmt* stmt_;
    int rc_;
    int index_ = 0;
  };

  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      absl::Status status = absl::InternalError(absl::StrCat(
          "ledger ", path.string(), ": cannot open: ", db ? sqlite3_errmsg(db) : "no memory"));
      sqlite3_close(db);
      return status;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 0);
    return std::unique_ptr<Connection>(new Connection(path, db));
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Stmt Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Stmt(*this, it->second, SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                                      nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Stmt(*this, nullptr, rc);
    }
    cache_.emplace(sql, stmt);
    return Stmt(*this, stmt, SQLITE_OK);
  }

  absl::Status Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error(std::string_view(sql).substr(0, std::string_view(sql).find('\n')));
    }
    return absl::OkStatus();
  }

  absl::Status Error(std::string_view what) const {
    const int code = sqlite3_errcode(db_);
    const std::string message =
        absl::StrCat("ledger ", path_.string(), ": ", Sv(what), ": ", sqlite3_errmsg(db_));
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return absl::DataLossError(absl::StrCat(message, " (the file is corrupt or not a database)"));
    }
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
    return absl::InternalError(message);
  }

  // The state every read and write is checked against (inside the caller's transaction).
  absl::StatusOr<LedgerState> State() {
    LedgerState state;
    {
      Stmt st = Prepare("SELECT ledger_id, compacted_through FROM meta");
      if (!st.Step()) {
        if (absl::Status s = st.Check("reading the ledger's state"); !s.ok()) return s;
        return absl::DataLossError(absl::StrCat("ledger ", path_.string(), ": meta has no row"));
      }
      state.ledger_id = FromDb(st.Int(0));
      state.compacted_through = FromDb(st.Int(1));
    }
    Stmt seq = Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    if (seq.Step()) state.last_sequence = FromDb(seq.Int(0));
    if (absl::Status s = seq.Check("reading the last sequence"); !s.ok()) return s;
    return state;
  }

  sqlite3* db() { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Connection(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::filesystem::path path_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN … COMMIT on one connection; rolls back unless committed.
class Transaction {
 public:
  Transaction(Connection& c, bool write) : c_(c) {
    status_ = c_.Exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  ~Transaction() {
    if (status_.ok() && !done_) (void)c_.Exec("ROLLBACK");
  }
  const absl::Status& status() const { return status_; }
  [[nodiscard]] absl::Status Commit() {
    if (!status_.ok()) return status_;
    done_ = true;
    absl::Status s = c_.Exec("COMMIT");
    if (!s.ok()) (void)c_.Exec("ROLLBACK");
    return s;
  }

 private:
  Connection& c_;
  absl::Status status_;
  bool done_ = false;
};

}  // namespace invitegate::ledger::internal

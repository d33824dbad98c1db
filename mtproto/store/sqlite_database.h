// A private SQLite database file: the one way this project opens one (the engine's session
// store, the emulator's stores, the service's ledger). It creates the file 0600 (and missing
// directories 0700) so SQLite's -wal and -shm files inherit a private mode, optionally refuses an
// existing file readable by the group or others, sets the journal pragmas, and names the file in
// every error. Plain SQLite plumbing: no schema and no logic of any caller.
// SQLite: https://www.sqlite.org/pragma.html (journal_mode, synchronous),
// https://www.sqlite.org/wal.html.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/store/sqlite_statement.h"

namespace mtproto::store {

struct SqliteOptions {
  // Names the database in messages: "<label> <path>: <what>: <sqlite's message>".
  std::string label = "database";
  // An existing file (or its -wal / -shm) with group or other bits is refused with
  // PERMISSION_DENIED, the message giving `private_reason` ("it holds auth keys").
  bool refuse_shared_mode = false;
  std::string private_reason;
  // Pragmas run at open (empty: left as they are, e.g. for a second, read-only connection).
  std::string journal_mode = "WAL";
  std::string synchronous = "FULL";
  int busy_timeout_ms = 5000;
  // SQLITE_OPEN_FULLMUTEX (several threads on one connection) or NOMUTEX (the caller serializes).
  bool serialized = true;
};

// One open connection; closed on destruction.
class SqliteDatabase {
 public:
  // A one-shot statement (SqliteStatement) whose failures are reported through this database.
  class Statement : public SqliteStatement {
   public:
    Statement(const SqliteDatabase& db, const char* sql) : SqliteStatement(db.db_, sql), db_(db) {}
    Statement(const SqliteDatabase& db, sqlite3_stmt* cached, int rc)
        : SqliteStatement(cached, rc), db_(db) {}
    // OK, or Error(what).
    [[nodiscard]] absl::Status Check(std::string_view what = {}) const {
      return ok() ? absl::OkStatus() : db_.Error(what);
    }

   private:
    const SqliteDatabase& db_;
  };

  // Creates `path` (0600, parents 0700) when missing, opens it and runs the option's pragmas.
  // The first pragma reads the header, so a file that is not SQLite fails here (DATA_LOSS).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(
      const std::filesystem::path& path, const SqliteOptions& options);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // A statement prepared once and kept until the database closes, for statements run thousands
  // of times (preparing each time would cost more than the work).
  [[nodiscard]] Statement Prepare(const std::string& sql);

  // Runs one or more statements; an error names the first line of `sql`.
  [[nodiscard]] absl::Status Exec(const char* sql);
  // SQLite's last error as a status naming the file and `what` (may be empty): DATA_LOSS for a
  // corrupt file, UNAVAILABLE for a busy or locked one, INTERNAL otherwise.
  [[nodiscard]] absl::Status Error(std::string_view what) const;
  // "<label> <path>: <message>" with `code`, for the caller's own checks.
  [[nodiscard]] absl::Status Fail(absl::StatusCode code, std::string_view message) const;

  // Versioned migrations in a schema_version table: migrations[i] takes version i to i + 1, each
  // in its own transaction; `after(i)` (optional) runs in that transaction after migrations[i].
  // An empty file becomes version 0; a database with other tables but no schema_version, or a
  // newer version than migrations.size(), is refused (FAILED_PRECONDITION).
  [[nodiscard]] absl::Status Migrate(std::span<const char* const> migrations,
                                     const std::function<absl::Status(int)>& after = {});
  // 0 for a database with no schema_version table.
  [[nodiscard]] absl::StatusOr<int> SchemaVersion();

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  SqliteDatabase(std::filesystem::path path, std::string label, sqlite3* db)
      : path_(std::move(path)), label_(std::move(label)), db_(db) {}

  const std::filesystem::path path_;
  const std::string label_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN (IMMEDIATE when `write`) … COMMIT; rolls back unless committed.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& db, bool write = true)
      : db_(db), status_(db.Exec(write ? "BEGIN IMMEDIATE" : "BEGIN")) {}
  ~SqliteTransaction() {
    if (status_.ok() && !done_) (void)db_.Exec("ROLLBACK");
  }
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  const absl::Status& status() const { return status_; }
  [[nodiscard]] absl::Status Commit() {
    if (!status_.ok()) return status_;
    done_ = true;
    absl::Status s = db_.Exec("COMMIT");
    if (!s.ok()) (void)db_.Exec("ROLLBACK");
    return s;
  }

 private:
  SqliteDatabase& db_;
  absl::Status status_;
  bool done_ = false;
};

}  // namespace mtproto::store

// A prepared SQLite statement with positional binding, shared by the engine's session store,
// the emulator's stores and the ledger (it holds no client logic, only SQLite plumbing).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mtproto::store {

// Binds in order, steps, reads columns; the first failure sticks (ok() turns false and every
// later call is a no-op), so callers check once at the end. Finalized on destruction, or, for a
// statement a cache keeps, reset for its next use.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  // A statement the caller prepared and keeps (nullptr with the failing `rc` when preparing it
  // failed): not finalized here, only reset and unbound.
  SqliteStatement(sqlite3_stmt* cached, int rc) : stmt_(cached), rc_(rc), owned_(false) {}
  ~SqliteStatement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(stmt_, ++index_, v);
    return *this;
  }
  SqliteStatement& BindBlob(std::string_view v) {
    if (ok()) {
      rc_ = sqlite3_bind_blob(stmt_, ++index_, v.data(), static_cast<int>(v.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  SqliteStatement& BindText(std::string_view v) {
    if (ok()) {
      rc_ = sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  SqliteStatement& BindNull() {
    if (ok()) rc_ = sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }
  // Advances to the next row: true with a row, false when done or failed (see ok()).
  bool Step() {
    if (!ok()) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) rc_ = rc;
    return false;
  }
  bool IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  // A BLOB or TEXT column's bytes ("" for NULL).
  std::string Blob(int col) {
    const void* data = sqlite3_column_blob(stmt_, col);
    const int size = sqlite3_column_bytes(stmt_, col);
    return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(size)) : "";
  }
  bool ok() const { return rc_ == SQLITE_OK; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
  bool owned_ = true;
  int index_ = 0;
};

}  // namespace mtproto::store

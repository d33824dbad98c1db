#include "mtproto/store/sqlite_database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mtproto::store {
namespace {

// Debian's Abseil has its own string_view type; adapt std::string_view for StrCat.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Errno(const SqliteOptions& o, std::string_view what,
                   const std::filesystem::path& path) {
  return absl::InternalError(
      absl::StrCat(o.label, " ", path.string(), ": ", Sv(what), ": ", std::strerror(errno)));
}

absl::Status CheckPrivateMode(const SqliteOptions& o, const struct stat& st,
                              const std::filesystem::path& path) {
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(o.label, " ", path.string(), " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s %s has mode %04o: %s and must not be accessible to the group or others (chmod 600 "
        "it)",
        o.label, path.string(), st.st_mode & 07777, o.private_reason));
  }
  return absl::OkStatus();
}

absl::Status EnsureDirectories(const SqliteOptions& o, const std::filesystem::path& dir) {
  if (dir.empty()) return absl::OkStatus();
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return absl::OkStatus();
  if (absl::Status s = EnsureDirectories(o, dir.parent_path()); !s.ok()) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Errno(o, "mkdir", dir);
  return absl::OkStatus();
}

// Creates the file 0600 if it does not exist, before SQLite does: SQLite gives its -wal and -shm
// files the database file's mode. Checks an existing one (and its side files) when asked.
absl::Status PrepareFile(const SqliteOptions& o, const std::filesystem::path& path) {
  if (absl::Status s = EnsureDirectories(o, path.parent_path()); !s.ok()) return s;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    // The umask can only narrow 0600; fchmod makes the mode exact regardless.
    const bool ok = ::fchmod(fd, 0600) == 0;
    ::close(fd);
    return ok ? absl::OkStatus() : Errno(o, "fchmod", path);
  }
  if (errno != EEXIST) return Errno(o, "create", path);
  if (!o.refuse_shared_mode) return absl::OkStatus();
  fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Errno(o, "open", path);
  struct stat st;
  const bool stat_ok = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!stat_ok) return Errno(o, "fstat", path);
  if (absl::Status s = CheckPrivateMode(o, st, path); !s.ok()) return s;
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path side = path.string() + suffix;
    if (::lstat(side.c_str(), &st) == 0) {
      if (absl::Status s = CheckPrivateMode(o, st, side); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(
    const std::filesystem::path& path, const SqliteOptions& options) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(options.label, ": empty path"));
  if (absl::Status s = PrepareFile(options, path); !s.ok()) return s;
  sqlite3* db = nullptr;
  const int mutex = options.serialized ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | mutex, nullptr) != SQLITE_OK) {
    absl::Status status = absl::InternalError(absl::StrCat(
        options.label, " ", path.string(), ": cannot open: ", db ? sqlite3_errmsg(db) : "no memory"));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<SqliteDatabase> out(new SqliteDatabase(path, options.label, db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 0);
  if (!options.journal_mode.empty()) {
    const std::string sql = absl::StrCat("PRAGMA journal_mode = ", options.journal_mode);
    if (absl::Status s = out->Exec(sql.c_str()); !s.ok()) return s;
  }
  // FULL: a write that returned survives a power cut, not just a crash (WAL + NORMAL would not).
  if (!options.synchronous.empty()) {
    const std::string sql = absl::StrCat("PRAGMA synchronous = ", options.synchronous);
    if (absl::Status s = out->Exec(sql.c_str()); !s.ok()) return s;
  }
  return out;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

SqliteDatabase::Statement SqliteDatabase::Prepare(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return Statement(*this, it->second, SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Statement(*this, nullptr, rc);
  }
  cache_.emplace(sql, stmt);
  return Statement(*this, stmt, SQLITE_OK);
}

absl::Status SqliteDatabase::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error(std::string_view(sql).substr(0, std::string_view(sql).find('\n')));
  }
  return absl::OkStatus();
}

absl::Status SqliteDatabase::Error(std::string_view what) const {
  const int code = sqlite3_errcode(db_);
  const std::string message = absl::StrCat(label_, " ", path_.string(), ": ", Sv(what),
                                           what.empty() ? "" : ": ", sqlite3_errmsg(db_));
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
    return absl::DataLossError(absl::StrCat(message, " (the file is corrupt or not a database)"));
  }
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::Status SqliteDatabase::Fail(absl::StatusCode code, std::string_view message) const {
  return absl::Status(code, absl::StrCat(label_, " ", path_.string(), ": ", Sv(message)));
}

absl::StatusOr<int> SqliteDatabase::SchemaVersion() {
  Statement has(*this,
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                "'schema_version'");
  if (!has.Step()) return has.Check("reading the schema");
  if (has.Int(0) == 0) return 0;
  Statement st(*this, "SELECT version FROM schema_version");
  if (!st.Step()) {
    if (absl::Status s = st.Check("reading the schema version"); !s.ok()) return s;
    return Fail(absl::StatusCode::kDataLoss, "schema_version has no row");
  }
  return static_cast<int>(st.Int(0));
}

absl::Status SqliteDatabase::Migrate(std::span<const char* const> migrations,
                                     const std::function<absl::Status(int)>& after) {
  absl::StatusOr<int> version = SchemaVersion();
  if (!version.ok()) return version.status();
  if (*version == 0) {
    // An empty file becomes ours; a database with other tables is someone else's.
    Statement tables(*this, "SELECT COUNT(*) FROM sqlite_master");
    if (!tables.Step()) return tables.Check("reading the schema");
    if (tables.Int(0) != 0) {
      return Fail(absl::StatusCode::kFailedPrecondition,
                  "an SQLite database of another program (no schema_version table)");
    }
  }
  const int latest = static_cast<int>(migrations.size());
  if (*version > latest) {
    return Fail(absl::StatusCode::kFailedPrecondition,
                absl::StrCat("schema version ", *version,
                             " is newer than this build supports (", latest, ")"));
  }
  for (int v = *version; v < latest; ++v) {
    SqliteTransaction tx(*this);
    if (!tx.status().ok()) return tx.status();
    if (v == 0) {
      if (absl::Status s = Exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                                "INSERT INTO schema_version VALUES (0)");
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = Exec(migrations[v]); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migrating to version ", v + 1, ": ",
                                                 s.message()));
    }
    if (after) {
      if (absl::Status s = after(v); !s.ok()) return s;
    }
    Statement set(*this, "UPDATE schema_version SET version = ?");
    set.Bind(v + 1).Step();
    if (absl::Status s = set.Check("recording the schema version"); !s.ok()) return s;
    if (absl::Status s = tx.Commit(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace mtproto::store

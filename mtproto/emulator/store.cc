#include "mtproto/emulator/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "mtproto/store/sqlite_database.h"

namespace mtproto::emulator {
namespace {

using Statement = store::SqliteDatabase::Statement;

constexpr char kDatabaseFile[] = "emulator.sqlite";
constexpr char kServerKeyFile[] = "server_key.pem";

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS auth_keys (
  id INTEGER PRIMARY KEY, key BLOB NOT NULL, dc_id INTEGER NOT NULL, created INTEGER NOT NULL,
  user_id INTEGER NOT NULL DEFAULT 0, layer INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, first_name TEXT NOT NULL,
  last_name TEXT NOT NULL, username TEXT NOT NULL, phone TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS login_codes (
  phone_code_hash TEXT PRIMARY KEY, phone TEXT NOT NULL, code TEXT NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS exported_auths (
  id INTEGER PRIMARY KEY, bytes BLOB NOT NULL, user_id INTEGER NOT NULL, dc_id INTEGER NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS update_counters (
  user_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL, qts INTEGER NOT NULL, seq INTEGER NOT NULL);
)sql";

absl::Status Errno(const char* what, const std::filesystem::path& path) {
  return absl::InternalError(absl::StrCat(what, " ", path.string(), ": ", std::strerror(errno)));
}

}  // namespace

absl::Status EnsurePrivateDirectory(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::OkStatus();
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Errno("mkdir", path);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenStateDatabase(
    const std::filesystem::path& path, std::string label) {
  // WAL + NORMAL: the emulator's state may lose its last writes on a power cut, never its
  // consistency; durability matters for the engine's and the service's files, not here.
  store::SqliteOptions options;
  options.label = std::move(label);
  options.synchronous = "NORMAL";
  options.busy_timeout_ms = 2000;
  return store::SqliteDatabase::Open(path, options);
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                                 int mode) {
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Errno("open", temp);
  ::fchmod(fd, mode);  // the umask may have narrowed or the file may have existed
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Errno("write", temp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Errno("fsync/close", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("rename", temp);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& state_dir) {
  if (absl::Status s = EnsurePrivateDirectory(state_dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
      OpenStateDatabase(state_dir / kDatabaseFile, "emulator store");
  if (!db.ok()) return db.status();
  std::unique_ptr<Store> out(new Store(state_dir, *std::move(db)));
  if (absl::Status s = out->db_->Exec(kSchema); !s.ok()) return s;
  return out;
}

Store::Store(std::filesystem::path state_dir, std::unique_ptr<store::SqliteDatabase> db)
    : state_dir_(std::move(state_dir)), db_(std::move(db)) {}

Store::~Store() = default;

absl::Status Store::PutAuthKey(const AuthKeyRecord& r) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO auth_keys (id, key, dc_id, created, user_id, layer) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(r.id).BindBlob(r.key).Bind(r.dc_id).Bind(r.created).Bind(r.user_id).Bind(r.layer);
  st.Step();
  return st.Check();
}

absl::StatusOr<std::optional<AuthKeyRecord>> Store::FindAuthKey(int64_t auth_key_id) {
  Statement st(*db_, "SELECT id, key, dc_id, created, user_id, layer FROM auth_keys WHERE id = ?");
  st.Bind(auth_key_id);
  if (!st.Step()) {
    if (absl::Status s = st.Check(); !s.ok()) return s;
    return std::optional<AuthKeyRecord>();
  }
  AuthKeyRecord r;
  r.id = st.Int(0);
  r.key = st.Blob(1);
  r.dc_id = static_cast<int>(st.Int(2));
  r.created = st.Int(3);
  r.user_id = st.Int(4);
  r.layer = static_cast<int>(st.Int(5));
  return std::optional<AuthKeyRecord>(std::move(r));
}

absl::Status Store::SetAuthKeyUser(int64_t auth_key_id, int64_t user_id) {
  Statement st(*db_, "UPDATE auth_keys SET user_id = ? WHERE id = ?");
  st.Bind(user_id).Bind(auth_key_id);
  st.Step();
  if (absl::Status s = st.Check(); !s.ok()) return s;
  if (sqlite3_changes(db_->handle()) == 0) {
    return absl::NotFoundError("emulator store: unknown auth key");
  }
  return absl::OkStatus();
}

absl::Status Store::SetAuthKeyLayer(int64_t auth_key_id, int layer) {
  Statement st(*db_, "UPDATE auth_keys SET layer = ? WHERE id = ?");
  st.Bind(layer).Bind(auth_key_id);
  st.Step();
  return st.Check();
}

absl::Status Store::AddUser(const WorldUser& u) {
  Statement st(*db_,
               "INSERT INTO users (id, access_hash, first_name, last_name, username, phone) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(u.id).Bind(u.access_hash).BindText(u.first_name).BindText(u.last_name);
  st.BindText(u.username).BindText(u.phone);
  st.Step();
  return st.Check();
}

absl::StatusOr<std::vector<WorldUser>> Store::LoadUsers() {
  Statement st(*db_,
               "SELECT id, access_hash, first_name, last_name, username, phone FROM users "
               "ORDER BY id");
  std::vector<WorldUser> users;
  while (st.Step()) {
    WorldUser u;
    u.id = st.Int(0);
    u.access_hash = st.Int(1);
    u.first_name = st.Blob(2);
    u.last_name = st.Blob(3);
    u.username = st.Blob(4);
    u.phone = st.Blob(5);
    users.push_back(std::move(u));
  }
  if (absl::Status s = st.Check(); !s.ok()) return s;
  return users;
}

absl::Status Store::PutLoginCode(const LoginCode& c) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO login_codes (phone_code_hash, phone, code, created) "
               "VALUES (?, ?, ?, ?)");
  st.BindText(c.phone_code_hash).BindText(c.phone).BindText(c.code).Bind(c.created);
  st.Step();
  return st.Check();
}

absl::StatusOr<std::optional<LoginCode>> Store::FindLoginCode(const std::string& hash) {
  Statement st(*db_,
               "SELECT phone_code_hash, phone, code, created FROM login_codes "
               "WHERE phone_code_hash = ?");
  st.BindText(hash);
  if (!st.Step()) {
    if (absl::Status s = st.Check(); !s.ok()) return s;
    return std::optional<LoginCode>();
  }
  return std::optional<LoginCode>(LoginCode{st.Blob(0), st.Blob(1), st.Blob(2), st.Int(3)});
}

absl::Status Store::DeleteLoginCode(const std::string& hash) {
  Statement st(*db_, "DELETE FROM login_codes WHERE phone_code_hash = ?");
  st.BindText(hash);
  st.Step();
  return st.Check();
}

absl::Status Store::PutExportedAuth(const ExportedAuth& e) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO exported_auths (id, bytes, user_id, dc_id, created) "
               "VALUES (?, ?, ?, ?, ?)");
  st.Bind(e.id).BindBlob(e.bytes).Bind(e.user_id).Bind(e.dc_id).Bind(e.created);
  st.Step();
  return st.Check();
}

absl::StatusOr<std::optional<ExportedAuth>> Store::TakeExportedAuth(int64_t id,
                                                                   const std::string& bytes) {
  std::optional<ExportedAuth> found;
  {
    Statement st(*db_, "SELECT id, bytes, user_id, dc_id, created FROM exported_auths WHERE id = ?");
    st.Bind(id);
    if (st.Step()) {
      found = ExportedAuth{st.Int(0), st.Blob(1), st.Int(2), static_cast<int>(st.Int(3)),
                           st.Int(4)};
    } else if (!st.Check().ok()) {
      return st.Check();
    }
  }
  // Wrong bytes leave the export in place: a guess must not burn the real one.
  if (!found || found->bytes != bytes) return std::optional<ExportedAuth>();
  Statement del(*db_, "DELETE FROM exported_auths WHERE id = ?");
  del.Bind(id);
  del.Step();
  if (absl::Status s = del.Check(); !s.ok()) return s;
  return found;
}

absl::StatusOr<UpdateCounters> Store::GetUpdateCounters(int64_t user_id) {
  Statement st(*db_, "SELECT pts, qts, seq FROM update_counters WHERE user_id = ?");
  st.Bind(user_id);
  if (!st.Step()) {
    if (absl::Status s = st.Check(); !s.ok()) return s;
    return UpdateCounters{};
  }
  return UpdateCounters{static_cast<int32_t>(st.Int(0)), static_cast<int32_t>(st.Int(1)),
                        static_cast<int32_t>(st.Int(2))};
}

absl::Status Store::SetUpdateCounters(int64_t user_id, const UpdateCounters& c) {
  Statement st(*db_,
               "INSERT OR REPLACE INTO update_counters (user_id, pts, qts, seq) VALUES (?, ?, ?, ?)");
  st.Bind(user_id).Bind(c.pts).Bind(c.qts).Bind(c.seq);
  st.Step();
  return st.Check();
}

absl::StatusOr<crypto::RsaPrivateKey> LoadOrCreateServerKey(const std::filesystem::path& state_dir) {
  if (absl::Status s = EnsurePrivateDirectory(state_dir); !s.ok()) return s;
  const std::filesystem::path path = state_dir / kServerKeyFile;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream pem;
    pem << in.rdbuf();
    absl::StatusOr<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::FromPem(pem.str());
    if (!key.ok()) {
      return absl::DataLossError(
          absl::StrCat(path.string(), ": not a usable RSA key: ", key.status().message()));
    }
    return key;
  }
  absl::StatusOr<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::Generate();
  if (!key.ok()) return key.status();
  if (absl::Status s = WriteFileAtomically(path, key->ToPem(), 0600); !s.ok()) return s;
  return key;
}

}  // namespace mtproto::emulator

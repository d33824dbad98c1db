#include "mtproto/store/session_store.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mtproto/store/schema.h"
#include "mtproto/store/sqlite_database.h"

namespace mtproto::store {
namespace {

using Statement = SqliteDatabase::Statement;

int64_t ToDb(uint64_t v) { return std::bit_cast<int64_t>(v); }
uint64_t FromDb(int64_t v) { return std::bit_cast<uint64_t>(v); }

absl::Status CheckDcId(int dc_id) {
  if (dc_id <= 0) return absl::InvalidArgumentError(absl::StrCat("invalid DC id ", dc_id));
  return absl::OkStatus();
}

}  // namespace

SessionStore::SessionStore(std::unique_ptr<SqliteDatabase> db)
    : db_(std::move(db)), path_(db_->path()) {}

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(
    const std::filesystem::path& path) {
  SqliteOptions options;
  options.label = "session store";
  options.refuse_shared_mode = true;
  options.private_reason = "it holds auth keys";
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path, options);
  if (!db.ok()) return db.status();
  std::unique_ptr<SessionStore> store(new SessionStore(*std::move(db)));
  std::lock_guard lock(store->mutex_);
  // quick_check walks every page (the file is small), so a damaged file is reported at Open,
  // not at some later read in the middle of a reconnect.
  {
    Statement check(*store->db_, "PRAGMA quick_check");
    std::string verdict;
    if (check.Step()) verdict = check.Blob(0);
    if (absl::Status s = check.Check("integrity check"); !s.ok()) return s;
    if (verdict != "ok") {
      return absl::DataLossError(absl::StrCat("session store ", path.string(),
                                              ": integrity check failed: ", verdict));
    }
  }
  if (absl::Status s = store->db_->Migrate(kMigrations); !s.ok()) return s;
  return store;
}

SessionStore::~SessionStore() = default;

absl::StatusOr<int> SessionStore::SchemaVersion() {
  std::lock_guard lock(mutex_);
  return db_->SchemaVersion();
}

absl::Status SessionStore::EnsureDcRow(int dc_id) {
  Statement st(*db_, "INSERT OR IGNORE INTO dcs (dc_id) VALUES (?)");
  st.Bind(dc_id).Step();
  return st.Check("adding a DC");
}

absl::Status SessionStore::PutAuthKey(int dc_id, const session::AuthKey& key) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  if (absl::Status s = EnsureDcRow(dc_id); !s.ok()) return s;
  Statement st(*db_, "UPDATE dcs SET auth_key = ?, auth_key_id = ? WHERE dc_id = ?");
  st.BindBlob(std::string_view(reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()))
      .Bind(ToDb(key.id))
      .Bind(dc_id)
      .Step();
  if (absl::Status s = st.Check("storing an auth key"); !s.ok()) return s;
  if (absl::Status s = ReplaceSaltsLocked(dc_id, {}); !s.ok()) return s;
  return tx.Commit();
}

absl::StatusOr<std::optional<session::AuthKey>> SessionStore::GetAuthKey(int dc_id) {
  absl::StatusOr<DcState> dc = LoadDc(dc_id);
  if (!dc.ok()) return dc.status();
  return std::move(dc->auth_key);
}

absl::Status SessionStore::DeleteAuthKey(int dc_id) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  Statement st(*db_, "UPDATE dcs SET auth_key = NULL, auth_key_id = NULL WHERE dc_id = ?");
  st.Bind(dc_id).Step();
  if (absl::Status s = st.Check("deleting an auth key"); !s.ok()) return s;
  if (absl::Status s = ReplaceSaltsLocked(dc_id, {}); !s.ok()) return s;
  return tx.Commit();
}

absl::Status SessionStore::ReplaceSaltsLocked(int dc_id, std::span<const ServerSalt> salts) {
  Statement del(*db_, "DELETE FROM server_salts WHERE dc_id = ?");
  del.Bind(dc_id).Step();
  if (absl::Status s = del.Check("replacing salts"); !s.ok()) return s;
  for (const ServerSalt& salt : salts) {
    Statement ins(*db_,
                  "INSERT OR REPLACE INTO server_salts (dc_id, salt, valid_since, valid_until) "
                  "VALUES (?, ?, ?, ?)");
    ins.Bind(dc_id).Bind(ToDb(salt.salt)).Bind(salt.valid_since).Bind(salt.valid_until).Step();
    if (absl::Status s = ins.Check("storing a salt"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SessionStore::PutSalts(int dc_id, std::span<const ServerSalt> salts) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  for (const ServerSalt& salt : salts) {
    if (salt.valid_until < salt.valid_since) {
      return absl::InvalidArgumentError("server salt: valid_until before valid_since");
    }
  }
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  if (absl::Status s = EnsureDcRow(dc_id); !s.ok()) return s;
  if (absl::Status s = ReplaceSaltsLocked(dc_id, salts); !s.ok()) return s;
  return tx.Commit();
}

absl::Status SessionStore::PruneSalts(int dc_id, int32_t now) {
  std::lock_guard lock(mutex_);
  Statement st(*db_, "DELETE FROM server_salts WHERE dc_id = ? AND valid_until <= ?");
  st.Bind(dc_id).Bind(now).Step();
  return st.Check("pruning salts");
}

absl::StatusOr<std::vector<ServerSalt>> SessionStore::GetSaltsLocked(int dc_id) {
  Statement st(*db_,
               "SELECT salt, valid_since, valid_until FROM server_salts WHERE dc_id = ? "
               "ORDER BY valid_since, salt");
  st.Bind(dc_id);
  std::vector<ServerSalt> salts;
  while (st.Step()) {
    salts.push_back({FromDb(st.Int(0)), static_cast<int32_t>(st.Int(1)),
                     static_cast<int32_t>(st.Int(2))});
  }
  if (absl::Status s = st.Check("reading salts"); !s.ok()) return s;
  return salts;
}

absl::StatusOr<std::vector<ServerSalt>> SessionStore::GetSalts(int dc_id) {
  std::lock_guard lock(mutex_);
  return GetSaltsLocked(dc_id);
}

absl::Status SessionStore::SetTimeOffset(int dc_id, session::UnixTime offset) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  if (absl::Status s = EnsureDcRow(dc_id); !s.ok()) return s;
  Statement st(*db_, "UPDATE dcs SET time_offset_ns = ? WHERE dc_id = ?");
  st.Bind(offset.count()).Bind(dc_id).Step();
  if (absl::Status s = st.Check("storing the time offset"); !s.ok()) return s;
  return tx.Commit();
}

absl::StatusOr<DcState> SessionStore::LoadDc(int dc_id) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  DcState dc;
  dc.dc_id = dc_id;
  Statement st(*db_, "SELECT auth_key, auth_key_id, time_offset_ns FROM dcs WHERE dc_id = ?");
  st.Bind(dc_id);
  if (st.Step()) {
    if (!st.IsNull(0)) {
      const std::string bytes = st.Blob(0);
      // The id is stored beside the key so that a flipped bit in either is caught here rather
      // than as an endless stream of server-side -404s.
      if (bytes.size() != crypto::kAuthKeySize) {
        return absl::DataLossError(absl::StrCat("session store ", path_.string(),
                                                ": auth key of DC ", dc_id, " has ",
                                                bytes.size(), " bytes"));
      }
      session::AuthKey key = session::AuthKey::FromBytes(
          std::span<const uint8_t, crypto::kAuthKeySize>(
              reinterpret_cast<const uint8_t*>(bytes.data()), crypto::kAuthKeySize));
      if (key.id != FromDb(st.Int(1))) {
        return absl::DataLossError(absl::StrCat("session store ", path_.string(),
                                                ": auth key of DC ", dc_id,
                                                " does not match its stored id"));
      }
      dc.auth_key = key;
    }
    dc.time_offset = session::UnixTime(st.Int(2));
  }
  if (absl::Status s = st.Check("reading a DC"); !s.ok()) return s;
  absl::StatusOr<std::vector<ServerSalt>> salts = GetSaltsLocked(dc_id);
  if (!salts.ok()) return salts.status();
  dc.salts = *std::move(salts);
  return dc;
}

absl::StatusOr<std::vector<int>> SessionStore::DcsWithKeys() {
  std::lock_guard lock(mutex_);
  Statement st(*db_, "SELECT dc_id FROM dcs WHERE auth_key IS NOT NULL ORDER BY dc_id");
  std::vector<int> ids;
  while (st.Step()) ids.push_back(static_cast<int>(st.Int(0)));
  if (absl::Status s = st.Check("listing DCs"); !s.ok()) return s;
  return ids;
}

absl::StatusOr<AccountState> SessionStore::GetAccountLocked() {
  if (account_) return *account_;
  Statement st(*db_, "SELECT home_dc, user_id, is_bot, login_state FROM account");
  if (!st.Step()) {
    if (absl::Status s = st.Check("reading the account"); !s.ok()) return s;
    return absl::DataLossError(
        absl::StrCat("session store ", path_.string(), ": the account row is missing"));
  }
  AccountState account;
  account.home_dc = static_cast<int>(st.Int(0));
  account.user_id = st.Int(1);
  account.is_bot = st.Int(2) != 0;
  const int64_t state = st.Int(3);
  if (state < 0 || state > static_cast<int>(LoginState::kSignedOut)) {
    return absl::DataLossError(absl::StrCat("session store ", path_.string(),
                                            ": unknown login state ", state));
  }
  account.login_state = static_cast<LoginState>(state);
  account_ = account;
  return account;
}

absl::StatusOr<AccountState> SessionStore::GetAccount() {
  std::lock_guard lock(mutex_);
  return GetAccountLocked();
}

absl::Status SessionStore::SetAccountLocked(const AccountState& a) {
  account_.reset();
  if (a.home_dc < 0) return absl::InvalidArgumentError(absl::StrCat("invalid DC id ", a.home_dc));
  Statement st(*db_,
               "UPDATE account SET home_dc = ?, user_id = ?, is_bot = ?, login_state = ?");
  st.Bind(a.home_dc).Bind(a.user_id).Bind(a.is_bot ? 1 : 0)
      .Bind(static_cast<int>(a.login_state)).Step();
  return st.Check("storing the account");
}

absl::Status SessionStore::SetAccount(const AccountState& account) {
  std::lock_guard lock(mutex_);
  return SetAccountLocked(account);
}

absl::Status SessionStore::SetHomeDc(int dc_id) {
  if (absl::Status s = CheckDcId(dc_id); !s.ok()) return s;
  std::lock_guard lock(mutex_);
  account_.reset();
  Statement st(*db_, "UPDATE account SET home_dc = ?");
  st.Bind(dc_id).Step();
  return st.Check("storing the home DC");
}

absl::Status SessionStore::SetLoginState(LoginState state) {
  std::lock_guard lock(mutex_);
  account_.reset();
  Statement st(*db_, "UPDATE account SET login_state = ?");
  st.Bind(static_cast<int>(state)).Step();
  return st.Check("storing the login state");
}

absl::Status SessionStore::SetSignedIn(int64_t user_id, bool is_bot) {
  if (user_id <= 0) return absl::InvalidArgumentError(absl::StrCat("invalid user id ", user_id));
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  absl::StatusOr<AccountState> account = GetAccountLocked();
  if (!account.ok()) return account.status();
  account->user_id = user_id;
  account->is_bot = is_bot;
  account->login_state = LoginState::kSignedIn;
  if (absl::Status s = SetAccountLocked(*account); !s.ok()) return s;
  absl::Status committed = tx.Commit();
  account_.reset();  // read back from the file: the commit may have failed
  return committed;
}

absl::Status SessionStore::PutValue(std::string_view key, std::string_view value) {
  std::lock_guard lock(mutex_);
  Statement st(*db_, "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)");
  st.BindText(key).BindBlob(value).Step();
  return st.Check("storing a value");
}

absl::StatusOr<std::optional<std::string>> SessionStore::GetValue(std::string_view key) {
  std::lock_guard lock(mutex_);
  Statement st(*db_, "SELECT value FROM kv WHERE key = ?");
  st.BindText(key);
  if (st.Step()) return std::optional<std::string>(st.Blob(0));
  if (absl::Status s = st.Check("reading a value"); !s.ok()) return s;
  return std::optional<std::string>();
}

absl::Status SessionStore::DeleteValue(std::string_view key) {
  std::lock_guard lock(mutex_);
  Statement st(*db_, "DELETE FROM kv WHERE key = ?");
  st.BindText(key).Step();
  return st.Check("deleting a value");
}

namespace {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ValidPeerKind(int64_t kind) {
  return kind >= static_cast<int>(PeerKind::kUser) && kind <= static_cast<int>(PeerKind::kChannel);
}

}  // namespace

absl::Status SessionStore::PutPeers(std::span<const PeerRecord> peers) {
  for (const PeerRecord& peer : peers) {
    if (!ValidPeerKind(static_cast<int>(peer.kind)) || peer.id <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("peer cache: invalid peer kind ", static_cast<int>(peer.kind), " id ",
                       peer.id));
    }
  }
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(*db_);
  if (!tx.status().ok()) return tx.status();
  for (const PeerRecord& peer : peers) {
    const std::string username = LowerAscii(peer.username);
    if (!username.empty()) {
      Statement take(*db_,
                     "UPDATE peers SET username = NULL WHERE username = ? AND NOT "
                     "(kind = ? AND id = ?)");
      take.BindText(username).Bind(static_cast<int>(peer.kind)).Bind(peer.id).Step();
      if (absl::Status s = take.Check("moving a username"); !s.ok()) return s;
    }
    Statement st(*db_,
                 "INSERT INTO peers (kind, id, access_hash, username, is_bot) "
                 "VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5) "
                 "ON CONFLICT (kind, id) DO UPDATE SET "
                 "access_hash = CASE WHEN ?3 != 0 THEN ?3 ELSE access_hash END, "
                 "username = NULLIF(?4, ''), is_bot = ?5");
    st.Bind(static_cast<int>(peer.kind)).Bind(peer.id).Bind(peer.access_hash)
        .BindText(username).Bind(peer.is_bot ? 1 : 0).Step();
    if (absl::Status s = st.Check("storing a peer"); !s.ok()) return s;
  }
  return tx.Commit();
}

namespace {

// Reads the row of "SELECT kind, id, access_hash, username, is_bot".
template <typename Statement>
std::optional<PeerRecord> ReadPeerRow(Statement& st) {
  if (!ValidPeerKind(st.Int(0))) return std::nullopt;
  PeerRecord peer;
  peer.kind = static_cast<PeerKind>(st.Int(0));
  peer.id = st.Int(1);
  peer.access_hash = st.Int(2);
  peer.username = st.Blob(3);
  peer.is_bot = st.Int(4) != 0;
  return peer;
}

}  // namespace

absl::StatusOr<std::optional<PeerRecord>> SessionStore::GetPeer(PeerKind kind, int64_t id) {
  std::lock_guard lock(mutex_);
  Statement st(*db_,
               "SELECT kind, id, access_hash, username, is_bot FROM peers "
               "WHERE kind = ? AND id = ?");
  st.Bind(static_cast<int>(kind)).Bind(id);
  if (st.Step()) return ReadPeerRow(st);
  if (absl::Status s = st.Check("reading a peer"); !s.ok()) return s;
  return std::optional<PeerRecord>();
}

absl::StatusOr<std::optional<PeerRecord>> SessionStore::FindPeerByUsername(
    std::string_view username) {
  const std::string key = LowerAscii(username);
  if (key.empty()) return std::optional<PeerRecord>();
  std::lock_guard lock(mutex_);
  Statement st(*db_,
               "SELECT kind, id, access_hash, username, is_bot FROM peers WHERE username = ?");
  st.BindText(key);
  if (st.Step()) return ReadPeerRow(st);
  if (absl::Status s = st.Check("reading a peer"); !s.ok()) return s;
  return std::optional<PeerRecord>();
}

std::optional<uint64_t> PickSalt(std::span<const ServerSalt> salts, int32_t now) {
  const ServerSalt* best = nullptr;
  for (const ServerSalt& s : salts) {
    if (s.valid_since <= now && now < s.valid_until &&
        (best == nullptr || s.valid_until > best->valid_until)) {
      best = &s;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->salt;
}

std::string_view LoginStateName(LoginState state) {
  switch (state) {
    case LoginState::kNone: return "none";
    case LoginState::kCodeSent: return "code_sent";
    case LoginState::kPasswordNeeded: return "password_needed";
    case LoginState::kSignedIn: return "signed_in";
    case LoginState::kSignedOut: return "signed_out";
  }
  return "unknown";
}

std::string DcStateToString(const DcState& dc) {
  std::string key = dc.auth_key ? absl::StrFormat("0x%016x", dc.auth_key->id) : "none";
  return absl::StrFormat("dc %d: auth_key_id=%s salts=%d time_offset=%.3fs", dc.dc_id, key,
                         dc.salts.size(),
                         std::chrono::duration<double>(dc.time_offset).count());
}

std::string AccountStateToString(const AccountState& a) {
  return absl::StrFormat("home_dc=%d user_id=%d is_bot=%s login=%s", a.home_dc, a.user_id,
                         a.is_bot ? "true" : "false", LoginStateName(a.login_state));
}

}  // namespace mtproto::store

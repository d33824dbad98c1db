// mtproto/store — the engine's persisted session state for one Telegram account, in one SQLite
// file: per DC the permanent auth key, the server salts and the clock offset; the account's home
// DC, signed-in user and login marker; and a small key-value table. A restart that reopens the
// file reuses the key and the login: no new handshake, no new sign-in.
// Spec: https://core.telegram.org/mtproto/description (auth key, server salt, time sync),
//       https://core.telegram.org/mtproto/service_messages#request-for-several-future-salts
//
// Security: the file holds auth keys, so it is created 0600 and an existing file whose mode
// grants the group or others any access is refused (PermissionDenied) rather than used: the
// store never widens permissions and never silently narrows them behind the operator's back.
// SQLite gives its -wal and -shm files the database file's mode. None of the types here has an
// operator<< or a debug form that shows key bytes: the *ToString helpers print key ids only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/session/auth_key.h"
#include "mtproto/session/time.h"

namespace mtproto::store {

class SqliteDatabase;

// One server salt and the unix-seconds window [valid_since, valid_until) it is valid in, as
// future_salt carries it (a salt learned from new_session_created or bad_server_salt has no
// announced window: store it as {salt, now, kForever}).
struct ServerSalt {
  static constexpr int32_t kForever = 2147483647;
  uint64_t salt = 0;
  int32_t valid_since = 0;
  int32_t valid_until = kForever;

  bool operator==(const ServerSalt&) const = default;
};

// Where the account is in signing in. Stored as its number: append, never renumber.
enum class LoginState : int {
  kNone = 0,             // no sign-in started
  kCodeSent = 1,         // auth.sendCode answered; waiting for the code
  kPasswordNeeded = 2,   // SESSION_PASSWORD_NEEDED: waiting for the 2FA password
  kSignedIn = 3,         // user_id is the signed-in account
  kSignedOut = 4,        // logged out or the key was revoked (AUTH_KEY_UNREGISTERED)
};

// The account this store belongs to.
struct AccountState {
  int home_dc = 0;       // the DC the account lives on; 0 = not known yet
  int64_t user_id = 0;   // 0 = not signed in
  bool is_bot = false;
  LoginState login_state = LoginState::kNone;

  bool operator==(const AccountState&) const = default;
};

// Everything stored for one DC.
struct DcState {
  int dc_id = 0;
  std::optional<session::AuthKey> auth_key;  // the permanent key, if a handshake completed
  std::vector<ServerSalt> salts;             // ordered by valid_since
  session::UnixTime time_offset{0};          // server clock − local clock
};

// The kind of a cached peer. Stored as its number: append, never renumber.
enum class PeerKind : int {
  kUser = 1,     // users and bots
  kChat = 2,     // basic groups (no access hash)
  kChannel = 3,  // supergroups and channels
};

// One entry of the peer cache: what an InputPeer needs (kind, id, access hash) and the public
// username that leads to it (lower-cased; empty when none).
struct PeerRecord {
  PeerKind kind = PeerKind::kUser;
  int64_t id = 0;
  int64_t access_hash = 0;  // 0 = not known (basic groups, min constructors)
  std::string username;
  bool is_bot = false;

  bool operator==(const PeerRecord&) const = default;
};

// "dc 2: auth_key_id=0x1234abcd... salts=3 time_offset=-1.5s" — key id only, never key bytes.
std::string DcStateToString(const DcState& dc);
std::string AccountStateToString(const AccountState& account);
std::string_view LoginStateName(LoginState state);

// The salt to send at `now` (unix seconds): among those valid at `now`, the one that stays
// valid longest; nullopt if none is. Pure, so the engine can use it on a loaded DcState.
std::optional<uint64_t> PickSalt(std::span<const ServerSalt> salts, int32_t now);

// The session store of one account (the service keeps one file per account).
//
// Thread-safety: one SQLite connection guarded by a mutex; every public method takes it for its
// whole duration, so any method may be called from any thread and multi-statement updates are
// atomic with respect to other threads. Each write is one transaction (durable once it returns:
// WAL with synchronous=FULL). Reads are single indexed lookups. Two processes must not open the
// same file (the service never does; SQLite's locking would serialize them anyway).
class SessionStore {
 public:
  // Opens `path`, creating it (mode 0600, and its missing parent directories 0700) if needed,
  // and migrates its schema to kSchemaVersion (each step one transaction). Errors:
  // PermissionDenied for a group- or world-accessible file; DataLoss for a file that is not
  // SQLite or fails SQLite's quick_check; FailedPrecondition for another program's database or
  // a schema version newer than this build's.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SessionStore>> Open(
      const std::filesystem::path& path);
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] absl::StatusOr<int> SchemaVersion();

  // --- Per DC. dc_id must be positive (test DCs use their plain ids 1-3, not 10000+).
  // Stores the DC's permanent auth key, replacing any previous one; a new key invalidates the
  // old key's salts, so they are dropped in the same transaction.
  [[nodiscard]] absl::Status PutAuthKey(int dc_id, const session::AuthKey& key);
  [[nodiscard]] absl::StatusOr<std::optional<session::AuthKey>> GetAuthKey(int dc_id);
  // Forgets the DC's key and salts (e.g. after the server answers -404 for it).
  [[nodiscard]] absl::Status DeleteAuthKey(int dc_id);
  // Replaces the DC's salts with `salts` (a future_salts answer, or one salt).
  [[nodiscard]] absl::Status PutSalts(int dc_id, std::span<const ServerSalt> salts);
  // Drops salts whose window ended before `now`.
  [[nodiscard]] absl::Status PruneSalts(int dc_id, int32_t now);
  [[nodiscard]] absl::StatusOr<std::vector<ServerSalt>> GetSalts(int dc_id);
  [[nodiscard]] absl::Status SetTimeOffset(int dc_id, session::UnixTime offset);
  // Everything for one DC (a DC never written gives an empty DcState with that id).
  [[nodiscard]] absl::StatusOr<DcState> LoadDc(int dc_id);
  // DCs with a stored auth key, ascending.
  [[nodiscard]] absl::StatusOr<std::vector<int>> DcsWithKeys();

  // --- The account.
  [[nodiscard]] absl::StatusOr<AccountState> GetAccount();
  [[nodiscard]] absl::Status SetAccount(const AccountState& account);
  [[nodiscard]] absl::Status SetHomeDc(int dc_id);
  [[nodiscard]] absl::Status SetLoginState(LoginState state);
  // Records a completed sign-in: user id, bot or user, state kSignedIn — in one transaction.
  [[nodiscard]] absl::Status SetSignedIn(int64_t user_id, bool is_bot);

  // --- Small values for later modules (bytes in, bytes out; keys are short text).
  [[nodiscard]] absl::Status PutValue(std::string_view key, std::string_view value);
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> GetValue(std::string_view key);
  [[nodiscard]] absl::Status DeleteValue(std::string_view key);

  // --- The peer cache (see mtproto/engine/peers.h). PutPeers upserts all of `peers` in one
  // transaction; a username now given to one peer is taken from any other that had it (usernames
  // move), and an access_hash of 0 keeps the hash already stored.
  [[nodiscard]] absl::Status PutPeers(std::span<const PeerRecord> peers);
  [[nodiscard]] absl::StatusOr<std::optional<PeerRecord>> GetPeer(PeerKind kind, int64_t id);
  // Case-insensitive.
  [[nodiscard]] absl::StatusOr<std::optional<PeerRecord>> FindPeerByUsername(
      std::string_view username);

 private:
  explicit SessionStore(std::unique_ptr<SqliteDatabase> db);

  // Callers hold mutex_.
  [[nodiscard]] absl::Status EnsureDcRow(int dc_id);
  [[nodiscard]] absl::Status ReplaceSaltsLocked(int dc_id, std::span<const ServerSalt> salts);
  [[nodiscard]] absl::StatusOr<std::vector<ServerSalt>> GetSaltsLocked(int dc_id);
  [[nodiscard]] absl::StatusOr<AccountState> GetAccountLocked();
  [[nodiscard]] absl::Status SetAccountLocked(const AccountState& account);

  const std::unique_ptr<SqliteDatabase> db_;
  const std::filesystem::path path_;
  std::mutex mutex_;
  // The account row as last read: GetAccount is asked on every service call; every write
  // forgets it, so the next read sees the file.
  std::optional<AccountState> account_;
};

}  // namespace mtproto::store

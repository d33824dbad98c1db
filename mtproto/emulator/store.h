// The emulator's persisted state, in SQLite under a state directory chosen by the caller: auth
// keys and which account each is signed in as, users created by auth.signUp, pending login
// codes, exported authorizations and per-account update counters; plus the server's RSA key as
// a PEM file beside the database. Restarting on the same directory resumes all of it, so clients
// keep their auth keys across an emulator restart (as they do across a Telegram DC restart).
// Spec: https://core.telegram.org/mtproto/auth_key (auth_key_id), https://core.telegram.org/api/auth
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/emulator/world.h"

namespace mtproto::store {
class SqliteDatabase;
}  // namespace mtproto::store

namespace mtproto::emulator {

// A permanent auth key created by a handshake on one DC.
struct AuthKeyRecord {
  int64_t id = 0;          // auth_key_id: the low 64 bits of SHA1(key)
  std::string key;         // 256 bytes
  int dc_id = 0;
  int64_t created = 0;     // unix seconds
  int64_t user_id = 0;     // the signed-in account; 0 = not signed in
  int layer = 0;           // the last layer declared with invokeWithLayer; 0 = never
};

// A code "sent" by auth.sendCode, identified by its phone_code_hash.
struct LoginCode {
  std::string phone_code_hash;
  std::string phone;
  std::string code;
  int64_t created = 0;  // unix seconds
};

// An authorization exported to another DC (auth.exportAuthorization); used once.
struct ExportedAuth {
  int64_t id = 0;
  std::string bytes;
  int64_t user_id = 0;
  int dc_id = 0;        // the DC it may be imported on
  int64_t created = 0;  // unix seconds
};

// pts/qts/seq of one account (updates.getState).
struct UpdateCounters {
  int32_t pts = 1;
  int32_t qts = 0;
  int32_t seq = 0;
};

// Typed access to the state database. Not thread-safe: the emulator uses it from one thread.
class Store {
 public:
  // Opens (creating if needed, mode 0700/0600) `state_dir` and its emulator.sqlite.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::filesystem::path& state_dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& state_dir() const { return state_dir_; }

  // Auth keys.
  [[nodiscard]] absl::Status PutAuthKey(const AuthKeyRecord& record);
  [[nodiscard]] absl::StatusOr<std::optional<AuthKeyRecord>> FindAuthKey(int64_t auth_key_id);
  [[nodiscard]] absl::Status SetAuthKeyUser(int64_t auth_key_id, int64_t user_id);
  [[nodiscard]] absl::Status SetAuthKeyLayer(int64_t auth_key_id, int layer);

  // Users created by auth.signUp (the world file's users are not stored).
  [[nodiscard]] absl::Status AddUser(const WorldUser& user);
  [[nodiscard]] absl::StatusOr<std::vector<WorldUser>> LoadUsers();

  // Login codes.
  [[nodiscard]] absl::Status PutLoginCode(const LoginCode& code);
  [[nodiscard]] absl::StatusOr<std::optional<LoginCode>> FindLoginCode(
      const std::string& phone_code_hash);
  [[nodiscard]] absl::Status DeleteLoginCode(const std::string& phone_code_hash);

  // Exported authorizations: TakeExportedAuth returns and deletes the one matching id and bytes.
  [[nodiscard]] absl::Status PutExportedAuth(const ExportedAuth& exported);
  [[nodiscard]] absl::StatusOr<std::optional<ExportedAuth>> TakeExportedAuth(
      int64_t id, const std::string& bytes);

  // Update counters; an account never seen starts at UpdateCounters{}.
  [[nodiscard]] absl::StatusOr<UpdateCounters> GetUpdateCounters(int64_t user_id);
  [[nodiscard]] absl::Status SetUpdateCounters(int64_t user_id, const UpdateCounters& counters);

 private:
  Store(std::filesystem::path state_dir, std::unique_ptr<store::SqliteDatabase> db);

  std::filesystem::path state_dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
};

// The server's RSA key: read from <state_dir>/server_key.pem, or generated (fingerprint
// >= 0x1000000000000000, so mtcute finds it) and written there with mode 0600.
[[nodiscard]] absl::StatusOr<crypto::RsaPrivateKey> LoadOrCreateServerKey(
    const std::filesystem::path& state_dir);

// Creates `path` (and parents) with mode 0700 if missing.
[[nodiscard]] absl::Status EnsurePrivateDirectory(const std::filesystem::path& path);

// Opens (creating it 0600 if missing) one of the emulator's SQLite files under the state
// directory, in WAL mode with synchronous=NORMAL; `label` names it in errors ("chat state").
[[nodiscard]] absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> OpenStateDatabase(
    const std::filesystem::path& path, std::string label);

// Writes `contents` to `path` atomically (temp file + rename), with the given mode.
[[nodiscard]] absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents, int mode);

}  // namespace mtproto::emulator

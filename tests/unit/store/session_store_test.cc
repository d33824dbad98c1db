// SessionStore: round trips, restart, file modes, corrupt and foreign files, migrations from
// version 1, and concurrent use from two threads.
#include "mtproto/store/session_store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "mtproto/store/schema.h"

namespace mtproto::store {
namespace {

using namespace std::chrono_literals;

#define STORE_ASSERT_OK(expr)          \
  do {                                 \
    const absl::Status s_ = (expr);    \
    ASSERT_TRUE(s_.ok()) << s_;        \
  } while (0)

#define STORE_ASSIGN(lhs, expr)                    \
  auto lhs##_or = (expr);                          \
  ASSERT_TRUE(lhs##_or.ok()) << lhs##_or.status(); \
  auto lhs = *std::move(lhs##_or)

session::AuthKey MakeKey(uint8_t seed) {
  std::array<uint8_t, crypto::kAuthKeySize> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return session::AuthKey::FromBytes(bytes);
}

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/session_store_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ / "accounts" / "alice.sqlite";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static int Mode(const std::filesystem::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 07777);
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST_F(SessionStoreTest, FreshStoreIsEmptyAtCurrentVersion) {
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSIGN(version, store->SchemaVersion());
  EXPECT_EQ(version, kSchemaVersion);
  STORE_ASSIGN(account, store->GetAccount());
  EXPECT_EQ(account, AccountState{});
  STORE_ASSIGN(key, store->GetAuthKey(2));
  EXPECT_FALSE(key.has_value());
  STORE_ASSIGN(dc, store->LoadDc(4));
  EXPECT_EQ(dc.dc_id, 4);
  EXPECT_TRUE(dc.salts.empty());
  STORE_ASSIGN(dcs, store->DcsWithKeys());
  EXPECT_TRUE(dcs.empty());
  STORE_ASSIGN(value, store->GetValue("missing"));
  EXPECT_FALSE(value.has_value());
}

TEST_F(SessionStoreTest, RoundTripsAndSurvivesRestart) {
  const session::AuthKey key2 = MakeKey(2);
  const session::AuthKey key4 = MakeKey(4);
  const std::vector<ServerSalt> salts = {{0xfedcba9876543210ULL, 1000, 2800},
                                         {0x0123456789abcdefULL, 2600, 4400}};
  {
    STORE_ASSIGN(store, SessionStore::Open(path_));
    STORE_ASSERT_OK(store->PutAuthKey(2, key2));
    STORE_ASSERT_OK(store->PutAuthKey(4, key4));
    STORE_ASSERT_OK(store->PutSalts(2, salts));
    STORE_ASSERT_OK(store->SetTimeOffset(2, -1500ms));
    STORE_ASSERT_OK(store->SetHomeDc(2));
    STORE_ASSERT_OK(store->SetSignedIn(1000001, /*is_bot=*/false));
    STORE_ASSERT_OK(store->PutValue("binary", std::string("a\0b\xff", 4)));
  }
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSIGN(dc, store->LoadDc(2));
  ASSERT_TRUE(dc.auth_key.has_value());
  EXPECT_EQ(dc.auth_key->bytes, key2.bytes);
  EXPECT_EQ(dc.auth_key->id, key2.id);
  EXPECT_EQ(dc.salts, salts);
  EXPECT_EQ(dc.time_offset, session::UnixTime(-1500ms));
  STORE_ASSIGN(other, store->GetAuthKey(4));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->id, key4.id);
  STORE_ASSIGN(dcs, store->DcsWithKeys());
  EXPECT_EQ(dcs, (std::vector<int>{2, 4}));
  STORE_ASSIGN(account, store->GetAccount());
  EXPECT_EQ(account, (AccountState{2, 1000001, false, LoginState::kSignedIn}));
  STORE_ASSIGN(value, store->GetValue("binary"));
  EXPECT_EQ(value, std::string("a\0b\xff", 4));
}

TEST_F(SessionStoreTest, NewKeyDropsOldSaltsAndDeleteForgetsTheDc) {
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSERT_OK(store->PutAuthKey(1, MakeKey(1)));
  const ServerSalt salt{42, 0, ServerSalt::kForever};
  STORE_ASSERT_OK(store->PutSalts(1, std::span(&salt, 1)));
  STORE_ASSERT_OK(store->PutAuthKey(1, MakeKey(9)));
  STORE_ASSIGN(salts, store->GetSalts(1));
  EXPECT_TRUE(salts.empty());
  STORE_ASSERT_OK(store->PutSalts(1, std::span(&salt, 1)));
  STORE_ASSERT_OK(store->DeleteAuthKey(1));
  STORE_ASSIGN(dc, store->LoadDc(1));
  EXPECT_FALSE(dc.auth_key.has_value());
  EXPECT_TRUE(dc.salts.empty());
}

TEST_F(SessionStoreTest, PicksAndPrunesSalts) {
  const std::vector<ServerSalt> salts = {{1, 1000, 2800}, {2, 2600, 4400}, {3, 4200, 6000}};
  EXPECT_EQ(PickSalt(salts, 999), std::nullopt);
  EXPECT_EQ(PickSalt(salts, 1000), 1u);
  EXPECT_EQ(PickSalt(salts, 2700), 2u);  // both valid: the one that lasts longer
  EXPECT_EQ(PickSalt(salts, 6000), std::nullopt);
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSERT_OK(store->PutSalts(3, salts));
  STORE_ASSERT_OK(store->PruneSalts(3, 2800));
  STORE_ASSIGN(left, store->GetSalts(3));
  EXPECT_EQ(left, (std::vector<ServerSalt>{{2, 2600, 4400}, {3, 4200, 6000}}));
  const ServerSalt backwards{7, 10, 5};
  EXPECT_EQ(store->PutSalts(3, std::span(&backwards, 1)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionStoreTest, RejectsBadArguments) {
  STORE_ASSIGN(store, SessionStore::Open(path_));
  EXPECT_EQ(store->PutAuthKey(0, MakeKey(1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->SetHomeDc(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->SetSignedIn(0, false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SessionStore::Open("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionStoreTest, LoginStateAndBotAccount) {
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSERT_OK(store->SetLoginState(LoginState::kPasswordNeeded));
  STORE_ASSIGN(waiting, store->GetAccount());
  EXPECT_EQ(waiting.login_state, LoginState::kPasswordNeeded);
  STORE_ASSERT_OK(store->SetAccount({1, 2000001, true, LoginState::kSignedIn}));
  STORE_ASSIGN(bot, store->GetAccount());
  EXPECT_TRUE(bot.is_bot);
  EXPECT_EQ(AccountStateToString(bot), "home_dc=1 user_id=2000001 is_bot=true login=signed_in");
}

TEST_F(SessionStoreTest, FilesArePrivate) {
  const mode_t old_umask = ::umask(0);  // the store must not rely on the umask
  auto opened = SessionStore::Open(path_);
  ::umask(old_umask);
  ASSERT_TRUE(opened.ok()) << opened.status();
  STORE_ASSERT_OK((*opened)->PutAuthKey(2, MakeKey(2)));  // creates the -wal file
  EXPECT_EQ(Mode(path_), 0600);
  EXPECT_EQ(Mode(path_.parent_path()), 0700);
  const std::filesystem::path wal = path_.string() + "-wal";
  if (std::filesystem::exists(wal)) {
    EXPECT_EQ(Mode(wal), 0600);
  }
}

TEST_F(SessionStoreTest, RefusesGroupOrWorldReadableFile) {
  { STORE_ASSIGN(store, SessionStore::Open(path_)); }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  absl::StatusOr<std::unique_ptr<SessionStore>> opened = SessionStore::Open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(opened.status().message().find("0644"), std::string_view::npos) << opened.status();
  EXPECT_EQ(Mode(path_), 0644);  // reported, not silently changed
}

TEST_F(SessionStoreTest, GarbageFileIsAClearError) {
  std::filesystem::create_directories(path_.parent_path());
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(4096, 'x');
  }
  ::chmod(path_.c_str(), 0600);
  absl::StatusOr<std::unique_ptr<SessionStore>> opened = SessionStore::Open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << opened.status();
  EXPECT_NE(opened.status().message().find(path_.string()), std::string_view::npos);
}

TEST_F(SessionStoreTest, DamagedPagesAreAClearError) {
  {
    STORE_ASSIGN(store, SessionStore::Open(path_));
    for (int dc = 1; dc <= 5; ++dc) STORE_ASSERT_OK(store->PutAuthKey(dc, MakeKey(dc)));
  }  // closing checkpoints the WAL into the main file
  // Scribble over everything after the 100-byte header.
  const auto size = std::filesystem::file_size(path_);
  ASSERT_GT(size, 1024u);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f << std::string(size - 100, '\x5a');
  }
  absl::StatusOr<std::unique_ptr<SessionStore>> opened = SessionStore::Open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << opened.status();
}

TEST_F(SessionStoreTest, RefusesAnotherProgramsDatabaseAndNewerVersions) {
  std::filesystem::create_directories(path_.parent_path());
  auto make_db = [&](const char* sql) {
    std::filesystem::remove(path_);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    ::chmod(path_.c_str(), 0600);
  };
  make_db("CREATE TABLE photos (id INTEGER)");
  EXPECT_EQ(SessionStore::Open(path_).status().code(), absl::StatusCode::kFailedPrecondition);
  make_db("CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (99)");
  absl::StatusOr<std::unique_ptr<SessionStore>> newer = SessionStore::Open(path_);
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("newer"), std::string_view::npos) << newer.status();
}

// A file written by a version-1 build: one salt column per DC. Opening it migrates to the
// current version and keeps the key, the salt (now with an open window) and the account.
TEST_F(SessionStoreTest, MigratesFromVersion1) {
  std::filesystem::create_directories(path_.parent_path());
  const session::AuthKey key = MakeKey(7);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                           "INSERT INTO schema_version VALUES (1);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kMigrations[0], nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO dcs (dc_id, auth_key, auth_key_id, salt, "
                                 "time_offset_ns) VALUES (3, ?, ?, ?, 250000000)",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(st, 1, key.bytes.data(), static_cast<int>(key.bytes.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(key.id));
    sqlite3_bind_int64(st, 3, -5);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE account SET home_dc = 3, user_id = 77, login_state = 3;"
                           "INSERT INTO kv VALUES ('k', 'v')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    ::chmod(path_.c_str(), 0600);
  }
  STORE_ASSIGN(store, SessionStore::Open(path_));
  STORE_ASSIGN(version, store->SchemaVersion());
  EXPECT_EQ(version, kSchemaVersion);
  STORE_ASSIGN(dc, store->LoadDc(3));
  ASSERT_TRUE(dc.auth_key.has_value());
  EXPECT_EQ(dc.auth_key->bytes, key.bytes);
  EXPECT_EQ(dc.salts,
            (std::vector<ServerSalt>{{static_cast<uint64_t>(-5), 0, ServerSalt::kForever}}));
  EXPECT_EQ(dc.time_offset, session::UnixTime(250ms));
  STORE_ASSIGN(account, store->GetAccount());
  EXPECT_EQ(account, (AccountState{3, 77, false, LoginState::kSignedIn}));
  STORE_ASSIGN(value, store->GetValue("k"));
  EXPECT_EQ(value, "v");
}

TEST_F(SessionStoreTest, KeyBytesNeverInDebugOutput) {
  DcState dc;
  dc.dc_id = 2;
  dc.auth_key = MakeKey(3);
  dc.time_offset = -1500ms;
  const std::string text = DcStateToString(dc);
  EXPECT_NE(text.find("auth_key_id=0x"), std::string::npos) << text;
  EXPECT_NE(text.find("time_offset=-1.500s"), std::string::npos) << text;
  // No run of the key's bytes in hex appears.
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string first_bytes;
  for (int i = 0; i < 4; ++i) {
    first_bytes += kDigits[dc.auth_key->bytes[i] >> 4];
    first_bytes += kDigits[dc.auth_key->bytes[i] & 15];
  }
  EXPECT_EQ(text.find(first_bytes), std::string::npos) << text;
}

// Two threads write and read through one store; every write lands and reads never fail.
TEST_F(SessionStoreTest, ConcurrentAccessFromTwoThreads) {
  STORE_ASSIGN(store, SessionStore::Open(path_));
  std::atomic<int> failures = 0;
  auto worker = [&](int dc) {
    for (int i = 0; i < 100; ++i) {
      if (!store->PutAuthKey(dc, MakeKey(static_cast<uint8_t>(i))).ok()) ++failures;
      const ServerSalt salt{static_cast<uint64_t>(i + 1), i, i + 100};
      if (!store->PutSalts(dc, std::span(&salt, 1)).ok()) ++failures;
      if (!store->PutValue(absl::StrCat("dc", dc, "_", i), "x").ok()) ++failures;
      auto loaded = store->LoadDc(dc);
      if (!loaded.ok() || !loaded->auth_key || loaded->salts.size() != 1) ++failures;
      if (!store->GetAccount().ok()) ++failures;
    }
  };
  std::thread a(worker, 1);
  std::thread b(worker, 2);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  for (int dc : {1, 2}) {
    STORE_ASSIGN(loaded, store->LoadDc(dc));
    ASSERT_TRUE(loaded.auth_key.has_value());
    EXPECT_EQ(loaded.auth_key->id, MakeKey(99).id);
    EXPECT_EQ(loaded.salts, (std::vector<ServerSalt>{{100, 99, 199}}));
  }
  STORE_ASSIGN(last, store->GetValue("dc2_99"));
  EXPECT_EQ(last, "x");
}

}  // namespace
}  // namespace mtproto::store

// The state store: round trips, persistence across reopening, file permissions, and the server
// key that survives a restart.
#include "mtproto/emulator/store.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/unit/emulator/test_util.h"

namespace mtproto::emulator {
namespace {

using testing::TempDir;

int Mode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_mode & 0777;
}

TEST(Store, AuthKeysPersistAcrossReopening) {
  TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  {
    auto store = Store::Open(state);
    ASSERT_TRUE(store.ok()) << store.status();
    AuthKeyRecord key{0x1122334455667788, std::string(256, '\x5a'), 2, 1700000000, 0, 0};
    ASSERT_TRUE((*store)->PutAuthKey(key).ok());
    ASSERT_TRUE((*store)->SetAuthKeyUser(key.id, 1000001).ok());
    ASSERT_TRUE((*store)->SetAuthKeyLayer(key.id, 144).ok());
    EXPECT_EQ((*store)->SetAuthKeyUser(42, 1).code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(Mode(state), 0700);
  EXPECT_EQ(Mode(state / "emulator.sqlite"), 0600);
  auto store = Store::Open(state);
  ASSERT_TRUE(store.ok()) << store.status();
  auto found = (*store)->FindAuthKey(0x1122334455667788);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->key, std::string(256, '\x5a'));
  EXPECT_EQ((*found)->dc_id, 2);
  EXPECT_EQ((*found)->created, 1700000000);
  EXPECT_EQ((*found)->user_id, 1000001);
  EXPECT_EQ((*found)->layer, 144);
  auto missing = (*store)->FindAuthKey(1);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(Store, UsersLoginCodesAndCounters) {
  TempDir dir;
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  Store& s = **store;

  WorldUser user{2000100, 77, "New", "User", "", "9996612345", std::nullopt, ""};
  ASSERT_TRUE(s.AddUser(user).ok());
  EXPECT_FALSE(s.AddUser(user).ok());  // the id is taken
  auto users = s.LoadUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].phone, "9996612345");
  EXPECT_EQ((*users)[0].access_hash, 77);

  ASSERT_TRUE(s.PutLoginCode({"hash1", "9996612345", "11111", 100}).ok());
  auto code = s.FindLoginCode("hash1");
  ASSERT_TRUE(code.ok() && code->has_value());
  EXPECT_EQ((*code)->code, "11111");
  ASSERT_TRUE(s.DeleteLoginCode("hash1").ok());
  EXPECT_FALSE(s.FindLoginCode("hash1")->has_value());

  auto counters = s.GetUpdateCounters(5);
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->pts, 1);
  ASSERT_TRUE(s.SetUpdateCounters(5, {10, 2, 3}).ok());
  EXPECT_EQ(s.GetUpdateCounters(5)->pts, 10);
  EXPECT_EQ(s.GetUpdateCounters(5)->seq, 3);
}

TEST(Store, ExportedAuthorizationIsTakenOnceAndOnlyWithItsBytes) {
  TempDir dir;
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutExportedAuth({9, std::string("\0secret", 7), 1000001, 2, 5}).ok());
  EXPECT_FALSE((*store)->TakeExportedAuth(9, "guess")->has_value());
  auto taken = (*store)->TakeExportedAuth(9, std::string("\0secret", 7));
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->user_id, 1000001);
  EXPECT_EQ((*taken)->dc_id, 2);
  EXPECT_FALSE((*store)->TakeExportedAuth(9, std::string("\0secret", 7))->has_value());
}

TEST(Store, ServerKeyIsGeneratedOnceAndReused) {
  TempDir dir;
  auto key = LoadOrCreateServerKey(dir.path());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_GE(key->Fingerprint(), 0x1000000000000000u);
  EXPECT_EQ(Mode(dir.path() / "server_key.pem"), 0600);
  auto again = LoadOrCreateServerKey(dir.path());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->Fingerprint(), key->Fingerprint());
}

TEST(Store, CorruptServerKeyIsAnError) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "server_key.pem", "garbage", 0600).ok());
  auto key = LoadOrCreateServerKey(dir.path());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace mtproto::emulator

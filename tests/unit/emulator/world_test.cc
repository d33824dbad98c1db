// The world file: the sample world, JSON parsing, and validation errors that name the entry.
#include "mtproto/emulator/world.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mtproto::emulator {
namespace {

using ::testing::HasSubstr;

TEST(World, SampleHasTheDocumentedAccounts) {
  const World world = World::Sample();
  ASSERT_TRUE(world.Validate().ok());
  const WorldUser* alice = world.FindUserByPhone("9996621234");
  ASSERT_NE(alice, nullptr);
  EXPECT_FALSE(alice->password.has_value());
  const WorldUser* bob = world.FindUserByPhone("9996625678");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->password, "emulator-2fa-pass");
  EXPECT_EQ(world.bots().size(), 2u);
  for (const WorldBot& bot : world.bots()) {
    EXPECT_EQ(world.FindBotByToken(bot.token), &bot);
    EXPECT_NE(bot.access_hash, 0);
  }
}

TEST(World, TestLoginCodeRepeatsTheDcDigit) {
  EXPECT_EQ(TestLoginCode("9996621234"), "22222");
  EXPECT_EQ(TestLoginCode("9996651234"), "55555");
  EXPECT_EQ(TestLoginCode("9996601234"), std::nullopt);  // X must be 1..9
  EXPECT_EQ(TestLoginCode("999662123"), std::nullopt);
  EXPECT_EQ(TestLoginCode("15551234567"), std::nullopt);
  EXPECT_EQ(TestLoginCode("99966a1234"), std::nullopt);
}

TEST(World, RoundTripsThroughJson) {
  const World world = World::Sample();
  absl::StatusOr<World> back = World::FromJson(world.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), world.ToJson());
  EXPECT_EQ(back->users().size(), world.users().size());
}

TEST(World, DerivesMissingAccessHashes) {
  auto world = World::FromJson(R"({"users":[{"id":5,"first_name":"A","phone":"9996611111"}]})");
  ASSERT_TRUE(world.ok()) << world.status();
  EXPECT_EQ(world->users()[0].access_hash, DeriveAccessHash(5));
  EXPECT_TRUE(world->bots().empty());
}

struct BadWorld {
  const char* json;
  const char* error;
};

class WorldValidation : public ::testing::TestWithParam<BadWorld> {};

TEST_P(WorldValidation, NamesTheProblem) {
  absl::StatusOr<World> world = World::FromJson(GetParam().json);
  ASSERT_FALSE(world.ok());
  EXPECT_EQ(world.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(world.status().message()), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, WorldValidation,
    ::testing::Values(
        BadWorld{"not json", "not valid JSON"},
        BadWorld{"[]", "top level"},
        BadWorld{R"({"users":{}})", "\"users\" is not an array"},
        BadWorld{R"({"users":[{"first_name":"A","phone":"9996611111"}]})", "missing \"id\""},
        BadWorld{R"({"users":[{"id":"x","first_name":"A","phone":"9996611111"}]})",
                 "\"id\" has the wrong type"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"9996611111"},
                              {"id":1,"first_name":"B","phone":"9996611112"}]})",
                 "users[1] (id 1): duplicate id 1 (also world: users[0]"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"+9996611111"}]})", "bad phone"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"12"}]})", "bad phone"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"9996611111"},
                              {"id":2,"first_name":"B","phone":"9996611111"}]})",
                 "duplicate phone"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"9996611111","username":"1abc"}]})",
                 "bad username"},
        BadWorld{R"({"users":[{"id":1,"first_name":"A","phone":"9996611111","password":""}]})",
                 "empty password"},
        BadWorld{R"({"bots":[{"id":7,"first_name":"B","username":"some_bot",
                              "token":"8:abcdefghijklmnopqrstuvwxyz"}]})",
                 "bad token"},
        BadWorld{R"({"bots":[{"id":7,"first_name":"B","username":"some_bot","token":"7:short"}]})",
                 "bad token"},
        BadWorld{R"({"bots":[{"id":7,"first_name":"B","username":"some_bot",
                              "token":"7:abcdefghij klmnopqrstuvwxyz"}]})",
                 "bad token"},
        BadWorld{R"({"bots":[{"id":7,"first_name":"B","username":"somebody",
                              "token":"7:abcdefghijklmnopqrstuvwxyz"}]})",
                 "must end in \"bot\""},
        BadWorld{R"({"users":[{"id":7,"first_name":"A","phone":"9996611111"}],
                     "bots":[{"id":7,"first_name":"B","username":"some_bot",
                              "token":"7:abcdefghijklmnopqrstuvwxyz"}]})",
                 "duplicate id 7"}));

TEST(World, AddUserRejectsClashesAndKeepsTheWorldValid) {
  World world = World::Sample();
  WorldUser clash;
  clash.id = 1000001;
  clash.first_name = "X";
  clash.phone = "9996699999";
  EXPECT_FALSE(world.AddUser(clash).ok());
  EXPECT_TRUE(world.Validate().ok());
  clash.id = world.MaxId() + 1;
  EXPECT_TRUE(world.AddUser(clash).ok());
  EXPECT_TRUE(world.FindAccount(clash.id).user != nullptr);
}

TEST(World, FromFileReportsThePath) {
  absl::StatusOr<World> world = World::FromFile("/nonexistent/world.json");
  ASSERT_FALSE(world.ok());
  EXPECT_THAT(std::string(world.status().message()), HasSubstr("/nonexistent/world.json"));
}

}  // namespace
}  // namespace mtproto::emulator

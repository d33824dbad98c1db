// Fault rules: parsing the binary's flag syntax and the counters behind each decision.
#include "mtproto/emulator/faults.h"

#include "gtest/gtest.h"

namespace mtproto::emulator {
namespace {

TEST(Faults, ParsesFloodWaitRules) {
  auto rule = ParseFloodWaitRule("auth.sendCode:5:2");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->method, "auth.sendCode");
  EXPECT_EQ(rule->seconds, 5);
  EXPECT_EQ(rule->count, 2);
  rule = ParseFloodWaitRule("*:3");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->count, 1);
  for (const char* bad : {"", "auth.sendCode", "auth.sendCode:x", ":5", "a:1:2:3", "a:-1"}) {
    EXPECT_FALSE(ParseFloodWaitRule(bad).ok()) << bad;
  }
}

TEST(Faults, ParsesMigrateRules) {
  auto rule = ParseMigrateRule("users.getUsers:2:USER_MIGRATE");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->dc, 2);
  EXPECT_EQ(rule->error, "USER_MIGRATE");
  for (const char* bad : {"", "x", "x:0", "x:y", ":2"}) EXPECT_FALSE(ParseMigrateRule(bad).ok());
}

TEST(Faults, FloodWaitFiresCountTimes) {
  Faults faults;
  faults.flood_wait.push_back({"auth.sendCode", 7, 2});
  RpcFaults rpc(faults);
  EXPECT_EQ(rpc.FloodWait("help.getConfig"), std::nullopt);
  EXPECT_EQ(rpc.FloodWait("auth.sendCode"), "FLOOD_WAIT_7");
  EXPECT_EQ(rpc.FloodWait("auth.sendCode"), "FLOOD_WAIT_7");
  EXPECT_EQ(rpc.FloodWait("auth.sendCode"), std::nullopt);
  rpc.Reset(faults);
  EXPECT_EQ(rpc.FloodWait("auth.sendCode"), "FLOOD_WAIT_7");
}

TEST(Faults, NegativeCountFloodsForever) {
  Faults faults;
  faults.flood_wait.push_back({"*", 1, -1});
  RpcFaults rpc(faults);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rpc.FloodWait("any.method"), "FLOOD_WAIT_1");
}

TEST(Faults, MigrateNamesTheErrorByMethodAndNeverLoops) {
  Faults faults;
  faults.migrate.push_back({"*", 2, ""});
  RpcFaults rpc(faults);
  EXPECT_EQ(rpc.Migrate("auth.sendCode", 1, false), "PHONE_MIGRATE_2");
  EXPECT_EQ(rpc.Migrate("users.getUsers", 1, true), "USER_MIGRATE_2");
  EXPECT_EQ(rpc.Migrate("help.getConfig", 1, false), "NETWORK_MIGRATE_2");
  EXPECT_EQ(rpc.Migrate("auth.sendCode", 2, false), std::nullopt);
  faults.migrate = {{"updates.getState", 3, "STATS_MIGRATE"}};
  rpc.Reset(faults);
  EXPECT_EQ(rpc.Migrate("updates.getState", 1, true), "STATS_MIGRATE_3");
  EXPECT_EQ(rpc.Migrate("users.getUsers", 1, true), std::nullopt);
}

TEST(Faults, DelayAppliesToListedMethodsOrAll) {
  Faults faults;
  faults.delay = std::chrono::milliseconds(250);
  RpcFaults rpc(faults);
  EXPECT_EQ(rpc.Delay("help.getConfig").count(), 250);
  faults.delay_methods = {"updates.getState"};
  rpc.Reset(faults);
  EXPECT_EQ(rpc.Delay("help.getConfig").count(), 0);
  EXPECT_EQ(rpc.Delay("updates.getState").count(), 250);
}

TEST(Faults, ConnectionFaultsCountMessages) {
  Faults faults;
  faults.drop_after_messages = 5;
  faults.rotate_salt_after_messages = 2;
  faults.bad_msg_notification_code = 32;
  ConnectionFaults conn(faults);
  ConnectionFaultActions a = conn.OnMessage(/*content=*/false);  // 1: an ack
  EXPECT_FALSE(a.drop);
  EXPECT_FALSE(a.rotate_salt);
  EXPECT_FALSE(a.bad_msg_notification_code);
  a = conn.OnMessage(true);  // 2
  EXPECT_TRUE(a.rotate_salt);
  EXPECT_EQ(a.bad_msg_notification_code, 32);
  a = conn.OnMessage(true);  // 3: bad_msg_notification only once
  EXPECT_FALSE(a.bad_msg_notification_code);
  EXPECT_FALSE(a.rotate_salt);
  EXPECT_TRUE(conn.OnMessage(true).rotate_salt);  // 4
  EXPECT_FALSE(conn.OnMessage(true).drop);        // 5
  EXPECT_TRUE(conn.OnMessage(true).drop);         // 6
}

TEST(Faults, DefaultsDoNothing) {
  RpcFaults rpc;
  EXPECT_EQ(rpc.FloodWait("auth.sendCode"), std::nullopt);
  EXPECT_EQ(rpc.Migrate("auth.sendCode", 1, false), std::nullopt);
  EXPECT_EQ(rpc.Delay("auth.sendCode").count(), 0);
  ConnectionFaults conn{Faults{}};
  for (int i = 0; i < 100; ++i) {
    ConnectionFaultActions a = conn.OnMessage(true);
    EXPECT_FALSE(a.drop || a.rotate_salt || a.bad_msg_notification_code);
  }
}

}  // namespace
}  // namespace mtproto::emulator

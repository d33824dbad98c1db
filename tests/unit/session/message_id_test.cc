#include "mtproto/session/message_id.h"

#include "gtest/gtest.h"

namespace mtproto::session {
namespace {

using std::chrono::seconds;

constexpr UnixTime kNow = seconds(1700000000);

TEST(MessageId, ClientIdsAreTimeBasedIncreasingAndDivisibleByFour) {
  MessageIdGenerator ids(Role::kClient);
  uint64_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t id = ids.Next(kNow);  // the same instant: still strictly increasing
    EXPECT_EQ(id % 4, 0u);
    EXPECT_GT(id, last);
    EXPECT_EQ(MessageIdGenerator::SecondsOf(id), 1700000000);
    last = id;
  }
  EXPECT_GT(ids.Next(kNow - seconds(10)), last);  // the clock stepped back
}

TEST(MessageId, ServerResponsesAreOneAndNotificationsThreeModFour) {
  MessageIdGenerator ids(Role::kServer);
  EXPECT_EQ(ids.Next(kNow, MessageKind::kResponse) % 4, 1u);
  EXPECT_EQ(ids.Next(kNow, MessageKind::kNotification) % 4, 3u);
  EXPECT_EQ(ids.Next(kNow, MessageKind::kResponse) % 4, 1u);
}

TEST(MessageId, FollowsTheServerClock) {
  MessageIdGenerator ids(Role::kClient);
  ids.SyncWithServerTime(kNow, 1700000500);
  EXPECT_EQ(ids.offset(), seconds(500));
  EXPECT_EQ(MessageIdGenerator::SecondsOf(ids.Next(kNow)), 1700000500);
}

TEST(MessageId, FractionOccupiesTheLowWord) {
  MessageIdGenerator ids(Role::kClient);
  const uint64_t id = ids.Next(kNow + std::chrono::milliseconds(500));
  EXPECT_NEAR(static_cast<double>(id & 0xffffffff), 0x80000000, 8);
}

}  // namespace
}  // namespace mtproto::session

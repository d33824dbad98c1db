// Cancellation and Deadline (mtproto/engine/deadline.h): callbacks run once, on Cancel or at
// registration after it; Unregister stops them; Deadline copies share the signal.
#include "mtproto/engine/deadline.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mtproto::engine {
namespace {

TEST(CancellationTest, RunsEachRegisteredCallbackOnce) {
  Cancellation cancellation;
  int a = 0, b = 0, removed = 0;
  cancellation.Register([&] { ++a; });
  const Cancellation::Handle handle = cancellation.Register([&] { ++removed; });
  cancellation.Register([&] { ++b; });
  cancellation.Unregister(handle);
  EXPECT_FALSE(cancellation.cancelled());
  cancellation.Cancel();
  cancellation.Cancel();
  EXPECT_TRUE(cancellation.cancelled());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(removed, 0);
}

TEST(CancellationTest, ARegistrationAfterCancelRunsAtOnce) {
  Cancellation cancellation;
  cancellation.Cancel();
  int ran = 0;
  EXPECT_EQ(cancellation.Register([&] { ++ran; }), 0u);
  EXPECT_EQ(ran, 1);
  cancellation.Unregister(0);  // harmless
}

TEST(CancellationTest, UnregisterRacingCancelNeverLeavesACallbackRunningLater) {
  for (int round = 0; round < 200; ++round) {
    Cancellation cancellation;
    std::atomic<int> ran{0};
    std::vector<Cancellation::Handle> handles;
    for (int i = 0; i < 8; ++i) handles.push_back(cancellation.Register([&] { ++ran; }));
    std::thread canceller([&] { cancellation.Cancel(); });
    for (Cancellation::Handle h : handles) cancellation.Unregister(h);
    const int seen = ran.load();  // after the Unregisters, nothing may run any more
    canceller.join();
    EXPECT_EQ(ran.load(), seen);
  }
}

TEST(DeadlineTest, CopiesShareTheCancellationAndTimePointsConvert) {
  const Deadline none;
  EXPECT_FALSE(none.has_time());
  EXPECT_FALSE(none.cancelled());
  const Deadline soon = In(std::chrono::seconds(1));
  EXPECT_TRUE(soon.has_time());
  auto cancellation = std::make_shared<Cancellation>();
  const Deadline a(soon.at, cancellation);
  const Deadline b = a;
  EXPECT_FALSE(b.cancelled());
  cancellation->Cancel();
  EXPECT_TRUE(a.cancelled());
  EXPECT_TRUE(b.cancelled());
  EXPECT_FALSE(soon.cancelled());
}

}  // namespace
}  // namespace mtproto::engine

// The streaming hub over a real SqliteLedger: fan-out with one tail reader, resume without loss
// or duplicates, snapshot then tail under concurrent appends, slow consumers cut off and resumed,
// heartbeats on a fake clock, retention and token errors, shutdown.
#include "service/stream/hub.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger_test_util.h"
#include "service/ledger/resume_token.h"
#include "service/ledger/sqlite_ledger.h"

namespace invitegate::stream {
namespace {

using ledger::Event;
using ledger::EventFilter;
using ledger::EventType;
using ledger::testing::Created;
using ledger::testing::FakeClock;
using ledger::testing::MakeEvent;
using ledger::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Counts the reads that reach the ledger (the hub must read the tail once, not per subscriber).
class CountingLedger : public ledger::Ledger {
 public:
  explicit CountingLedger(std::unique_ptr<ledger::Ledger> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<std::vector<ledger::AppendResult>> Append(std::span<const Event> e) override {
    return inner_->Append(e);
  }
  absl::StatusOr<ledger::ReadResult> Read(const ledger::ReadRequest& r) override {
    ++reads;
    return inner_->Read(r);
  }
  absl::StatusOr<ledger::LedgerState> State() override { return inner_->State(); }
  absl::StatusOr<ledger::PendingSnapshot> Pending(const EventFilter& f) override {
    return inner_->Pending(f);
  }
  absl::StatusOr<std::vector<ledger::LinkStats>> Stats(const EventFilter& f) override {
    return inner_->Stats(f);
  }
  absl::StatusOr<ledger::CompactionResult> Compact(const ledger::RetentionPolicy& p,
                                                   absl::Time now) override {
    return inner_->Compact(p, now);
  }
  std::atomic<int> reads{0};

 private:
  std::unique_ptr<ledger::Ledger> inner_;
};

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sqlite =
        ledger::SqliteLedger::Open({.path = dir_.File("ledger.db"), .clock = clock_.AsFunction()});
    ASSERT_TRUE(sqlite.ok()) << sqlite.status();
    ledger_ = std::make_unique<CountingLedger>(*std::move(sqlite));
  }

  std::unique_ptr<Hub> MakeHub(HubOptions options = {}) {
    options.start_thread = options.start_thread && threaded_;
    if (!threaded_) options.clock = clock_.AsFunction();
    auto hub = Hub::Create(ledger_.get(), std::move(options));
    EXPECT_TRUE(hub.ok()) << hub.status();
    return hub.ok() ? *std::move(hub) : nullptr;
  }

  std::shared_ptr<Subscription> MustSubscribe(Hub& hub, SubscribeRequest request,
                                              std::function<void()> on_ready = nullptr) {
    auto s = hub.Subscribe(request, std::move(on_ready));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : nullptr;
  }

  void Publish(Hub& hub, std::vector<Event> events) {
    auto r = hub.Publish(events);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // Everything queued now (manual pumping: nothing arrives while draining).
  static std::vector<Delivery> Drain(Subscription& s) {
    std::vector<Delivery> out;
    Delivery d;
    while (s.Poll(&d) == Subscription::PollResult::kDelivery) out.push_back(d);
    return out;
  }
  static std::vector<uint64_t> EventSequences(const std::vector<Delivery>& ds) {
    std::vector<uint64_t> out;
    for (const Delivery& d : ds) {
      if (d.kind == Delivery::Kind::kEvent) out.push_back(d.event->sequence);
    }
    return out;
  }
  static uint64_t TokenSequence(const std::string& token) {
    auto p = ledger::ParseResumeToken(token);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? p->sequence : 0;
  }

  TempDir dir_;
  FakeClock clock_;
  bool threaded_ = false;
  std::unique_ptr<CountingLedger> ledger_;
};

TEST_F(HubTest, FansOutToManySubscribersWithOneTailRead) {
  auto hub = MakeHub();
  ASSERT_NE(hub, nullptr);
  std::vector<std::shared_ptr<Subscription>> of_a, of_a_chat2, of_b;
  for (int i = 0; i < 100; ++i) of_a.push_back(MustSubscribe(*hub, {.filter = {.account = "a"}}));
  for (int i = 0; i < 10; ++i) {
    of_a_chat2.push_back(MustSubscribe(*hub, {.filter = {.account = "a", .chat_id = 2}}));
    of_b.push_back(MustSubscribe(*hub, {.filter = {.account = "b"}}));
  }
  auto everything = MustSubscribe(*hub, {});
  auto joins = MustSubscribe(
      *hub, {.filter = {.type_mask = EventFilter::MaskOf({EventType::kMemberJoined})}});
  EXPECT_EQ(hub->Stats().live, 122u);

  const int reads_before = ledger_->reads;
  Publish(*hub, {Created("a", 1, 10), Created("a", 2, 11), Created("b", 1, 12),
                 MakeEvent(EventType::kMemberJoined, "a", 2, 13)});
  EXPECT_LE(ledger_->reads - reads_before, 2) << "the tail is read once for everybody";

  for (auto& s : of_a) EXPECT_THAT(EventSequences(Drain(*s)), ElementsAre(1, 2, 4));
  for (auto& s : of_a_chat2) EXPECT_THAT(EventSequences(Drain(*s)), ElementsAre(2, 4));
  for (auto& s : of_b) EXPECT_THAT(EventSequences(Drain(*s)), ElementsAre(3));
  EXPECT_THAT(EventSequences(Drain(*everything)), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(EventSequences(Drain(*joins)), ElementsAre(4));
  // Subscribers share the event itself, not copies of it.
  auto s1 = MustSubscribe(*hub, {.filter = {.account = "a"}});
  auto s2 = MustSubscribe(*hub, {.filter = {.account = "a"}});
  Publish(*hub, {Created("a", 1, 20)});
  Delivery d1, d2;
  ASSERT_EQ(s1->Poll(&d1), Subscription::PollResult::kDelivery);
  ASSERT_EQ(s2->Poll(&d2), Subscription::PollResult::kDelivery);
  EXPECT_EQ(d1.event.get(), d2.event.get());
  EXPECT_EQ(d1.event->user_id, 20);
  EXPECT_EQ(TokenSequence(d1.resume_token), 5u);
}

TEST_F(HubTest, ResumesFromATokenWithoutLossOrDuplicates) {
  auto hub = MakeHub();
  ASSERT_NE(hub, nullptr);
  auto first = MustSubscribe(*hub, {.filter = {.account = "a"}});
  for (int i = 1; i <= 6; ++i) Publish(*hub, {Created("a", 1, i), Created("b", 1, i)});
  // The consumer sent three events, then its connection dropped.
  std::string token;
  for (int i = 0; i < 3; ++i) {
    Delivery d;
    ASSERT_EQ(first->Poll(&d), Subscription::PollResult::kDelivery);
    token = d.resume_token;
  }
  first->Cancel();
  EXPECT_EQ(first->status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(hub->Stats().subscribers, 0u);
  for (int i = 7; i <= 8; ++i) Publish(*hub, {Created("a", 1, i), Created("b", 1, i)});

  auto resumed =
      MustSubscribe(*hub, {.filter = {.account = "a"}, .start = StartFrom::kToken,
                           .resume_token = token});
  // Catches up from the ledger (3 events were delivered: 1, 3, 5), then goes live.
  std::vector<uint64_t> seen = EventSequences(Drain(*resumed));
  EXPECT_THAT(seen, ElementsAre(7, 9, 11, 13, 15));
  EXPECT_EQ(hub->Stats().live, 1u);
  Publish(*hub, {Created("a", 1, 9)});
  EXPECT_THAT(EventSequences(Drain(*resumed)), ElementsAre(17));
}

TEST_F(HubTest, TokenErrors) {
  auto hub = MakeHub();
  ASSERT_NE(hub, nullptr);
  for (int i = 1; i <= 10; ++i) Publish(*hub, {MakeEvent(EventType::kMemberJoined, "a", 1, i)});
  auto garbage = hub->Subscribe({.start = StartFrom::kToken, .resume_token = "garbage"}, nullptr);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string other_ledger = ledger::EncodeResumeToken({hub->ledger_id() + 1, 3});
  auto other = hub->Subscribe({.start = StartFrom::kToken, .resume_token = other_ledger}, nullptr);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(other.status().message(), HasSubstr("another ledger"));
  const std::string future = ledger::EncodeResumeToken({hub->ledger_id(), 11});
  EXPECT_EQ(hub->Subscribe({.start = StartFrom::kToken, .resume_token = future}, nullptr)
                .status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(hub->Subscribe({.filter = {.type_mask = 1u << 20}}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Retention: a token older than the compaction point is OUT_OF_RANGE (as etcd after
  // compaction); the compaction point itself still resumes.
  ASSERT_TRUE(ledger_->Compact({.max_events = 5}, clock_.Now()).ok());
  const std::string old = ledger::EncodeResumeToken({hub->ledger_id(), 4});
  auto expired = hub->Subscribe({.start = StartFrom::kToken, .resume_token = old}, nullptr);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(expired.status().message(), HasSubstr("compacted"));
  auto at_point = MustSubscribe(*hub, {.start = StartFrom::kToken,
                                       .resume_token = ledger::EncodeResumeToken(
                                           {hub->ledger_id(), 5})});
  EXPECT_THAT(EventSequences(Drain(*at_point)), ElementsAre(6, 7, 8, 9, 10));
}

TEST_F(HubTest, CompactionWhileCatchingUpEndsWithOutOfRange) {
  auto hub = MakeHub({.queue_capacity = 2});
  ASSERT_NE(hub, nullptr);
  for (int i = 1; i <= 10; ++i) Publish(*hub, {MakeEvent(EventType::kMemberJoined, "a", 1, i)});
  auto s = MustSubscribe(*hub, {.start = StartFrom::kToken,
                                .resume_token = ledger::EncodeResumeToken({hub->ledger_id(), 0})});
  EXPECT_EQ(hub->Stats().live, 0u) << "behind the pump: it catches up first";
  Delivery d;
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);  // page 1: events 1, 2
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);
  ASSERT_TRUE(ledger_->Compact({.max_events = 3}, clock_.Now()).ok());
  EXPECT_EQ(s->Poll(&d), Subscription::PollResult::kFinished);
  EXPECT_EQ(s->status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(HubTest, SlowConsumerIsCutOffAndResumesWithoutLoss) {
  auto hub = MakeHub({.queue_capacity = 4});
  ASSERT_NE(hub, nullptr);
  auto slow = MustSubscribe(*hub, {.filter = {.account = "a"}});
  auto fast = MustSubscribe(*hub, {.filter = {.account = "a"}});
  std::vector<uint64_t> fast_seen;
  for (int i = 1; i <= 10; ++i) {
    Publish(*hub, {Created("a", 1, i)});
    for (uint64_t s : EventSequences(Drain(*fast))) fast_seen.push_back(s);
  }
  EXPECT_EQ(fast_seen.size(), 10u);
  EXPECT_EQ(hub->Stats().cut_off, 1u);

  // What was queued is still delivered, then the status says where to resume.
  std::vector<uint64_t> seen;
  Delivery d;
  Subscription::PollResult r;
  while ((r = slow->Poll(&d)) == Subscription::PollResult::kDelivery) {
    seen.push_back(d.event->sequence);
  }
  EXPECT_EQ(r, Subscription::PollResult::kFinished);
  EXPECT_THAT(seen, ElementsAre(1, 2, 3, 4));
  const absl::Status status = slow->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("too slow"));
  const std::string marker = "resume from token ";
  const size_t at = std::string(status.message()).find(marker);
  ASSERT_NE(at, std::string::npos) << status;
  const std::string token = std::string(status.message()).substr(at + marker.size());
  EXPECT_EQ(TokenSequence(token), 4u);

  auto resumed = MustSubscribe(*hub, {.filter = {.account = "a"}, .start = StartFrom::kToken,
                                      .resume_token = token});
  // Catching up is paced by the consumer: pages of queue_capacity, never a cut-off.
  for (uint64_t s : EventSequences(Drain(*resumed))) seen.push_back(s);
  EXPECT_THAT(seen, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_EQ(hub->Stats().cut_off, 1u);
}

TEST_F(HubTest, ASnapshotLongerThanTheQueueIsNotCutOff) {
  auto hub = MakeHub({.queue_capacity = 4});
  ASSERT_NE(hub, nullptr);
  for (int u = 1; u <= 10; ++u) Publish(*hub, {Created("a", 1, u, "L")});
  auto s = MustSubscribe(*hub, {.filter = {.account = "a"}, .start = StartFrom::kSnapshot});
  // The tail moves on while the snapshot is still queued.
  for (int u = 11; u <= 16; ++u) Publish(*hub, {Created("a", 1, u, "L")});
  std::vector<Delivery> got = Drain(*s);
  ASSERT_EQ(got.size(), 17u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].kind, Delivery::Kind::kSnapshot);
    EXPECT_EQ(got[i].event->user_id, i + 1);
    EXPECT_EQ(got[i].event->about, absl::StrCat("let me in, I am ", i + 1));
  }
  EXPECT_EQ(got[10].kind, Delivery::Kind::kSnapshotEnd);
  EXPECT_EQ(TokenSequence(got[10].resume_token), 10u);
  EXPECT_THAT(EventSequences(got), ElementsAre(11, 12, 13, 14, 15, 16));
  EXPECT_EQ(hub->Stats().cut_off, 0u);
  EXPECT_EQ(hub->Stats().live, 1u);
}

TEST_F(HubTest, SnapshotThenTailWithConcurrentAppends) {
  threaded_ = true;
  auto hub = MakeHub({.heartbeat_interval = absl::Hours(1), .poll_interval = absl::Milliseconds(5)});
  ASSERT_NE(hub, nullptr);
  for (int u = 1; u <= 50; ++u) Publish(*hub, {Created("a", 1, u)});

  // A writer keeps creating and resolving requests while the subscriber starts.
  constexpr int kWrites = 150;
  std::atomic<bool> go{false};
  std::thread writer([&] {
    while (!go) std::this_thread::yield();
    for (int i = 0; i < kWrites; ++i) {
      const int64_t user = 1 + (i * 7) % 60;
      Event e = i % 3 == 0 ? MakeEvent(EventType::kRequestApproved, "a", 1, user, "",
                                       absl::StrCat("approve:", i))
                           : Created("a", 1, user, absl::StrCat("L", i));
      ASSERT_TRUE(hub->Publish(std::vector<Event>{e}).ok());
    }
  });
  go = true;
  std::this_thread::yield();
  auto s = MustSubscribe(*hub, {.filter = {.account = "a"}, .start = StartFrom::kSnapshot});
  writer.join();
  const uint64_t last = ledger_->State()->last_sequence;

  // Rebuild the pending set the way a client would: snapshot, then apply the tail.
  std::map<int64_t, uint64_t> pending;  // user -> request sequence
  std::set<uint64_t> seen;
  uint64_t as_of = 0, previous = 0;
  bool snapshot_done = false;
  while (previous < last) {
    Delivery d;
    ASSERT_EQ(s->Wait(&d, absl::Seconds(30)), Subscription::PollResult::kDelivery);
    switch (d.kind) {
      case Delivery::Kind::kSnapshot:
        ASSERT_FALSE(snapshot_done);
        EXPECT_TRUE(d.resume_token.empty());
        pending[d.event->user_id] = d.event->sequence;
        break;
      case Delivery::Kind::kSnapshotEnd:
        snapshot_done = true;
        as_of = previous = TokenSequence(d.resume_token);
        break;
      case Delivery::Kind::kEvent:
        ASSERT_TRUE(snapshot_done);
        EXPECT_GT(d.event->sequence, previous) << "in order, no duplicate";
        EXPECT_EQ(d.event->sequence, previous + 1) << "no gap (the filter matches everything)";
        previous = d.event->sequence;
        EXPECT_TRUE(seen.insert(d.event->sequence).second);
        if (d.event->type == EventType::kRequestCreated) {
          pending[d.event->user_id] = d.event->sequence;
        } else {
          pending.erase(d.event->user_id);
        }
        break;
      case Delivery::Kind::kHeartbeat:
        break;
    }
  }
  EXPECT_GE(as_of, 50u);
  auto truth = ledger_->Pending({.account = "a"});
  ASSERT_TRUE(truth.ok());
  std::map<int64_t, uint64_t> expected;
  for (const auto& r : truth->requests) expected[r.user_id] = r.sequence;
  EXPECT_EQ(pending, expected);
}

TEST_F(HubTest, ManyConcurrentSubscribersEachSeeEveryEventOnce) {
  threaded_ = true;
  auto hub = MakeHub({.queue_capacity = 100000, .poll_interval = absl::Milliseconds(5)});
  ASSERT_NE(hub, nullptr);
  constexpr int kSubscribers = 20, kEvents = 300;
  std::vector<std::thread> consumers;
  std::atomic<int> ok{0};
  for (int i = 0; i < kSubscribers; ++i) {
    auto s = MustSubscribe(*hub, {.filter = {.account = "a"}});
    consumers.emplace_back([s, &ok] {
      uint64_t previous = 0;
      int count = 0;
      Delivery d;
      while (count < kEvents &&
             s->Wait(&d, absl::Seconds(30)) == Subscription::PollResult::kDelivery) {
        if (d.kind != Delivery::Kind::kEvent) continue;
        if (d.event->sequence != previous + 1) return;
        previous = d.event->sequence;
        ++count;
      }
      if (count == kEvents) ++ok;
    });
  }
  for (int i = 0; i < kEvents; i += 10) {
    std::vector<Event> batch;
    for (int j = 0; j < 10; ++j) batch.push_back(Created("a", 1, i + j + 1));
    ASSERT_TRUE(hub->Publish(batch).ok());
  }
  for (auto& t : consumers) t.join();
  EXPECT_EQ(ok, kSubscribers);
}

TEST_F(HubTest, HeartbeatsOnTheInjectedClockCarryAdvancingTokens) {
  auto hub = MakeHub({.heartbeat_interval = absl::Seconds(10)});
  ASSERT_NE(hub, nullptr);
  int ready = 0;
  auto s = MustSubscribe(*hub, {.filter = {.account = "b"}}, [&] { ++ready; });
  Delivery d;
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kEmpty);

  clock_.Advance(absl::Seconds(5));
  hub->SendHeartbeats();
  EXPECT_EQ(ready, 0);
  // Events of another account pass by: nothing for this subscriber, but its position moves.
  Publish(*hub, {Created("a", 1, 1), Created("a", 1, 2)});
  clock_.Advance(absl::Seconds(5));
  hub->SendHeartbeats();
  EXPECT_EQ(ready, 1) << "on_ready fires once the queue has something";
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);
  EXPECT_EQ(d.kind, Delivery::Kind::kHeartbeat);
  EXPECT_EQ(d.at, clock_.Now());
  EXPECT_EQ(TokenSequence(d.resume_token), 2u);
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kEmpty);

  // A delivery resets the idle timer; the next heartbeat comes a full interval later.
  clock_.Advance(absl::Seconds(3));
  Publish(*hub, {Created("b", 1, 3)});
  EXPECT_EQ(ready, 2);
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kEmpty);
  clock_.Advance(absl::Seconds(9));
  hub->SendHeartbeats();
  EXPECT_EQ(ready, 2);
  clock_.Advance(absl::Seconds(1));
  hub->SendHeartbeats();
  EXPECT_EQ(ready, 3);
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);
  EXPECT_EQ(TokenSequence(d.resume_token), 3u);
  // No pile-up: an unread heartbeat is not followed by another.
  clock_.Advance(absl::Seconds(60));
  hub->SendHeartbeats();
  clock_.Advance(absl::Seconds(60));
  hub->SendHeartbeats();
  EXPECT_EQ(Drain(*s).size(), 1u);
}

TEST_F(HubTest, OnReadyIsEdgeTriggered) {
  auto hub = MakeHub();
  ASSERT_NE(hub, nullptr);
  int ready = 0;
  auto s = MustSubscribe(*hub, {}, [&] { ++ready; });
  Publish(*hub, {Created("a", 1, 1)});
  EXPECT_EQ(ready, 0) << "not armed before the first Poll";
  EXPECT_EQ(Drain(*s).size(), 1u);  // ends with kEmpty: armed
  Publish(*hub, {Created("a", 1, 2)});
  Publish(*hub, {Created("a", 1, 3)});
  EXPECT_EQ(ready, 1) << "once per kEmpty";
  EXPECT_EQ(Drain(*s).size(), 2u);
  hub->Shutdown(absl::UnavailableError("server shutting down"));
  EXPECT_EQ(ready, 2) << "the end wakes the consumer too";
}

TEST_F(HubTest, ShutdownEndsStreamsWithAResumeToken) {
  auto hub = MakeHub();
  ASSERT_NE(hub, nullptr);
  auto s = MustSubscribe(*hub, {.filter = {.account = "a"}});
  Publish(*hub, {Created("a", 1, 1), Created("b", 1, 2)});
  hub->Shutdown(absl::UnavailableError("server shutting down"));
  Delivery d;
  ASSERT_EQ(s->Poll(&d), Subscription::PollResult::kDelivery);
  EXPECT_EQ(s->Poll(&d), Subscription::PollResult::kFinished);
  EXPECT_EQ(s->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s->status().message(),
              HasSubstr(absl::StrCat("resume from token ",
                                     ledger::EncodeResumeToken({hub->ledger_id(), 2}))));
  EXPECT_EQ(hub->Subscribe({}, nullptr).status().code(), absl::StatusCode::kUnavailable);
  // A subscription may outlive the hub once it has been shut down.
  hub.reset();
  s->Cancel();
  s.reset();
}

}  // namespace
}  // namespace invitegate::stream

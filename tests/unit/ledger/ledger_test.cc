// SqliteLedger: appends and reads, filters, idempotency, durability across reopen and kill -9,
// retention with OUT_OF_RANGE, and the backlog / per-link statistics it maintains.
#include "service/ledger/sqlite_ledger.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger_test_util.h"

namespace invitegate::ledger {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Created;
using testing::FakeClock;
using testing::MakeEvent;
using testing::TempDir;

class LedgerTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteLedger> Open() {
    auto ledger = SqliteLedger::Open({.path = dir_.File("ledger.db"), .clock = clock_.AsFunction()});
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? *std::move(ledger) : nullptr;
  }
  std::vector<AppendResult> MustAppend(Ledger& ledger, std::vector<Event> events) {
    auto r = ledger.Append(events);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<AppendResult>{};
  }
  std::vector<uint64_t> Sequences(Ledger& ledger, ReadRequest request) {
    auto r = ledger.Read(request);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<uint64_t> out;
    if (r.ok()) {
      for (const Event& e : r->events) out.push_back(e.sequence);
    }
    return out;
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(LedgerTest, AppendAssignsSequencesAndReadReturnsEverything) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  auto state = ledger->State();
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->ledger_id, 0u);
  EXPECT_EQ(state->last_sequence, 0u);

  Event approved = MakeEvent(EventType::kRequestApproved, "bot", -100, 7, "https://t.me/+abc", "k2");
  approved.actor_id = 42;
  Event count = MakeEvent(EventType::kPendingCountChanged, "bot", -100, 0, "", "k3");
  count.pending_count = 3;
  auto results = MustAppend(*ledger, {Created("bot", -100, 7, "https://t.me/+abc"), approved, count});
  EXPECT_THAT(results, ElementsAre(AppendResult{1, false}, AppendResult{2, false},
                                   AppendResult{3, false}));

  auto read = ledger->Read({});
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events.size(), 3u);
  EXPECT_EQ(read->scanned_through, 3u);
  Event expected = Created("bot", -100, 7, "https://t.me/+abc");
  expected.sequence = 1;
  expected.recorded_at_ms = absl::ToUnixMillis(clock_.Now());
  EXPECT_EQ(read->events[0], expected) << EventDebugString(read->events[0]);
  EXPECT_EQ(read->events[1].actor_id, 42);
  EXPECT_EQ(read->events[2].pending_count, 3);
  EXPECT_EQ(ledger->State()->last_sequence, 3u);
}

TEST_F(LedgerTest, ReadFiltersAndContinues) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  MustAppend(*ledger, {Created("a", 1, 10, "L1"),                                      // 1
                       Created("a", 2, 11, "L2"),                                      // 2
                       Created("b", 1, 12, "L1"),                                      // 3
                       MakeEvent(EventType::kMemberJoined, "a", 1, 13, ""),            // 4
                       MakeEvent(EventType::kRequestDeclined, "a", 1, 10, "L1"),       // 5
                       Created("a", 1, 14, "L1")});                                    // 6
  EXPECT_THAT(Sequences(*ledger, {.filter = {.account = "a"}}), ElementsAre(1, 2, 4, 5, 6));
  EXPECT_THAT(Sequences(*ledger, {.filter = {.account = "a", .chat_id = 1}}),
              ElementsAre(1, 4, 5, 6));
  EXPECT_THAT(Sequences(*ledger, {.filter = {.link = "L1"}}), ElementsAre(1, 3, 5, 6));
  EXPECT_THAT(Sequences(*ledger, {.filter = {.link = ""}}), ElementsAre(4));
  EXPECT_THAT(Sequences(*ledger, {.filter = {.type_mask = EventFilter::MaskOf(
                                                 {EventType::kMemberJoined,
                                                  EventType::kRequestDeclined})}}),
              ElementsAre(4, 5));
  EXPECT_THAT(Sequences(*ledger, {.after_sequence = 2, .through_sequence = 5}),
              ElementsAre(3, 4, 5));

  // A page that fills its limit stops at its last event; one that does not covers the range,
  // matching or not, so a filtered reader still advances.
  auto page = ledger->Read({.filter = {.account = "a"}, .limit = 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->scanned_through, 2u);
  page = ledger->Read({.after_sequence = 2, .filter = {.account = "zzz"}});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
  EXPECT_EQ(page->scanned_through, 6u);

  EXPECT_EQ(ledger->Read({.filter = {.type_mask = 1u << 30}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger->Read({.limit = 0}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LedgerTest, ReappendingAKeyIsANoOpReturningTheStoredSequence) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  const Event e = Created("a", 1, 10, "L1");
  EXPECT_THAT(MustAppend(*ledger, {e}), ElementsAre(AppendResult{1, false}));
  // Re-delivered after a crash, alone and inside a batch; twice in one batch.
  EXPECT_THAT(MustAppend(*ledger, {e}), ElementsAre(AppendResult{1, true}));
  const Event other = Created("a", 1, 11, "L1");
  EXPECT_THAT(MustAppend(*ledger, {other, e, other}),
              ElementsAre(AppendResult{2, false}, AppendResult{1, true}, AppendResult{2, true}));
  // An empty key means "no deduplication".
  const Event keyless = MakeEvent(EventType::kMemberJoined, "a", 1, 12);
  EXPECT_THAT(MustAppend(*ledger, {keyless, keyless}),
              ElementsAre(AppendResult{3, false}, AppendResult{4, false}));
  // Survives a reopen; and the backlog counted the request once.
  ledger.reset();
  ledger = Open();
  EXPECT_THAT(MustAppend(*ledger, {e}), ElementsAre(AppendResult{1, true}));
  auto stats = ledger->Stats({});
  ASSERT_TRUE(stats.ok());
  EXPECT_THAT(*stats, ElementsAre(LinkStats{"a", 1, "", 2, 0, 0, 0},
                                  LinkStats{"a", 1, "L1", 0, 2, 0, 0}));
}

TEST_F(LedgerTest, AnInvalidEventFailsTheWholeBatch) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  Event no_account = Created("", 1, 10);
  Event bad_type = Created("a", 1, 11);
  bad_type.type = static_cast<EventType>(99);
  for (const Event& bad : {no_account, bad_type, MakeEvent(EventType::kRequestCreated, "a", 0, 1),
                           MakeEvent(EventType::kMemberJoined, "a", 1, 0)}) {
    auto r = ledger->Append(std::vector<Event>{Created("a", 1, 12), bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  }
  EXPECT_EQ(ledger->State()->last_sequence, 0u);
  EXPECT_TRUE(ledger->Pending({})->requests.empty());
}

TEST_F(LedgerTest, ReopenKeepsEventsIdentityAndState) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  MustAppend(*ledger, {Created("a", 1, 10, "L1"), Created("a", 1, 11, "L1")});
  const uint64_t id = ledger->State()->ledger_id;
  ledger.reset();

  struct stat st;
  ASSERT_EQ(::stat(dir_.File("ledger.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ledger = Open();
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(ledger->State()->ledger_id, id);
  EXPECT_THAT(Sequences(*ledger, {}), ElementsAre(1, 2));
  EXPECT_EQ(ledger->Pending({})->requests.size(), 2u);
  EXPECT_THAT(MustAppend(*ledger, {Created("a", 1, 12)}), ElementsAre(AppendResult{3, false}));
}

// A writer is killed with SIGKILL while appending: every append it reported done (over a pipe,
// after Append returned) is in the file when it is reopened.
TEST_F(LedgerTest, AcknowledgedAppendsSurviveKillDashNine) {
  const std::filesystem::path path = dir_.File("ledger.db");
  { ASSERT_NE(Open(), nullptr); }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto ledger = SqliteLedger::Open({.path = path});
    if (!ledger.ok()) ::_exit(2);
    for (int batch = 0;; ++batch) {
      std::vector<Event> events;
      for (int i = 0; i < 5; ++i) events.push_back(Created("a", 1, batch * 5 + i + 1));
      auto r = (*ledger)->Append(events);
      if (!r.ok()) ::_exit(3);
      const uint64_t last = r->back().sequence;
      if (::write(fds[1], &last, sizeof last) != sizeof last) ::_exit(4);
    }
  }
  ::close(fds[1]);
  uint64_t acknowledged = 0;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(::read(fds[0], &acknowledged, sizeof acknowledged),
              static_cast<ssize_t>(sizeof acknowledged));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // Acknowledgements already in the pipe were also durable before they were written.
  uint64_t more;
  while (::read(fds[0], &more, sizeof more) == static_cast<ssize_t>(sizeof more)) {
    acknowledged = more;
  }
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  auto state = ledger->State();
  ASSERT_TRUE(state.ok());
  EXPECT_GE(state->last_sequence, acknowledged);
  EXPECT_EQ(state->last_sequence % 5, 0u) << "batches are atomic";
  auto read = ledger->Read({.limit = 100000});
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->events.size(), state->last_sequence);
  for (size_t i = 0; i < read->events.size(); ++i) {
    EXPECT_EQ(read->events[i].user_id, static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(ledger->Pending({})->requests.size(), state->last_sequence);
}

TEST_F(LedgerTest, RetentionByCountCompactsAPrefixAndOldPositionsAreOutOfRange) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  for (int i = 1; i <= 10; ++i) MustAppend(*ledger, {MakeEvent(EventType::kMemberJoined, "a", 1, i)});
  auto compacted = ledger->Compact({.max_events = 4}, clock_.Now());
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_EQ(compacted->removed, 6u);
  EXPECT_EQ(compacted->compacted_through, 6u);
  EXPECT_EQ(ledger->State()->compacted_through, 6u);

  EXPECT_THAT(Sequences(*ledger, {.after_sequence = 6}), ElementsAre(7, 8, 9, 10));
  auto old = ledger->Read({.after_sequence = 5});
  EXPECT_EQ(old.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(old.status().message(), HasSubstr("compacted"));
  EXPECT_EQ(ledger->Read({}).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ledger->Read({.after_sequence = 11}).status().code(), absl::StatusCode::kOutOfRange);

  // Idempotent; and compacting everything never lets a sequence be reused.
  EXPECT_EQ(ledger->Compact({.max_events = 4}, clock_.Now())->removed, 0u);
  EXPECT_EQ(ledger->Compact({.max_events = 0}, clock_.Now())->compacted_through, 10u);
  ledger.reset();
  ledger = Open();
  EXPECT_THAT(MustAppend(*ledger, {MakeEvent(EventType::kMemberJoined, "a", 1, 11)}),
              ElementsAre(AppendResult{11, false}));
  EXPECT_THAT(Sequences(*ledger, {.after_sequence = 10}), ElementsAre(11));
  // The counters are state, not history: compaction leaves them.
  EXPECT_EQ((*ledger->Stats({}))[0].joined, 11);
}

TEST_F(LedgerTest, RetentionByAge) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  MustAppend(*ledger, {Created("a", 1, 1), Created("a", 1, 2)});
  clock_.Advance(absl::Hours(2));
  MustAppend(*ledger, {Created("a", 1, 3)});
  clock_.Advance(absl::Minutes(30));
  auto compacted = ledger->Compact({.max_age = absl::Hours(1)}, clock_.Now());
  ASSERT_TRUE(compacted.ok());
  EXPECT_EQ(compacted->removed, 2u);
  EXPECT_EQ(compacted->compacted_through, 2u);
  EXPECT_THAT(Sequences(*ledger, {.after_sequence = 2}), ElementsAre(3));
  // The backlog still knows all three requests.
  EXPECT_EQ(ledger->Pending({})->requests.size(), 3u);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(ledger->Compact({.max_age = absl::Hours(1)}, clock_.Now())->compacted_through, 3u);
}

TEST_F(LedgerTest, BacklogAndLinkStatsFollowRequestLifecycles) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  auto approve = [](int64_t user, std::string link = "") {
    Event e = MakeEvent(EventType::kRequestApproved, "bot", -5, user, std::move(link));
    e.actor_id = 99;
    return e;
  };
  MustAppend(*ledger, {Created("bot", -5, 1, "A"), Created("bot", -5, 2, "A"),
                       Created("bot", -5, 3, "A"), Created("bot", -5, 4, ""),
                       Created("bot", -6, 1, "C")});
  MustAppend(*ledger, {approve(1)});                                               // A: approved
  MustAppend(*ledger, {MakeEvent(EventType::kRequestDeclined, "bot", -5, 2, "")}); // A: declined
  MustAppend(*ledger, {Created("bot", -5, 3, "B")});         // asked again through another link
  MustAppend(*ledger, {MakeEvent(EventType::kMemberJoined, "bot", -5, 3, "B")});   // let in
  MustAppend(*ledger, {MakeEvent(EventType::kMemberJoined, "bot", -5, 7, "A")});   // direct join
  MustAppend(*ledger, {approve(8, "A")});                    // a request the ledger never saw
  MustAppend(*ledger, {MakeEvent(EventType::kMemberJoined, "bot", -5, 1, "A")});   // after approval

  auto pending = ledger->Pending({.account = "bot"});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->as_of_sequence, 12u);
  ASSERT_EQ(pending->requests.size(), 2u);
  EXPECT_EQ(pending->requests[0].user_id, 4);
  EXPECT_EQ(pending->requests[0].about, "let me in, I am 4");
  EXPECT_EQ(pending->requests[0].sequence, 4u);
  EXPECT_EQ(pending->requests[1].chat_id, -6);
  EXPECT_EQ(ledger->Pending({.account = "bot", .chat_id = -5})->requests.size(), 1u);
  EXPECT_TRUE(ledger->Pending({.account = "other"})->requests.empty());
  EXPECT_TRUE(ledger->Pending({.link = "A"})->requests.empty());

  auto stats = ledger->Stats({.account = "bot"});
  ASSERT_TRUE(stats.ok());
  EXPECT_THAT(*stats, ElementsAre(
                          //            account chat link joined pending approved declined
                          LinkStats{"bot", -6, "C", 0, 1, 0, 0},
                          LinkStats{"bot", -5, "", 0, 1, 0, 0},
                          LinkStats{"bot", -5, "A", 2, 0, 2, 1},
                          LinkStats{"bot", -5, "B", 1, 0, 1, 0}));
  EXPECT_THAT(*ledger->Stats({.link = "B"}), ElementsAre(LinkStats{"bot", -5, "B", 1, 0, 1, 0}));
}

TEST_F(LedgerTest, RefusesAForeignDatabaseAndGarbage) {
  const auto foreign = dir_.File("foreign.db");
  std::filesystem::create_directories(foreign.parent_path());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(SqliteLedger::Open({.path = foreign}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const auto garbage = dir_.File("garbage.db");
  std::ofstream(garbage) << std::string(4096, 'x');
  auto r = SqliteLedger::Open({.path = garbage});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  EXPECT_EQ(SqliteLedger::Open({.path = ""}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EventTest, NamesAndFilters) {
  for (int i = 1; i <= kMaxEventType; ++i) {
    const auto type = static_cast<EventType>(i);
    EXPECT_EQ(*ParseEventType(EventTypeName(type)), type);
  }
  EXPECT_EQ(ParseEventType("nope").status().code(), absl::StatusCode::kInvalidArgument);
  const Event e = Created("a", 1, 2, "L");
  EXPECT_TRUE(EventFilter{}.Matches(e));
  EXPECT_TRUE((EventFilter{.account = "a", .chat_id = 1, .link = "L"}.Matches(e)));
  EXPECT_FALSE((EventFilter{.link = ""}.Matches(e)));
  EXPECT_FALSE((EventFilter{.type_mask = EventFilter::MaskOf({EventType::kMemberJoined})}.Matches(e)));
  EXPECT_EQ((EventFilter{.account = "a", .type_mask = EventFilter::MaskOf(
                                             {EventType::kRequestCreated})}.DebugString()),
            "account=a types=request_created");
}

}  // namespace
}  // namespace invitegate::ledger

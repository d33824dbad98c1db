// Join-request streams end to end: users join through request-needed links in the emulator, the
// accounts' engines report it, the event pumps write the ledger, and WatchJoinRequests streams it
// (from now, from a resume token, with a snapshot; filtered; fanned out; heartbeats; slow
// consumers cut off and resumed without loss; expired and malformed tokens). Also the ledger's
// answers: per-link statistics, bots' ListJoinRequests, and ModerateJoinRequests pacing itself
// through an injected FLOOD_WAIT. Synthetic events (appended to the ledger directly) drive the
// volume tests.
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "invitegate/v1/join_requests.grpc.pb.h"
#include "mtproto/emulator/world.h"
#include "service/embedded.h"
#include "service/event_pump.h"
#include "service/ledger/resume_token.h"
#include "service/server.h"
#include "tests/integration/running_emulator.h"
#include "tests/integration/service/stream_test_support.h"

namespace invitegate::service {
namespace {

using invitegate::testing::ErrorInfoOf;
using invitegate::testing::WatchCollector;
using std::chrono::seconds;

constexpr char kSupergroup[] = "accounts/alice/chats/invitegate_group";
constexpr int64_t kSupergroupId = -1000004000001;
constexpr int64_t kDave = 1000004;

class JoinStreamsTest : public ::testing::Test {
 protected:
  void Start(StreamsOptions streams = {}) {
    ASSERT_TRUE(env_.Start("invitegate-streams-test").ok());
    std::map<int, int> ports;
    for (const auto& dc : env_.endpoints().dcs) ports[dc.id] = dc.port;
    auto endpoints = mtproto::engine::EmulatorEndpoints(env_.endpoints().dcs.front().host, ports,
                                                        env_.endpoints().public_key_pem);
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    const std::filesystem::path dir = env_.dir() / "accounts";
    // Every FLOOD_WAIT reaches the service (the moderation test paces by it).
    registry_ = std::make_shared<AccountRegistry>(
        [endpoints = *endpoints, dir](const std::string& id)
            -> absl::StatusOr<std::unique_ptr<AccountBackend>> {
          std::filesystem::create_directories(dir);
          mtproto::engine::EngineOptions options;
          options.endpoints = endpoints;
          options.api_id = 1;
          options.api_hash = "0123456789abcdef";
          options.store_path = dir / (id + ".db");
          options.flood_wait_threshold = seconds(0);
          auto account = EngineAccount::Create(id, std::move(options));
          if (!account.ok()) return account.status();
          return std::unique_ptr<AccountBackend>(std::move(*account));
        });
    absl::Status signed_in = SignInSampleAccounts(*registry_, env_.emulator().WorldJson());
    ASSERT_TRUE(signed_in.ok()) << signed_in;
    streams.ledger_path = env_.dir() / "ledger.sqlite";
    ServerOptions options;
    options.streams = streams;
    server_ = std::make_unique<InvitegateServer>(registry_, options);
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(*port),
                                   grpc::InsecureChannelCredentials());
    links_ = v1::InviteLinkService::NewStub(channel_);
    requests_ = v1::JoinRequestService::NewStub(channel_);
    WaitForUpdates("bot");
    WaitForUpdates("alice");
  }
  void TearDown() override {
    server_.reset();
    if (registry_) registry_->Clear();
  }

  // The account's engine follows updates (so that nothing said after this is missed).
  void WaitForUpdates(const std::string& id) {
    auto account = registry_->Get(id);
    ASSERT_TRUE(account.ok());
    auto* engine_account = dynamic_cast<EngineAccount*>(account->get());
    ASSERT_NE(engine_account, nullptr);
    for (int i = 0; i < 200 && engine_account->engine().update_stats().differences == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_GT(engine_account->engine().update_stats().differences, 0) << id;
  }

  // Signs a joiner of the sample world in (eve 9996641002 ... ivan 9996641006, code 44444).
  void SignInJoiner(const std::string& id, const std::string& phone) {
    auto account = registry_->GetOrCreate(id);
    ASSERT_TRUE(account.ok());
    ASSERT_TRUE((*account)->SendCode(phone).ok());
    auto step = (*account)->SignIn(*mtproto::emulator::TestLoginCode(phone));
    ASSERT_TRUE(step.ok()) << step.status();
  }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + seconds(30));
    return ctx;
  }

  v1::InviteLink CreateRequestLink() {
    v1::CreateInviteLinkRequest request;
    request.set_parent(kSupergroup);
    request.mutable_invite_link()->set_request_needed(true);
    v1::InviteLink link;
    grpc::Status s = links_->CreateInviteLink(Ctx().get(), request, &link);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return link;
  }
  void Join(const std::string& account, const v1::InviteLink& link) {
    v1::JoinByInviteLinkRequest join;
    join.set_account("accounts/" + account);
    join.set_invite_link(link.url());
    v1::JoinByInviteLinkResponse joined;
    grpc::Status s = links_->JoinByInviteLink(Ctx().get(), join, &joined);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(joined.outcome(), v1::JOIN_OUTCOME_PENDING_APPROVAL);
  }
  v1::InviteLinkStats Stats(const v1::InviteLink& link, const std::string& account = "bot") {
    v1::GetInviteLinkStatsRequest request;
    std::string name = link.name();
    name.replace(0, name.find("/chats/"), "accounts/" + account);
    request.set_name(name);
    v1::InviteLinkStats stats;
    grpc::Status s = requests_->GetInviteLinkStats(Ctx().get(), request, &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats;
  }
  // Appends `n` synthetic request_created events for `account` straight into the ledger.
  void Publish(const std::string& account, int n, int64_t first_user = 5000000,
               size_t about_size = 200) {
    std::vector<ledger::Event> events(n);
    for (int i = 0; i < n; ++i) {
      events[i].account = account;
      events[i].chat_id = kSupergroupId;
      events[i].type = ledger::EventType::kRequestCreated;
      events[i].user_id = first_user + i;
      events[i].date = 1700000000 + i;
      events[i].about = std::string(about_size, 'x');
    }
    ASSERT_TRUE(server_->streams()->hub().Publish(events).ok());
  }

  static v1::WatchJoinRequestsRequest Watch(const std::string& account) {
    v1::WatchJoinRequestsRequest request;
    request.set_account("accounts/" + account);
    return request;
  }

  mtproto::testing::RunningEmulator env_;
  std::shared_ptr<AccountRegistry> registry_;
  std::unique_ptr<InvitegateServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::InviteLinkService::Stub> links_;
  std::unique_ptr<v1::JoinRequestService::Stub> requests_;
};

bool HasCreatedFor(const std::vector<v1::JoinRequestEvent>& events, int64_t user) {
  for (const auto& e : events) {
    if (e.has_created() && e.created().join_request().user().id() == user) return true;
  }
  return false;
}

TEST_F(JoinStreamsTest, WatchFromNowSnapshotResumeFiltersStatsAndBotBacklog) {
  Start();
  if (HasFatalFailure()) return;
  const v1::InviteLink link = CreateRequestLink();
  WatchCollector live(requests_.get(), Watch("bot"));
  // Only the basic group: nothing of the supergroup may arrive; heartbeats do.
  v1::WatchJoinRequestsRequest other = Watch("bot");
  other.add_chats("accounts/bot/chats/-3000001");
  other.mutable_heartbeat_interval()->set_seconds(1);
  WatchCollector filtered(requests_.get(), other);
  // Alice (a user admin) hears pending counts; only those are asked for.
  v1::WatchJoinRequestsRequest counts = Watch("alice");
  counts.add_event_types(v1::JOIN_REQUEST_EVENT_TYPE_PENDING_COUNT_CHANGED);
  WatchCollector alice(requests_.get(), counts);
  ASSERT_TRUE(live.WaitReady() && filtered.WaitReady() && alice.WaitReady());

  Join("dave", link);
  ASSERT_TRUE(live.WaitFor([](const auto& e) { return HasCreatedFor(e, kDave); }));
  const v1::JoinRequestEvent created = live.events().back();
  EXPECT_GT(created.sequence(), 0);
  EXPECT_FALSE(created.resume_token().empty());
  EXPECT_EQ(created.account(), "accounts/bot");
  EXPECT_EQ(created.chat(), "accounts/bot/chats/-1000004000001");
  EXPECT_EQ(created.created().join_request().state(), v1::JOIN_REQUEST_STATE_PENDING);
  EXPECT_THAT(created.created().join_request().invite_link(),
              ::testing::EndsWith("/inviteLinks/" + link.name().substr(link.name().rfind('/') + 1)));

  ASSERT_TRUE(alice.WaitFor([](const auto& events) {
    for (const auto& e : events) {
      if (e.has_pending_count_changed() && e.pending_count_changed().pending_count() >= 1) {
        return true;
      }
    }
    return false;
  }));
  for (const auto& e : alice.events()) EXPECT_TRUE(e.has_pending_count_changed()) << e.DebugString();

  ASSERT_TRUE(filtered.WaitFor([](const auto& e) { return !e.empty() && e.back().has_heartbeat(); },
                               std::chrono::seconds(5)));
  for (const auto& e : filtered.events()) {
    EXPECT_TRUE(e.has_heartbeat()) << e.DebugString();
    EXPECT_FALSE(e.resume_token().empty());
  }

  // Snapshot: Dave's pending request, then the marker.
  v1::WatchJoinRequestsRequest snap = Watch("bot");
  snap.set_snapshot(true);
  WatchCollector snapshot(requests_.get(), snap);
  ASSERT_TRUE(snapshot.WaitFor([](const auto& e) {
    return !e.empty() && e.back().has_snapshot_complete();
  }));
  std::vector<v1::JoinRequestEvent> items = snapshot.events();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].snapshot().user().id(), kDave);
  EXPECT_EQ(items[0].sequence(), 0);

  // Resuming from the first event's token gives everything after it (not it again).
  v1::WatchJoinRequestsRequest resume = Watch("bot");
  resume.set_resume_token(live.events().front().resume_token());
  const size_t before = live.events().size();
  // Bot's ListJoinRequests from the ledger.
  v1::ListJoinRequestsRequest list;
  list.set_parent("accounts/bot/chats/invitegate_group");
  v1::ListJoinRequestsResponse pending;
  grpc::Status s = requests_->ListJoinRequests(Ctx().get(), list, &pending);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(pending.join_requests_size(), 1);
  EXPECT_EQ(pending.join_requests(0).user().id(), kDave);
  EXPECT_EQ(pending.total_size(), 1);

  v1::InviteLinkStats stats = Stats(link);
  EXPECT_EQ(stats.pending(), 1);
  EXPECT_EQ(stats.joined(), 0);

  // The bot declines: Telegram never tells bots, the service records it.
  v1::DeclineJoinRequestRequest decline;
  decline.set_name("accounts/bot/chats/invitegate_group/joinRequests/1000004");
  google::protobuf::Empty empty;
  s = requests_->DeclineJoinRequest(Ctx().get(), decline, &empty);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(live.WaitFor([](const auto& events) {
    for (const auto& e : events) {
      if (e.has_resolved()) return true;
    }
    return false;
  }));
  EXPECT_EQ(live.events().back().resolved().join_request().state(),
            v1::JOIN_REQUEST_STATE_DECLINED);
  stats = Stats(link);
  EXPECT_EQ(stats.pending(), 0);
  EXPECT_EQ(stats.declined(), 1);
  s = requests_->ListJoinRequests(Ctx().get(), list, &pending);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(pending.join_requests_size(), 0);

  // Dave asks again; Alice approves: the bot hears the approval (and the join).
  Join("dave", link);
  ASSERT_TRUE(live.WaitFor([](const auto& e) { return testing::CountCreated(e) >= 2; }));
  v1::ApproveJoinRequestRequest approve;
  approve.set_name("accounts/alice/chats/invitegate_group/joinRequests/1000004");
  s = requests_->ApproveJoinRequest(Ctx().get(), approve, &empty);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(live.WaitFor([](const auto& events) {
    return !events.empty() && events.back().has_resolved() &&
           events.back().resolved().join_request().state() == v1::JOIN_REQUEST_STATE_APPROVED;
  }));
  EXPECT_EQ(live.events().back().resolved().resolved_by_user_id(), 1000001);
  stats = Stats(link);
  EXPECT_EQ(stats.approved(), 1);
  EXPECT_EQ(stats.joined(), 1);
  EXPECT_EQ(stats.declined(), 1);
  v1::ListInviteLinkStatsRequest all;
  all.set_parent("accounts/bot/chats/invitegate_group");
  v1::ListInviteLinkStatsResponse listed;
  ASSERT_TRUE(requests_->ListInviteLinkStats(Ctx().get(), all, &listed).ok());
  ASSERT_EQ(listed.stats_size(), 1);
  EXPECT_EQ(listed.stats(0).approved(), 1);

  WatchCollector resumed(requests_.get(), resume);
  const size_t expected = live.events().size() - 1;
  ASSERT_TRUE(resumed.WaitFor([&](const auto& e) { return e.size() >= expected; }));
  std::vector<v1::JoinRequestEvent> again = resumed.events();
  std::vector<v1::JoinRequestEvent> original = live.events();
  for (size_t i = 0; i < expected; ++i) {
    EXPECT_EQ(again[i].sequence(), original[i + 1].sequence()) << i;
  }
  EXPECT_GE(original.size(), before);
}

TEST_F(JoinStreamsTest, ModerationByFilterWaitsOutFloodWait) {
  Start();
  if (HasFatalFailure()) return;
  SignInJoiner("eve", "9996641002");
  SignInJoiner("frank", "9996641003");
  if (HasFatalFailure()) return;
  const v1::InviteLink link = CreateRequestLink();
  for (const char* who : {"dave", "eve", "frank"}) Join(who, link);

  mtproto::emulator::Faults faults;
  faults.flood_wait.push_back({"messages.hideChatJoinRequest", 2, 1});
  env_.emulator().SetFaults(faults);
  v1::ModerateJoinRequestsRequest request;
  request.set_parent(kSupergroup);
  request.set_action(v1::MODERATION_ACTION_APPROVE);
  request.mutable_filter()->set_invite_link(link.url());
  request.mutable_filter()->set_max_count(2);
  auto ctx = Ctx();
  auto reader = requests_->ModerateJoinRequests(ctx.get(), request);
  std::vector<v1::ModerationProgress> progress;
  v1::ModerationProgress p;
  const auto started = std::chrono::steady_clock::now();
  while (reader->Read(&p)) progress.push_back(p);
  grpc::Status s = reader->Finish();
  env_.emulator().SetFaults({});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GE(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress[0].flood_wait().seconds(), 2);
  EXPECT_EQ(progress[1].handled().user().id(), kDave);  // oldest first
  EXPECT_EQ(progress[1].handled().state(), v1::JOIN_REQUEST_STATE_APPROVED);
  EXPECT_FALSE(progress[1].has_error());
  EXPECT_EQ(progress[2].done(), 2);
  EXPECT_EQ(progress[2].total(), 2);

  // Decline what is left by its "about" text (empty here: everything matches "").
  request.set_action(v1::MODERATION_ACTION_DECLINE);
  request.mutable_filter()->set_max_count(0);
  auto ctx2 = Ctx();
  auto reader2 = requests_->ModerateJoinRequests(ctx2.get(), request);
  progress.clear();
  while (reader2->Read(&p)) progress.push_back(p);
  ASSERT_TRUE(reader2->Finish().ok());
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].handled().state(), v1::JOIN_REQUEST_STATE_DECLINED);

  // The bot's ledger counted both approvals (it hears them) and its request count is 0... the
  // decline by Alice is not told to bots, so the bot's view keeps one pending: Alice's is exact.
  for (int i = 0; i < 100 && Stats(link).approved() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Stats(link).approved(), 2);
  EXPECT_EQ(Stats(link).joined(), 2);
}

TEST_F(JoinStreamsTest, FanOutSlowConsumerAndResumeWithoutLoss) {
  StreamsOptions options;
  options.subscriber_queue = 16;
  Start(options);
  if (HasFatalFailure()) return;
  std::vector<std::unique_ptr<WatchCollector>> many;
  for (int i = 0; i < 5; ++i) many.push_back(std::make_unique<WatchCollector>(requests_.get(), Watch("bob")));
  WatchCollector slow(requests_.get(), Watch("bob"), /*pause_after=*/1);
  for (auto& c : many) ASSERT_TRUE(c->WaitReady());
  ASSERT_TRUE(slow.WaitReady());
  constexpr int kEvents = 3000;
  constexpr int kBurst = 10;  // within the fast subscribers' queue (16): they keep up
  for (int i = 0; i < kEvents; i += kBurst) {
    // Large events: the slow client's HTTP/2 windows (grown by BDP probing) must fill up before
    // the server's queue for it does.
    Publish("bob", kBurst, 5000000 + i, 8000);
    if (HasFatalFailure()) return;
    for (auto& c : many) {
      ASSERT_TRUE(c->WaitFor([&](const auto& e) { return static_cast<int>(e.size()) >= i + kBurst; }))
          << "a fast subscriber fell behind: " << c->status().error_message();
    }
  }
  for (auto& c : many) {
    std::vector<v1::JoinRequestEvent> events = c->events();
    ASSERT_EQ(static_cast<int>(events.size()), kEvents);
    for (int i = 1; i < kEvents; ++i) ASSERT_EQ(events[i].sequence(), events[i - 1].sequence() + 1);
  }
  slow.Resume();
  ASSERT_TRUE(slow.WaitDone());
  grpc::Status cut = slow.status();
  ASSERT_EQ(cut.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << cut.error_message();
  google::rpc::ErrorInfo info = ErrorInfoOf(cut);
  EXPECT_EQ(info.reason(), "SLOW_CONSUMER");
  ASSERT_TRUE(info.metadata().contains("resume_token"));
  std::vector<v1::JoinRequestEvent> got = slow.events();
  ASSERT_LT(static_cast<int>(got.size()), kEvents);
  v1::WatchJoinRequestsRequest resume = Watch("bob");
  resume.set_resume_token(info.metadata().at("resume_token"));
  WatchCollector rest(requests_.get(), resume);
  const size_t need = kEvents - got.size();
  ASSERT_TRUE(rest.WaitFor([&](const auto& e) { return e.size() >= need; }));
  for (const auto& e : rest.events()) got.push_back(e);
  ASSERT_EQ(static_cast<int>(got.size()), kEvents);
  for (int i = 1; i < kEvents; ++i) ASSERT_EQ(got[i].sequence(), got[i - 1].sequence() + 1) << i;
}

// A stream that asks for no heartbeat interval gets the server's (config
// stream.heartbeat_interval), not a fixed one.
TEST_F(JoinStreamsTest, HeartbeatDefaultsToTheServersSetting) {
  StreamsOptions options;
  options.default_heartbeat = absl::Seconds(1);
  Start(options);
  if (HasFatalFailure()) return;
  WatchCollector quiet(requests_.get(), Watch("bob"));
  ASSERT_TRUE(quiet.WaitReady());
  EXPECT_TRUE(quiet.WaitFor(
      [](const auto& e) {
        int heartbeats = 0;
        for (const auto& event : e) heartbeats += event.has_heartbeat();
        return heartbeats >= 2;
      },
      std::chrono::seconds(6)));
}

TEST_F(JoinStreamsTest, TokensMalformedExpiredAndShutdown) {
  Start();
  if (HasFatalFailure()) return;
  v1::WatchJoinRequestsRequest bad = Watch("bob");
  bad.set_resume_token("not-a-token");
  WatchCollector malformed(requests_.get(), bad);
  ASSERT_TRUE(malformed.WaitDone());
  EXPECT_EQ(malformed.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  WatchCollector first(requests_.get(), Watch("bob"));
  ASSERT_TRUE(first.WaitReady());
  Publish("bob", 5);
  ASSERT_TRUE(first.WaitFor([](const auto& e) { return e.size() >= 5; }));
  auto compacted = server_->streams()->ledger().Compact({.max_events = 2}, absl::Now());
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  v1::WatchJoinRequestsRequest old = Watch("bob");
  old.set_resume_token(first.events().front().resume_token());
  WatchCollector expired(requests_.get(), old);
  ASSERT_TRUE(expired.WaitDone());
  EXPECT_EQ(expired.status().error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << expired.status().error_message();
  EXPECT_EQ(ErrorInfoOf(expired.status()).reason(), "RESUME_POSITION_UNAVAILABLE");

  // Shutdown ends live streams with UNAVAILABLE naming the token to resume from.
  server_->Shutdown(std::chrono::seconds(2));
  ASSERT_TRUE(first.WaitDone());
  EXPECT_EQ(first.status().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ErrorInfoOf(first.status()).metadata().contains("resume_token"));
}

}  // namespace
}  // namespace invitegate::service

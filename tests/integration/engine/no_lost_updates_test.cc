// The no-lost-updates test of issue 5 with real joins: test users ask to join the sample chats
// through request-needed links (InviteApi::JoinByLink from their own engines), the watched admin
// declines or approves each request as its event arrives (approved users leave and ask again),
// while the admin's connection is cut at random moments (a loopback proxy between its engine and
// the emulator, sometimes with the emulator's drop fault on the reconnect) and its engine is
// restarted at random moments. The admin's raw event stream — every delivery, acknowledged with
// AckJoinEvents, deduplicated by nothing — must equal the emulator's record exactly. Run for a bot
// admin (updateBotChatInviteRequester, updateChannelParticipant / updateChatParticipant) and for
// a user admin (updatePendingJoinRequests turned into requests by diffing pending importers).
// The emulator's record: the bot's secondary box (qts) in the emulator's update log, which names
// every request (the bot is an inviting admin of every sample chat) and every approval.
//
// Also: the engine's peer cache is fed from updates, so a bot approves a requester by numeric id
// right after updateBotChatInviteRequester, pushed or fetched with getDifference.
//
// INVITEGATE_NO_LOST_UPDATES_JOINS sets the join requests per admin kind (default 800: both
// runs together stay well under a minute).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "mtproto/emulator/chat_state.h"
#include "mtproto/emulator/faults.h"
#include "mtproto/emulator/server.h"
#include "mtproto/emulator/update_hub.h"
#include "mtproto/engine/invites.h"
#include "mtproto/engine/peers.h"
#include "tests/integration/engine/signed_in_engine.h"
#include "tests/integration/running_emulator.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::kBotId;

// The sample chats, as Bot API ids (what JoinEvent::chat_id carries).
constexpr int64_t kGroupId = 3000001;
constexpr int64_t kSupergroupId = 4000001;
constexpr int64_t kChannelId = 4000002;
const int64_t kChats[] = {BasicChatId(kGroupId), ChannelChatId(kSupergroupId),
                          ChannelChatId(kChannelId)};
constexpr int kChatCount = 3;

Deadline Soon() { return In(seconds(10)); }

std::string ErrorName(const absl::Status& status) {
  std::optional<RpcError> error = GetRpcError(status);
  return error ? error->name : "";
}

// A loopback TCP proxy in front of one emulator port: DropAll cuts every connection through it
// at once, which is how the admin's connection is dropped at a random moment without touching
// the other accounts' connections.
class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : target_port_(target_port) {}
  ~TcpProxy() {
    stopping_ = true;
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    DropAll();
    std::vector<std::thread> pumps;
    {
      std::lock_guard lock(mu_);
      pumps.swap(pumps_);
    }
    for (std::thread& t : pumps) t.join();
  }

  [[nodiscard]] absl::Status Start() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return absl::InternalError("proxy: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
    return absl::OkStatus();
  }
  int port() const { return port_; }

  // Cuts every connection open now (the client sees a reset or EOF and reconnects).
  void DropAll() {
    std::lock_guard lock(mu_);
    for (const auto& link : links_) {
      ::shutdown(link->client, SHUT_RDWR);
      ::shutdown(link->server, SHUT_RDWR);
    }
  }

 private:
  struct Link {
    int client = -1;
    int server = -1;
    std::atomic<int> ended{0};
  };

  void Accept() {
    while (!stopping_) {
      const int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) return;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(target_port_));
      if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(client);
        if (server >= 0) ::close(server);
        continue;
      }
      auto link = std::make_shared<Link>();
      link->client = client;
      link->server = server;
      std::lock_guard lock(mu_);
      links_.push_back(link);
      pumps_.emplace_back([this, link] { Pump(link, link->client, link->server); });
      pumps_.emplace_back([this, link] { Pump(link, link->server, link->client); });
    }
  }

  void Pump(const std::shared_ptr<Link>& link, int from, int to) {
    char buffer[16384];
    while (true) {
      const ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      ssize_t sent = 0;
      while (sent < n) {
        const ssize_t w = ::send(to, buffer + sent, n - sent, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += w;
      }
      if (sent < n) break;
    }
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
    if (link->ended.fetch_add(1) == 1) {
      std::lock_guard lock(mu_);
      links_.erase(std::remove(links_.begin(), links_.end(), link), links_.end());
      ::close(link->client);
      ::close(link->server);
    }
  }

  const int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Link>> links_;
  std::vector<std::thread> pumps_;
};

// One event as compared: kind, chat, user, the request's date, the approving admin.
using EventKey = std::tuple<JoinEvent::Kind, int64_t, int64_t, int32_t, int64_t>;

std::string Describe(const EventKey& e) {
  return absl::StrFormat("%s chat %d user %d date %d by %d",
                         JoinEventKindName(std::get<0>(e)), std::get<1>(e), std::get<2>(e),
                         std::get<3>(e), std::get<4>(e));
}

// The subscriber: records every delivery, hands new requests to the approver, then acknowledges
// (what a subscriber writing to a durable ledger does).
class Ledger {
 public:
  void Attach(Engine& engine) {
    engine.SubscribeJoinEvents([this, &engine](JoinEventBatch batch) {
      {
        std::lock_guard lock(mu_);
        for (JoinEvent& event : batch.events) {
          if (event.kind == JoinEvent::Kind::kRequestCreated) requests_.push_back(event);
          events_.push_back(std::move(event));
        }
      }
      cv_.notify_all();
      engine.AckJoinEvents(batch.id);
    });
  }
  // The next request to settle (nullopt after `timeout`).
  std::optional<JoinEvent> NextRequest(milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !requests_.empty(); })) return std::nullopt;
    JoinEvent event = std::move(requests_.front());
    requests_.pop_front();
    return event;
  }
  // Puts back a request whose settling failed (the engine restarted meanwhile).
  void Retry(JoinEvent event) {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  std::vector<JoinEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t count(JoinEvent::Kind kind) {
    std::lock_guard lock(mu_);
    return std::count_if(events_.begin(), events_.end(),
                         [kind](const JoinEvent& e) { return e.kind == kind; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<JoinEvent> events_;
  std::deque<JoinEvent> requests_;
};

// Where one joiner stands with one chat (the pacing of the joiners; the truth is the emulator's).
struct PairState {
  bool busy = false;        // a joiner thread is calling for it
  bool pending = false;     // asked (or maybe asked) and not settled yet
  bool cut_off = false;     // the last ask got no answer: perhaps no request was made
  int64_t asked_at = 0;     // unix second of the last ask
  bool must_leave = false;  // approved: it leaves before asking again
};

// An ask whose answer was lost may or may not have made a request: after this long without the
// approver settling it, the joiner asks again (a request still pending is not made twice). An
// ask that was answered is never repeated while pending: the emulator would answer
// INVITE_REQUEST_SENT without a new request, and the count of requests would be off by one
// whenever the approver is slow (a loaded machine).
constexpr int64_t kReaskSeconds = 5;

class NoLostUpdatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Start("invitegate-no-lost-updates").ok());
    absl::StatusOr<TelegramEndpoints> direct = testing::EngineEndpoints(env_.endpoints());
    ASSERT_TRUE(direct.ok()) << direct.status();
    endpoints_ = *direct;
    // The watched admin reaches every DC through a proxy.
    std::map<int, int> proxied;
    for (const emulator::DcEndpoint& dc : env_.endpoints().dcs) {
      auto proxy = std::make_unique<TcpProxy>(dc.port);
      ASSERT_TRUE(proxy->Start().ok());
      proxied[dc.id] = proxy->port();
      proxies_.push_back(std::move(proxy));
    }
    absl::StatusOr<TelegramEndpoints> via_proxy =
        testing::EngineEndpoints(env_.endpoints(), proxied);
    ASSERT_TRUE(via_proxy.ok()) << via_proxy.status();
    admin_endpoints_ = *via_proxy;
  }
  void TearDown() override {
    StopAdmin();
    joiners_.clear();
  }

  EngineOptions Options(const std::string& name, const TelegramEndpoints& endpoints) {
    EngineOptions options = testing::BaseOptions(endpoints, env_.dir() / (name + ".db"));
    options.device_model = "no-lost-updates test";
    options.reconnect.max_backoff = milliseconds(100);
    options.update_hold = milliseconds(200);
    options.fetch_retry = milliseconds(100);
    // The periodic resync is part of the design (updates without pts can vanish without a gap);
    // short here so that the drain below does not wait for the default 15 minutes.
    options.resync_interval = seconds(3);
    return options;
  }

  // --- The watched admin: its engine (restartable) and an InviteApi on it.
  void StartAdmin() {
    std::unique_lock lock(admin_mu_);
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        testing::StartEngine(Options("admin", admin_endpoints_));
    ASSERT_TRUE(engine.ok()) << engine.status();
    admin_ = std::move(*engine);
    if (!admin_->IsSignedIn()) {
      if (admin_is_bot_) {
        ASSERT_TRUE(testing::SignInBot(*admin_).ok());
      } else {
        ASSERT_TRUE(testing::SignInUser(*admin_, testing::kAlice).ok());
      }
    }
    admin_invites_ = std::make_unique<InviteApi>(*admin_);
    ledger_.Attach(*admin_);
  }
  void StopAdmin() {
    std::unique_lock lock(admin_mu_);
    admin_invites_.reset();
    admin_.reset();  // at whatever point it is: batches in flight, fetches half done
  }
  // A fresh account's updates start where updates.getState finds them.
  void WaitForUpdateState() {
    const auto until = std::chrono::steady_clock::now() + seconds(30);
    while (admin_->update_stats().differences == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    ASSERT_GT(admin_->update_stats().differences, 0);
  }

  // --- The joiners, signed in in parallel.
  void StartJoiners(int count) {
    joiners_.resize(count);
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < count; i += 4) {
          const std::string phone = testing::JoinerPhone(i);
          auto engine = testing::SignedInEngine(Options("joiner" + std::to_string(i), endpoints_),
                                                testing::TestAccount{phone.c_str(), "44444"});
          if (!engine.ok()) {
            std::fprintf(stderr, "joiner %d: %s\n", i, engine.status().ToString().c_str());
            ++failed;
            continue;
          }
          joiners_[i].engine = std::move(*engine);
          joiners_[i].invites = std::make_unique<InviteApi>(*joiners_[i].engine);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    ASSERT_EQ(failed, 0);
  }

  // One request-needed link per sample chat, made by Alice.
  void CreateLinks() {
    auto alice = testing::SignedInEngine(Options("alice-links", endpoints_), testing::kAlice);
    ASSERT_TRUE(alice.ok()) << alice.status();
    InviteApi invites(**alice);
    for (int c = 0; c < kChatCount; ++c) {
      CreateLinkOptions options;
      options.request_needed = true;
      options.title = absl::StrFormat("no lost updates %d", c);
      absl::StatusOr<InviteLink> link = invites.CreateLink(std::to_string(kChats[c]), options, Soon());
      ASSERT_TRUE(link.ok()) << link.status();
      links_[c] = link->link;
    }
  }

  // Leaves chat `c` (after an approval).
  absl::Status Leave(Engine& engine, int c) {
    if (c == 0) {
      api::messages_deleteChatUser call;
      call.chat_id = kGroupId;
      call.user_id = std::make_unique<api::inputUserSelf>();
      return engine.InvokeSync(call, Soon()).status();
    }
    std::optional<PeerRecord> channel = engine.peer_cache().Find(PeerKind::kChannel, c == 1 ? kSupergroupId : kChannelId);
    if (!channel) return absl::NotFoundError("the joiner has not seen the channel");
    api::channels_leaveChannel call;
    auto input = std::make_unique<api::inputChannel>();
    input->channel_id = channel->id;
    input->access_hash = channel->access_hash;
    call.channel = std::move(input);
    return engine.InvokeSync(call, Soon()).status();
  }

  // The joiners' side: ask, wait for the admin, leave when approved, ask again — until `total`
  // requests were made.
  void RunJoiners(int total, std::atomic<bool>& stop) {
    std::vector<std::thread> threads;
    const int count = static_cast<int>(joiners_.size());
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        while (!stop) {
          bool idle = true;
          for (int j = t; j < count && !stop; j += 4) {
            for (int c = 0; c < kChatCount && !stop; ++c) {
              bool leave = false;
              {
                std::lock_guard lock(pairs_mu_);
                PairState& s = pairs_[{j, c}];
                const int64_t now = std::time(nullptr);
                // A new request only in a later second than the last: a request made again
                // must carry a new date to show as a new one in a user admin's diff.
                if (s.busy || now <= s.asked_at) continue;
                if (s.pending && !(s.cut_off && now >= s.asked_at + kReaskSeconds)) continue;
                if (!s.must_leave && requested_ >= total) continue;
                s.busy = true;
                leave = s.must_leave;
                if (!leave) {
                  s.pending = true;  // before asking: the approver may settle it before we hear
                  s.asked_at = now;
                }
              }
              idle = false;
              Joiner& joiner = joiners_[j];
              if (leave) {
                const absl::Status left = Leave(*joiner.engine, c);
                std::lock_guard lock(pairs_mu_);
                PairState& s = pairs_[{j, c}];
                s.busy = false;
                if (left.ok() || ErrorName(left) == "USER_NOT_PARTICIPANT") s.must_leave = false;
                continue;
              }
              absl::StatusOr<JoinOutcome> outcome = joiner.invites->JoinByLink(links_[c], Soon());
              std::lock_guard lock(pairs_mu_);
              PairState& s = pairs_[{j, c}];
              s.busy = false;
              s.asked_at = std::max<int64_t>(s.asked_at, std::time(nullptr));
              s.cut_off = false;
              if (outcome.ok() && outcome->kind == JoinOutcome::Kind::kPendingApproval) {
                ++requested_;
              } else if (ErrorName(outcome.status()) == "USER_ALREADY_PARTICIPANT") {
                s.pending = false;
                s.must_leave = true;
              } else if (GetRpcError(outcome.status())) {
                s.pending = false;  // refused: no request
              } else {
                ++ambiguous_;  // cut off: perhaps a request, perhaps not (re-asked later)
                s.cut_off = true;
              }
            }
          }
          if (idle) std::this_thread::sleep_for(milliseconds(20));
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }

  // The approver: settles each request as its event arrives, through the admin's own engine —
  // by numeric ids, which only the peer cache fed from updates (or importers) can resolve.
  void RunApprover(std::atomic<bool>& stop) {
    std::mt19937 rng(11);
    while (!stop) {
      std::optional<JoinEvent> request = ledger_.NextRequest(milliseconds(50));
      if (!request) continue;
      const bool approve = rng() % 3 == 0;
      absl::Status status;
      {
        std::shared_lock lock(admin_mu_);
        if (admin_invites_ == nullptr) {
          status = absl::UnavailableError("restarting");
        } else if (approve) {
          status = admin_invites_->ApproveRequest(std::to_string(request->chat_id),
                                                  std::to_string(request->user_id), Soon());
        } else {
          status = admin_invites_->DeclineRequest(std::to_string(request->chat_id),
                                                  std::to_string(request->user_id), Soon());
        }
      }
      const std::string error = ErrorName(status);
      // HIDE_REQUESTER_MISSING: an earlier try went through before its answer was lost.
      if (!status.ok() && error != "HIDE_REQUESTER_MISSING" && error != "USER_ALREADY_PARTICIPANT") {
        if (!GetRpcError(status)) {
          ledger_.Retry(*std::move(request));  // the engine restarted or the call was cut
          continue;
        }
        ADD_FAILURE() << "settling " << request->user_id << " in " << request->chat_id << ": "
                      << status;
      }
      ++settled_;
      const int j = static_cast<int>(request->user_id - testing::JoinerId(0));
      const int c = static_cast<int>(std::find(std::begin(kChats), std::end(kChats),
                                               request->chat_id) - std::begin(kChats));
      std::lock_guard lock(pairs_mu_);
      PairState& s = pairs_[{j, c}];
      s.pending = false;
      if (status.ok() && approve) s.must_leave = true;
    }
  }

  // The requests still pending in the emulator, over all sample chats.
  size_t PendingInEmulator() {
    size_t pending = 0;
    env_.emulator().RunOnServer([&](emulator::EmulatorEnv& env) {
      for (int64_t id : {kGroupId, kSupergroupId, kChannelId}) {
        pending += env.chats->RequestsOf(id).size();
      }
    });
    return pending;
  }

  // The emulator's record: the bot's secondary box, in order, as the events Telegram's
  // semantics give (a request; an approval through an invite by an admin).
  std::vector<EventKey> EmulatorRecord() {
    std::vector<EventKey> record;
    env_.emulator().RunOnServer([&](emulator::EmulatorEnv& env) {
      auto state = env.updates->State(kBotId);
      ASSERT_TRUE(state.ok()) << state.status();
      api::updates_getDifference request;
      request.pts = (*state)->pts;
      request.qts = 0;
      request.date = (*state)->date;
      while (true) {
        auto difference = env.updates->Difference(kBotId, request);
        ASSERT_TRUE(difference.ok()) << difference.status();
        const std::vector<tl::ObjectPtr<api::Update>>* updates = nullptr;
        const api::updates_state* next = nullptr;
        if (const auto* d = dynamic_cast<const api::updates_difference*>(difference->get())) {
          updates = &d->other_updates;
        } else if (const auto* s =
                       dynamic_cast<const api::updates_differenceSlice*>(difference->get())) {
          updates = &s->other_updates;
          next = dynamic_cast<const api::updates_state*>(s->intermediate_state.get());
        } else {
          ASSERT_NE(dynamic_cast<const api::updates_differenceEmpty*>(difference->get()), nullptr)
              << "the bot's log does not reach back to its first update";
        }
        static const std::vector<tl::ObjectPtr<api::Update>> kNone;
        for (const auto& u : updates ? *updates : kNone) {
          if (const auto* r = dynamic_cast<const api::updateBotChatInviteRequester*>(u.get())) {
            int64_t chat = 0;
            if (const auto* p = dynamic_cast<const api::peerChannel*>(r->peer.get())) {
              chat = ChannelChatId(p->channel_id);
            } else if (const auto* p = dynamic_cast<const api::peerChat*>(r->peer.get())) {
              chat = BasicChatId(p->chat_id);
            }
            record.emplace_back(JoinEvent::Kind::kRequestCreated, chat, r->user_id, r->date, 0);
          } else if (const auto* p = dynamic_cast<const api::updateChannelParticipant*>(u.get())) {
            if (p->invite && p->new_participant && !p->prev_participant && p->actor_id != p->user_id) {
              record.emplace_back(JoinEvent::Kind::kRequestResolved, ChannelChatId(p->channel_id),
                                  p->user_id, p->date, p->actor_id);
            }
          } else if (const auto* p = dynamic_cast<const api::updateChatParticipant*>(u.get())) {
            if (p->invite && p->new_participant && !p->prev_participant && p->actor_id != p->user_id) {
              record.emplace_back(JoinEvent::Kind::kRequestResolved, BasicChatId(p->chat_id),
                                  p->user_id, p->date, p->actor_id);
            }
          }
        }
        if (next == nullptr) break;
        request.pts = next->pts;
        request.qts = next->qts;
        request.date = next->date;
      }
    });
    return record;
  }

  // The whole run for the admin kind set in admin_is_bot_; returns the admin's event stream.
  void RunNoLostUpdates() {
    int total = 800;
    if (const char* env = std::getenv("INVITEGATE_NO_LOST_UPDATES_JOINS")) total = std::atoi(env);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(CreateLinks());
    ASSERT_NO_FATAL_FAILURE(StartJoiners(testing::kJoiners));
    ASSERT_NO_FATAL_FAILURE(StartAdmin());
    ASSERT_NO_FATAL_FAILURE(WaitForUpdateState());
    const auto ready = std::chrono::steady_clock::now();

    std::atomic<bool> stop_joiners{false};
    std::atomic<bool> stop_approver{false};
    std::thread approver([&] { RunApprover(stop_approver); });
    std::thread joiners([&] { RunJoiners(total, stop_joiners); });

    std::mt19937 rng(7);
    int restarts = 0, drops = 0, faulted = 0;
    auto done = [&] {
      std::lock_guard lock(pairs_mu_);
      return requested_ >= total;
    };
    const auto deadline = std::chrono::steady_clock::now() + seconds(120);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(100 + rng() % 400));
      const uint32_t dice = rng() % 10;
      if (dice < 4) {
        for (auto& proxy : proxies_) proxy->DropAll();
        ++drops;
      } else if (dice < 7) {
        StopAdmin();
        // Now and then the restarted engine's new connection is cut again by the emulator
        // (after a few messages: mid-handshake or mid-difference).
        const bool fault = dice == 6;
        if (fault) {
          emulator::Faults faults;
          faults.drop_after_messages = 2 + static_cast<int>(rng() % 6);
          env_.emulator().SetFaults(faults);
          ++faulted;
        }
        ASSERT_NO_FATAL_FAILURE(StartAdmin());
        if (fault) {
          std::this_thread::sleep_for(milliseconds(50));
          env_.emulator().SetFaults({});
        }
        ++restarts;
      }
    }
    stop_joiners = true;
    joiners.join();
    // What is still pending gets settled with the faults over.
    const auto drain_until = std::chrono::steady_clock::now() + seconds(60);
    while (PendingInEmulator() > 0 && std::chrono::steady_clock::now() < drain_until) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_EQ(PendingInEmulator(), 0u) << "requests never settled: their events never arrived";
    // The last resolutions reach a user admin only with its next fetch.
    const std::vector<EventKey> record = EmulatorRecord();
    const size_t requests = std::count_if(record.begin(), record.end(), [](const EventKey& e) {
      return std::get<0>(e) == JoinEvent::Kind::kRequestCreated;
    });
    const auto settle_until = std::chrono::steady_clock::now() + seconds(30);
    while (std::chrono::steady_clock::now() < settle_until &&
           ledger_.count(JoinEvent::Kind::kRequestResolved) <
               (admin_is_bot_ ? record.size() - requests : requests)) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    std::this_thread::sleep_for(milliseconds(300));  // anything extra would show up by now
    stop_approver = true;
    approver.join();

    const std::vector<JoinEvent> events = ledger_.events();
    std::vector<EventKey> created, resolved, stream;
    for (const JoinEvent& e : events) {
      if (e.kind == JoinEvent::Kind::kPendingCountChanged) continue;
      const EventKey key{e.kind, e.chat_id, e.user_id,
                         e.kind == JoinEvent::Kind::kRequestCreated || !admin_is_bot_
                             ? e.request_date
                             : e.date,
                         admin_is_bot_ ? e.by_user_id : 0};
      stream.push_back(key);
      (e.kind == JoinEvent::Kind::kRequestCreated ? created : resolved).push_back(key);
    }
    {
      std::lock_guard lock(pairs_mu_);
      // Every acknowledged ask made a request; an ask cut off may have made one more.
      EXPECT_GE(static_cast<int>(requests) + ambiguous_, requested_);
      EXPECT_LE(static_cast<int>(requests), requested_ + ambiguous_);
    }
    if (admin_is_bot_) {
      // Everything the bot's box holds, in its order, once.
      EXPECT_EQ(stream.size(), record.size());
      for (size_t i = 0; i < std::min(stream.size(), record.size()); ++i) {
        if (stream[i] != record[i]) {
          ADD_FAILURE() << "first difference at " << i << ": got " << Describe(stream[i])
                        << ", the emulator has " << Describe(record[i]);
          break;
        }
      }
    } else {
      // A user admin learns requests by diffing pending importers: every request once as
      // created, and once as resolved (approved or declined: a diff cannot tell), keyed by
      // the request's date.
      std::vector<EventKey> expected;
      for (const EventKey& e : record) {
        if (std::get<0>(e) == JoinEvent::Kind::kRequestCreated) expected.push_back(e);
      }
      std::vector<EventKey> expected_resolved;
      for (EventKey e : expected) {
        std::get<0>(e) = JoinEvent::Kind::kRequestResolved;
        expected_resolved.push_back(e);
      }
      std::sort(expected.begin(), expected.end());
      std::sort(expected_resolved.begin(), expected_resolved.end());
      std::sort(created.begin(), created.end());
      std::sort(resolved.begin(), resolved.end());
      EXPECT_EQ(created.size(), expected.size());
      EXPECT_EQ(resolved.size(), expected_resolved.size());
      EXPECT_TRUE(created == expected) << "created events differ from the emulator's requests";
      EXPECT_TRUE(resolved == expected_resolved) << "resolved events differ";
      if (created != expected) {
        std::vector<EventKey> missing, extra;
        std::set_difference(expected.begin(), expected.end(), created.begin(), created.end(),
                            std::back_inserter(missing));
        std::set_difference(created.begin(), created.end(), expected.begin(), expected.end(),
                            std::back_inserter(extra));
        for (size_t i = 0; i < missing.size() && i < 5; ++i) {
          ADD_FAILURE() << "missing " << Describe(missing[i]);
        }
        for (size_t i = 0; i < extra.size() && i < 5; ++i) {
          ADD_FAILURE() << "extra " << Describe(extra[i]);
        }
      }
    }
    const UpdateStats stats = admin_->update_stats();
    std::printf(
        "no-lost-updates (%s admin): %zu requests, %zu approvals, %zu events delivered; "
        "%d engine restarts (%d with the emulator's drop fault), %d connection drops; last "
        "engine: %lld differences, %lld importer fetches; %.1f s (+%.1f s setup)\n",
        admin_is_bot_ ? "bot" : "user", requests,
        admin_is_bot_ ? record.size() - requests : size_t{0}, events.size(), restarts, faulted,
        drops, static_cast<long long>(stats.differences),
        static_cast<long long>(stats.importer_fetches),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ready).count(),
        std::chrono::duration<double>(ready - start).count());
  }

  struct Joiner {
    std::unique_ptr<Engine> engine;
    std::unique_ptr<InviteApi> invites;  // destroyed before the engine it uses
  };

  mtproto::testing::RunningEmulator env_;
  TelegramEndpoints endpoints_;
  TelegramEndpoints admin_endpoints_;
  std::vector<std::unique_ptr<TcpProxy>> proxies_;
  std::string links_[kChatCount];
  std::vector<Joiner> joiners_;

  bool admin_is_bot_ = true;
  std::shared_mutex admin_mu_;  // restarts exclusive, the approver's calls shared
  std::unique_ptr<Engine> admin_;
  std::unique_ptr<InviteApi> admin_invites_;
  Ledger ledger_;

  std::mutex pairs_mu_;
  std::map<std::pair<int, int>, PairState> pairs_;  // (joiner, chat)
  int requested_ = 0;                               // under pairs_mu_
  int ambiguous_ = 0;                               // under pairs_mu_
  std::atomic<int> settled_{0};
};

TEST_F(NoLostUpdatesTest, BotAdmin) {
  admin_is_bot_ = true;
  RunNoLostUpdates();
}

TEST_F(NoLostUpdatesTest, UserAdmin) {
  admin_is_bot_ = false;
  RunNoLostUpdates();
}

// The peer cache is fed from updates: a bot approves a requester — in a private channel it has
// never resolved — by numeric ids right after the request's event, whether the update was pushed
// or fetched with getDifference after a restart. (The bot cannot read dialogs, so an id the cache
// lacks would be NOT_FOUND.)
TEST_F(NoLostUpdatesTest, BotApprovesByIdRightAfterTheRequest) {
  ASSERT_NO_FATAL_FAILURE(CreateLinks());
  ASSERT_NO_FATAL_FAILURE(StartJoiners(2));
  admin_is_bot_ = true;
  ASSERT_NO_FATAL_FAILURE(StartAdmin());
  ASSERT_NO_FATAL_FAILURE(WaitForUpdateState());
  const std::string channel = std::to_string(ChannelChatId(kChannelId));
  EXPECT_FALSE(admin_->peer_cache().Find(PeerKind::kChannel, kChannelId).has_value());

  // Pushed.
  absl::StatusOr<JoinOutcome> asked = joiners_[0].invites->JoinByLink(links_[2], Soon());
  ASSERT_TRUE(asked.ok()) << asked.status();
  std::optional<JoinEvent> request = ledger_.NextRequest(milliseconds(20000));
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->user_id, testing::JoinerId(0));
  EXPECT_EQ(request->chat_id, ChannelChatId(kChannelId));
  std::optional<PeerRecord> user = admin_->peer_cache().Find(PeerKind::kUser, request->user_id);
  ASSERT_TRUE(user.has_value());
  EXPECT_NE(user->access_hash, 0);
  EXPECT_TRUE(admin_invites_->ApproveRequest(channel, std::to_string(request->user_id), Soon()).ok());

  // Fetched: the request is made while the bot's engine is down, with a fresh store.
  StopAdmin();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(env_.dir() / (std::string("admin.db") + suffix));
  }
  ASSERT_NO_FATAL_FAILURE(StartAdmin());
  ASSERT_NO_FATAL_FAILURE(WaitForUpdateState());
  StopAdmin();
  asked = joiners_[1].invites->JoinByLink(links_[2], Soon());
  ASSERT_TRUE(asked.ok()) << asked.status();
  ASSERT_NO_FATAL_FAILURE(StartAdmin());
  request = ledger_.NextRequest(milliseconds(20000));
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->user_id, testing::JoinerId(1));
  EXPECT_GE(admin_->update_stats().differences, 1);
  absl::Status declined =
      admin_invites_->DeclineRequest(channel, std::to_string(request->user_id), Soon());
  EXPECT_TRUE(declined.ok()) << declined;
  // The InviteApi and the engine share one cache: what one learns, the other finds.
  PeerCache other(admin_->session_store());
  EXPECT_TRUE(other.Find(PeerKind::kChannel, kChannelId).has_value());
}

// Leaving: an approved user leaves (channels.leaveChannel / messages.deleteChatUser) and may ask
// again; the errors for not being in the chat and for the creator.
TEST_F(NoLostUpdatesTest, LeaveAndAskAgain) {
  ASSERT_NO_FATAL_FAILURE(CreateLinks());
  ASSERT_NO_FATAL_FAILURE(StartJoiners(1));
  auto alice = testing::SignedInEngine(Options("alice", endpoints_), testing::kAlice);
  ASSERT_TRUE(alice.ok()) << alice.status();
  InviteApi admin(**alice);
  Engine& dave = *joiners_[0].engine;
  for (int c = 0; c < kChatCount; ++c) {
    SCOPED_TRACE(c);
    absl::StatusOr<JoinOutcome> asked = joiners_[0].invites->JoinByLink(links_[c], Soon());
    ASSERT_TRUE(asked.ok()) << asked.status();
    ASSERT_TRUE(admin.ApproveRequest(std::to_string(kChats[c]), std::to_string(testing::JoinerId(0)),
                                     Soon())
                    .ok());
    // The chat reaches Dave's peer cache with the pushed updateChannel of the approval.
    absl::Status left = Leave(dave, c);
    for (int i = 0; i < 100 && left.code() == absl::StatusCode::kNotFound; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
      left = Leave(dave, c);
    }
    ASSERT_TRUE(left.ok()) << left;
    EXPECT_EQ(ErrorName(Leave(dave, c)), "USER_NOT_PARTICIPANT");
    asked = joiners_[0].invites->JoinByLink(links_[c], Soon());
    ASSERT_TRUE(asked.ok()) << asked.status();
    EXPECT_EQ(asked->kind, JoinOutcome::Kind::kPendingApproval);
  }
  // The creator cannot leave.
  EXPECT_EQ(ErrorName(Leave(**alice, 0)), "USER_CREATOR");
  EXPECT_EQ(ErrorName(Leave(**alice, 1)), "USER_CREATOR");
}

}  // namespace
}  // namespace mtproto::engine

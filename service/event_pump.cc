// See event_pump.h.
#include "service/event_pump.h"

#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mtproto/engine/invite_link.h"
#include "mtproto/engine/invites.h"
#include "mtproto/engine/peers.h"
#include "service/ledger/sqlite_ledger.h"
#include "service/metrics/metrics.h"

namespace invitegate::service {

namespace engine = mtproto::engine;
using ledger::Event;
using ledger::EventType;

namespace {

// A decision older than this is forgotten: the engine reports vanished requests within seconds.
constexpr absl::Duration kIntentLifetime = absl::Minutes(10);

// The ledger keeps invite hashes, the form resource names and filters use.
std::string LinkHash(const std::string& link) {
  if (link.empty()) return "";
  std::optional<std::string> hash = engine::ParseInviteLink(link);
  return hash.value_or(link);
}

}  // namespace

// ---- DecisionBook ----------------------------------------------------------------------------

void DecisionBook::Intend(const std::string& account, int64_t chat_id, int64_t user_id,
                          bool approve) {
  std::lock_guard lock(mutex_);
  const absl::Time now = absl::Now();
  for (auto it = intents_.begin(); it != intents_.end();) {
    it = now - it->second.second > kIntentLifetime ? intents_.erase(it) : std::next(it);
  }
  intents_[{account, chat_id, user_id}] = {approve, now};
}

void DecisionBook::Forget(const std::string& account, int64_t chat_id, int64_t user_id) {
  std::lock_guard lock(mutex_);
  intents_.erase({account, chat_id, user_id});
}

std::optional<bool> DecisionBook::Take(const std::string& account, int64_t chat_id,
                                       int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = intents_.find({account, chat_id, user_id});
  if (it == intents_.end()) return std::nullopt;
  const bool approve = it->second.first;
  intents_.erase(it);
  return approve;
}

// ---- JoinRequestStreams ----------------------------------------------------------------------

// Batches handed over by the engines' sinks (on their I/O threads) to the writer thread.
struct JoinRequestStreams::Inbox {
  struct Item {
    std::weak_ptr<AccountBackend> account;
    engine::JoinEventBatch batch;
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Item> items;  // guarded by mutex
  bool closed = false;     // guarded by mutex
};

JoinRequestStreams::JoinRequestStreams(StreamsOptions options, AccountRegistry* accounts)
    : options_(std::move(options)), accounts_(accounts), inbox_(std::make_shared<Inbox>()) {}

absl::StatusOr<std::unique_ptr<JoinRequestStreams>> JoinRequestStreams::Open(
    StreamsOptions options, AccountRegistry* accounts) {
  if (accounts == nullptr) return absl::InvalidArgumentError("join-request streams: no accounts");
  std::unique_ptr<JoinRequestStreams> streams(new JoinRequestStreams(std::move(options), accounts));
  absl::StatusOr<std::unique_ptr<ledger::SqliteLedger>> opened =
      ledger::SqliteLedger::Open({.path = streams->options_.ledger_path});
  if (!opened.ok()) return opened.status();
  streams->ledger_ = std::move(*opened);
  stream::HubOptions hub_options;
  hub_options.queue_capacity = streams->options_.subscriber_queue;
  hub_options.heartbeat_interval = streams->options_.hub_heartbeat;
  hub_options.poll_interval = std::min(absl::Seconds(1), streams->options_.hub_heartbeat);
  absl::StatusOr<std::unique_ptr<stream::Hub>> hub =
      stream::Hub::Create(streams->ledger_.get(), std::move(hub_options));
  if (!hub.ok()) return hub.status();
  streams->hub_ = std::move(*hub);
  streams->writer_ = std::thread([s = streams.get()] { s->WriterLoop(); });
  streams->AttachAccounts();
  streams->maintenance_ = std::thread([s = streams.get()] { s->MaintenanceLoop(); });
  return streams;
}

JoinRequestStreams::~JoinRequestStreams() {
  Shutdown();
  if (writer_.joinable()) writer_.join();
  if (maintenance_.joinable()) maintenance_.join();
  hub_.reset();  // before the ledger it reads
}

void JoinRequestStreams::Shutdown() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  {
    std::lock_guard lock(inbox_->mutex);
    inbox_->closed = true;
  }
  inbox_->cv.notify_all();
  hub_->Shutdown(absl::UnavailableError("the server is shutting down"));
}

void JoinRequestStreams::AttachAccounts() {
  for (const std::string& id : accounts_->Ids()) {
    {
      std::lock_guard lock(attach_mutex_);
      if (attached_.count(id) != 0) continue;
    }
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = accounts_->Get(id);
    if (!account.ok()) continue;
    auto* engine_account = dynamic_cast<EngineAccount*>(account->get());
    {
      std::lock_guard lock(attach_mutex_);
      attached_.insert(id);
    }
    if (engine_account == nullptr) continue;  // a backend without an engine has no events
    std::weak_ptr<AccountBackend> weak = *account;
    engine_account->engine().SubscribeJoinEvents(
        [inbox = inbox_, weak](engine::JoinEventBatch batch) {
          {
            std::lock_guard lock(inbox->mutex);
            // Closed: dropped unacknowledged, so the engine delivers it again after a restart.
            if (inbox->closed) return;
            inbox->items.push_back({weak, std::move(batch)});
          }
          inbox->cv.notify_one();
        });
  }
}

std::vector<Event> JoinRequestStreams::Map(AccountBackend& account,
                                           const std::vector<engine::JoinEvent>& events) {
  std::vector<Event> out;
  // The link each request was opened through, for the member_joined that follows an approval.
  auto open_link = [&](int64_t chat_id, int64_t user_id) -> std::string {
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      if (it->type == EventType::kRequestCreated && it->chat_id == chat_id &&
          it->user_id == user_id) {
        return it->link;
      }
    }
    ledger::EventFilter filter;
    filter.account = account.id();
    filter.chat_id = chat_id;
    absl::StatusOr<ledger::PendingSnapshot> pending = ledger_->Pending(filter);
    if (!pending.ok()) return "";
    for (const ledger::PendingRequest& r : pending->requests) {
      if (r.user_id == user_id) return r.link;
    }
    return "";
  };
  for (const engine::JoinEvent& in : events) {
    Event e;
    e.account = account.id();
    e.chat_id = in.chat_id;
    e.link = LinkHash(in.link);
    e.user_id = in.user_id;
    e.date = in.request_date != 0 ? in.request_date : in.date;
    // Keys are the engine's, per account: two admins of one chat both record the event.
    e.idempotency_key = absl::StrCat(account.id(), "|", in.key);
    if (in.user_id != 0) e.username = CachedUsername(account, in.user_id);
    switch (in.kind) {
      case engine::JoinEvent::Kind::kRequestCreated:
        e.type = EventType::kRequestCreated;
        e.about = in.about;
        out.push_back(std::move(e));
        break;
      case engine::JoinEvent::Kind::kPendingCountChanged:
        e.type = EventType::kPendingCountChanged;
        e.date = in.date;
        e.pending_count = in.pending_count;
        out.push_back(std::move(e));
        break;
      case engine::JoinEvent::Kind::kRequestResolved: {
        bool approved = in.outcome == engine::JoinEvent::Outcome::kApproved;
        if (in.outcome == engine::JoinEvent::Outcome::kUnknown) {
          approved = decisions_.Take(account.id(), in.chat_id, in.user_id).value_or(false);
        } else {
          (void)decisions_.Take(account.id(), in.chat_id, in.user_id);
        }
        e.type = approved ? EventType::kRequestApproved : EventType::kRequestDeclined;
        e.actor_id = in.by_user_id;
        if (!approved) {
          out.push_back(std::move(e));
          break;
        }
        Event joined = e;
        if (joined.link.empty()) joined.link = open_link(in.chat_id, in.user_id);
        joined.type = EventType::kMemberJoined;
        joined.idempotency_key += "|joined";
        out.push_back(std::move(e));
        out.push_back(std::move(joined));
        break;
      }
    }
  }
  return out;
}

void JoinRequestStreams::WriterLoop() {
  while (true) {
    Inbox::Item item;
    {
      std::unique_lock lock(inbox_->mutex);
      inbox_->cv.wait(lock, [&] { return inbox_->closed || !inbox_->items.empty(); });
      if (inbox_->closed) return;
      item = std::move(inbox_->items.front());
      inbox_->items.pop_front();
    }
    std::shared_ptr<AccountBackend> account = item.account.lock();
    if (account == nullptr) continue;  // the account is gone: its engine will not be acked
    std::vector<Event> events = Map(*account, item.batch.events);
    absl::StatusOr<std::vector<ledger::AppendResult>> appended;
    while (true) {
      appended = ledger_->Append(events);
      if (appended.ok()) break;
      // Not durable, so not acknowledged: try again (the disk may come back) until told to stop.
      std::unique_lock lock(stop_mutex_);
      if (stop_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) return;
    }
    if (auto* engine_account = dynamic_cast<EngineAccount*>(account.get())) {
      engine_account->engine().AckJoinEvents(item.batch.id);
    }
    hub_->Notify();
    if (options_.metrics != nullptr) {
      for (size_t i = 0; i < events.size(); ++i) {
        if (!(*appended)[i].duplicate) {
          options_.metrics->RecordLedgerEvent(ledger::EventTypeName(events[i].type));
        }
      }
    }
    ++batches_written_;
  }
}

void JoinRequestStreams::MaintenanceLoop() {
  absl::Time next_compaction = absl::Now() + options_.compaction_interval;
  while (true) {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.account_scan_interval),
                            [&] { return stopping_; })) {
        return;
      }
    }
    AttachAccounts();
    if (options_.metrics != nullptr) {
      absl::StatusOr<ledger::LedgerState> state = ledger_->State();
      if (state.ok()) {
        const uint64_t pumped = hub_->Stats().pumped_through;
        const int64_t lag =
            state->last_sequence > pumped ? static_cast<int64_t>(state->last_sequence - pumped) : 0;
        options_.metrics->SetLedgerLag(lag, 0);
      }
    }
    if (absl::Now() >= next_compaction) {
      next_compaction = absl::Now() + options_.compaction_interval;
      if (options_.retention.max_age.has_value() || options_.retention.max_events.has_value()) {
        (void)ledger_->Compact(options_.retention, absl::Now());  // retried next interval
      }
    }
  }
}

absl::Status JoinRequestStreams::RecordServiceDecision(const std::string& account,
                                                       int64_t chat_id, int64_t user_id,
                                                       bool approved, int64_t actor_id) {
  ledger::EventFilter filter;
  filter.account = account;
  filter.chat_id = chat_id;
  absl::StatusOr<ledger::PendingSnapshot> pending = ledger_->Pending(filter);
  if (!pending.ok()) return pending.status();
  const ledger::PendingRequest* request = nullptr;
  for (const ledger::PendingRequest& r : pending->requests) {
    if (r.user_id == user_id) request = &r;
  }
  if (request == nullptr) return absl::OkStatus();  // never seen: nothing to close
  Event e;
  e.account = account;
  e.chat_id = chat_id;
  e.user_id = user_id;
  e.link = request->link;  // so that the counters land on it
  e.username = request->username;
  e.user_name = request->user_name;
  e.date = request->date;
  e.actor_id = actor_id;
  e.type = approved ? EventType::kRequestApproved : EventType::kRequestDeclined;
  // The engine's key form for a resolution: should Telegram report it after all, it is one event.
  e.idempotency_key = absl::StrCat(
      account, "|", engine::JoinEventKindName(engine::JoinEvent::Kind::kRequestResolved), ":",
      chat_id, ":", user_id, ":", request->date);
  absl::StatusOr<std::vector<ledger::AppendResult>> r = hub_->Publish({&e, 1});
  if (!r.ok()) return r.status();
  if (options_.metrics != nullptr && !(*r)[0].duplicate) {
    options_.metrics->RecordLedgerEvent(ledger::EventTypeName(e.type));
  }
  return absl::OkStatus();
}

std::optional<int64_t> CachedChatId(AccountBackend& account, const ChatName& name) {
  int64_t id = 0;
  if (absl::SimpleAtoi(name.chat, &id)) {
    if (id >= 0) return std::nullopt;
    return id;
  }
  engine::InviteApi* api = account.invites();
  if (api == nullptr) return std::nullopt;
  std::string username = name.chat;
  if (!username.empty() && username.front() == '@') username.erase(0, 1);
  std::optional<engine::PeerRecord> cached = api->peer_cache().FindUsername(username);
  if (!cached.has_value() || cached->kind == engine::PeerKind::kUser) return std::nullopt;
  return engine::BotApiId(cached->kind, cached->id);
}

absl::StatusOr<int64_t> ResolveChatId(AccountBackend& account, const ChatName& name,
                                      engine::Deadline deadline) {
  int64_t id = 0;
  if (absl::SimpleAtoi(name.chat, &id)) {
    if (id >= 0) return absl::InvalidArgumentError(absl::StrCat(name.chat, " is not a chat id"));
    return id;
  }
  if (std::optional<int64_t> cached = CachedChatId(account, name)) return *cached;
  engine::InviteApi* api = account.invites();
  if (api == nullptr) return absl::UnimplementedError("this build has no invite API");
  std::string username = name.chat;
  if (!username.empty() && username.front() == '@') username.erase(0, 1);
  absl::StatusOr<engine::ResolvedUsername> resolved = api->ResolveUsername(username, deadline);
  if (!resolved.ok()) return resolved.status();
  if (!resolved->chat.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("@", username, " is not a chat"));
  }
  return resolved->chat->bot_api_id;
}

std::string CachedUsername(AccountBackend& account, int64_t user_id) {
  engine::InviteApi* api = account.invites();
  if (api == nullptr) return "";
  std::optional<engine::PeerRecord> user = api->peer_cache().Find(engine::PeerKind::kUser, user_id);
  return user.has_value() ? user->username : "";
}

}  // namespace invitegate::service

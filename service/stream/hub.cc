#include "service/stream/hub.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/ledger/resume_token.h"

namespace invitegate::stream {
namespace {

using ledger::Event;

// A queued item; the token is encoded when the consumer takes it (one event queued to a
// thousand subscribers is one shared Event and a thousand 40-byte items, not a thousand copies).
struct Item {
  Delivery::Kind kind = Delivery::Kind::kEvent;
  std::shared_ptr<const Event> event;
  uint64_t position = 0;  // resume after this item (kEvent, kSnapshotEnd, kHeartbeat)
  absl::Time at;
};

absl::Status WithToken(const absl::Status& why, const std::string& token) {
  return absl::Status(why.code(), absl::StrCat(why.message(), "; resume from token ", token));
}

std::shared_ptr<const Event> FromPending(const ledger::PendingRequest& r) {
  auto e = std::make_shared<Event>();
  e->sequence = r.sequence;
  e->account = r.account;
  e->chat_id = r.chat_id;
  e->link = r.link;
  e->type = ledger::EventType::kRequestCreated;
  e->user_id = r.user_id;
  e->user_name = r.user_name;
  e->username = r.username;
  e->date = r.date;
  e->about = r.about;
  e->idempotency_key = r.idempotency_key;
  return e;
}

}  // namespace

// A FIFO that allocates nothing until its first item: libstdc++'s deque allocates ~600 bytes
// when constructed, which an idle subscriber would pay for nothing.
class ItemQueue {
 public:
  bool empty() const { return items_ == nullptr || items_->empty(); }
  size_t size() const { return items_ == nullptr ? 0 : items_->size(); }
  Item& front() { return items_->front(); }
  void pop_front() { items_->pop_front(); }
  void push_back(Item item) {
    if (items_ == nullptr) items_ = std::make_unique<std::deque<Item>>();
    items_->push_back(std::move(item));
  }
  void clear() { items_.reset(); }

 private:
  std::unique_ptr<std::deque<Item>> items_;
};

// The subscriber's half. Lock order: Hub::mutex_, then mutex.
struct Subscription::State {
  uint64_t ledger_id = 0;
  ledger::EventFilter filter;
  std::function<void()> on_ready;

  mutable std::mutex mutex;
  std::condition_variable changed;  // for Wait
  ItemQueue queue;                  // guarded by mutex
  bool finished = false;            // guarded by mutex; no more items will be queued
  absl::Status status;              // guarded by mutex
  bool armed = false;               // guarded by mutex; Poll said kEmpty: wake on the next item
  bool catching_up = true;          // guarded by mutex
  absl::Time last_queued;           // guarded by mutex (heartbeat idleness)

  // Queues under `mutex` held; returns the wake-up to run once every lock is released.
  void PushLocked(Item item, std::vector<std::function<void()>>* wake) {
    last_queued = item.at;
    queue.push_back(std::move(item));
    WakeLocked(wake);
  }
  void WakeLocked(std::vector<std::function<void()>>* wake) {
    changed.notify_all();
    if (armed) {
      armed = false;
      if (on_ready) wake->push_back(on_ready);
    }
  }
};

// The hub's half, guarded by Hub::mutex_.
struct Hub::Entry {
  Subscription* subscription = nullptr;
  Subscription::State* state = nullptr;
  bool live = false;
  bool catch_up_busy = false;
  // Catching up: everything <= cursor was queued or filtered out. Live: the pump skips events
  // <= cursor (a subscriber may start ahead of the pump) and otherwise is at pumped_through_.
  uint64_t cursor = 0;
};

namespace {
void RunAll(std::vector<std::function<void()>>& wake) {
  for (auto& f : wake) f();
  wake.clear();
}
}  // namespace

// ---- Subscription -------------------------------------------------------------------------

Subscription::Subscription(Hub* hub, ledger::EventFilter filter, std::function<void()> on_ready)
    : hub_(hub), state_(std::make_unique<State>()) {
  state_->filter = std::move(filter);
  state_->on_ready = std::move(on_ready);
}

Subscription::~Subscription() { Cancel(); }

Subscription::PollResult Subscription::Poll(Delivery* out) {
  for (int round = 0;; ++round) {
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->queue.empty()) {
        Item& item = state_->queue.front();
        out->kind = item.kind;
        out->event = std::move(item.event);
        out->at = item.at;
        out->resume_token =
            item.kind == Delivery::Kind::kSnapshot
                ? std::string()
                : ledger::EncodeResumeToken({state_->ledger_id, item.position});
        state_->queue.pop_front();
        return PollResult::kDelivery;
      }
      if (state_->finished) return PollResult::kFinished;
      if (!state_->catching_up || round > 0) {
        state_->armed = true;
        return PollResult::kEmpty;
      }
    }
    // Empty and behind the pump: read the next page of the ledger on this thread (the
    // consumer's pace is the catch-up's pace; nothing to cut off).
    hub_->CatchUp(this);
  }
}

Subscription::PollResult Subscription::Wait(Delivery* out, absl::Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  while (true) {
    const PollResult r = Poll(out);
    if (r != PollResult::kEmpty) return r;
    std::unique_lock lock(state_->mutex);
    if (!state_->changed.wait_until(lock, deadline, [&] {
          return !state_->queue.empty() || state_->finished || !state_->armed;
        })) {
      return PollResult::kEmpty;
    }
  }
}

absl::Status Subscription::status() const {
  std::lock_guard lock(state_->mutex);
  return state_->status;
}

void Subscription::Cancel() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->finished) {
      state_->queue.clear();
      return;  // the hub is done with it (and may be gone)
    }
  }
  hub_->Unregister(this, absl::CancelledError("subscription cancelled"));
  std::lock_guard lock(state_->mutex);
  state_->queue.clear();
}

// ---- Hub ----------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Hub>> Hub::Create(ledger::Ledger* ledger, HubOptions options) {
  if (ledger == nullptr) return absl::InvalidArgumentError("stream hub: no ledger");
  if (options.queue_capacity == 0 || options.pump_batch == 0) {
    return absl::InvalidArgumentError("stream hub: queue_capacity and pump_batch must be > 0");
  }
  if (options.heartbeat_interval <= absl::ZeroDuration() ||
      options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("stream hub: intervals must be positive");
  }
  if (!options.clock) return absl::InvalidArgumentError("stream hub: no clock");
  absl::StatusOr<ledger::LedgerState> state = ledger->State();
  if (!state.ok()) return state.status();
  std::unique_ptr<Hub> hub(new Hub(ledger, std::move(options), *state));
  if (hub->options_.start_thread) hub->thread_ = std::thread([h = hub.get()] { h->Run(); });
  return hub;
}

Hub::Hub(ledger::Ledger* ledger, HubOptions options, const ledger::LedgerState& state)
    : ledger_(ledger),
      options_(std::move(options)),
      ledger_id_(state.ledger_id),
      pumped_through_(state.last_sequence) {}

Hub::~Hub() { Shutdown(absl::UnavailableError("stream hub shut down")); }

std::string Hub::Token(uint64_t sequence) const {
  return ledger::EncodeResumeToken({ledger_id_, sequence});
}

absl::StatusOr<std::vector<ledger::AppendResult>> Hub::Publish(
    std::span<const ledger::Event> events) {
  absl::StatusOr<std::vector<ledger::AppendResult>> r = ledger_->Append(events);
  if (!r.ok()) return r;
  if (options_.start_thread) {
    Notify();
  } else {
    // The events are durable: a failed pump is retried from the same position by the next one,
    // so it is not the append's error.
    (void)Pump();
  }
  return r;
}

void Hub::Notify() {
  std::lock_guard lock(wake_mutex_);
  wake_pending_ = true;
  wake_.notify_one();
}

void Hub::Run() {
  const absl::Duration tick = std::min(options_.poll_interval, options_.heartbeat_interval / 2);
  absl::Time next_heartbeats = options_.clock() + tick;
  while (true) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, absl::ToChronoNanoseconds(tick),
                     [&] { return wake_pending_ || stop_; });
      if (stop_) return;
      wake_pending_ = false;
    }
    (void)Pump();  // a failed read is retried on the next tick
    if (options_.clock() >= next_heartbeats) {
      SendHeartbeats();
      next_heartbeats = options_.clock() + tick;
    }
  }
}

absl::StatusOr<std::shared_ptr<Subscription>> Hub::Subscribe(const SubscribeRequest& request,
                                                             std::function<void()> on_ready) {
  const uint32_t valid = ((1u << (ledger::kMaxEventType + 1)) - 1) & ~1u;
  if ((request.filter.type_mask & ~valid) != 0) {
    return absl::InvalidArgumentError("subscription filter has unknown event types");
  }
  // Where the subscriber starts: everything <= cursor is behind it.
  uint64_t cursor = 0;
  std::vector<Item> initial;
  const absl::Time now = options_.clock();
  switch (request.start) {
    case StartFrom::kNow: {
      absl::StatusOr<ledger::LedgerState> state = ledger_->State();
      if (!state.ok()) return state.status();
      cursor = state->last_sequence;
      break;
    }
    case StartFrom::kToken: {
      absl::StatusOr<ledger::ResumePosition> position =
          ledger::ParseResumeToken(request.resume_token);
      if (!position.ok()) return position.status();
      if (position->ledger_id != ledger_id_) {
        return absl::OutOfRangeError(
            "resume token belongs to another ledger (was the database replaced?); start again "
            "from a snapshot or from now");
      }
      absl::StatusOr<ledger::LedgerState> state = ledger_->State();
      if (!state.ok()) return state.status();
      if (position->sequence < state->compacted_through ||
          position->sequence > state->last_sequence) {
        return ledger::PositionUnavailable(position->sequence, *state);
      }
      cursor = position->sequence;
      break;
    }
    case StartFrom::kSnapshot: {
      absl::StatusOr<ledger::PendingSnapshot> snapshot = ledger_->Pending(request.filter);
      if (!snapshot.ok()) return snapshot.status();
      initial.reserve(snapshot->requests.size() + 1);
      for (const ledger::PendingRequest& r : snapshot->requests) {
        initial.push_back({Delivery::Kind::kSnapshot, FromPending(r), 0, now});
      }
      initial.push_back({Delivery::Kind::kSnapshotEnd, nullptr, snapshot->as_of_sequence, now});
      cursor = snapshot->as_of_sequence;
      break;
    }
  }
  std::shared_ptr<Subscription> subscription(
      new Subscription(this, request.filter, std::move(on_ready)));
  Subscription::State& state = *subscription->state_;
  state.ledger_id = ledger_id_;
  state.last_queued = now;
  for (Item& item : initial) state.queue.push_back(std::move(item));

  std::lock_guard lock(mutex_);
  if (shut_down_) return absl::UnavailableError("stream hub is shutting down");
  auto entry = std::make_unique<Entry>();
  entry->subscription = subscription.get();
  entry->state = &state;
  entry->cursor = cursor;
  // At or ahead of the pump: live at once. Behind it, or with a snapshot to send (which may be
  // longer than the queue's capacity): Poll drains and catches up first.
  if (initial.empty() && cursor >= pumped_through_) {
    entry->live = true;
    live_by_account_[request.filter.account].push_back(entry.get());
    std::lock_guard state_lock(state.mutex);
    state.catching_up = false;
  }
  entries_.emplace(subscription.get(), std::move(entry));
  return subscription;
}

void Hub::CatchUp(Subscription* subscription) {
  Subscription::State& state = *subscription->state_;
  std::vector<std::function<void()>> wake;
  while (true) {
    ledger::ReadRequest read;
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(subscription);
      if (it == entries_.end() || it->second->live || it->second->catch_up_busy) return;
      Entry& entry = *it->second;
      if (entry.cursor >= pumped_through_) {
        // Caught up with the pump, under the lock the pump fans out under: from here the pump
        // queues every event > cursor for it, and nothing <= cursor again.
        entry.live = true;
        live_by_account_[state.filter.account].push_back(&entry);
        std::lock_guard state_lock(state.mutex);
        state.catching_up = false;
        return;
      }
      entry.catch_up_busy = true;
      read.after_sequence = entry.cursor;
      read.through_sequence = pumped_through_;
      read.filter = state.filter;
      read.limit = options_.queue_capacity;
    }
    absl::StatusOr<ledger::ReadResult> page = ledger_->Read(read);
    bool queued = false;
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(subscription);
      if (it == entries_.end()) return;
      Entry& entry = *it->second;
      entry.catch_up_busy = false;
      if (!page.ok()) {
        // OUT_OF_RANGE: compacted while it caught up; resuming from here would fail again.
        FinishLocked(entry, page.status(), &wake);
        entries_.erase(it);
      } else {
        const absl::Time now = options_.clock();
        std::lock_guard state_lock(state.mutex);
        for (Event& e : page->events) {
          const uint64_t sequence = e.sequence;
          state.PushLocked({Delivery::Kind::kEvent, std::make_shared<const Event>(std::move(e)),
                            sequence, now},
                           &wake);
        }
        deliveries_ += page->events.size();
        queued = !page->events.empty();
        entry.cursor = page->scanned_through;
      }
    }
    RunAll(wake);
    if (!page.ok() || queued) return;
  }
}

absl::Status Hub::Pump() {
  std::lock_guard pump_lock(pump_mutex_);
  std::vector<std::function<void()>> wake;
  while (true) {
    ledger::ReadRequest read;
    {
      std::lock_guard lock(mutex_);
      if (shut_down_) return absl::OkStatus();
      read.after_sequence = pumped_through_;
    }
    read.limit = options_.pump_batch;
    absl::StatusOr<ledger::ReadResult> page = ledger_->Read(read);
    if (!page.ok()) {
      if (page.status().code() != absl::StatusCode::kOutOfRange) return page.status();
      // Retention removed events the pump had not read yet (it was stopped for longer than the
      // retention): live subscribers missed them and must start over.
      absl::StatusOr<ledger::LedgerState> state = ledger_->State();
      if (!state.ok()) return state.status();
      std::lock_guard lock(mutex_);
      CutOffEverybodyLocked(page.status(), &wake);
      pumped_through_ = std::max(pumped_through_, state->compacted_through);
      continue;
    }
    if (page->scanned_through <= read.after_sequence) break;
    {
      std::lock_guard lock(mutex_);
      const absl::Time now = options_.clock();
      std::vector<Entry*> too_slow;
      for (Event& event : page->events) {
        const auto shared = std::make_shared<const Event>(std::move(event));
        // Subscribers of this event's account, then those of every account.
        for (const bool every : {false, true}) {
          auto it = live_by_account_.find(every ? std::string() : shared->account);
          if (it == live_by_account_.end()) continue;
          for (Entry* entry : it->second) {
            if (!entry->live || shared->sequence <= entry->cursor ||
                !entry->state->filter.Matches(*shared)) {
              continue;
            }
            std::lock_guard state_lock(entry->state->mutex);
            if (entry->state->queue.size() >= options_.queue_capacity) {
              // Everything before this event is queued for it: resuming there loses nothing.
              entry->live = false;
              entry->cursor = shared->sequence - 1;
              too_slow.push_back(entry);
              continue;
            }
            entry->state->PushLocked({Delivery::Kind::kEvent, shared, shared->sequence, now},
                                     &wake);
            ++deliveries_;
          }
        }
      }
      for (Entry* entry : too_slow) {
        FinishLocked(*entry,
                     absl::ResourceExhaustedError(absl::StrCat(
                         "subscriber too slow: ", options_.queue_capacity,
                         " events were waiting to be sent")),
                     &wake);
        ++cut_off_;
        entries_.erase(entry->subscription);
      }
      pumped_through_ = page->scanned_through;
    }
    RunAll(wake);
    if (page->events.size() < options_.pump_batch) break;
  }
  RunAll(wake);
  return absl::OkStatus();
}

void Hub::SendHeartbeats() {
  std::vector<std::function<void()>> wake;
  {
    const absl::Time now = options_.clock();
    std::lock_guard lock(mutex_);
    for (auto& [subscription, entry] : entries_) {
      Subscription::State& state = *entry->state;
      std::lock_guard state_lock(state.mutex);
      if (state.finished || !state.queue.empty() ||
          now - state.last_queued < options_.heartbeat_interval) {
        continue;
      }
      const uint64_t position =
          entry->live ? std::max(entry->cursor, pumped_through_) : entry->cursor;
      state.PushLocked({Delivery::Kind::kHeartbeat, nullptr, position, now}, &wake);
    }
  }
  RunAll(wake);
}

void Hub::FinishLocked(Entry& entry, absl::Status why, std::vector<std::function<void()>>* wake) {
  // Live: every matching event <= the pump's position is queued. Not live (catching up, or just
  // cut off by the pump): everything <= cursor is.
  const uint64_t position = entry.live ? std::max(entry.cursor, pumped_through_) : entry.cursor;
  auto it = live_by_account_.find(entry.state->filter.account);
  if (it != live_by_account_.end()) {
    std::vector<Entry*>& live = it->second;
    live.erase(std::remove(live.begin(), live.end(), &entry), live.end());
    if (live.empty()) live_by_account_.erase(it);
  }
  entry.live = false;
  const bool resumable = why.code() == absl::StatusCode::kResourceExhausted ||
                         why.code() == absl::StatusCode::kUnavailable;
  std::lock_guard state_lock(entry.state->mutex);
  entry.state->finished = true;
  entry.state->status = resumable ? WithToken(why, Token(position)) : why;
  entry.state->WakeLocked(wake);
}

void Hub::CutOffEverybodyLocked(absl::Status why, std::vector<std::function<void()>>* wake) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second->live) {
      FinishLocked(*it->second, why, wake);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void Hub::Unregister(Subscription* subscription, absl::Status why) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(subscription);
    if (it == entries_.end()) return;
    FinishLocked(*it->second, why, &wake);
    entries_.erase(it);
  }
  RunAll(wake);
}

void Hub::Shutdown(absl::Status why) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (auto& [subscription, entry] : entries_) FinishLocked(*entry, why, &wake);
    entries_.clear();
    live_by_account_.clear();
  }
  RunAll(wake);
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

HubStats Hub::Stats() {
  std::lock_guard lock(mutex_);
  HubStats stats;
  stats.subscribers = entries_.size();
  for (const auto& [account, live] : live_by_account_) stats.live += live.size();
  stats.pumped_through = pumped_through_;
  stats.deliveries = deliveries_;
  stats.cut_off = cut_off_;
  return stats;
}

}  // namespace invitegate::stream

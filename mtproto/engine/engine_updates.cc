// The Engine's update machinery: pushed and returned Updates into the UpdateState, the fetches
// it asks for, join events out to the subscriber, and the acknowledged position persisted.
// Spec: https://core.telegram.org/api/updates,
//       https://core.telegram.org/method/messages.getChatInviteImporters
#include <cstring>

#include "absl/strings/str_cat.h"
#include "mtproto/engine/engine.h"
#include "mtproto/engine/peers.h"
#include "mtproto/tl/reader.h"
#include "mtproto/tl/writer.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

constexpr std::string_view kUpdatesKey = "engine.updates";
constexpr int32_t kImportersPage = 100;
constexpr auto kFetchTimeout = std::chrono::seconds(60);

// The errors after which a chat's importers cannot be listed by this account any more: asking
// again cannot help. By name: other 400s (CONNECTION_NOT_INITED after a server restart, ...) are
// passing, and forgetting the chat on one would lose its requests for good.
bool ChatIsGone(const absl::Status& status) {
  std::optional<RpcError> error = GetRpcError(status);
  if (!error) return false;
  for (const char* name : {"CHAT_ADMIN_REQUIRED", "CHANNEL_PRIVATE", "CHANNEL_INVALID",
                           "CHAT_ID_INVALID", "PEER_ID_INVALID", "CHAT_FORBIDDEN",
                           "USER_NOT_PARTICIPANT", "BOT_METHOD_INVALID"}) {
    if (error->name == name) return true;
  }
  return false;
}

// The peer cache learns every user and chat an answer names; a failed cache write costs a
// later lookup, never an update.
void FeedPeers(PeerCache& cache, const api::Updates& updates) {
  if (updates.ConstructorId() == api::updates::kId) {
    const auto& u = static_cast<const api::updates&>(updates);
    (void)cache.Feed(u.users, u.chats);
  } else if (updates.ConstructorId() == api::updatesCombined::kId) {
    const auto& u = static_cast<const api::updatesCombined&>(updates);
    (void)cache.Feed(u.users, u.chats);
  }
}

void FeedPeers(PeerCache& cache, const api::updates_Difference& difference) {
  if (difference.ConstructorId() == api::updates_difference::kId) {
    const auto& d = static_cast<const api::updates_difference&>(difference);
    (void)cache.Feed(d.users, d.chats);
  } else if (difference.ConstructorId() == api::updates_differenceSlice::kId) {
    const auto& d = static_cast<const api::updates_differenceSlice&>(difference);
    (void)cache.Feed(d.users, d.chats);
  }
}

void FeedPeers(PeerCache& cache, const api::updates_ChannelDifference& difference) {
  if (difference.ConstructorId() == api::updates_channelDifference::kId) {
    const auto& d = static_cast<const api::updates_channelDifference&>(difference);
    (void)cache.Feed(d.users, d.chats);
  } else if (difference.ConstructorId() == api::updates_channelDifferenceTooLong::kId) {
    const auto& d = static_cast<const api::updates_channelDifferenceTooLong&>(difference);
    (void)cache.Feed(d.users, d.chats);
  }
}

}  // namespace

void Engine::SubscribeJoinEvents(JoinEventSink sink) {
  asio::post(io_, [this, sink = std::move(sink)]() mutable {
    sink_ = std::move(sink);
    if (updates_ == nullptr && IsSignedIn()) StartUpdates();
  });
}

void Engine::AckJoinEvents(uint64_t batch_id) {
  asio::post(io_, [this, batch_id] {
    std::optional<std::string> snapshot;
    while (!unacked_.empty() && unacked_.front().id <= batch_id) {
      snapshot = std::move(unacked_.front().snapshot);
      unacked_.pop_front();
    }
    if (snapshot) PersistUpdates(*snapshot);
  });
}

UpdateStats Engine::update_stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void Engine::OnSignedIn() {
  asio::post(io_, [this] {
    // A new login (perhaps another account): its update position starts from its own state.
    StopUpdates();
    (void)store_->DeleteValue(kUpdatesKey);
    persisted_snapshot_.clear();
    if (sink_) StartUpdates();
  });
}

void Engine::MarkSignedOut(const RpcError& error) {
  absl::StatusOr<store::AccountState> account = store_->GetAccount();
  if (!account.ok() || account->login_state != store::LoginState::kSignedIn) return;
  (void)store_->SetLoginState(store::LoginState::kSignedOut);
  StopUpdates();
}

void Engine::StartUpdates() {
  absl::StatusOr<store::AccountState> account = store_->GetAccount();
  if (!account.ok()) return;
  UpdateBoxes boxes;
  JoinEventsState join_state;
  if (auto saved = store_->GetValue(kUpdatesKey); saved.ok() && saved->has_value()) {
    tl::Reader in(**saved);
    std::string boxes_bytes = in.Bytes();
    std::string join_bytes = in.Bytes();
    auto parsed_boxes = UpdateBoxes::Parse(boxes_bytes);
    auto parsed_join = JoinEventsState::Parse(join_bytes);
    // An unreadable position is dropped: the state is fetched anew (what happened before it is
    // then not replayed, but the known pending sets are re-read).
    if (in.ok() && in.remaining() == 0 && parsed_boxes.ok() && parsed_join.ok()) {
      boxes = *std::move(parsed_boxes);
      join_state = *std::move(parsed_join);
      persisted_snapshot_ = **saved;
    }
  }
  ++updates_generation_;
  UpdateState::Options options;
  options.hold = options_.update_hold;
  updates_ = std::make_unique<UpdateState>(std::move(boxes), options);
  join_events_ = std::make_unique<JoinEvents>(account->is_bot, std::move(join_state));
  importers_in_flight_ = false;
  unacked_.clear();
  // A (re)start may follow missed updates: the difference tells, and known chats are re-read.
  updates_->Resync();
  join_events_->RefetchAll();
  DcFor(home_dc_.load());  // the home connection carries the pushed updates
  PumpUpdates();
  ScheduleResync();
}

void Engine::ScheduleResync() {
  resync_timer_->expires_after(options_.resync_interval);
  resync_timer_->async_wait([this, generation = updates_generation_](const asio::error_code& ec) {
    if (ec || generation != updates_generation_ || updates_ == nullptr) return;
    updates_->Resync();
    join_events_->RefetchAll();
    PumpUpdates();
    ScheduleResync();
  });
}

void Engine::StopUpdates(bool keep_unacked) {
  ++updates_generation_;
  updates_.reset();
  join_events_.reset();
  // At shutdown, acks of batches already delivered may still be queued behind us: they still
  // persist their position, so that a clean restart re-delivers nothing.
  if (!keep_unacked) unacked_.clear();
  importers_in_flight_ = false;
  if (hold_timer_) hold_timer_->cancel();
  if (retry_timer_) retry_timer_->cancel();
  if (resync_timer_) resync_timer_->cancel();
  retry_armed_ = false;
}

void Engine::OnPushedUpdates(int dc_id, const std::string& body) {
  absl::StatusOr<tl::ObjectPtr<api::Updates>> updates = tl::Deserialize<api::Updates>(body);
  // Before the events: whoever an event names can be addressed by id when it is delivered.
  if (updates.ok() && *updates != nullptr) FeedPeers(*peers_, **updates);
  if (updates_ == nullptr || dc_id != home_dc_.load()) return;
  if (!updates.ok()) {
    // Something was sent that we cannot read: what it carried comes with the difference.
    updates_->Resync();
  } else {
    updates_->OnUpdates(*std::move(updates), std::chrono::steady_clock::now());
  }
  PumpUpdates();
}

void Engine::ResyncUpdates(int dc_id) {
  if (updates_ == nullptr || dc_id != home_dc_.load()) return;
  updates_->Resync();
  PumpUpdates();
}

std::string Engine::UpdateSnapshot() const {
  tl::Writer out;
  out.Bytes(updates_->boxes().Serialize());
  out.Bytes(join_events_->state().Serialize());
  return out.Take();
}

void Engine::PersistUpdates(const std::string& snapshot) {
  if (snapshot == persisted_snapshot_) return;
  if (store_->PutValue(kUpdatesKey, snapshot).ok()) persisted_snapshot_ = snapshot;
}

void Engine::PumpUpdates() {
  if (updates_ == nullptr) return;
  int64_t applied = 0;
  for (UpdateOutput& out : updates_->TakeOutput()) {
    if (out.kind == UpdateOutput::Kind::kTooLong) {
      join_events_->RefetchAll();
    } else {
      ++applied;
      join_events_->OnUpdate(out.update);
    }
  }
  // Fetches first: taking one changes the state (it is then in flight, no longer due).
  if (std::optional<FetchRequest> fetch = updates_->NextFetch(std::chrono::steady_clock::now())) {
    FetchUpdates(*fetch);
  }
  if (!importers_in_flight_) {
    if (std::optional<PendingFetch> chat = join_events_->NextFetch()) {
      auto fetch = std::make_shared<ImporterFetch>();
      fetch->chat = *chat;
      importers_in_flight_ = true;
      FetchImporters(std::move(fetch));
    }
  }
  std::vector<JoinEvent> events = join_events_->TakeEvents();
  std::string snapshot = UpdateSnapshot();
  {
    std::lock_guard lock(stats_mutex_);
    stats_.updates += applied;
    if (!events.empty()) ++stats_.batches;
  }
  if (!events.empty()) {
    const uint64_t id = ++next_batch_;
    unacked_.push_back({id, std::move(snapshot)});
    if (sink_) sink_(JoinEventBatch{id, std::move(events)});
  } else if (unacked_.empty()) {
    PersistUpdates(snapshot);
  } else {
    // Nothing to deliver, but the position moved: it is persisted with the last batch's ack.
    unacked_.back().snapshot = std::move(snapshot);
  }
  if (std::optional<UpdateState::Time> deadline = updates_->NextDeadline()) {
    hold_timer_->expires_at(*deadline);
    hold_timer_->async_wait([this, generation = updates_generation_](const asio::error_code& ec) {
      if (ec || generation != updates_generation_ || updates_ == nullptr) return;
      updates_->Tick(std::chrono::steady_clock::now());
      PumpUpdates();
    });
  }
}

void Engine::RetryFetchesLater() {
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_timer_->expires_after(options_.fetch_retry);
  retry_timer_->async_wait([this, generation = updates_generation_](const asio::error_code& ec) {
    if (ec || generation != updates_generation_) return;
    retry_armed_ = false;
    PumpUpdates();
  });
}

void Engine::FetchUpdates(const FetchRequest& fetch) {
  absl::StatusOr<std::string> body = SerializeFetch(fetch, options_.difference_pts_total_limit);
  if (!body.ok()) {
    updates_->OnFetchFailed();
    return RetryFetchesLater();
  }
  InvokeRaw(
      *std::move(body), In(kFetchTimeout),
      [this, fetch, generation = updates_generation_](absl::StatusOr<std::string> raw) {
        if (generation != updates_generation_ || updates_ == nullptr) return;
        const auto now = std::chrono::steady_clock::now();
        absl::Status applied = raw.status();
        if (raw.ok()) {
          switch (fetch.kind) {
            case FetchRequest::Kind::kState: {
              auto state = tl::Deserialize<api::updates_State>(*raw);
              applied = state.ok() ? updates_->OnState(**state, now) : state.status();
              break;
            }
            case FetchRequest::Kind::kDifference: {
              auto difference = tl::Deserialize<api::updates_Difference>(*raw);
              if (difference.ok() && *difference != nullptr) FeedPeers(*peers_, **difference);
              applied = difference.ok() ? updates_->OnDifference(*std::move(difference), now)
                                        : difference.status();
              break;
            }
            case FetchRequest::Kind::kChannelDifference: {
              auto difference = tl::Deserialize<api::updates_ChannelDifference>(*raw);
              if (difference.ok() && *difference != nullptr) FeedPeers(*peers_, **difference);
              applied = difference.ok() ? updates_->OnChannelDifference(
                                              fetch.channel_id, *std::move(difference), now)
                                        : difference.status();
              break;
            }
          }
        }
        if (!applied.ok()) {
          if (updates_->fetch_in_flight()) updates_->OnFetchFailed();
          RetryFetchesLater();
        } else {
          std::lock_guard lock(stats_mutex_);
          if (fetch.kind == FetchRequest::Kind::kChannelDifference) {
            ++stats_.channel_differences;
          } else {
            ++stats_.differences;
          }
        }
        PumpUpdates();
      });
}

void Engine::FetchImporters(std::shared_ptr<ImporterFetch> fetch) {
  api::messages_getChatInviteImporters call;
  call.requested = true;
  if (fetch->chat.is_channel) {
    auto peer = std::make_unique<api::inputPeerChannel>();
    peer->channel_id = fetch->chat.peer_id;
    peer->access_hash = fetch->chat.access_hash;
    call.peer = std::move(peer);
  } else {
    auto peer = std::make_unique<api::inputPeerChat>();
    peer->chat_id = fetch->chat.peer_id;
    call.peer = std::move(peer);
  }
  call.offset_date = fetch->offset_date;
  if (fetch->offset_user != 0) {
    auto user = std::make_unique<api::inputUser>();
    user->user_id = fetch->offset_user;
    user->access_hash = fetch->offset_hash;
    call.offset_user = std::move(user);
  } else {
    call.offset_user = std::make_unique<api::inputUserEmpty>();
  }
  call.limit = kImportersPage;
  Invoke(call, In(kFetchTimeout),
         [this, fetch, generation = updates_generation_](
             absl::StatusOr<api::messages_getChatInviteImporters::Result::Value> page) {
           if (generation != updates_generation_ || join_events_ == nullptr) return;
           {
             std::lock_guard lock(stats_mutex_);
             ++stats_.importer_fetches;
           }
           const auto* importers =
               page.ok() ? dynamic_cast<const api::messages_chatInviteImporters*>(page->get())
                         : nullptr;
           if (importers == nullptr) {
             importers_in_flight_ = false;
             if (!page.ok() && ChatIsGone(page.status())) {
               join_events_->Forget(fetch->chat.chat_id);
             } else {
               join_events_->OnFetchFailed(fetch->chat.chat_id);
               RetryFetchesLater();
             }
             return PumpUpdates();
           }
           (void)peers_->Feed(importers->users, {});
           for (const auto& importer : importers->importers) {
             const auto* i = dynamic_cast<const api::chatInviteImporter*>(importer.get());
             if (i == nullptr) continue;
             fetch->pending.push_back({i->user_id, i->date, i->about.value_or("")});
           }
           const bool last = static_cast<int32_t>(importers->importers.size()) < kImportersPage ||
                             static_cast<int32_t>(fetch->pending.size()) >= importers->count;
           if (!last) {
             const PendingRequester& tail = fetch->pending.back();
             fetch->offset_date = tail.date;
             fetch->offset_user = tail.user_id;
             fetch->offset_hash = 0;
             for (const auto& user : importers->users) {
               const auto* u = dynamic_cast<const api::user*>(user.get());
               if (u != nullptr && u->id == tail.user_id) {
                 fetch->offset_hash = u->access_hash.value_or(0);
               }
             }
             return FetchImporters(fetch);
           }
           importers_in_flight_ = false;
           join_events_->OnPendingRequesters(fetch->chat.chat_id, fetch->pending);
           PumpUpdates();
         });
}

}  // namespace mtproto::engine

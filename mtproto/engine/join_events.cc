#include "mtproto/engine/join_events.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mtproto/tl/reader.h"
#include "mtproto/tl/writer.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

constexpr uint32_t kStateVersion = 1;
constexpr int64_t kChannelIdOffset = 1'000'000'000'000;  // Bot API: -100<channel id>

// The chat a Peer names, in Bot API form; 0 for a user.
int64_t ChatOfPeer(const api::Peer* peer, bool* is_channel) {
  if (const auto* p = dynamic_cast<const api::peerChannel*>(peer)) {
    *is_channel = true;
    return ChannelChatId(p->channel_id);
  }
  if (const auto* p = dynamic_cast<const api::peerChat*>(peer)) {
    *is_channel = false;
    return BasicChatId(p->chat_id);
  }
  return 0;
}

std::string LinkOf(const api::ExportedChatInvite* invite) {
  const auto* exported = dynamic_cast<const api::chatInviteExported*>(invite);
  return exported == nullptr ? std::string() : exported->link;
}

// A participant change that made the user a member.
bool JoinedChannel(const api::ChannelParticipant* before, const api::ChannelParticipant* after) {
  if (after == nullptr) return false;
  if (dynamic_cast<const api::channelParticipantLeft*>(after) != nullptr ||
      dynamic_cast<const api::channelParticipantBanned*>(after) != nullptr) {
    return false;
  }
  return before == nullptr || dynamic_cast<const api::channelParticipantLeft*>(before) != nullptr ||
         dynamic_cast<const api::channelParticipantBanned*>(before) != nullptr;
}

}  // namespace

const char* JoinEventKindName(JoinEvent::Kind kind) {
  switch (kind) {
    case JoinEvent::Kind::kRequestCreated: return "created";
    case JoinEvent::Kind::kRequestResolved: return "resolved";
    case JoinEvent::Kind::kPendingCountChanged: return "pending";
  }
  return "?";
}

int64_t ChannelChatId(int64_t channel_id) { return -(kChannelIdOffset + channel_id); }
int64_t BasicChatId(int64_t chat_id) { return -chat_id; }

std::string JoinEventsState::Serialize() const {
  tl::Writer out;
  out.Uint32(kStateVersion);
  out.Int32(static_cast<int32_t>(chats.size()));
  for (const auto& [id, chat] : chats) {
    out.Int64(id);
    out.Int32((chat.is_channel ? 1 : 0) | (chat.dirty ? 2 : 0));
    out.Int64(chat.access_hash);
    out.Int32(static_cast<int32_t>(chat.pending.size()));
    for (const auto& [user_id, requester] : chat.pending) {
      out.Int64(user_id);
      out.Int32(requester.date);
      out.Bytes(requester.about);
    }
  }
  return out.Take();
}

absl::StatusOr<JoinEventsState> JoinEventsState::Parse(std::string_view bytes) {
  tl::Reader in(bytes);
  JoinEventsState state;
  if (in.Uint32() != kStateVersion) return absl::DataLossError("join events: unknown version");
  const uint32_t chats = in.Count(24);
  for (uint32_t i = 0; i < chats && in.ok(); ++i) {
    const int64_t id = in.Int64();
    Chat& chat = state.chats[id];
    const int32_t flags = in.Int32();
    if (flags & ~3) return absl::DataLossError("join events: unknown flags");
    chat.is_channel = (flags & 1) != 0;
    chat.dirty = (flags & 2) != 0;
    chat.access_hash = in.Int64();
    const uint32_t pending = in.Count(16);
    for (uint32_t j = 0; j < pending && in.ok(); ++j) {
      PendingRequester requester;
      requester.user_id = in.Int64();
      requester.date = in.Int32();
      requester.about = in.Bytes();
      chat.pending[requester.user_id] = std::move(requester);
    }
  }
  if (!in.ok() || in.remaining() != 0) return absl::DataLossError("join events: malformed");
  return state;
}

JoinEvents::JoinEvents(bool is_bot, JoinEventsState state)
    : is_bot_(is_bot), state_(std::move(state)) {}

JoinEventsState::Chat& JoinEvents::ChatFor(int64_t chat_id, bool is_channel) {
  auto [it, inserted] = state_.chats.try_emplace(chat_id);
  if (inserted) it->second.is_channel = is_channel;
  return it->second;
}

void JoinEvents::Learn(const UpdateEntities& entities) {
  for (const auto& chat : entities.chats) {
    const auto* channel = dynamic_cast<const api::channel*>(chat.get());
    if (channel == nullptr || !channel->access_hash || channel->min) continue;
    auto it = state_.chats.find(ChannelChatId(channel->id));
    if (it != state_.chats.end()) it->second.access_hash = *channel->access_hash;
  }
}

void JoinEvents::Emit(JoinEvent event) {
  switch (event.kind) {
    case JoinEvent::Kind::kRequestCreated:
    case JoinEvent::Kind::kRequestResolved:
      event.key = absl::StrCat(JoinEventKindName(event.kind), ":", event.chat_id, ":",
                               event.user_id, ":",
                               event.request_date != 0 ? event.request_date : event.date);
      break;
    case JoinEvent::Kind::kPendingCountChanged:
      event.key = absl::StrCat("pending:", event.chat_id, ":", event.date, ":",
                               event.pending_count, ":",
                               absl::StrJoin(event.recent_requesters, ","));
      break;
  }
  events_.push_back(std::move(event));
}

void JoinEvents::OnUpdate(const AppliedUpdate& applied) {
  if (applied.update == nullptr) return;
  const api::Update& update = *applied.update;
  switch (update.ConstructorId()) {
    case api::updateBotChatInviteRequester::kId: {
      const auto& u = static_cast<const api::updateBotChatInviteRequester&>(update);
      bool is_channel = true;
      const int64_t chat_id = ChatOfPeer(u.peer.get(), &is_channel);
      if (chat_id == 0) return;
      JoinEvent event;
      event.kind = JoinEvent::Kind::kRequestCreated;
      event.chat_id = chat_id;
      event.user_id = u.user_id;
      event.date = u.date;
      event.request_date = u.date;
      event.about = u.about;
      event.link = LinkOf(u.invite.get());
      return Emit(std::move(event));
    }
    case api::updateChannelParticipant::kId: {
      const auto& u = static_cast<const api::updateChannelParticipant&>(update);
      // An approved request: the user became a member by an admin's hand, through an invite.
      if (u.actor_id == u.user_id || u.invite == nullptr ||
          !JoinedChannel(u.prev_participant.get(), u.new_participant.get())) {
        return;
      }
      JoinEvent event;
      event.kind = JoinEvent::Kind::kRequestResolved;
      event.chat_id = ChannelChatId(u.channel_id);
      event.user_id = u.user_id;
      event.date = u.date;
      event.outcome = JoinEvent::Outcome::kApproved;
      event.by_user_id = u.actor_id;
      event.link = LinkOf(u.invite.get());
      return Emit(std::move(event));
    }
    case api::updateChatParticipant::kId: {
      const auto& u = static_cast<const api::updateChatParticipant&>(update);
      if (u.actor_id == u.user_id || u.invite == nullptr || u.new_participant == nullptr ||
          u.prev_participant != nullptr) {
        return;
      }
      JoinEvent event;
      event.kind = JoinEvent::Kind::kRequestResolved;
      event.chat_id = BasicChatId(u.chat_id);
      event.user_id = u.user_id;
      event.date = u.date;
      event.outcome = JoinEvent::Outcome::kApproved;
      event.by_user_id = u.actor_id;
      event.link = LinkOf(u.invite.get());
      return Emit(std::move(event));
    }
    case api::updatePendingJoinRequests::kId: {
      const auto& u = static_cast<const api::updatePendingJoinRequests&>(update);
      bool is_channel = true;
      const int64_t chat_id = ChatOfPeer(u.peer.get(), &is_channel);
      if (chat_id == 0) return;
      JoinEvent event;
      event.kind = JoinEvent::Kind::kPendingCountChanged;
      event.chat_id = chat_id;
      event.date = applied.date;
      event.pending_count = u.requests_pending;
      event.recent_requesters = u.recent_requesters;
      Emit(std::move(event));
      if (is_bot_) return;
      JoinEventsState::Chat& chat = ChatFor(chat_id, is_channel);
      chat.dirty = true;
      if (applied.entities != nullptr) Learn(*applied.entities);
      return;
    }
    default: return;
  }
}

void JoinEvents::RefetchAll() {
  if (is_bot_) return;
  for (auto& [id, chat] : state_.chats) chat.dirty = true;
}

std::optional<PendingFetch> JoinEvents::NextFetch() {
  if (in_flight_ || is_bot_) return std::nullopt;
  for (auto& [id, chat] : state_.chats) {
    if (!chat.dirty) continue;
    // Cleared now: an update arriving while the fetch runs marks it again.
    chat.dirty = false;
    in_flight_ = id;
    PendingFetch fetch;
    fetch.chat_id = id;
    fetch.is_channel = chat.is_channel;
    fetch.peer_id = chat.is_channel ? -id - kChannelIdOffset : -id;
    fetch.access_hash = chat.access_hash;
    return fetch;
  }
  return std::nullopt;
}

void JoinEvents::OnFetchFailed(int64_t chat_id) {
  if (in_flight_ == chat_id) in_flight_.reset();
  auto it = state_.chats.find(chat_id);
  if (it != state_.chats.end()) it->second.dirty = true;
}

void JoinEvents::Forget(int64_t chat_id) {
  if (in_flight_ == chat_id) in_flight_.reset();
  state_.chats.erase(chat_id);
}

void JoinEvents::OnPendingRequesters(int64_t chat_id,
                                     const std::vector<PendingRequester>& pending) {
  if (in_flight_ == chat_id) in_flight_.reset();
  auto it = state_.chats.find(chat_id);
  if (it == state_.chats.end()) return;
  JoinEventsState::Chat& chat = it->second;
  std::map<int64_t, PendingRequester> now;
  for (const PendingRequester& requester : pending) now[requester.user_id] = requester;
  // Gone first (in user order), then new (in request order): a user who was resolved and asked
  // again in between shows as both, with different request dates.
  for (const auto& [user_id, before] : chat.pending) {
    auto found = now.find(user_id);
    if (found != now.end() && found->second.date == before.date) continue;
    JoinEvent event;
    event.kind = JoinEvent::Kind::kRequestResolved;
    event.chat_id = chat_id;
    event.user_id = user_id;
    event.request_date = before.date;
    Emit(std::move(event));
  }
  std::vector<const PendingRequester*> created;
  for (const auto& [user_id, requester] : now) {
    auto found = chat.pending.find(user_id);
    if (found != chat.pending.end() && found->second.date == requester.date) continue;
    created.push_back(&requester);
  }
  std::stable_sort(created.begin(), created.end(),
                   [](const PendingRequester* a, const PendingRequester* b) {
                     return a->date < b->date;
                   });
  for (const PendingRequester* requester : created) {
    JoinEvent event;
    event.kind = JoinEvent::Kind::kRequestCreated;
    event.chat_id = chat_id;
    event.user_id = requester->user_id;
    event.date = requester->date;
    event.request_date = requester->date;
    event.about = requester->about;
    Emit(std::move(event));
  }
  chat.pending = std::move(now);
}

std::vector<JoinEvent> JoinEvents::TakeEvents() { return std::exchange(events_, {}); }

}  // namespace mtproto::engine

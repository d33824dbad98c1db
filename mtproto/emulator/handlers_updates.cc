// updates.*: the account's update state and what it missed, from the UpdateHub's log.
// Spec: https://core.telegram.org/api/updates
#include "mtproto/emulator/chat_state.h"
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/store.h"
#include "mtproto/emulator/update_hub.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

// The hub reports Telegram's 400s as INVALID_ARGUMENT with the error name.
template <typename T>
Outcome AnswerOf(absl::StatusOr<T> result) {
  if (result.ok()) return RpcAnswer::Of(*std::move(result));
  if (absl::IsInvalidArgument(result.status())) {
    return Error(400, std::string(result.status().message()));
  }
  return InternalError(result.status());
}

Outcome GetState(const api::updates_getState&, Call& call) {
  if (call.env.updates) return AnswerOf(call.env.updates->State(call.user_id));
  // Without a hub (dispatcher tests): the store's counters, unchanged behaviour.
  absl::StatusOr<UpdateCounters> counters = call.env.store->GetUpdateCounters(call.user_id);
  if (!counters.ok()) return InternalError(counters.status());
  auto state = std::make_unique<api::updates_state>();
  state->pts = counters->pts;
  state->qts = counters->qts;
  state->seq = counters->seq;
  state->date = static_cast<int32_t>(call.env.NowSeconds());
  state->unread_count = 0;
  return RpcAnswer::Of(std::move(state));
}

Outcome GetDifference(const api::updates_getDifference& request, Call& call) {
  if (!call.env.updates) return Error(400, "METHOD_NOT_IMPLEMENTED");
  return AnswerOf(call.env.updates->Difference(call.user_id, request));
}

Outcome GetChannelDifference(const api::updates_getChannelDifference& request, Call& call) {
  if (!call.env.updates) return Error(400, "METHOD_NOT_IMPLEMENTED");
  if (!request.channel || request.channel->ConstructorId() != api::inputChannel::kId) {
    // inputChannelEmpty, or inputChannelFromMessage (a min channel we do not resolve).
    return Error(400, "CHANNEL_INVALID");
  }
  const auto& channel = static_cast<const api::inputChannel&>(*request.channel);
  if (call.env.chats) {
    const ChatRecord* chat = call.env.chats->FindChat(channel.channel_id);
    if (!chat || !chat->is_channel() || chat->access_hash != channel.access_hash) {
      return Error(400, "CHANNEL_INVALID");
    }
    // Members follow the channel; a public one may be followed without joining.
    if (!chat->IsPresent(call.user_id) && chat->username.empty()) {
      return Error(406, "CHANNEL_PRIVATE");
    }
  }
  return AnswerOf(call.env.updates->ChannelDifference(call.user_id, channel.channel_id,
                                                      request.pts, request.limit));
}

}  // namespace

void RegisterUpdatesHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &GetState);
  Register(table, Access::kSignedIn, &GetDifference);
  Register(table, Access::kSignedIn, &GetChannelDifference);
}

}  // namespace mtproto::emulator

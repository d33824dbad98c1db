// updates.*: the account's update counters. Spec: https://core.telegram.org/api/updates
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/store.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

Outcome GetState(const api::updates_getState&, Call& call) {
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

}  // namespace

void RegisterUpdatesHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &GetState);
}

}  // namespace mtproto::emulator

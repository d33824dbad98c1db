// See deadline.h.
#include "mtproto/engine/deadline.h"

namespace mtproto::engine {

void Cancellation::Cancel() {
  std::lock_guard lock(mutex_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [handle, callback] : callbacks_) callback();
  callbacks_.clear();
}

bool Cancellation::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

Cancellation::Handle Cancellation::Register(absl::AnyInvocable<void()> on_cancel) {
  std::unique_lock lock(mutex_);
  if (cancelled_) {
    lock.unlock();
    on_cancel();
    return 0;
  }
  const Handle handle = next_++;
  callbacks_.emplace(handle, std::move(on_cancel));
  return handle;
}

void Cancellation::Unregister(Handle handle) {
  if (handle == 0) return;
  std::lock_guard lock(mutex_);
  callbacks_.erase(handle);
}

}  // namespace mtproto::engine

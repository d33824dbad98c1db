// Test helpers for the join-request streams: a WatchJoinRequests reader on its own thread that
// tests can wait on, and ErrorInfo extraction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "invitegate/v1/join_requests.grpc.pb.h"

namespace invitegate::testing {

inline google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return info;
  for (const google::protobuf::Any& any : details.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) any.UnpackTo(&info);
  }
  return info;
}

// Reads one Watch stream on a thread. `pause_after` > 0: stops reading after that many events
// until Resume() (a slow consumer).
class WatchCollector {
 public:
  WatchCollector(v1::JoinRequestService::Stub* stub, v1::WatchJoinRequestsRequest request,
                 int pause_after = 0)
      : pause_after_(pause_after) {
    thread_ = std::thread([this, stub, request] {
      auto reader = stub->WatchJoinRequests(&ctx_, request);
      // The server sends its metadata once the subscription is registered.
      reader->WaitForInitialMetadata();
      {
        std::lock_guard lock(mutex_);
        ready_ = true;
        cv_.notify_all();
      }
      v1::JoinRequestEvent event;
      while (true) {
        {
          std::unique_lock lock(mutex_);
          cv_.wait(lock, [&] {
            return pause_after_ == 0 || static_cast<int>(events_.size()) < pause_after_;
          });
        }
        if (!reader->Read(&event)) break;
        std::lock_guard lock(mutex_);
        events_.push_back(event);
        cv_.notify_all();
      }
      grpc::Status status = reader->Finish();
      std::lock_guard lock(mutex_);
      status_ = status;
      done_ = true;
      cv_.notify_all();
    });
  }
  ~WatchCollector() {
    ctx_.TryCancel();
    Resume();
    thread_.join();
  }

  void Resume() {
    std::lock_guard lock(mutex_);
    pause_after_ = 0;
    cv_.notify_all();
  }
  // Waits until `pred(events)` holds or the stream ended; returns pred's last value.
  bool WaitFor(const std::function<bool(const std::vector<v1::JoinRequestEvent>&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return pred(events_) || done_; });
    return pred(events_);
  }
  // Waits until the server registered the subscription (or the stream ended).
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return ready_ || done_; });
  }
  // Waits for the stream's end.
  bool WaitDone(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }
  std::vector<v1::JoinRequestEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  grpc::Status status() {
    std::lock_guard lock(mutex_);
    return status_;
  }
  void Cancel() { ctx_.TryCancel(); }

 private:
  grpc::ClientContext ctx_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<v1::JoinRequestEvent> events_;
  int pause_after_;
  bool done_ = false;
  bool ready_ = false;
  grpc::Status status_;
  std::thread thread_;
};

// Counts events of one kind.
inline int CountCreated(const std::vector<v1::JoinRequestEvent>& events) {
  int n = 0;
  for (const auto& e : events) n += e.has_created();
  return n;
}

}  // namespace invitegate::testing

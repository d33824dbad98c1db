// See watch_reactor.h.
#include "service/watch_reactor.h"

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/event_pump.h"
#include "service/ledger/resume_token.h"
#include "service/metrics/metrics.h"
#include "service/stream/hub.h"

namespace invitegate::service {
namespace {

using ledger::EventType;
using stream::Delivery;
using stream::Subscription;

constexpr absl::Duration kMinHeartbeat = absl::Seconds(1);
constexpr char kTokenMarker[] = "; resume from token ";

uint32_t MaskFor(const v1::WatchJoinRequestsRequest& request) {
  uint32_t mask = 0;
  for (int type : request.event_types()) {
    switch (type) {
      case v1::JOIN_REQUEST_EVENT_TYPE_CREATED:
        mask |= ledger::EventFilter::MaskOf({EventType::kRequestCreated});
        break;
      case v1::JOIN_REQUEST_EVENT_TYPE_RESOLVED:
        mask |= ledger::EventFilter::MaskOf({EventType::kRequestApproved,
                                             EventType::kRequestDeclined});
        break;
      case v1::JOIN_REQUEST_EVENT_TYPE_PENDING_COUNT_CHANGED:
        mask |= ledger::EventFilter::MaskOf({EventType::kPendingCountChanged});
        break;
      default: break;  // UNSPECIFIED: every kind
    }
  }
  // member_joined is the ledger's bookkeeping (link statistics), not an API event.
  return mask != 0 ? mask
                   : ledger::EventFilter::MaskOf({EventType::kRequestCreated,
                                                  EventType::kRequestApproved,
                                                  EventType::kRequestDeclined,
                                                  EventType::kPendingCountChanged});
}

void SetTime(int64_t unix_ms, google::protobuf::Timestamp* out) {
  out->set_seconds(unix_ms / 1000);
  out->set_nanos(static_cast<int32_t>(unix_ms % 1000) * 1000000);
}

// The status a finished subscription ends the RPC with.
grpc::Status EndStatus(const absl::Status& why, metrics::Metrics* metrics) {
  const std::string message(why.message());
  std::map<std::string, std::string> metadata;
  if (size_t at = message.rfind(kTokenMarker); at != std::string::npos) {
    metadata["resume_token"] = message.substr(at + sizeof(kTokenMarker) - 1);
  }
  auto cut_off = [&](const char* reason) {
    if (metrics != nullptr) metrics->RecordSubscriberCutOff(reason);
  };
  switch (why.code()) {
    case absl::StatusCode::kResourceExhausted:
      cut_off("slow_consumer");
      return ServiceError(grpc::StatusCode::RESOURCE_EXHAUSTED, "SLOW_CONSUMER", message,
                          metadata);
    case absl::StatusCode::kUnavailable:
      cut_off("shutdown");
      return ServiceError(grpc::StatusCode::UNAVAILABLE, "SHUTTING_DOWN", message, metadata);
    case absl::StatusCode::kOutOfRange:
      cut_off("out_of_range");
      return ServiceError(grpc::StatusCode::OUT_OF_RANGE, "RESUME_POSITION_UNAVAILABLE", message);
    case absl::StatusCode::kCancelled: return grpc::Status(grpc::StatusCode::CANCELLED, message);
    default: return ToGrpcStatus(why);
  }
}

// What the request asks for, validated.
struct WatchArgs {
  std::string account;
  std::vector<ChatName> chats;
  std::set<std::string> links;  // invite hashes
  uint32_t mask = 0;
  stream::StartFrom start = stream::StartFrom::kNow;
  std::string token;
  absl::Duration heartbeat;
};

// `heartbeat`: the interval when the request sets none.
std::optional<WatchArgs> Parse(const v1::WatchJoinRequestsRequest& request,
                               absl::Duration heartbeat, Violations& violations) {
  WatchArgs args;
  args.heartbeat = heartbeat;
  std::optional<std::string> account = ParseAccountName(request.account(), "account", violations);
  for (int i = 0; i < request.chats_size(); ++i) {
    const std::string field = absl::StrCat("chats[", i, "]");
    std::optional<ChatName> chat = ParseChatName(request.chats(i), field, violations);
    if (!chat.has_value()) continue;
    if (account.has_value() && chat->account != *account) {
      violations.Add(field, "must be a chat of the watched account");
      continue;
    }
    args.chats.push_back(*chat);
  }
  for (int i = 0; i < request.invite_links_size(); ++i) {
    std::optional<std::string> hash =
        ParseInviteRef(request.invite_links(i), absl::StrCat("invite_links[", i, "]"), violations);
    if (hash.has_value()) args.links.insert(*hash);
  }
  for (int i = 0; i < request.event_types_size(); ++i) {
    if (!v1::JoinRequestEventType_IsValid(request.event_types(i))) {
      violations.Add(absl::StrCat("event_types[", i, "]"), "unknown event type");
    }
  }
  args.mask = MaskFor(request);
  if (request.has_heartbeat_interval()) {
    const absl::Duration d = absl::Seconds(request.heartbeat_interval().seconds()) +
                             absl::Nanoseconds(request.heartbeat_interval().nanos());
    if (d < kMinHeartbeat) {
      violations.Add("heartbeat_interval", "must be at least 1 s");
    } else {
      args.heartbeat = d;
    }
  }
  switch (request.start_case()) {
    case v1::WatchJoinRequestsRequest::kResumeToken:
      args.start = stream::StartFrom::kToken;
      args.token = request.resume_token();
      if (absl::StatusOr<ledger::ResumePosition> p = ledger::ParseResumeToken(args.token);
          !p.ok()) {
        violations.Add("resume_token", std::string(p.status().message()));
      }
      break;
    case v1::WatchJoinRequestsRequest::kSnapshot:
      if (request.snapshot()) args.start = stream::StartFrom::kSnapshot;
      break;
    default: break;
  }
  if (!account.has_value() || !violations.empty()) return std::nullopt;
  args.account = *account;
  return args;
}

class WatchReactor final : public grpc::ServerWriteReactor<v1::JoinRequestEvent> {
 public:
  WatchReactor(ServiceContext& context, grpc::CallbackServerContext* ctx,
               const v1::WatchJoinRequestsRequest& request)
      : context_(context), guard_(std::make_shared<Guard>()) {
    guard_->reactor = this;
    if (context_.streams == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          "this server runs without a join-request ledger"));
      return;
    }
    Violations violations;
    std::optional<WatchArgs> args =
        Parse(request, context_.streams->default_heartbeat(), violations);
    if (!args.has_value()) {
      Finish(violations.ToStatus());
      return;
    }
    args_ = *std::move(args);
    grpc::Status allowed = Authorize(context_, *ctx, Action::kRead, args_.account);
    for (const ChatName& chat : args_.chats) {
      if (allowed.ok()) allowed = Authorize(context_, *ctx, Action::kRead, args_.account, chat.chat);
    }
    if (!allowed.ok()) {
      Finish(allowed);
      return;
    }
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = context_.accounts->Get(args_.account);
    if (!account.ok()) {
      Finish(ServiceError(grpc::StatusCode::NOT_FOUND, "ACCOUNT_NOT_FOUND",
                          std::string(account.status().message()), {{"account", args_.account}}));
      return;
    }
    account_ = *account;
    deadline_ = EngineDeadline(*ctx, context_.default_timeout, cancellation_);
    metrics_ = context_.streams->metrics();
    if (metrics_ != nullptr) metrics_->AddSubscribers("watch", 1);
    // Resolving chat usernames may ask Telegram: not on a gRPC callback thread.
    context_.pool->Run([guard = guard_] {
      std::lock_guard lock(guard->mutex);
      if (guard->reactor != nullptr) guard->reactor->Setup();
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(guard_->mutex);
    write_in_flight_ = false;
    if (!ok && subscription_ != nullptr) subscription_->Cancel();  // the client is gone
    if (!ok && subscription_ == nullptr) return FinishOnce(grpc::Status::CANCELLED);
    Step();
  }

  void OnCancel() override {
    cancellation_->Cancel();  // a chat lookup in Setup stops too
    std::lock_guard lock(guard_->mutex);
    cancelled_ = true;
    if (subscription_ != nullptr) {
      subscription_->Cancel();  // its on_ready finishes the call (after a write in flight)
      Step();
    }
    // Before Setup ran: Setup sees cancelled_ and finishes.
  }

  void OnDone() override {
    std::shared_ptr<Subscription> subscription;
    {
      std::lock_guard lock(guard_->mutex);
      guard_->reactor = nullptr;
      subscription = std::move(subscription_);
    }
    if (subscription != nullptr) subscription->Cancel();
    if (metrics_ != nullptr) metrics_->AddSubscribers("watch", -1);
    delete this;
  }

 private:
  // Shared with the hub's on_ready and the pool task, which may run after the reactor is gone.
  struct Guard {
    std::recursive_mutex mutex;
    WatchReactor* reactor = nullptr;  // guarded by mutex; null after OnDone
  };

  // On the pool, guard held.
  void Setup() {
    if (cancelled_) return FinishOnce(grpc::Status::CANCELLED);
    stream::SubscribeRequest subscribe;
    subscribe.filter.account = args_.account;
    subscribe.filter.type_mask = args_.mask;
    for (const ChatName& chat : args_.chats) {
      absl::StatusOr<int64_t> id = ResolveChatId(*account_, chat, deadline_);
      if (!id.ok()) return FinishOnce(ToGrpcStatus(id.status()));
      chat_ids_.insert(*id);
    }
    if (chat_ids_.size() == 1) subscribe.filter.chat_id = *chat_ids_.begin();
    if (args_.links.size() == 1) subscribe.filter.link = *args_.links.begin();
    subscribe.start = args_.start;
    subscribe.resume_token = args_.token;
    absl::StatusOr<std::shared_ptr<Subscription>> subscription =
        context_.streams->hub().Subscribe(subscribe, [guard = guard_] {
          std::lock_guard lock(guard->mutex);
          if (guard->reactor != nullptr) guard->reactor->Step();
        });
    if (!subscription.ok()) {
      if (subscription.status().code() == absl::StatusCode::kInvalidArgument) {
        return FinishOnce(InvalidArgument(
            {{"resume_token", std::string(subscription.status().message())}}));
      }
      return FinishOnce(EndStatus(subscription.status(), metrics_));
    }
    subscription_ = *std::move(subscription);
    last_write_ = absl::Now();
    // Tell the client the stream is established before the first event arrives.
    StartSendInitialMetadata();
    Step();
  }

  // Guard held. Sends the next item if none is in flight, or ends the call.
  void Step() {
    if (finished_ || write_in_flight_ || subscription_ == nullptr) return;
    while (true) {
      Delivery delivery;
      switch (subscription_->Poll(&delivery)) {
        case Subscription::PollResult::kEmpty: return;
        case Subscription::PollResult::kFinished:
          return FinishOnce(cancelled_ ? grpc::Status::CANCELLED
                                       : EndStatus(subscription_->status(), metrics_));
        case Subscription::PollResult::kDelivery: break;
      }
      if (!delivery.resume_token.empty()) latest_token_ = delivery.resume_token;
      out_.Clear();
      bool send = Convert(delivery, &out_);
      if (!send && absl::Now() - last_write_ >= args_.heartbeat) {
        send = true;
        out_.Clear();
        out_.set_resume_token(latest_token_);
        out_.set_account(AccountResourceName(args_.account));
        SetTime(absl::ToUnixMillis(absl::Now()), out_.mutable_event_time());
        out_.mutable_heartbeat();
      }
      if (send) {
        write_in_flight_ = true;
        last_write_ = absl::Now();
        StartWrite(&out_);
        return;
      }
    }
  }

  // false: nothing to send for this delivery (filtered out, or a heartbeat not due yet).
  bool Convert(const Delivery& delivery, v1::JoinRequestEvent* out) {
    out->set_account(AccountResourceName(args_.account));
    out->set_resume_token(delivery.resume_token);
    switch (delivery.kind) {
      case Delivery::Kind::kHeartbeat: return false;
      case Delivery::Kind::kSnapshotEnd:
        SetTime(absl::ToUnixMillis(delivery.at), out->mutable_event_time());
        out->mutable_snapshot_complete();
        return true;
      case Delivery::Kind::kSnapshot:
      case Delivery::Kind::kEvent: break;
    }
    const ledger::Event& e = *delivery.event;
    if (!chat_ids_.empty() && chat_ids_.count(e.chat_id) == 0) return false;
    if (args_.links.size() > 1 && args_.links.count(e.link) == 0) return false;
    if (delivery.kind == Delivery::Kind::kEvent) out->set_sequence(static_cast<int64_t>(e.sequence));
    SetTime(e.date != 0 ? e.date * 1000 : e.recorded_at_ms, out->mutable_event_time());
    out->set_chat(ChatResourceName(e.account, std::to_string(e.chat_id)));
    if (delivery.kind == Delivery::Kind::kSnapshot) {
      LedgerEventToProto(e, out->mutable_snapshot());
      return true;
    }
    switch (e.type) {
      case EventType::kRequestCreated:
        LedgerEventToProto(e, out->mutable_created()->mutable_join_request());
        return true;
      case EventType::kRequestApproved:
      case EventType::kRequestDeclined:
        LedgerEventToProto(e, out->mutable_resolved()->mutable_join_request());
        out->mutable_resolved()->set_resolved_by_user_id(e.actor_id);
        return true;
      case EventType::kPendingCountChanged:
        out->mutable_pending_count_changed()->set_chat(out->chat());
        out->mutable_pending_count_changed()->set_pending_count(e.pending_count);
        return true;
      case EventType::kMemberJoined: return false;
    }
    return false;
  }

  void FinishOnce(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }

  ServiceContext& context_;
  std::shared_ptr<Guard> guard_;
  WatchArgs args_;
  std::shared_ptr<AccountBackend> account_;
  mtproto::engine::Deadline deadline_;
  const std::shared_ptr<mtproto::engine::Cancellation> cancellation_ =
      std::make_shared<mtproto::engine::Cancellation>();
  metrics::Metrics* metrics_ = nullptr;
  // Guarded by guard_->mutex:
  std::set<int64_t> chat_ids_;
  std::shared_ptr<Subscription> subscription_;
  v1::JoinRequestEvent out_;
  std::string latest_token_;
  absl::Time last_write_;
  bool write_in_flight_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::ServerWriteReactor<v1::JoinRequestEvent>* StartWatch(
    ServiceContext& context, grpc::CallbackServerContext* ctx,
    const v1::WatchJoinRequestsRequest* request) {
  return new WatchReactor(context, ctx, *request);
}

void LedgerEventToProto(const ledger::Event& e, v1::JoinRequest* out) {
  const std::string chat = std::to_string(e.chat_id);
  out->set_name(JoinRequestResourceName(e.account, chat, e.user_id));
  v1::User* user = out->mutable_user();
  user->set_id(e.user_id);
  user->set_username(e.username);
  user->set_first_name(e.user_name);
  if (e.date != 0) SetTimestamp(e.date, out->mutable_request_time());
  out->set_about(e.about);
  if (!e.link.empty()) out->set_invite_link(InviteLinkResourceName(e.account, chat, e.link));
  switch (e.type) {
    case EventType::kRequestApproved:
    case EventType::kMemberJoined:
      out->set_state(v1::JOIN_REQUEST_STATE_APPROVED);
      out->set_resolved_by_user_id(e.actor_id);
      break;
    case EventType::kRequestDeclined:
      out->set_state(v1::JOIN_REQUEST_STATE_DECLINED);
      out->set_resolved_by_user_id(e.actor_id);
      break;
    default: out->set_state(v1::JOIN_REQUEST_STATE_PENDING);
  }
}

void PendingToProto(const ledger::PendingRequest& r, v1::JoinRequest* out) {
  ledger::Event e;
  e.account = r.account;
  e.chat_id = r.chat_id;
  e.link = r.link;
  e.user_id = r.user_id;
  e.user_name = r.user_name;
  e.username = r.username;
  e.date = r.date;
  e.about = r.about;
  LedgerEventToProto(e, out);
}

}  // namespace invitegate::service

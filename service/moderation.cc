// See moderation.h.
#include "service/moderation.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "mtproto/engine/invite_link.h"
#include "service/event_pump.h"
#include "service/metrics/metrics.h"

namespace invitegate::service {
namespace {

namespace engine = mtproto::engine;

// One request the filter selected.
struct Candidate {
  int64_t user_id = 0;
  int64_t date = 0;
  std::string about;
  std::string link;  // invite hash, when known
  engine::UserInfo user;
};

struct ModerationArgs {
  ChatName chat;
  bool approve = true;
  std::optional<std::string> link;  // invite hash
  std::optional<int64_t> after, before;
  std::string about;  // lower-case
  int32_t max_count = 0;
};

std::optional<ModerationArgs> Parse(const v1::ModerateJoinRequestsRequest& request,
                                    Violations& violations) {
  ModerationArgs args;
  std::optional<ChatName> chat = ParseChatName(request.parent(), "parent", violations);
  switch (request.action()) {
    case v1::MODERATION_ACTION_APPROVE: args.approve = true; break;
    case v1::MODERATION_ACTION_DECLINE: args.approve = false; break;
    default: violations.Add("action", "must be MODERATION_ACTION_APPROVE or _DECLINE");
  }
  const v1::JoinRequestFilter& filter = request.filter();
  if (!filter.invite_link().empty()) {
    args.link = ParseInviteRef(filter.invite_link(), "filter.invite_link", violations);
  }
  if (filter.has_requested_after()) args.after = filter.requested_after().seconds();
  if (filter.has_requested_before()) args.before = filter.requested_before().seconds();
  if (args.after && args.before && *args.after >= *args.before) {
    violations.Add("filter.requested_before", "must be later than filter.requested_after");
  }
  args.about = absl::AsciiStrToLower(filter.about_contains());
  if (filter.max_count() < 0) violations.Add("filter.max_count", "must not be negative");
  args.max_count = filter.max_count();
  if (!chat.has_value() || !violations.empty()) return std::nullopt;
  args.chat = *chat;
  return args;
}

google::rpc::Status ToRpcStatus(const grpc::Status& status) {
  google::rpc::Status out;
  out.set_code(status.error_code());
  out.set_message(status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    *out.mutable_details() = details.details();
  }
  return out;
}

class ModerationReactor final : public grpc::ServerWriteReactor<v1::ModerationProgress> {
 public:
  ModerationReactor(ServiceContext& context, grpc::CallbackServerContext* ctx,
                    const v1::ModerateJoinRequestsRequest& request)
      : context_(context) {
    Violations violations;
    std::optional<ModerationArgs> args = Parse(request, violations);
    if (!args.has_value()) {
      Finish(violations.ToStatus());
      return;
    }
    args_ = *std::move(args);
    if (grpc::Status s = BeginAccountCall(context_, *ctx, Action::kModerate, args_.chat.account,
                                          args_.chat.chat, &call_, cancellation_);
        !s.ok()) {
      Finish(s);
      return;
    }
    if (call_.kind == AccountKind::kBot && context_.streams == nullptr) {
      Finish(NotAllowedForBots("Listing join requests (this server keeps no ledger)"));
      return;
    }
    metrics_ = context_.streams != nullptr ? context_.streams->metrics() : nullptr;
    if (metrics_ != nullptr) metrics_->AddSubscribers("bulk_moderation", 1);
    std::thread([this] { Run(); }).detach();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mutex_);
      write_done_ = true;
      write_ok_ = ok;
    }
    cv_.notify_all();
  }
  void OnCancel() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    cancellation_->Cancel();  // the engine call in flight stops too
    cv_.notify_all();
  }
  void OnDone() override {
    if (metrics_ != nullptr) metrics_->AddSubscribers("bulk_moderation", -1);
    delete this;
  }

 private:
  engine::Deadline CallDeadline() const {
    return engine::Deadline(std::chrono::steady_clock::now() + context_.default_timeout,
                            cancellation_);
  }
  bool cancelled() {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

  // Sends one progress message and waits for it to be written; false: the client is gone.
  bool Write(const v1::ModerationProgress& progress) {
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return false;
      out_ = progress;
      write_done_ = false;
    }
    StartWrite(&out_);
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return write_done_; });
    return write_ok_ && !cancelled_;
  }

  // Waits `delay` unless the call is cancelled first; false when cancelled.
  bool Sleep(absl::Duration delay) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, absl::ToChronoNanoseconds(delay), [&] { return cancelled_; });
  }

  // The FLOOD_WAIT delay in `status`, if it is one.
  static std::optional<absl::Duration> FloodDelay(const absl::Status& status) {
    if (status.code() != absl::StatusCode::kResourceExhausted) return std::nullopt;
    std::optional<engine::RpcError> error = engine::GetRpcError(status);
    if (!error.has_value() || !absl::StartsWith(error->name, "FLOOD_WAIT")) return std::nullopt;
    return absl::Seconds(std::max<int64_t>(1, error->value.value_or(1)));
  }

  // Runs `call` until it is not a FLOOD_WAIT, reporting and waiting out each one. nullopt:
  // cancelled (the call is not made again).
  template <typename Result, typename Call>
  std::optional<Result> Paced(Call call) {
    while (true) {
      Result result = call();
      std::optional<absl::Duration> delay = FloodDelay(Status(result));
      if (!delay.has_value()) return result;
      if (metrics_ != nullptr) {
        metrics_->RecordFloodWait(args_.chat.account, "moderation", absl::ToDoubleSeconds(*delay));
      }
      v1::ModerationProgress progress;
      progress.mutable_flood_wait()->set_seconds(absl::ToInt64Seconds(*delay));
      progress.set_done(done_);
      progress.set_total(total_);
      if (!Write(progress) || !Sleep(*delay)) return std::nullopt;
    }
  }
  static absl::Status Status(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status Status(const absl::StatusOr<T>& s) {
    return s.status();
  }

  absl::StatusOr<std::vector<Candidate>> Collect() {
    std::vector<Candidate> all;
    if (call_.kind == AccountKind::kBot) {
      ledger::EventFilter filter;
      filter.account = args_.chat.account;
      filter.chat_id = chat_id_;
      if (args_.link) filter.link = *args_.link;
      absl::StatusOr<ledger::PendingSnapshot> pending =
          context_.streams->ledger().Pending(filter);
      if (!pending.ok()) return pending.status();
      for (const ledger::PendingRequest& r : pending->requests) {
        Candidate c{r.user_id, r.date, r.about, r.link, {}};
        c.user.id = r.user_id;
        c.user.first_name = r.user_name;
        c.user.username = r.username;
        all.push_back(std::move(c));
      }
    } else {
      engine::ListImportersOptions options;
      options.requested = true;
      options.limit = engine::kMaxPageLimit;
      if (args_.link) options.link = engine::InviteLinkForHash(*args_.link);
      while (true) {
        std::optional<absl::StatusOr<engine::ImporterPage>> page =
            Paced<absl::StatusOr<engine::ImporterPage>>([&] {
              return call_.api->ListImporters(args_.chat.peer, options, CallDeadline());
            });
        if (!page.has_value()) return absl::CancelledError("moderation cancelled");
        if (!page->ok()) return page->status();
        for (const engine::Importer& i : (*page)->importers) {
          all.push_back({i.user.id, i.date, i.about, args_.link.value_or(""), i.user});
        }
        if (!(*page)->next.has_value() || (*page)->importers.empty()) break;
        options.cursor = (*page)->next;
      }
    }
    // Telegram lists newest first: reversed, requests of the same second stay oldest first.
    if (call_.kind != AccountKind::kBot) std::reverse(all.begin(), all.end());
    std::vector<Candidate> selected;
    for (Candidate& c : all) {
      if (args_.after && c.date < *args_.after) continue;
      if (args_.before && c.date >= *args_.before) continue;
      if (!args_.about.empty() &&
          !absl::StrContains(absl::AsciiStrToLower(c.about), args_.about)) {
        continue;
      }
      selected.push_back(std::move(c));
    }
    std::stable_sort(selected.begin(), selected.end(),
                     [](const Candidate& a, const Candidate& b) { return a.date < b.date; });
    if (args_.max_count > 0 && selected.size() > static_cast<size_t>(args_.max_count)) {
      selected.resize(args_.max_count);
    }
    return selected;
  }

  void Run() {
    grpc::Status end = Work();
    Finish(end);  // the last touch: OnDone deletes this
  }

  grpc::Status Work() {
    absl::StatusOr<int64_t> chat_id = ResolveChatId(*call_.account, args_.chat, CallDeadline());
    if (!chat_id.ok()) return ToGrpcStatus(chat_id.status(), call_.kind);
    chat_id_ = *chat_id;
    absl::StatusOr<std::vector<Candidate>> candidates = Collect();
    if (!candidates.ok()) return ToGrpcStatus(candidates.status(), call_.kind);
    total_ = static_cast<int32_t>(candidates->size());
    const std::string& account = args_.chat.account;
    for (const Candidate& c : *candidates) {
      if (cancelled()) return grpc::Status::CANCELLED;
      DecisionBook* book =
          context_.streams != nullptr ? &context_.streams->decisions() : nullptr;
      std::optional<absl::Status> status = Paced<absl::Status>([&] {
        if (book != nullptr) book->Intend(account, chat_id_, c.user_id, args_.approve);
        absl::Status s =
            args_.approve
                ? call_.api->ApproveRequest(args_.chat.peer, std::to_string(c.user_id),
                                            CallDeadline())
                : call_.api->DeclineRequest(args_.chat.peer, std::to_string(c.user_id),
                                            CallDeadline());
        if (!s.ok() && book != nullptr) book->Forget(account, chat_id_, c.user_id);
        return s;
      });
      if (!status.has_value()) return grpc::Status::CANCELLED;
      if (status->ok() && call_.kind == AccountKind::kBot && !args_.approve) {
        // Telegram tells bots of approvals, never of declines: the ledger hears it from us.
        (void)context_.streams->RecordServiceDecision(account, chat_id_, c.user_id, false, 0);
      }
      ++done_;
      v1::ModerationProgress progress;
      v1::JoinRequest* handled = progress.mutable_handled();
      const std::string chat = args_.chat.chat;
      handled->set_name(JoinRequestResourceName(account, chat, c.user_id));
      ToProto(c.user, handled->mutable_user());
      if (c.date != 0) SetTimestamp(c.date, handled->mutable_request_time());
      handled->set_about(c.about);
      if (!c.link.empty()) handled->set_invite_link(InviteLinkResourceName(account, chat, c.link));
      if (status->ok()) {
        handled->set_state(args_.approve ? v1::JOIN_REQUEST_STATE_APPROVED
                                         : v1::JOIN_REQUEST_STATE_DECLINED);
      } else {
        handled->set_state(v1::JOIN_REQUEST_STATE_PENDING);
        *progress.mutable_error() = ToRpcStatus(ToGrpcStatus(*status, call_.kind));
      }
      progress.set_done(done_);
      progress.set_total(total_);
      if (!Write(progress)) return grpc::Status::CANCELLED;
    }
    return grpc::Status::OK;
  }

  ServiceContext& context_;
  ModerationArgs args_;
  AccountCall call_;
  metrics::Metrics* metrics_ = nullptr;
  int64_t chat_id_ = 0;
  int32_t done_ = 0;
  int32_t total_ = 0;

  std::mutex mutex_;
  std::condition_variable cv_;
  v1::ModerationProgress out_;  // guarded by mutex_ until StartWrite
  bool write_done_ = false;     // guarded by mutex_
  bool write_ok_ = true;        // guarded by mutex_
  bool cancelled_ = false;      // guarded by mutex_
  const std::shared_ptr<engine::Cancellation> cancellation_ =
      std::make_shared<engine::Cancellation>();
};

}  // namespace

grpc::ServerWriteReactor<v1::ModerationProgress>* StartModeration(
    ServiceContext& context, grpc::CallbackServerContext* ctx,
    const v1::ModerateJoinRequestsRequest* request) {
  return new ModerationReactor(context, ctx, *request);
}

}  // namespace invitegate::service

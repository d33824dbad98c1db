// See adapter_support.h.
#include "service/adapter_support.h"

#include "absl/strings/str_cat.h"

namespace invitegate::service {

namespace engine = mtproto::engine;

engine::Deadline EngineDeadline(const grpc::CallbackServerContext& ctx,
                                std::chrono::seconds default_timeout,
                                std::shared_ptr<engine::Cancellation> cancellation) {
  const auto now_system = std::chrono::system_clock::now();
  const auto now_steady = std::chrono::steady_clock::now();
  const std::chrono::system_clock::time_point deadline = ctx.deadline();
  std::chrono::steady_clock::time_point at;
  if (deadline - now_system > std::chrono::hours(24 * 365)) {
    at = now_steady + default_timeout;  // gRPC reports "no deadline" as a time far ahead
  } else if (deadline <= now_system) {
    at = now_steady;
  } else {
    at = now_steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          deadline - now_system);
  }
  return engine::Deadline(at, std::move(cancellation));
}

grpc::Status Authorize(const ServiceContext& context, const grpc::CallbackServerContext& ctx,
                       Action action, std::string_view account, std::string_view chat) {
  if (context.authorizer == nullptr) return grpc::Status::OK;
  absl::StatusOr<auth::Principal> who = context.authorizer->Check(ctx, action, account, chat);
  return who.ok() ? grpc::Status::OK : auth::ToGrpcStatus(who.status());
}

grpc::Status BeginAccountCall(const ServiceContext& context,
                              const grpc::CallbackServerContext& ctx, Action action,
                              const std::string& account_id, std::string_view chat,
                              AccountCall* call,
                              std::shared_ptr<engine::Cancellation> cancellation) {
  if (grpc::Status s = Authorize(context, ctx, action, account_id, chat); !s.ok()) return s;
  absl::StatusOr<std::shared_ptr<AccountBackend>> account = context.accounts->Get(account_id);
  if (!account.ok()) {
    return ServiceError(grpc::StatusCode::NOT_FOUND, "ACCOUNT_NOT_FOUND",
                        std::string(account.status().message()), {{"account", account_id}});
  }
  call->account = *account;
  call->kind = call->account->kind();
  absl::StatusOr<mtproto::store::AccountState> state = call->account->State();
  if (!state.ok()) return ToGrpcStatus(state.status());
  if (state->login_state != mtproto::store::LoginState::kSignedIn) {
    return ServiceError(grpc::StatusCode::FAILED_PRECONDITION, "ACCOUNT_NOT_SIGNED_IN",
                        absl::StrCat("account \"", account_id,
                                     "\" is not signed in to Telegram (AccountService.StartSignIn "
                                     "or SignInBot)"),
                        {{"account", account_id}});
  }
  call->api = call->account->invites();
  if (call->api == nullptr) {
    return ServiceError(grpc::StatusCode::UNIMPLEMENTED, "INVITE_API_UNAVAILABLE",
                        "this build has no invite API");
  }
  call->deadline = EngineDeadline(ctx, context.default_timeout, std::move(cancellation));
  return grpc::Status::OK;
}

bool BeginUnaryAccountCall(const ServiceContext& context, const grpc::CallbackServerContext& ctx,
                           UnaryCall* reactor, Action action, const std::string& account_id,
                           std::string_view chat, AccountCall* call) {
  grpc::Status status =
      BeginAccountCall(context, ctx, action, account_id, chat, call, reactor->cancellation());
  if (!status.ok()) reactor->Finish(status);
  return status.ok();
}

bool FinishIfInvalid(grpc::ServerUnaryReactor* reactor, const Violations& violations) {
  if (violations.empty()) return false;
  reactor->Finish(violations.ToStatus());
  return true;
}

void SetTimestamp(int64_t unix_seconds, google::protobuf::Timestamp* out) {
  out->set_seconds(unix_seconds);
  out->set_nanos(0);
}

void ToProto(const engine::UserInfo& in, v1::User* out) {
  out->set_id(in.id);
  out->set_first_name(in.first_name);
  out->set_last_name(in.last_name);
  out->set_username(in.username);
  out->set_bot(in.bot);
}

void ToProto(const engine::InviteLink& in, const std::string& account, const std::string& chat,
             v1::InviteLink* out) {
  out->set_name(InviteLinkResourceName(account, chat, in.hash));
  out->set_url(in.link);
  out->mutable_creator()->set_id(in.admin_id);
  if (in.date != 0) SetTimestamp(in.date, out->mutable_create_time());
  if (in.start_date.has_value()) SetTimestamp(*in.start_date, out->mutable_start_time());
  if (in.expire_date.has_value() && *in.expire_date != 0) {
    SetTimestamp(*in.expire_date, out->mutable_expire_time());
  }
  if (in.usage_limit.has_value() && *in.usage_limit != 0) out->set_usage_limit(*in.usage_limit);
  out->set_request_needed(in.request_needed);
  if (!in.title.empty()) out->set_title(in.title);
  out->set_usage(in.usage);
  out->set_pending_requests(in.requested);
  out->set_revoked(in.revoked);
  out->set_primary(in.permanent);
  if (in.subscription.has_value()) {
    out->mutable_subscription_pricing()->set_period_seconds(in.subscription->period);
    out->mutable_subscription_pricing()->set_amount_stars(in.subscription->amount);
  }
  if (in.subscription_expired.has_value()) {
    out->set_subscription_expired(*in.subscription_expired);
  }
}

void ToProto(const engine::ChatInfo& in, const std::string& account, v1::Chat* out) {
  out->set_name(ChatResourceName(account, std::to_string(in.bot_api_id)));
  out->set_id(in.bot_api_id);
  if (in.kind == mtproto::store::PeerKind::kChat) {
    out->set_kind(v1::CHAT_KIND_GROUP);
  } else if (in.broadcast) {
    out->set_kind(v1::CHAT_KIND_CHANNEL);
  } else {
    out->set_kind(v1::CHAT_KIND_SUPERGROUP);
  }
  out->set_title(in.title);
  out->set_username(in.username);
  if (in.participants_count.has_value()) out->set_participants_count(*in.participants_count);
  v1::ChatSettings* settings = out->mutable_settings();
  settings->set_name(absl::StrCat(out->name(), "/settings"));
  settings->set_join_requests_required(in.join_request);
  settings->set_join_to_send(in.join_to_send);
}

void ToProto(const engine::Importer& in, v1::InviteImporter* out) {
  ToProto(in.user, out->mutable_user());
  SetTimestamp(in.date, out->mutable_join_time());
  out->set_about(in.about);
  if (in.approved_by.has_value()) out->set_approved_by_user_id(*in.approved_by);
  out->set_via_chatlist(in.via_chatlist);
}

void ToProto(const engine::Importer& in, const std::string& account, const std::string& chat,
             v1::JoinRequest* out) {
  out->set_name(JoinRequestResourceName(account, chat, in.user.id));
  ToProto(in.user, out->mutable_user());
  SetTimestamp(in.date, out->mutable_request_time());
  out->set_about(in.about);
  out->set_state(in.requested ? v1::JOIN_REQUEST_STATE_PENDING : v1::JOIN_REQUEST_STATE_APPROVED);
  if (in.approved_by.has_value()) out->set_resolved_by_user_id(*in.approved_by);
}

}  // namespace invitegate::service

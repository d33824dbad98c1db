// InviteLinkService (proto/invitegate/v1/invite_links.proto) over the engine's InviteApi: each
// method validates its request, finds the account, and forwards to one asynchronous InviteApi
// operation whose callback fills the response and finishes the call.
// Spec: https://core.telegram.org/api/invites#invite-links
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "service/adapter_support.h"

namespace invitegate::service {
namespace {

namespace engine = mtproto::engine;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

constexpr int32_t kDefaultPageSize = 50;

// The number of characters (not bytes) of UTF-8 text.
size_t Utf8Length(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// Checks the settable fields of an InviteLink; `prefix` is the message field's path.
void CheckLinkFields(const v1::InviteLink& link, const std::string& prefix, bool check_expire,
                     bool check_limit, bool check_title, Violations& violations) {
  if (check_expire && link.has_expire_time() && link.expire_time().seconds() <= std::time(nullptr)) {
    violations.Add(prefix + "expire_time", "must be in the future");
  }
  if (check_limit && link.has_usage_limit() &&
      (link.usage_limit() < 1 || link.usage_limit() > engine::kMaxUsageLimit)) {
    violations.Add(prefix + "usage_limit",
                   absl::StrCat("must be between 1 and ", engine::kMaxUsageLimit));
  }
  if (check_title && link.has_title() && Utf8Length(link.title()) > engine::kMaxLinkTitleChars) {
    violations.Add(prefix + "title",
                   absl::StrCat("at most ", engine::kMaxLinkTitleChars, " characters"));
  }
}

class InviteLinkServiceImpl final : public v1::InviteLinkService::CallbackService {
 public:
  explicit InviteLinkServiceImpl(ServiceContext* context) : context_(*context) {}

  ServerUnaryReactor* CreateInviteLink(CallbackServerContext* ctx,
                                       const v1::CreateInviteLinkRequest* request,
                                       v1::InviteLink* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->parent(), "parent", violations);
    const v1::InviteLink& link = request->invite_link();
    CheckLinkFields(link, "invite_link.", true, true, true, violations);
    if (link.has_usage_limit() && link.request_needed()) {
      violations.Add("invite_link.usage_limit",
                     "cannot be combined with request_needed (Telegram counts approved users "
                     "differently)");
    }
    if (link.has_subscription_pricing() &&
        (link.subscription_pricing().period_seconds() <= 0 ||
         link.subscription_pricing().amount_stars() <= 0)) {
      violations.Add("invite_link.subscription_pricing",
                     "period_seconds and amount_stars must be positive");
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, chat->account,
                               chat->chat, &call))
      return reactor;
    engine::CreateLinkOptions options;
    if (link.has_expire_time()) options.expire_date = static_cast<int32_t>(link.expire_time().seconds());
    if (link.has_usage_limit()) options.usage_limit = link.usage_limit();
    options.request_needed = link.request_needed();
    if (link.has_title()) options.title = link.title();
    if (link.has_subscription_pricing()) {
      options.subscription = engine::SubscriptionPricing{
          link.subscription_pricing().period_seconds(), link.subscription_pricing().amount_stars()};
    }
    options.legacy_revoke_permanent = request->legacy_revoke_primary();
    call.api->CreateLinkAsync(
        chat->peer, std::move(options), call.deadline,
        [reactor, response, chat = *chat, kind = call.kind](
            absl::StatusOr<engine::InviteLink> result) {
          if (!result.ok()) return FinishWith(reactor, result.status(), kind);
          ToProto(*result, chat.account, chat.chat, response);
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* GetInviteLink(CallbackServerContext* ctx,
                                    const v1::GetInviteLinkRequest* request,
                                    v1::InviteLink* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<InviteLinkName> name = ParseInviteLinkName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, name->chat.account,
                               name->chat.chat, &call))
      return reactor;
    call.api->GetLinkAsync(name->chat.peer, name->hash, call.deadline,
                           [reactor, response, name = *name, kind = call.kind](
                               absl::StatusOr<engine::InviteLink> result) {
                             if (!result.ok()) return FinishWith(reactor, result.status(), kind);
                             ToProto(*result, name.chat.account, name.chat.chat, response);
                             reactor->Finish(grpc::Status::OK);
                           });
    return reactor;
  }

  ServerUnaryReactor* ListInviteLinks(CallbackServerContext* ctx,
                                      const v1::ListInviteLinksRequest* request,
                                      v1::ListInviteLinksResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->parent(), "parent", violations);
    engine::ListLinksOptions options;
    options.limit = ParsePageSize(request->page_size(), kDefaultPageSize, engine::kMaxPageLimit,
                                  "page_size", violations);
    options.revoked = request->revoked();
    if (request->admin_user_id() < 0) {
      violations.Add("admin_user_id", "must be a user id (positive) or 0 for the account itself");
    } else if (request->admin_user_id() > 0) {
      options.admin = std::to_string(request->admin_user_id());
    }
    if (!request->page_token().empty()) {
      std::optional<std::vector<std::string>> fields = DecodePageToken(request->page_token());
      engine::LinkCursor cursor;
      if (!fields.has_value() || fields->size() != 2 ||
          !absl::SimpleAtoi((*fields)[0], &cursor.offset_date)) {
        violations.Add("page_token", "not a token this server handed out");
      } else {
        cursor.offset_link = (*fields)[1];
        options.cursor = cursor;
      }
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, chat->account, chat->chat,
                               &call))
      return reactor;
    if (call.kind == AccountKind::kBot) {
      reactor->Finish(NotAllowedForBots("Listing invite links"));
      return reactor;
    }
    call.api->ListLinksAsync(
        chat->peer, std::move(options), call.deadline,
        [reactor, response, chat = *chat, kind = call.kind](absl::StatusOr<engine::LinkPage> page) {
          if (!page.ok()) return FinishWith(reactor, page.status(), kind);
          std::map<int64_t, const engine::UserInfo*> users;
          for (const engine::UserInfo& user : page->users) users[user.id] = &user;
          for (const engine::InviteLink& link : page->links) {
            v1::InviteLink* out = response->add_invite_links();
            ToProto(link, chat.account, chat.chat, out);
            if (auto it = users.find(link.admin_id); it != users.end()) {
              ToProto(*it->second, out->mutable_creator());
            }
          }
          response->set_total_size(page->total_count);
          if (page->next.has_value() && !page->links.empty()) {
            response->set_next_page_token(EncodePageToken(
                {std::to_string(page->next->offset_date), page->next->offset_link}));
          }
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* UpdateInviteLink(CallbackServerContext* ctx,
                                       const v1::UpdateInviteLinkRequest* request,
                                       v1::InviteLink* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    const v1::InviteLink& link = request->invite_link();
    std::optional<InviteLinkName> name =
        ParseInviteLinkName(link.name(), "invite_link.name", violations);
    engine::EditLinkOptions options;
    bool expire = false, limit = false, title = false, request_needed = false;
    if (request->update_mask().paths_size() == 0) {
      violations.Add("update_mask", "required: name the fields to change (expire_time, "
                                    "usage_limit, request_needed, title)");
    }
    for (const std::string& path : request->update_mask().paths()) {
      if (path == "expire_time") {
        expire = true;
        options.expire_date =
            link.has_expire_time() ? static_cast<int32_t>(link.expire_time().seconds()) : 0;
      } else if (path == "usage_limit") {
        limit = true;
        options.usage_limit = link.has_usage_limit() ? link.usage_limit() : 0;
      } else if (path == "request_needed") {
        request_needed = true;
        options.request_needed = link.request_needed();
      } else if (path == "title") {
        title = true;
        options.title = link.title();
      } else {
        violations.Add("update_mask", absl::StrCat("\"", path, "\" cannot be updated (only "
                                                   "expire_time, usage_limit, request_needed, "
                                                   "title; revoke with RevokeInviteLink)"));
      }
    }
    CheckLinkFields(link, "invite_link.", expire, limit, title, violations);
    if (limit && request_needed && link.has_usage_limit() && link.request_needed()) {
      violations.Add("invite_link.usage_limit", "cannot be combined with request_needed");
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, name->chat.account,
                               name->chat.chat, &call))
      return reactor;
    call.api->EditLinkAsync(name->chat.peer, name->hash, std::move(options), call.deadline,
                            [reactor, response, name = *name, kind = call.kind](
                                absl::StatusOr<engine::EditedLink> result) {
                              if (!result.ok()) return FinishWith(reactor, result.status(), kind);
                              ToProto(result->link, name.chat.account, name.chat.chat, response);
                              reactor->Finish(grpc::Status::OK);
                            });
    return reactor;
  }

  ServerUnaryReactor* RevokeInviteLink(CallbackServerContext* ctx,
                                       const v1::RevokeInviteLinkRequest* request,
                                       v1::RevokeInviteLinkResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<InviteLinkName> name = ParseInviteLinkName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, name->chat.account,
                               name->chat.chat, &call))
      return reactor;
    call.api->RevokeLinkAsync(
        name->chat.peer, name->hash, call.deadline,
        [reactor, response, name = *name, kind = call.kind](
            absl::StatusOr<engine::EditedLink> result) {
          if (!result.ok()) return FinishWith(reactor, result.status(), kind);
          ToProto(result->link, name.chat.account, name.chat.chat, response->mutable_invite_link());
          if (result->replacement.has_value()) {
            ToProto(*result->replacement, name.chat.account, name.chat.chat,
                    response->mutable_new_primary_link());
          }
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* DeleteInviteLink(CallbackServerContext* ctx,
                                       const v1::DeleteInviteLinkRequest* request,
                                       google::protobuf::Empty*) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<InviteLinkName> name = ParseInviteLinkName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, name->chat.account,
                               name->chat.chat, &call))
      return reactor;
    call.api->DeleteLinkAsync(name->chat.peer, name->hash, call.deadline,
                              [reactor, kind = call.kind](absl::Status status) {
                                FinishWith(reactor, status, kind);
                              });
    return reactor;
  }

  ServerUnaryReactor* DeleteRevokedInviteLinks(CallbackServerContext* ctx,
                                               const v1::DeleteRevokedInviteLinksRequest* request,
                                               google::protobuf::Empty*) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->parent(), "parent", violations);
    std::optional<std::string> admin;
    if (request->admin_user_id() < 0) {
      violations.Add("admin_user_id", "must be a user id (positive) or 0 for the account itself");
    } else if (request->admin_user_id() > 0) {
      admin = std::to_string(request->admin_user_id());
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, chat->account,
                               chat->chat, &call))
      return reactor;
    call.api->DeleteRevokedLinksAsync(chat->peer, admin, call.deadline,
                                      [reactor, kind = call.kind](absl::Status status) {
                                        FinishWith(reactor, status, kind);
                                      });
    return reactor;
  }

  ServerUnaryReactor* ListAdminsWithInvites(CallbackServerContext* ctx,
                                            const v1::ListAdminsWithInvitesRequest* request,
                                            v1::ListAdminsWithInvitesResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->parent(), "parent", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, chat->account, chat->chat,
                               &call))
      return reactor;
    if (call.kind == AccountKind::kBot) {
      reactor->Finish(NotAllowedForBots("Listing the admins with invite links"));
      return reactor;
    }
    call.api->ListAdminsWithInvitesAsync(
        chat->peer, call.deadline,
        [reactor, response, kind = call.kind](
            absl::StatusOr<std::vector<engine::AdminWithInvites>> admins) {
          if (!admins.ok()) return FinishWith(reactor, admins.status(), kind);
          for (const engine::AdminWithInvites& admin : *admins) {
            v1::AdminInviteCount* out = response->add_admins();
            ToProto(admin.admin, out->mutable_admin());
            out->set_invite_link_count(admin.invites_count);
            out->set_revoked_invite_link_count(admin.revoked_invites_count);
          }
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* CheckInviteLink(CallbackServerContext* ctx,
                                      const v1::CheckInviteLinkRequest* request,
                                      v1::CheckInviteLinkResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<std::string> account = ParseAccountName(request->account(), "account", violations);
    std::optional<std::string> hash = ParseInviteRef(request->invite_link(), "invite_link", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, *account, {}, &call))
      return reactor;
    call.api->CheckLinkAsync(
        *hash, call.deadline,
        [reactor, response, account = *account, kind = call.kind](
            absl::StatusOr<engine::ChatInviteInfo> info) {
          if (!info.ok()) return FinishWith(reactor, info.status(), kind);
          switch (info->kind) {
            case engine::ChatInviteInfo::Kind::kAlreadyMember:
              if (info->chat.has_value()) ToProto(*info->chat, account, response->mutable_already_member());
              else response->mutable_already_member();
              break;
            case engine::ChatInviteInfo::Kind::kPeek:
              if (info->chat.has_value()) ToProto(*info->chat, account, response->mutable_peek());
              else response->mutable_peek();
              SetTimestamp(info->peek_expires, response->mutable_peek_expire_time());
              break;
            case engine::ChatInviteInfo::Kind::kInvite: {
              v1::InvitePreview* preview = response->mutable_preview();
              preview->set_title(info->title);
              preview->set_about(info->about);
              preview->set_kind(!info->channel     ? v1::CHAT_KIND_GROUP
                                : info->broadcast ? v1::CHAT_KIND_CHANNEL
                                                  : v1::CHAT_KIND_SUPERGROUP);
              preview->set_public_(info->is_public);
              preview->set_participants_count(info->participants_count);
              preview->set_request_needed(info->request_needed);
              for (const engine::UserInfo& user : info->participants) {
                ToProto(user, preview->add_participants());
              }
              if (info->subscription.has_value()) {
                preview->mutable_subscription_pricing()->set_period_seconds(info->subscription->period);
                preview->mutable_subscription_pricing()->set_amount_stars(info->subscription->amount);
              }
              break;
            }
          }
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* JoinByInviteLink(CallbackServerContext* ctx,
                                       const v1::JoinByInviteLinkRequest* request,
                                       v1::JoinByInviteLinkResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<std::string> account = ParseAccountName(request->account(), "account", violations);
    std::optional<std::string> hash = ParseInviteRef(request->invite_link(), "invite_link", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kAdmin, *account, {}, &call))
      return reactor;
    call.api->JoinByLinkAsync(
        *hash, call.deadline,
        [reactor, response, account = *account, kind = call.kind](
            absl::StatusOr<engine::JoinOutcome> outcome) {
          if (!outcome.ok()) return FinishWith(reactor, outcome.status(), kind);
          response->set_outcome(outcome->kind == engine::JoinOutcome::Kind::kJoined
                                    ? v1::JOIN_OUTCOME_JOINED
                                    : v1::JOIN_OUTCOME_PENDING_APPROVAL);
          if (outcome->chat.has_value()) ToProto(*outcome->chat, account, response->mutable_chat());
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

 private:
  ServiceContext& context_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeInviteLinkService(ServiceContext* context) {
  return std::make_unique<InviteLinkServiceImpl>(context);
}

}  // namespace invitegate::service

// ChatService and UsernameService (proto/invitegate/v1/chats.proto) over the engine's InviteApi:
// join settings (channels.toggleJoinRequest / toggleJoinToSend), joining public chats
// (channels.joinChannel), and public usernames (channels.checkUsername / updateUsername,
// contacts.resolveUsername). GetChat reads chats by username (contacts.resolveUsername); reading
// a private chat by id needs channels.getChannels, which the invite API does not offer yet.
// Spec: https://core.telegram.org/api/invites#public-usernames
#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "invitegate/v1/chats.grpc.pb.h"
#include "mtproto/engine/invite_link.h"
#include "service/adapter_support.h"

namespace invitegate::service {
namespace {

namespace engine = mtproto::engine;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Telegram's rule for new public usernames: 5-32 characters of [A-Za-z0-9_], starting with a
// letter, not ending in '_', no "__".
bool IsValidNewUsername(std::string_view name) {
  if (name.size() < 5 || name.size() > 32 || !absl::ascii_isalpha(name[0])) return false;
  if (name.back() == '_' || name.find("__") != std::string_view::npos) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

constexpr char kUsernameRule[] =
    "5-32 characters of [A-Za-z0-9_], starting with a letter, without \"__\" or a trailing '_'";

class ChatServiceImpl final : public v1::ChatService::CallbackService {
 public:
  explicit ChatServiceImpl(ServiceContext* context) : context_(*context) {}

  ServerUnaryReactor* GetChat(CallbackServerContext* ctx, const v1::GetChatRequest* request,
                              v1::Chat* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, chat->account, chat->chat,
                               &call))
      return reactor;
    if (chat->peer[0] != '@') {
      reactor->Finish(ServiceError(grpc::StatusCode::UNIMPLEMENTED, "CHAT_BY_ID_UNSUPPORTED",
                                   "GetChat reads chats by username for now"));
      return reactor;
    }
    call.api->ResolveUsernameAsync(
        chat->peer, call.deadline,
        [reactor, response, account = chat->account, kind = call.kind](
            absl::StatusOr<engine::ResolvedUsername> resolved) {
          if (!resolved.ok()) return FinishWith(reactor, resolved.status(), kind);
          if (!resolved->chat.has_value()) {
            return reactor->Finish(ServiceError(grpc::StatusCode::NOT_FOUND, "NOT_A_CHAT",
                                                "the username belongs to a user, not a chat"));
          }
          ToProto(*resolved->chat, account, response);
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* UpdateChatSettings(CallbackServerContext* ctx,
                                         const v1::UpdateChatSettingsRequest* request,
                                         v1::ChatSettings* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    const v1::ChatSettings& settings = request->settings();
    std::optional<ChatName> chat =
        ParseChatSettingsName(settings.name(), "settings.name", violations);
    std::optional<bool> join_request, join_to_send;
    if (request->update_mask().paths_size() == 0) {
      violations.Add("update_mask", "required: join_requests_required and/or join_to_send");
    }
    for (const std::string& path : request->update_mask().paths()) {
      if (path == "join_requests_required") {
        join_request = settings.join_requests_required();
      } else if (path == "join_to_send") {
        join_to_send = settings.join_to_send();
      } else {
        violations.Add("update_mask", absl::StrCat("\"", path, "\" is not a chat setting"));
      }
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, chat->account,
                               chat->chat, &call))
      return reactor;
    response->set_name(settings.name());
    if (join_request.has_value()) response->set_join_requests_required(*join_request);
    if (join_to_send.has_value()) response->set_join_to_send(*join_to_send);
    // The two toggles are separate Telegram calls: join_requests_required first, then
    // join_to_send; the first failure ends the call.
    engine::InviteApi* api = call.api;
    auto second = [api, reactor, peer = chat->peer, join_to_send, deadline = call.deadline,
                   kind = call.kind](absl::Status status) {
      if (!status.ok() || !join_to_send.has_value()) return FinishWith(reactor, status, kind);
      api->ToggleJoinToSendAsync(peer, *join_to_send, deadline,
                                 [reactor, kind](absl::Status s) { FinishWith(reactor, s, kind); });
    };
    if (join_request.has_value()) {
      api->ToggleJoinRequestAsync(chat->peer, *join_request, call.deadline, std::move(second));
    } else {
      second(absl::OkStatus());
    }
    return reactor;
  }

  ServerUnaryReactor* JoinChat(CallbackServerContext* ctx, const v1::JoinChatRequest* request,
                               v1::JoinChatResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kAdmin, chat->account, chat->chat,
                               &call))
      return reactor;
    call.api->JoinChannelAsync(
        chat->peer, call.deadline,
        [reactor, response, account = chat->account, kind = call.kind](
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

class UsernameServiceImpl final : public v1::UsernameService::CallbackService {
 public:
  explicit UsernameServiceImpl(ServiceContext* context) : context_(*context) {}

  ServerUnaryReactor* CheckUsername(CallbackServerContext* ctx,
                                    const v1::CheckUsernameRequest* request,
                                    v1::CheckUsernameResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->chat(), "chat", violations);
    if (!IsValidNewUsername(request->username())) violations.Add("username", kUsernameRule);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, chat->account, chat->chat,
                               &call))
      return reactor;
    call.api->CheckUsernameAsync(chat->peer, request->username(), call.deadline,
                                 [reactor, response, kind = call.kind](absl::StatusOr<bool> free) {
                                   if (!free.ok()) return FinishWith(reactor, free.status(), kind);
                                   response->set_available(*free);
                                   reactor->Finish(grpc::Status::OK);
                                 });
    return reactor;
  }

  ServerUnaryReactor* UpdateUsername(CallbackServerContext* ctx,
                                     const v1::UpdateUsernameRequest* request,
                                     v1::Chat* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->chat(), "chat", violations);
    if (!request->username().empty() && !IsValidNewUsername(request->username())) {
      violations.Add("username", absl::StrCat(kUsernameRule, "; or empty to remove it"));
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kManageLinks, chat->account,
                               chat->chat, &call))
      return reactor;
    engine::InviteApi* api = call.api;
    const std::string username = request->username();
    call.api->UpdateUsernameAsync(
        chat->peer, username, call.deadline,
        [api, reactor, response, username, account = chat->account, deadline = call.deadline,
         kind = call.kind](absl::Status status) {
          if (!status.ok() || username.empty()) return FinishWith(reactor, status, kind);
          // Read the chat back under its new name.
          api->ResolveUsernameAsync(
              username, deadline,
              [reactor, response, account, kind](absl::StatusOr<engine::ResolvedUsername> r) {
                if (r.ok() && r->chat.has_value()) ToProto(*r->chat, account, response);
                reactor->Finish(grpc::Status::OK);
              });
        });
    return reactor;
  }

  ServerUnaryReactor* ResolveUsername(CallbackServerContext* ctx,
                                      const v1::ResolveUsernameRequest* request,
                                      v1::ResolveUsernameResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<std::string> account = ParseAccountName(request->account(), "account", violations);
    std::string username(absl::StripPrefix(request->username(), "@"));
    if (std::optional<std::string> from_link = engine::ParsePublicLink(request->username())) {
      username = *from_link;
    }
    if (!engine::LooksLikeUsername(username)) {
      violations.Add("username", "a username (4-32 characters of [A-Za-z0-9_]), with or without "
                                 "'@', or a t.me/<username> link");
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, *account, {}, &call))
      return reactor;
    call.api->ResolveUsernameAsync(
        username, call.deadline,
        [reactor, response, account = *account, kind = call.kind](
            absl::StatusOr<engine::ResolvedUsername> resolved) {
          if (!resolved.ok()) return FinishWith(reactor, resolved.status(), kind);
          if (resolved->user.has_value()) {
            ToProto(*resolved->user, response->mutable_user());
          } else if (resolved->chat.has_value()) {
            ToProto(*resolved->chat, account, response->mutable_chat());
          }
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

 private:
  ServiceContext& context_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeChatService(ServiceContext* context) {
  return std::make_unique<ChatServiceImpl>(context);
}
std::unique_ptr<grpc::Service> MakeUsernameService(ServiceContext* context) {
  return std::make_unique<UsernameServiceImpl>(context);
}

}  // namespace invitegate::service

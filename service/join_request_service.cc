// JoinRequestService (proto/invitegate/v1/join_requests.proto) over the engine's InviteApi: the
// pending requests and importers (messages.getChatInviteImporters), approving and declining one
// (hideChatJoinRequest) or all (hideAllChatJoinRequests). ModerateJoinRequests, Watch and the
// per-link statistics need the ledger and stream hub (service/ledger, service/stream); until
// they are wired in, the generated base class answers UNIMPLEMENTED.
// Spec: https://core.telegram.org/api/invites#join-requests
#include "absl/strings/numbers.h"
#include "invitegate/v1/join_requests.grpc.pb.h"
#include "mtproto/engine/invite_link.h"
#include "service/adapter_support.h"

namespace invitegate::service {
namespace {

namespace engine = mtproto::engine;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

constexpr int32_t kDefaultPageSize = 50;

// The common part of ListJoinRequests and ListInviteImporters.
struct ListArgs {
  ChatName chat;
  engine::ListImportersOptions options;
};

template <typename Request>
std::optional<ListArgs> ParseList(const Request& request, bool requested, Violations& violations) {
  std::optional<ChatName> chat = ParseChatName(request.parent(), "parent", violations);
  ListArgs args;
  args.options.requested = requested;
  args.options.limit = ParsePageSize(request.page_size(), kDefaultPageSize, engine::kMaxPageLimit,
                                     "page_size", violations);
  if (!request.invite_link().empty()) {
    std::optional<std::string> hash = ParseInviteRef(request.invite_link(), "invite_link", violations);
    if (hash.has_value()) args.options.link = engine::InviteLinkForHash(*hash);
  }
  if (!request.query().empty()) args.options.q = request.query();
  if (!request.page_token().empty()) {
    std::optional<std::vector<std::string>> fields = DecodePageToken(request.page_token());
    engine::ImporterCursor cursor;
    if (!fields.has_value() || fields->size() != 2 ||
        !absl::SimpleAtoi((*fields)[0], &cursor.offset_date) ||
        !absl::SimpleAtoi((*fields)[1], &cursor.offset_user_id)) {
      violations.Add("page_token", "not a token this server handed out");
    } else {
      args.options.cursor = cursor;
    }
  }
  if (!chat.has_value() || !violations.empty()) return std::nullopt;
  args.chat = *chat;
  return args;
}

std::string NextToken(const engine::ImporterPage& page) {
  if (!page.next.has_value() || page.importers.empty()) return "";
  return EncodePageToken({std::to_string(page.next->offset_date),
                          std::to_string(page.next->offset_user_id)});
}

class JoinRequestServiceImpl final : public v1::JoinRequestService::CallbackService {
 public:
  explicit JoinRequestServiceImpl(ServiceContext* context) : context_(*context) {}

  ServerUnaryReactor* ListJoinRequests(CallbackServerContext* ctx,
                                       const v1::ListJoinRequestsRequest* request,
                                       v1::ListJoinRequestsResponse* response) override {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    Violations violations;
    std::optional<ListArgs> args = ParseList(*request, true, violations);
    if (!violations.empty()) {
      reactor->Finish(violations.ToStatus());
      return reactor;
    }
    AccountCall call;
    if (grpc::Status s = BeginAccountCall(context_, *ctx, args->chat.account, &call); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    if (call.kind == AccountKind::kBot) {
      // The ledger will serve bots their received requests; until then, say what is missing.
      reactor->Finish(NotAllowedForBots("Listing join requests"));
      return reactor;
    }
    call.api->ListImportersAsync(
        args->chat.peer, std::move(args->options), call.deadline,
        [reactor, response, chat = args->chat, kind = call.kind](
            absl::StatusOr<engine::ImporterPage> page) {
          if (!page.ok()) return FinishWith(reactor, page.status(), kind);
          for (const engine::Importer& importer : page->importers) {
            ToProto(importer, chat.account, chat.chat, response->add_join_requests());
          }
          response->set_total_size(page->total_count);
          response->set_next_page_token(NextToken(*page));
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* ListInviteImporters(CallbackServerContext* ctx,
                                          const v1::ListInviteImportersRequest* request,
                                          v1::ListInviteImportersResponse* response) override {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    Violations violations;
    std::optional<ListArgs> args = ParseList(*request, false, violations);
    if (!violations.empty()) {
      reactor->Finish(violations.ToStatus());
      return reactor;
    }
    AccountCall call;
    if (grpc::Status s = BeginAccountCall(context_, *ctx, args->chat.account, &call); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    if (call.kind == AccountKind::kBot) {
      reactor->Finish(NotAllowedForBots("Listing the users who joined by link"));
      return reactor;
    }
    call.api->ListImportersAsync(
        args->chat.peer, std::move(args->options), call.deadline,
        [reactor, response, kind = call.kind](absl::StatusOr<engine::ImporterPage> page) {
          if (!page.ok()) return FinishWith(reactor, page.status(), kind);
          for (const engine::Importer& importer : page->importers) {
            ToProto(importer, response->add_importers());
          }
          response->set_total_size(page->total_count);
          response->set_next_page_token(NextToken(*page));
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

  ServerUnaryReactor* ApproveJoinRequest(CallbackServerContext* ctx,
                                         const v1::ApproveJoinRequestRequest* request,
                                         google::protobuf::Empty*) override {
    return HideOne(ctx, request->name(), true);
  }
  ServerUnaryReactor* DeclineJoinRequest(CallbackServerContext* ctx,
                                         const v1::DeclineJoinRequestRequest* request,
                                         google::protobuf::Empty*) override {
    return HideOne(ctx, request->name(), false);
  }
  ServerUnaryReactor* ApproveAllJoinRequests(CallbackServerContext* ctx,
                                             const v1::ApproveAllJoinRequestsRequest* request,
                                             google::protobuf::Empty*) override {
    return HideAll(ctx, request->parent(), request->invite_link(), true);
  }
  ServerUnaryReactor* DeclineAllJoinRequests(CallbackServerContext* ctx,
                                             const v1::DeclineAllJoinRequestsRequest* request,
                                             google::protobuf::Empty*) override {
    return HideAll(ctx, request->parent(), request->invite_link(), false);
  }

 private:
  ServerUnaryReactor* HideOne(CallbackServerContext* ctx, const std::string& resource,
                              bool approve) {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    Violations violations;
    std::optional<JoinRequestName> name = ParseJoinRequestName(resource, "name", violations);
    if (!violations.empty()) {
      reactor->Finish(violations.ToStatus());
      return reactor;
    }
    AccountCall call;
    if (grpc::Status s = BeginAccountCall(context_, *ctx, name->chat.account, &call); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    auto done = [reactor, kind = call.kind](absl::Status status) {
      FinishWith(reactor, status, kind);
    };
    if (approve) {
      call.api->ApproveRequestAsync(name->chat.peer, std::to_string(name->user_id), call.deadline,
                                    std::move(done));
    } else {
      call.api->DeclineRequestAsync(name->chat.peer, std::to_string(name->user_id), call.deadline,
                                    std::move(done));
    }
    return reactor;
  }

  ServerUnaryReactor* HideAll(CallbackServerContext* ctx, const std::string& parent,
                              const std::string& invite_link, bool approve) {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(parent, "parent", violations);
    std::optional<std::string> link;
    if (!invite_link.empty()) {
      std::optional<std::string> hash = ParseInviteRef(invite_link, "invite_link", violations);
      if (hash.has_value()) link = engine::InviteLinkForHash(*hash);
    }
    if (!violations.empty()) {
      reactor->Finish(violations.ToStatus());
      return reactor;
    }
    AccountCall call;
    if (grpc::Status s = BeginAccountCall(context_, *ctx, chat->account, &call); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    auto done = [reactor, kind = call.kind](absl::Status status) {
      FinishWith(reactor, status, kind);
    };
    if (approve) {
      call.api->ApproveAllAsync(chat->peer, link, call.deadline, std::move(done));
    } else {
      call.api->DeclineAllAsync(chat->peer, link, call.deadline, std::move(done));
    }
    return reactor;
  }

  ServiceContext& context_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeJoinRequestService(ServiceContext* context) {
  return std::make_unique<JoinRequestServiceImpl>(context);
}

}  // namespace invitegate::service

// JoinRequestService (proto/invitegate/v1/join_requests.proto) over the engine's InviteApi: the
// pending requests and importers (messages.getChatInviteImporters), approving and declining one
// (hideChatJoinRequest) or all (hideAllChatJoinRequests); and over the join-request ledger
// (service/event_pump.h): Watch (watch_reactor.h), ModerateJoinRequests (moderation.h), the
// per-link statistics, and bots' pending requests (Telegram refuses bots the list). Without a
// ledger (ServiceContext::streams null) those answer UNIMPLEMENTED.
// Spec: https://core.telegram.org/api/invites#join-requests
#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "invitegate/v1/join_requests.grpc.pb.h"
#include "mtproto/engine/invite_link.h"
#include "service/adapter_support.h"
#include "service/event_pump.h"
#include "service/moderation.h"
#include "service/watch_reactor.h"

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
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ListArgs> args = ParseList(*request, true, violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, args->chat.account,
                               args->chat.chat, &call))
      return reactor;
    if (call.kind == AccountKind::kBot) {
      // Telegram refuses bots the list: serve what the bot was told, from the ledger.
      if (context_.streams == nullptr) {
        reactor->Finish(NotAllowedForBots("Listing join requests (this server keeps no ledger)"));
        return reactor;
      }
      context_.pool->Run([this, reactor, response, args = *std::move(args), call] {
        reactor->Finish(ListBacklog(args, call, response));
      });
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
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ListArgs> args = ParseList(*request, false, violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kRead, args->chat.account,
                               args->chat.chat, &call))
      return reactor;
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
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<JoinRequestName> name = ParseJoinRequestName(resource, "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kModerate, name->chat.account,
                               name->chat.chat, &call))
      return reactor;
    // Name the outcome for the event pump (user admins only see the request vanish), and record
    // a bot's declines (Telegram never reports them to bots).
    const std::optional<int64_t> chat_id = CachedChatId(*call.account, name->chat);
    JoinRequestStreams* streams = context_.streams;
    if (streams != nullptr && chat_id.has_value()) {
      streams->decisions().Intend(name->chat.account, *chat_id, name->user_id, approve);
    }
    auto done = [this, reactor, call, approve, streams, chat_id, name = *name](
                    absl::Status status) {
      if (streams != nullptr && chat_id.has_value() && !status.ok()) {
        streams->decisions().Forget(name.chat.account, *chat_id, name.user_id);
      }
      if (streams == nullptr || !status.ok() || approve || call.kind != AccountKind::kBot) {
        return FinishWith(reactor, status, call.kind);
      }
      // On the pool: the chat may need resolving, and this runs on the engine's I/O thread.
      context_.pool->Run([reactor, call, streams, name] {
        absl::StatusOr<int64_t> id = ResolveChatId(*call.account, name.chat, call.deadline);
        if (id.ok()) {
          (void)streams->RecordServiceDecision(name.chat.account, *id, name.user_id, false, 0);
        }
        reactor->Finish(grpc::Status::OK);
      });
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
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(parent, "parent", violations);
    std::optional<std::string> link;
    if (!invite_link.empty()) {
      std::optional<std::string> hash = ParseInviteRef(invite_link, "invite_link", violations);
      if (hash.has_value()) link = engine::InviteLinkForHash(*hash);
    }
    if (FinishIfInvalid(reactor, violations)) return reactor;
    AccountCall call;
    if (!BeginUnaryAccountCall(context_, *ctx, reactor, Action::kModerate, chat->account,
                               chat->chat, &call))
      return reactor;
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

 public:
  // --- Over the ledger.

  grpc::ServerWriteReactor<v1::ModerationProgress>* ModerateJoinRequests(
      CallbackServerContext* ctx, const v1::ModerateJoinRequestsRequest* request) override {
    return StartModeration(context_, ctx, request);
  }

  grpc::ServerWriteReactor<v1::JoinRequestEvent>* WatchJoinRequests(
      CallbackServerContext* ctx, const v1::WatchJoinRequestsRequest* request) override {
    return StartWatch(context_, ctx, request);
  }

  ServerUnaryReactor* GetInviteLinkStats(CallbackServerContext* ctx,
                                         const v1::GetInviteLinkStatsRequest* request,
                                         v1::InviteLinkStats* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<InviteLinkName> name = ParseInviteLinkName(request->name(), "name", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    return StatsCall(ctx, reactor, name->chat, name->hash,
                     [response, name = *name](const std::vector<ledger::LinkStats>& rows) {
                       response->set_invite_link(InviteLinkResourceName(
                           name.chat.account, name.chat.chat, name.hash));
                       for (const ledger::LinkStats& row : rows) {
                         response->set_joined(response->joined() + row.joined);
                         response->set_pending(response->pending() + row.pending);
                         response->set_approved(response->approved() + row.approved);
                         response->set_declined(response->declined() + row.declined);
                       }
                     });
  }

  ServerUnaryReactor* ListInviteLinkStats(CallbackServerContext* ctx,
                                          const v1::ListInviteLinkStatsRequest* request,
                                          v1::ListInviteLinkStatsResponse* response) override {
    UnaryCall* reactor = new UnaryCall;
    Violations violations;
    std::optional<ChatName> chat = ParseChatName(request->parent(), "parent", violations);
    if (FinishIfInvalid(reactor, violations)) return reactor;
    return StatsCall(ctx, reactor, *chat, std::nullopt,
                     [response, chat = *chat](const std::vector<ledger::LinkStats>& rows) {
                       for (const ledger::LinkStats& row : rows) {
                         if (row.link.empty()) continue;  // joins and requests not by link
                         v1::InviteLinkStats* out = response->add_stats();
                         out->set_invite_link(
                             InviteLinkResourceName(chat.account, chat.chat, row.link));
                         out->set_joined(row.joined);
                         out->set_pending(row.pending);
                         out->set_approved(row.approved);
                         out->set_declined(row.declined);
                       }
                     });
  }

 private:
  // The statistics RPCs: authorize, find the account, resolve the chat (on the pool), read.
  template <typename Fill>
  ServerUnaryReactor* StatsCall(CallbackServerContext* ctx, UnaryCall* reactor,
                                const ChatName& chat, std::optional<std::string> link,
                                Fill fill) {
    if (context_.streams == nullptr) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                   "this server runs without a join-request ledger"));
      return reactor;
    }
    if (grpc::Status s = Authorize(context_, *ctx, Action::kRead, chat.account, chat.chat);
        !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
    absl::StatusOr<std::shared_ptr<AccountBackend>> account = context_.accounts->Get(chat.account);
    if (!account.ok()) {
      reactor->Finish(ServiceError(grpc::StatusCode::NOT_FOUND, "ACCOUNT_NOT_FOUND",
                                   std::string(account.status().message()),
                                   {{"account", chat.account}}));
      return reactor;
    }
    context_.pool->Run([this, reactor, chat, link, fill = std::move(fill), account = *account,
                        deadline = EngineDeadline(*ctx, context_.default_timeout,
                                                  reactor->cancellation())] {
      absl::StatusOr<int64_t> chat_id = ResolveChatId(*account, chat, deadline);
      if (!chat_id.ok()) return reactor->Finish(ToGrpcStatus(chat_id.status(), account->kind()));
      ledger::EventFilter filter;
      filter.account = chat.account;
      filter.chat_id = *chat_id;
      filter.link = link;
      absl::StatusOr<std::vector<ledger::LinkStats>> rows =
          context_.streams->ledger().Stats(filter);
      if (!rows.ok()) return reactor->Finish(ToGrpcStatus(rows.status()));
      fill(*rows);
      reactor->Finish(grpc::Status::OK);
    });
    return reactor;
  }

  // A bot's pending requests from the ledger, newest first, paged like Telegram's list (the
  // cursor is the last item's (date, user id)). Runs on the pool.
  grpc::Status ListBacklog(const ListArgs& args, const AccountCall& call,
                           v1::ListJoinRequestsResponse* response) {
    absl::StatusOr<int64_t> chat_id = ResolveChatId(*call.account, args.chat, call.deadline);
    if (!chat_id.ok()) return ToGrpcStatus(chat_id.status(), call.kind);
    ledger::EventFilter filter;
    filter.account = args.chat.account;
    filter.chat_id = *chat_id;
    if (args.options.link.has_value()) {
      filter.link = engine::ParseInviteLink(*args.options.link).value_or(*args.options.link);
    }
    absl::StatusOr<ledger::PendingSnapshot> pending = context_.streams->ledger().Pending(filter);
    if (!pending.ok()) return ToGrpcStatus(pending.status());
    std::vector<const ledger::PendingRequest*> rows;
    const std::string q = absl::AsciiStrToLower(args.options.q.value_or(""));
    for (const ledger::PendingRequest& r : pending->requests) {
      if (!q.empty() && !absl::StrContains(absl::AsciiStrToLower(r.user_name), q) &&
          !absl::StrContains(absl::AsciiStrToLower(r.username), q)) {
        continue;
      }
      rows.push_back(&r);
    }
    auto key = [](const ledger::PendingRequest* r) { return std::make_tuple(r->date, r->user_id); };
    std::sort(rows.begin(), rows.end(), [&](auto* a, auto* b) { return key(a) > key(b); });
    response->set_total_size(static_cast<int32_t>(rows.size()));
    auto it = rows.begin();
    if (args.options.cursor.has_value()) {
      const auto cursor = std::make_tuple(static_cast<int64_t>(args.options.cursor->offset_date),
                                          args.options.cursor->offset_user_id);
      it = std::find_if(rows.begin(), rows.end(), [&](auto* r) { return key(r) < cursor; });
    }
    const ledger::PendingRequest* last = nullptr;
    for (int32_t n = 0; it != rows.end() && n < args.options.limit; ++it, ++n) {
      PendingToProto(**it, response->add_join_requests());
      last = *it;
    }
    if (it != rows.end() && last != nullptr) {
      response->set_next_page_token(
          EncodePageToken({std::to_string(last->date), std::to_string(last->user_id)}));
    }
    return grpc::Status::OK;
  }

  ServiceContext& context_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeJoinRequestService(ServiceContext* context) {
  return std::make_unique<JoinRequestServiceImpl>(context);
}

}  // namespace invitegate::service

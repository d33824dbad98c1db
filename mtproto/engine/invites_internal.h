// Internal to the typed invite API (invites.h), shared by its invites_*.cc files: argument
// checks, TL → plain conversions of whole answers, and the plumbing every operation repeats —
// resolve the peers, invoke, convert the answer, feed the peer cache, and block for the blocking
// forms. Spec: https://core.telegram.org/api/invites
#pragma once

#include <future>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/engine/invites.h"

namespace mtproto::engine::invites_internal {

namespace api = tl::api;
template <typename T>
using Callback = InviteApi::Callback<T>;
using DoneCallback = InviteApi::DoneCallback;

// --- Arguments (invites_args.cc): INVALID_ARGUMENT naming the field.
[[nodiscard]] absl::Status Invalid(std::string_view field, std::string_view why);
[[nodiscard]] absl::Status CheckTitle(const std::optional<std::string>& title);
[[nodiscard]] absl::Status CheckLimit(int32_t limit);
// The `link` argument of the link-management methods: a full https link as the user gave it
// (Telegram knows it by that text); other invite forms and bare hashes as "https://t.me/+HASH".
[[nodiscard]] absl::StatusOr<std::string> LinkArgument(const std::string& text);
[[nodiscard]] absl::StatusOr<std::optional<std::string>> LinkArgument(
    const std::optional<std::string>& text);
// The hash of an invite given as a link in any accepted form, or as a bare hash.
[[nodiscard]] absl::StatusOr<std::string> HashArgument(const std::string& text);
// A username as contacts.resolveUsername wants it: no '@', no link around it.
[[nodiscard]] absl::StatusOr<std::string> UsernameArgument(std::string text);

// --- Answers (invites_convert.cc). Each feeds the users and chats it carries to `cache`.
[[nodiscard]] absl::Status Unexpected(std::string_view method);
[[nodiscard]] absl::Status BoolTrue(std::string_view method, bool value);
void FeedUpdates(PeerCache& cache, const api::Updates* updates);
// The first chat an Updates answer mentions (what importChatInvite / joinChannel joined).
[[nodiscard]] std::optional<ChatInfo> FirstChat(const api::Updates* updates);
[[nodiscard]] absl::StatusOr<EditedLink> ToEditedLink(
    PeerCache& cache, tl::ObjectPtr<api::messages_ExportedChatInvite> answer,
    std::string_view method);
// `limit`: the page size asked for (a full page gets a `next` cursor).
[[nodiscard]] absl::StatusOr<LinkPage> ToLinkPage(
    PeerCache& cache, tl::ObjectPtr<api::messages_ExportedChatInvites> answer, int32_t limit);
[[nodiscard]] absl::StatusOr<ImporterPage> ToImporterPage(
    PeerCache& cache, tl::ObjectPtr<api::messages_ChatInviteImporters> answer, int32_t limit);
[[nodiscard]] absl::StatusOr<std::vector<AdminWithInvites>> ToAdmins(
    PeerCache& cache, tl::ObjectPtr<api::messages_ChatAdminsWithInvites> answer);
[[nodiscard]] absl::StatusOr<ChatInviteInfo> ToChatInviteInfo(
    PeerCache& cache, tl::ObjectPtr<api::ChatInvite> answer);
[[nodiscard]] absl::StatusOr<ResolvedUsername> ToResolvedUsername(
    PeerCache& cache, tl::ObjectPtr<api::contacts_ResolvedPeer> answer);

// --- Plumbing.

// Sends `call`; its decoded answer goes through `convert` (returning a Status or a StatusOr<T>)
// to `done`, an error straight to `done`.
template <typename F, typename Done, typename Convert>
void Send(Engine& engine, const F& call, Deadline deadline, Done done, Convert convert) {
  engine.Invoke(call, deadline,
                [done = std::move(done), convert = std::move(convert)](
                    absl::StatusOr<typename F::Result::Value> result) mutable {
                  if (!result.ok()) return done(result.status());
                  done(convert(std::move(*result)));
                });
}

// Send for methods answering Updates only to say it worked: the Updates' users and chats feed
// `cache`.
template <typename F>
void SendFeeding(Engine& engine, PeerCache& cache, const F& call, Deadline deadline,
                 DoneCallback done) {
  Send(engine, call, deadline, std::move(done), [&cache](tl::ObjectPtr<api::Updates> updates) {
    FeedUpdates(cache, updates.get());
    return absl::OkStatus();
  });
}

// Resolves `ref`, then `then(ResolvedPeer, done)`; a failure goes to `done`.
template <typename Done, typename Then>
void Resolve(PeerResolver& resolver, std::string_view ref, Deadline deadline, Done done,
             Then then) {
  resolver.ResolveAsync(ref, deadline,
                        [done = std::move(done), then = std::move(then)](
                            absl::StatusOr<ResolvedPeer> resolved) mutable {
                          if (!resolved.ok()) return done(resolved.status());
                          then(*std::move(resolved), std::move(done));
                        });
}

// Resolves `ref` to a supergroup or channel: `then(ResolvedPeer, InputChannel, done)`.
template <typename Done, typename Then>
void ResolveChannel(PeerResolver& resolver, std::string_view ref, Deadline deadline, Done done,
                    Then then) {
  Resolve(resolver, ref, deadline, std::move(done),
          [then = std::move(then)](ResolvedPeer peer, Done done) mutable {
            absl::StatusOr<tl::ObjectPtr<api::InputChannel>> input = ToInputChannel(peer);
            if (!input.ok()) return done(input.status());
            then(std::move(peer), *std::move(input), std::move(done));
          });
}

// Resolves a user reference (unset: the account itself) for the argument `field`:
// `then(InputUser, done)`; a peer that is not a user is INVALID_ARGUMENT naming `field`.
template <typename Done, typename Then>
void ResolveUser(PeerResolver& resolver, const std::optional<std::string>& ref,
                 std::string_view field, Deadline deadline, Done done, Then then) {
  auto next = [field, then = std::move(then)](ResolvedPeer user, Done done) mutable {
    absl::StatusOr<tl::ObjectPtr<api::InputUser>> input = ToInputUser(user);
    if (!input.ok()) return done(Invalid(field, std::string(input.status().message())));
    then(*std::move(input), std::move(done));
  };
  if (!ref) return next(ResolvedPeer{true, {}}, std::move(done));
  Resolve(resolver, *ref, deadline, std::move(done), std::move(next));
}

// The result type R of a callback absl::AnyInvocable<void(R)>.
template <typename Done>
struct DoneResult;
template <typename R>
struct DoneResult<absl::AnyInvocable<void(R)>> {
  using type = R;
};

// The blocking form of an operation: runs `api.*async(args..., done)` and waits for `done`.
template <typename... Params, typename... Args>
auto Block(InviteApi& api, void (InviteApi::*async)(Params...), Args&&... args) {
  using Done = std::tuple_element_t<sizeof...(Params) - 1, std::tuple<Params...>>;
  using R = typename DoneResult<Done>::type;
  std::promise<R> promise;
  std::future<R> future = promise.get_future();
  (api.*async)(std::forward<Args>(args)..., Done([&promise](R r) {
    promise.set_value(std::move(r));
  }));
  return future.get();
}

}  // namespace mtproto::engine::invites_internal

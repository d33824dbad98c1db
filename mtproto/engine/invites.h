// The engine's typed invite API: one method per invite-link / join-request / public-username
// operation of Telegram's API, over Engine::Invoke, with peers given as users name them
// (peers.h) and results as plain C++ values instead of TL objects.
// Spec: https://core.telegram.org/api/invites (links, join requests, public usernames), and the
// method pages it links (messages.exportChatInvite, messages.getChatInviteImporters, ...).
//
// Every operation has an async form `XAsync(..., deadline, done)` — `done` runs exactly once, on
// the engine's I/O thread (or on the caller's thread for an error found before sending) — and a
// blocking form `X(..., deadline)` on top of it, which must not be called from such a callback.
//
// Errors:
//  - arguments checked before sending (usage_limit range, title length, limit range, ...):
//    INVALID_ARGUMENT whose message starts with the field name ("usage_limit: ...");
//  - a peer reference that does not parse: INVALID_ARGUMENT; one that cannot be resolved:
//    NOT_FOUND (or Telegram's USERNAME_NOT_OCCUPIED / USERNAME_INVALID from resolveUsername);
//  - Telegram's errors: the engine's RpcError status (GetRpcError(status)->name is e.g.
//    "INVITE_HASH_EXPIRED"); map them by name, not code;
//  - INVITE_REQUEST_SENT is not an error: JoinByLink / JoinChannel return
//    JoinOutcome{kPendingApproval};
//  - the engine's own errors (DEADLINE_EXCEEDED, UNAVAILABLE, ...) pass through.
// Every User and Chat in an answer is fed to the peer cache before the result is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/engine/engine.h"
#include "mtproto/engine/peers.h"

namespace mtproto::engine {

// --- Limits Telegram documents for the invite methods (checked before sending).
inline constexpr int32_t kMaxUsageLimit = 99999;  // exportChatInvite usage_limit: 1..99999
inline constexpr size_t kMaxLinkTitleChars = 32;  // title: at most 32 characters (UTF-8 chars)
inline constexpr int32_t kMaxPageLimit = 100;     // getExportedChatInvites / importers: 1..100

// A Star subscription's price: `amount` Stars every `period` seconds.
struct SubscriptionPricing {
  int32_t period = 0;
  int64_t amount = 0;
  bool operator==(const SubscriptionPricing&) const = default;
};

// A user as answers describe them.
struct UserInfo {
  int64_t id = 0;
  std::string first_name;
  std::string last_name;
  std::string username;  // without '@'; empty when none
  bool bot = false;
  bool operator==(const UserInfo&) const = default;
};

// A chat (basic group, supergroup or channel) as answers describe it.
struct ChatInfo {
  PeerKind kind = PeerKind::kChannel;  // kChat (basic group) or kChannel
  int64_t id = 0;                      // MTProto id
  int64_t bot_api_id = 0;              // -<id> or -100<id>
  std::string title;
  std::string username;      // public username; empty when private
  bool broadcast = false;    // a channel (kChannel only)
  bool megagroup = false;    // a supergroup (kChannel only)
  bool join_request = false;  // joining by username needs approval (channel.join_request)
  bool join_to_send = false;  // members must join to send (channel.join_to_send)
  bool forbidden = false;     // chatForbidden / channelForbidden: no access
  std::optional<int32_t> participants_count;
  bool operator==(const ChatInfo&) const = default;
};

// One invite link (chatInviteExported). chatInvitePublicJoinRequests (the pseudo-link of public
// join requests) comes back as a link with `public_join_requests` set and nothing else.
struct InviteLink {
  std::string link;  // "https://t.me/+HASH"
  std::string hash;  // ParseInviteLink(link)
  std::string title;
  int64_t admin_id = 0;
  int32_t date = 0;
  std::optional<int32_t> start_date;
  std::optional<int32_t> expire_date;
  std::optional<int32_t> usage_limit;
  int32_t usage = 0;
  int32_t requested = 0;  // pending join requests through this link
  bool request_needed = false;
  bool revoked = false;
  bool permanent = false;  // the chat's primary link
  std::optional<SubscriptionPricing> subscription;
  std::optional<int32_t> subscription_expired;
  bool public_join_requests = false;
};

// A user who joined, or asked to join, through a link (chatInviteImporter).
struct Importer {
  UserInfo user;
  int32_t date = 0;
  std::string about;  // the request's text (requested only)
  bool requested = false;
  std::optional<int64_t> approved_by;
  bool via_chatlist = false;
};

// An admin and how many links they created (chatAdminWithInvites).
struct AdminWithInvites {
  UserInfo admin;
  int32_t invites_count = 0;
  int32_t revoked_invites_count = 0;
};

// What messages.checkChatInvite says about a link.
struct ChatInviteInfo {
  enum class Kind {
    kAlreadyMember,  // chatInviteAlready: `chat` is set
    kPeek,           // chatInvitePeek: `chat` and `peek_expires` are set
    kInvite,         // chatInvite: a preview (title, about, counts, flags)
  };
  Kind kind = Kind::kInvite;
  std::optional<ChatInfo> chat;
  int32_t peek_expires = 0;
  // kInvite only.
  std::string title;
  std::string about;
  int32_t participants_count = 0;
  std::vector<UserInfo> participants;  // some members, when Telegram includes them
  bool request_needed = false;
  bool channel = false;     // a supergroup or channel (not a basic group)
  bool broadcast = false;   // a channel
  bool megagroup = false;   // a supergroup
  bool is_public = false;
  bool verified = false;
  bool scam = false;
  bool fake = false;
  std::optional<SubscriptionPricing> subscription;
  std::optional<int64_t> subscription_form_id;
};

// The outcome of joining: in (with the chat, when the answer names it), or a join request filed
// (INVITE_REQUEST_SENT) that an admin must approve.
struct JoinOutcome {
  enum class Kind { kJoined, kPendingApproval };
  Kind kind = Kind::kJoined;
  std::optional<ChatInfo> chat;
};

// Cursors: pass a page's `next` back to get the page after it. Telegram pages by (date, link)
// and (date, user); `next` is set whenever a page came back full (a following page may then
// still be empty: the server gives no "more" flag, only a total count).
struct LinkCursor {
  int32_t offset_date = 0;
  std::string offset_link;
  bool operator==(const LinkCursor&) const = default;
};
struct ImporterCursor {
  int32_t offset_date = 0;
  int64_t offset_user_id = 0;  // resolved through the peer cache (the previous page fed it)
  bool operator==(const ImporterCursor&) const = default;
};

struct LinkPage {
  std::vector<InviteLink> links;
  int32_t total_count = 0;  // all links matching the filter, not just this page
  std::optional<LinkCursor> next;
  std::vector<UserInfo> users;  // the link creators mentioned
};

struct ImporterPage {
  std::vector<Importer> importers;
  int32_t total_count = 0;
  std::optional<ImporterCursor> next;
};

// editExportedChatInvite's answer: the edited link, and when the primary link was revoked, the
// new primary link that replaced it.
struct EditedLink {
  InviteLink link;
  std::optional<InviteLink> replacement;
};

// contacts.resolveUsername's answer.
struct ResolvedUsername {
  ResolvedPeer peer;
  std::optional<UserInfo> user;  // when the username is a user's or a bot's
  std::optional<ChatInfo> chat;  // when it is a supergroup's or channel's
};

// --- Options of the operations with several optional parts.

// messages.exportChatInvite.
struct CreateLinkOptions {
  std::optional<int32_t> expire_date;  // unix time; must be in the future
  std::optional<int32_t> usage_limit;  // 1..kMaxUsageLimit; not with request_needed
  bool request_needed = false;
  std::optional<std::string> title;    // at most kMaxLinkTitleChars characters
  std::optional<SubscriptionPricing> subscription;  // channels only; period and amount > 0
  bool legacy_revoke_permanent = false;  // revoke the primary link and make a new one
};

// messages.getExportedChatInvites.
struct ListLinksOptions {
  std::optional<std::string> admin;  // peer reference of the links' creator; unset = self
  bool revoked = false;              // list revoked links instead of active ones
  std::optional<LinkCursor> cursor;
  int32_t limit = 50;  // 1..kMaxPageLimit
};

// messages.editExportedChatInvite. Unset fields are left as they are; clear expire_date and
// usage_limit with 0.
struct EditLinkOptions {
  std::optional<int32_t> expire_date;
  std::optional<int32_t> usage_limit;  // 0 (no limit) .. kMaxUsageLimit
  std::optional<bool> request_needed;
  std::optional<std::string> title;
  bool revoke = false;
};

// messages.getChatInviteImporters.
struct ListImportersOptions {
  bool requested = false;           // pending join requests instead of members who joined
  bool subscription_expired = false;
  std::optional<std::string> link;  // only those of this link
  std::optional<std::string> q;     // search in names (requested only)
  std::optional<ImporterCursor> cursor;
  int32_t limit = 50;  // 1..kMaxPageLimit
};

// See the file comment. Thread-safe (all state is in the Engine and the PeerCache).
class InviteApi {
 public:
  template <typename T>
  using Callback = absl::AnyInvocable<void(absl::StatusOr<T>)>;
  using DoneCallback = absl::AnyInvocable<void(absl::Status)>;

  // Uses `engine`'s peer cache. `engine` must outlive the InviteApi.
  explicit InviteApi(Engine& engine);

  PeerCache& peer_cache() { return cache_; }
  PeerResolver& resolver() { return resolver_; }

  // --- Links.
  void CreateLinkAsync(std::string peer, CreateLinkOptions options, Deadline deadline,
                       Callback<InviteLink> done);
  [[nodiscard]] absl::StatusOr<InviteLink> CreateLink(std::string peer,
                                                      CreateLinkOptions options = {},
                                                      Deadline deadline = kNoDeadline);

  void ListLinksAsync(std::string peer, ListLinksOptions options, Deadline deadline,
                      Callback<LinkPage> done);
  [[nodiscard]] absl::StatusOr<LinkPage> ListLinks(std::string peer,
                                                   ListLinksOptions options = {},
                                                   Deadline deadline = kNoDeadline);

  // `link` as InviteLink::link gives it (a bare hash or "+hash" is expanded to
  // "https://t.me/+hash").
  void GetLinkAsync(std::string peer, std::string link, Deadline deadline,
                    Callback<InviteLink> done);
  [[nodiscard]] absl::StatusOr<InviteLink> GetLink(std::string peer, std::string link,
                                                   Deadline deadline = kNoDeadline);

  void EditLinkAsync(std::string peer, std::string link, EditLinkOptions options,
                     Deadline deadline, Callback<EditedLink> done);
  [[nodiscard]] absl::StatusOr<EditedLink> EditLink(std::string peer, std::string link,
                                                    EditLinkOptions options,
                                                    Deadline deadline = kNoDeadline);

  // EditLink with revoke = true.
  void RevokeLinkAsync(std::string peer, std::string link, Deadline deadline,
                       Callback<EditedLink> done);
  [[nodiscard]] absl::StatusOr<EditedLink> RevokeLink(std::string peer, std::string link,
                                                      Deadline deadline = kNoDeadline);

  // messages.deleteExportedChatInvite: only a revoked link (else INVITE_REVOKED_MISSING).
  void DeleteLinkAsync(std::string peer, std::string link, Deadline deadline,
                       DoneCallback done);
  [[nodiscard]] absl::Status DeleteLink(std::string peer, std::string link,
                                        Deadline deadline = kNoDeadline);

  // messages.deleteRevokedExportedChatInvites for the links `admin` created (unset = self).
  void DeleteRevokedLinksAsync(std::string peer, std::optional<std::string> admin,
                               Deadline deadline, DoneCallback done);
  [[nodiscard]] absl::Status DeleteRevokedLinks(std::string peer,
                                                std::optional<std::string> admin = std::nullopt,
                                                Deadline deadline = kNoDeadline);

  void ListAdminsWithInvitesAsync(std::string peer, Deadline deadline,
                                  Callback<std::vector<AdminWithInvites>> done);
  [[nodiscard]] absl::StatusOr<std::vector<AdminWithInvites>> ListAdminsWithInvites(
      std::string peer, Deadline deadline = kNoDeadline);

  // --- Importers and join requests.
  void ListImportersAsync(std::string peer, ListImportersOptions options, Deadline deadline,
                          Callback<ImporterPage> done);
  [[nodiscard]] absl::StatusOr<ImporterPage> ListImporters(std::string peer,
                                                           ListImportersOptions options = {},
                                                           Deadline deadline = kNoDeadline);

  // messages.hideChatJoinRequest(approved = true / false). `user` is a peer reference.
  void ApproveRequestAsync(std::string peer, std::string user, Deadline deadline,
                           DoneCallback done);
  [[nodiscard]] absl::Status ApproveRequest(std::string peer, std::string user,
                                            Deadline deadline = kNoDeadline);
  void DeclineRequestAsync(std::string peer, std::string user, Deadline deadline,
                           DoneCallback done);
  [[nodiscard]] absl::Status DeclineRequest(std::string peer, std::string user,
                                            Deadline deadline = kNoDeadline);

  // messages.hideAllChatJoinRequests, optionally only the requests of `link`.
  void ApproveAllAsync(std::string peer, std::optional<std::string> link, Deadline deadline,
                       DoneCallback done);
  [[nodiscard]] absl::Status ApproveAll(std::string peer,
                                        std::optional<std::string> link = std::nullopt,
                                        Deadline deadline = kNoDeadline);
  void DeclineAllAsync(std::string peer, std::optional<std::string> link, Deadline deadline,
                       DoneCallback done);
  [[nodiscard]] absl::Status DeclineAll(std::string peer,
                                        std::optional<std::string> link = std::nullopt,
                                        Deadline deadline = kNoDeadline);

  // --- Joining. `link` is anything ParseInviteLink accepts, or a bare hash.
  void CheckLinkAsync(std::string link, Deadline deadline, Callback<ChatInviteInfo> done);
  [[nodiscard]] absl::StatusOr<ChatInviteInfo> CheckLink(std::string link,
                                                         Deadline deadline = kNoDeadline);
  void JoinByLinkAsync(std::string link, Deadline deadline, Callback<JoinOutcome> done);
  [[nodiscard]] absl::StatusOr<JoinOutcome> JoinByLink(std::string link,
                                                       Deadline deadline = kNoDeadline);
  // channels.joinChannel (a public supergroup or channel, by reference).
  void JoinChannelAsync(std::string channel, Deadline deadline, Callback<JoinOutcome> done);
  [[nodiscard]] absl::StatusOr<JoinOutcome> JoinChannel(std::string channel,
                                                        Deadline deadline = kNoDeadline);

  // --- Chat settings and public usernames (supergroups and channels).
  void ToggleJoinRequestAsync(std::string channel, bool enabled, Deadline deadline,
                              DoneCallback done);
  [[nodiscard]] absl::Status ToggleJoinRequest(std::string channel, bool enabled,
                                               Deadline deadline = kNoDeadline);
  void ToggleJoinToSendAsync(std::string channel, bool enabled, Deadline deadline,
                             DoneCallback done);
  [[nodiscard]] absl::Status ToggleJoinToSend(std::string channel, bool enabled,
                                              Deadline deadline = kNoDeadline);
  // channels.checkUsername: true when `username` is free for `channel`.
  void CheckUsernameAsync(std::string channel, std::string username, Deadline deadline,
                          Callback<bool> done);
  [[nodiscard]] absl::StatusOr<bool> CheckUsername(std::string channel, std::string username,
                                                   Deadline deadline = kNoDeadline);
  // channels.updateUsername; an empty `username` makes the channel private.
  void UpdateUsernameAsync(std::string channel, std::string username, Deadline deadline,
                           DoneCallback done);
  [[nodiscard]] absl::Status UpdateUsername(std::string channel, std::string username,
                                            Deadline deadline = kNoDeadline);
  // contacts.resolveUsername, always asking the server ("@name", "name" or a t.me link).
  void ResolveUsernameAsync(std::string username, Deadline deadline,
                            Callback<ResolvedUsername> done);
  [[nodiscard]] absl::StatusOr<ResolvedUsername> ResolveUsername(std::string username,
                                                                 Deadline deadline = kNoDeadline);

 private:
  void HideAllAsync(std::string peer, std::optional<std::string> link, bool approved,
                    Deadline deadline, DoneCallback done);
  void HideOneAsync(std::string peer, std::string user, bool approved, Deadline deadline,
                    DoneCallback done);
  void ToggleAsync(std::string channel, bool join_request, bool enabled, Deadline deadline,
                   DoneCallback done);

  Engine& engine_;
  PeerCache& cache_;  // the engine's
  PeerResolver resolver_;
};

// --- Conversions from TL, public for tests and for the update stream's event types.
[[nodiscard]] InviteLink ToInviteLink(const tl::api::ExportedChatInvite& invite);
[[nodiscard]] std::optional<UserInfo> ToUserInfo(const tl::api::User& user);
[[nodiscard]] std::optional<ChatInfo> ToChatInfo(const tl::api::Chat& chat);

}  // namespace mtproto::engine

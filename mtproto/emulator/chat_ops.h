// What the invite, channel and contacts handlers share: resolving InputPeer / InputChannel /
// InputUser against the chat state (with Telegram's errors), the API objects for a chat, a link
// or an importer as a given account sees them, and the two state changes that publish updates:
// a join (through a link, by username, or by an approved request) and a new join request.
// Spec: https://core.telegram.org/api/invites, https://core.telegram.org/api/updates
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtproto/emulator/chat_state.h"
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/update_hub.h"

namespace mtproto::emulator {

// A chat named by an input peer, or the rpc_error to answer.
struct ChatRef {
  const ChatRecord* chat = nullptr;
  std::optional<RpcError> error;
};

// inputPeerChat / inputPeerChannel (access_hash checked) → the chat; PEER_ID_INVALID for other
// peers and unknown chats, CHANNEL_INVALID for a wrong channel or hash, CHANNEL_PRIVATE for a
// private channel the caller is not in.
ChatRef ResolvePeer(const tl::api::InputPeer* peer, Call& call);
// inputChannel → the supergroup or channel (CHANNEL_INVALID otherwise). `must_be_member` adds
// CHANNEL_PRIVATE (`private_code`) for a private channel the caller is not in.
ChatRef ResolveChannel(const tl::api::InputChannel* channel, Call& call, bool must_be_member,
                       int private_code = 400);
// inputUserSelf / inputUser (access_hash checked) → the account id, or 0.
int64_t ResolveUserId(const tl::api::InputUser* user, Call& call);

// The caller is a bot: BOT_METHOD_INVALID for user-only methods.
bool IsBot(const Call& call);

// The chat as `viewer` sees it (chat# / channel#, or *Forbidden when kicked).
tl::ObjectPtr<tl::api::Chat> MakeChat(const ChatRecord& chat, int64_t viewer);
tl::ObjectPtr<tl::api::Peer> MakePeer(const ChatRecord& chat);
tl::ObjectPtr<tl::api::chatInviteExported> MakeInvite(const InviteLink& link);
tl::ObjectPtr<tl::api::chatAdminRights> MakeAdminRights(uint32_t rights);
// The API users for `ids` (unknown ids skipped, duplicates dropped) as `viewer` sees them.
std::vector<tl::ObjectPtr<tl::api::User>> MakeUsers(const std::vector<int64_t>& ids, Call& call,
                                                   int64_t viewer);
// updates#74ae4240 with no seq (0: not part of the account's sequence).
tl::ObjectPtr<tl::api::updates> MakeUpdates(Call& call);

// The answer of importChatInvite / joinChannel: the Updates, inside
// messages.chatInviteJoinResultOk for peers of layer 227 (where both return
// messages.ChatInviteJoinResult; layer 223 cannot express it, so it is written by hand).
Outcome JoinAnswer(Call& call, tl::ObjectPtr<tl::api::updates> updates);

// An invite link's hash from what clients pass as `link` or `hash`: the bare hash, or
// [https://]t.me|telegram.me|telegram.dog/(+|joinchat/)<hash>.
std::string LinkHash(std::string_view link);

// Adds `user_id` to `chat` (through `link`, may be null; `approved_by` != 0 when a join
// request was approved), counts the link's usage, records the importer, posts the service
// message and publishes what Telegram sends (see update_hub.h). Appends to `out` the updates
// the caller's answer carries. Fails only on storage errors.
[[nodiscard]] absl::Status Join(Call& call, const ChatRecord& chat, int64_t user_id,
                                const InviteLink* link, int64_t approved_by,
                                tl::api::updates& out);

// Records a join request (once per user and chat), counts it on the link and tells the admins
// (updateBotChatInviteRequester to bots, updatePendingJoinRequests to users).
[[nodiscard]] absl::Status RequestJoin(Call& call, const ChatRecord& chat, int64_t user_id,
                                       const InviteLink* link);

// Drops a pending request (declined, or the user is already in) and updates the link's count.
[[nodiscard]] absl::Status DropRequest(Call& call, const ChatRecord& chat, const Importer& request);

// Publishes updatePendingJoinRequests with the chat's current pending count to its user admins
// that may invite.
[[nodiscard]] absl::Status PublishPendingCount(Call& call, const ChatRecord& chat);

// Publishes updateChannel to the chat's present participants except `except`.
[[nodiscard]] absl::Status PublishChannelChanged(Call& call, const ChatRecord& chat, int64_t except);

}  // namespace mtproto::emulator

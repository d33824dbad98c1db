// messages.getDialogs: the account's chats, supergroups and channels as dialogs, with their
// chats (carrying access hashes) — what a client reads to address a chat it has not seen in an
// answer yet (our engine's peer resolver asks one page for an unknown id).
// Spec: https://core.telegram.org/method/messages.getDialogs, https://core.telegram.org/api/offsets
//
// The emulator keeps no message history, only each chat's last service-message id: a dialog's
// top message is a messageEmpty with that id (none for a broadcast channel without posts), and
// dialogs are ordered by the chat's date, newest first, then by id. Pagination follows the
// offset_peer cursor (the last dialog of the previous page); offset_date skips dialogs dated at or
// after it when no offset_peer is given. The archive (folder_id 1) is empty; `hash` is ignored
// (the answer is never dialogsNotModified).
#include <algorithm>

#include "mtproto/emulator/chat_ops.h"
#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/update_hub.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

constexpr int32_t kMaxDialogs = 100;  // Telegram's cap on `limit`
constexpr int32_t kArchiveFolder = 1;

// The chat an offset_peer names (0: none or not a chat).
int64_t OffsetChatId(const api::InputPeer* peer) {
  if (peer == nullptr) return 0;
  switch (peer->ConstructorId()) {
    case api::inputPeerChat::kId: return static_cast<const api::inputPeerChat&>(*peer).chat_id;
    case api::inputPeerChannel::kId:
      return static_cast<const api::inputPeerChannel&>(*peer).channel_id;
    default: return 0;
  }
}

Outcome GetDialogs(const api::messages_getDialogs& req, Call& call) {
  if (IsBot(call)) return Error(400, "BOT_METHOD_INVALID");
  std::vector<const ChatRecord*> chats;
  if (call.env.chats != nullptr && req.folder_id.value_or(0) != kArchiveFolder) {
    for (const auto& [id, chat] : call.env.chats->chats()) {
      if (chat.IsPresent(call.user_id)) chats.push_back(&chat);
    }
  }
  std::sort(chats.begin(), chats.end(), [](const ChatRecord* a, const ChatRecord* b) {
    return a->date != b->date ? a->date > b->date : a->id > b->id;
  });
  const int32_t total = static_cast<int32_t>(chats.size());

  size_t first = 0;
  if (const int64_t after = OffsetChatId(req.offset_peer.get()); after != 0) {
    auto it = std::find_if(chats.begin(), chats.end(),
                           [after](const ChatRecord* c) { return c->id == after; });
    first = it == chats.end() ? chats.size() : static_cast<size_t>(it - chats.begin()) + 1;
  } else if (req.offset_date > 0) {
    while (first < chats.size() && chats[first]->date >= req.offset_date) ++first;
  }
  const int32_t limit = req.limit <= 0 || req.limit > kMaxDialogs ? kMaxDialogs : req.limit;

  std::vector<tl::ObjectPtr<api::Dialog>> dialogs;
  std::vector<tl::ObjectPtr<api::Message>> messages;
  std::vector<tl::ObjectPtr<api::Chat>> chat_objects;
  for (size_t i = first; i < chats.size() && static_cast<int32_t>(dialogs.size()) < limit; ++i) {
    const ChatRecord& chat = *chats[i];
    auto d = std::make_unique<api::dialog>();
    d->peer = MakePeer(chat);
    d->top_message = chat.top_message;
    d->read_inbox_max_id = chat.top_message;
    d->read_outbox_max_id = chat.top_message;
    d->notify_settings = std::make_unique<api::peerNotifySettings>();
    if (chat.is_channel() && call.env.updates != nullptr) {
      d->pts = call.env.updates->ChannelPts(chat.id);
    }
    dialogs.push_back(std::move(d));
    if (chat.top_message > 0) {
      auto m = std::make_unique<api::messageEmpty>();
      m->id = chat.top_message;
      m->peer_id = MakePeer(chat);
      messages.push_back(std::move(m));
    }
    chat_objects.push_back(MakeChat(chat, call.user_id));
  }
  // The account itself, as Telegram includes the users its dialogs and messages name.
  std::vector<tl::ObjectPtr<api::User>> users = MakeUsers({call.user_id}, call, call.user_id);

  if (first == 0 && static_cast<int32_t>(dialogs.size()) == total) {
    auto all = std::make_unique<api::messages_dialogs>();
    all->dialogs = std::move(dialogs);
    all->messages = std::move(messages);
    all->chats = std::move(chat_objects);
    all->users = std::move(users);
    return RpcAnswer::Of(std::move(all));
  }
  auto slice = std::make_unique<api::messages_dialogsSlice>();
  slice->count = total;
  slice->dialogs = std::move(dialogs);
  slice->messages = std::move(messages);
  slice->chats = std::move(chat_objects);
  slice->users = std::move(users);
  return RpcAnswer::Of(std::move(slice));
}

}  // namespace

void RegisterMessagesHandlers(HandlerTable& table) {
  Register(table, Access::kSignedIn, &GetDialogs);
}

}  // namespace mtproto::emulator

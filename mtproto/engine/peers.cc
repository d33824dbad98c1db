#include "mtproto/engine/peers.h"

#include <charconv>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mtproto/engine/invite_link.h"

namespace mtproto::engine {
namespace {

namespace api = tl::api;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal int64 taking the whole of `s` (optional leading '-').
std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

absl::Status BadRef(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("peer \"", std::string(text), "\": ", std::string(why)));
}

// "t.me/c/<channel id>[/<post>]": a private channel's message link names the channel.
std::optional<int64_t> PrivateChannelLinkId(std::string_view text) {
  for (std::string_view prefix : {"https://t.me/c/", "http://t.me/c/", "t.me/c/"}) {
    if (text.size() > prefix.size() && Lower(text.substr(0, prefix.size())) == prefix) {
      std::string_view rest = text.substr(prefix.size());
      rest = rest.substr(0, rest.find_first_of("/?#"));
      std::optional<int64_t> id = ParseInt64(rest);
      if (id && *id > 0) return id;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string_view KindName(PeerKind kind) {
  switch (kind) {
    case PeerKind::kUser: return "a user";
    case PeerKind::kChat: return "a basic group";
    case PeerKind::kChannel: return "a channel or supergroup";
  }
  return "an unknown peer";
}

std::string UsernameOf(const api::user& user) {
  if (user.username) return *user.username;
  if (user.usernames) {
    for (const auto& u : *user.usernames) {
      if (u && u->ConstructorId() == api::username::kId) {
        const auto& name = static_cast<const api::username&>(*u);
        if (name.active) return name.username;
      }
    }
  }
  return "";
}

std::string UsernameOf(const api::channel& channel) {
  if (channel.username) return *channel.username;
  if (channel.usernames) {
    for (const auto& u : *channel.usernames) {
      if (u && u->ConstructorId() == api::username::kId) {
        const auto& name = static_cast<const api::username&>(*u);
        if (name.active) return name.username;
      }
    }
  }
  return "";
}

}  // namespace

int64_t BotApiId(PeerKind kind, int64_t id) {
  switch (kind) {
    case PeerKind::kUser: return id;
    case PeerKind::kChat: return -id;
    case PeerKind::kChannel: return -(kBotApiChannelOffset + id);
  }
  return id;
}

absl::StatusOr<PeerRef> ParsePeerRef(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return BadRef(text, "empty");
  const std::string lower = Lower(s);
  if (lower == "me" || lower == "self") return PeerRef{PeerRef::Kind::kSelf, "", 0};
  for (auto [prefix, kind] : {std::pair{std::string_view("user:"), PeerRef::Kind::kUser},
                              std::pair{std::string_view("chat:"), PeerRef::Kind::kChat},
                              std::pair{std::string_view("channel:"), PeerRef::Kind::kChannel}}) {
    if (lower.starts_with(prefix)) {
      std::optional<int64_t> id = ParseInt64(s.substr(prefix.size()));
      if (!id || *id <= 0) return BadRef(text, "expected a positive id after the prefix");
      return PeerRef{kind, "", *id};
    }
  }
  if (s.front() == '@') {
    if (!LooksLikeUsername(s.substr(1))) return BadRef(text, "not a valid username");
    return PeerRef{PeerRef::Kind::kUsername, std::string(s.substr(1)), 0};
  }
  if (s.front() == '-' || (s.front() >= '0' && s.front() <= '9')) {
    std::optional<int64_t> id = ParseInt64(s);
    if (!id) return BadRef(text, "not a valid numeric id");
    if (*id > 0) return PeerRef{PeerRef::Kind::kUser, "", *id};
    if (*id == 0) return BadRef(text, "id 0 names no peer");
    if (*id == INT64_MIN) return BadRef(text, "id out of range");
    const int64_t magnitude = -*id;
    if (magnitude > kBotApiChannelOffset) {
      return PeerRef{PeerRef::Kind::kChannel, "", magnitude - kBotApiChannelOffset};
    }
    if (magnitude == kBotApiChannelOffset) return BadRef(text, "id out of range");
    return PeerRef{PeerRef::Kind::kChat, "", magnitude};
  }
  if (ParseInviteLink(s)) {
    return BadRef(text,
                  "an invite link names a chat only through the server: use CheckLink / "
                  "JoinByLink with it");
  }
  if (std::optional<int64_t> id = PrivateChannelLinkId(s)) {
    return PeerRef{PeerRef::Kind::kChannel, "", *id};
  }
  if (std::optional<std::string> username = ParsePublicLink(s)) {
    return PeerRef{PeerRef::Kind::kUsername, *username, 0};
  }
  if (LooksLikeUsername(s)) return PeerRef{PeerRef::Kind::kUsername, std::string(s), 0};
  return BadRef(text,
                "expected @username, a t.me link, a numeric id (Bot API style: -<chat id>, "
                "-100<channel id>) or me");
}

tl::ObjectPtr<api::InputPeer> ToInputPeer(const ResolvedPeer& resolved) {
  if (resolved.self) return std::make_unique<api::inputPeerSelf>();
  const PeerRecord& peer = resolved.peer;
  switch (peer.kind) {
    case PeerKind::kUser: {
      auto p = std::make_unique<api::inputPeerUser>();
      p->user_id = peer.id;
      p->access_hash = peer.access_hash;
      return p;
    }
    case PeerKind::kChat: {
      auto p = std::make_unique<api::inputPeerChat>();
      p->chat_id = peer.id;
      return p;
    }
    case PeerKind::kChannel: {
      auto p = std::make_unique<api::inputPeerChannel>();
      p->channel_id = peer.id;
      p->access_hash = peer.access_hash;
      return p;
    }
  }
  return std::make_unique<api::inputPeerEmpty>();
}

absl::StatusOr<tl::ObjectPtr<api::InputChannel>> ToInputChannel(const ResolvedPeer& resolved) {
  if (resolved.self || resolved.peer.kind != PeerKind::kChannel) {
    return absl::InvalidArgumentError(absl::StrCat(
        "channel: the peer is ",
        std::string(resolved.self ? "the account itself" : KindName(resolved.peer.kind)),
        ", not a channel or supergroup"));
  }
  auto channel = std::make_unique<api::inputChannel>();
  channel->channel_id = resolved.peer.id;
  channel->access_hash = resolved.peer.access_hash;
  return channel;
}

absl::StatusOr<tl::ObjectPtr<api::InputUser>> ToInputUser(const ResolvedPeer& resolved) {
  if (resolved.self) return std::make_unique<api::inputUserSelf>();
  if (resolved.peer.kind != PeerKind::kUser) {
    return absl::InvalidArgumentError(
        absl::StrCat("user: the peer is ", std::string(KindName(resolved.peer.kind)), ", not a user"));
  }
  auto user = std::make_unique<api::inputUser>();
  user->user_id = resolved.peer.id;
  user->access_hash = resolved.peer.access_hash;
  return user;
}

std::optional<PeerRecord> RecordOf(const api::User& any) {
  if (any.ConstructorId() != api::user::kId) return std::nullopt;
  const auto& user = static_cast<const api::user&>(any);
  if (user.id <= 0) return std::nullopt;
  PeerRecord record;
  record.kind = PeerKind::kUser;
  record.id = user.id;
  // A min user's access_hash is not usable for InputPeer (api/min).
  record.access_hash = (!user.min && user.access_hash) ? *user.access_hash : 0;
  record.username = UsernameOf(user);
  record.is_bot = user.bot;
  return record;
}

std::optional<PeerRecord> RecordOf(const api::Chat& any) {
  PeerRecord record;
  switch (any.ConstructorId()) {
    case api::chat::kId:
      record.kind = PeerKind::kChat;
      record.id = static_cast<const api::chat&>(any).id;
      break;
    case api::chatForbidden::kId:
      record.kind = PeerKind::kChat;
      record.id = static_cast<const api::chatForbidden&>(any).id;
      break;
    case api::channel::kId: {
      const auto& channel = static_cast<const api::channel&>(any);
      record.kind = PeerKind::kChannel;
      record.id = channel.id;
      record.access_hash = (!channel.min && channel.access_hash) ? *channel.access_hash : 0;
      record.username = UsernameOf(channel);
      break;
    }
    case api::channelForbidden::kId: {
      const auto& channel = static_cast<const api::channelForbidden&>(any);
      record.kind = PeerKind::kChannel;
      record.id = channel.id;
      record.access_hash = channel.access_hash;
      break;
    }
    default:
      return std::nullopt;
  }
  if (record.id <= 0) return std::nullopt;
  return record;
}

PeerCache::PeerCache(store::SessionStore& store) : store_(store) {}

absl::Status PeerCache::Feed(const std::vector<tl::ObjectPtr<api::User>>& users,
                             const std::vector<tl::ObjectPtr<api::Chat>>& chats) {
  std::vector<PeerRecord> records;
  records.reserve(users.size() + chats.size());
  for (const auto& user : users) {
    if (!user) continue;
    if (std::optional<PeerRecord> r = RecordOf(*user)) records.push_back(std::move(*r));
  }
  for (const auto& chat : chats) {
    if (!chat) continue;
    if (std::optional<PeerRecord> r = RecordOf(*chat)) records.push_back(std::move(*r));
  }
  return Put(std::move(records));
}

absl::Status PeerCache::Put(std::vector<PeerRecord> records) {
  std::vector<PeerRecord> changed;
  Memory& m = memory_;
  std::lock_guard lock(m.mutex);
  for (PeerRecord& record : records) {
    record.username = Lower(record.username);
    const auto key = std::pair(record.kind, record.id);
    auto it = m.by_id.find(key);
    if (it == m.by_id.end()) {
      // Not in memory: the store may know it (and its hash, which a min object lacks).
      absl::StatusOr<std::optional<PeerRecord>> stored = store_.GetPeer(record.kind, record.id);
      if (stored.ok() && stored->has_value()) {
        it = m.by_id.emplace(key, **stored).first;
        if (!(*stored)->username.empty()) m.by_username[(*stored)->username] = key;
      }
    }
    if (it != m.by_id.end()) {
      if (record.access_hash == 0) record.access_hash = it->second.access_hash;
      if (it->second == record) continue;
      if (!it->second.username.empty() && it->second.username != record.username) {
        m.by_username.erase(it->second.username);
      }
      it->second = record;
    } else {
      m.by_id.emplace(key, record);
    }
    if (!record.username.empty()) {
      // Usernames move: whoever had this one before has lost it.
      auto [slot, inserted] = m.by_username.try_emplace(record.username, key);
      if (!inserted && slot->second != key) {
        if (auto old = m.by_id.find(slot->second); old != m.by_id.end()) {
          old->second.username.clear();
        }
        slot->second = key;
      }
    }
    changed.push_back(record);
  }
  if (changed.empty()) return absl::OkStatus();
  // Under the lock: two feeds of one peer reach the store in the order they changed memory.
  return store_.PutPeers(changed);
}

std::optional<PeerRecord> PeerCache::Find(PeerKind kind, int64_t id) {
  Memory& m = memory_;
  std::lock_guard lock(m.mutex);
  const auto key = std::pair(kind, id);
  if (auto it = m.by_id.find(key); it != m.by_id.end()) return it->second;
  absl::StatusOr<std::optional<PeerRecord>> stored = store_.GetPeer(kind, id);
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  m.by_id.emplace(key, **stored);
  if (!(*stored)->username.empty()) m.by_username[(*stored)->username] = key;
  return *stored;
}

std::optional<PeerRecord> PeerCache::FindUsername(std::string_view username) {
  const std::string name = Lower(username);
  Memory& m = memory_;
  std::lock_guard lock(m.mutex);
  if (auto it = m.by_username.find(name); it != m.by_username.end()) {
    if (auto peer = m.by_id.find(it->second); peer != m.by_id.end()) return peer->second;
  }
  absl::StatusOr<std::optional<PeerRecord>> stored = store_.FindPeerByUsername(name);
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  const auto key = std::pair((*stored)->kind, (*stored)->id);
  m.by_id[key] = **stored;
  m.by_username[name] = key;
  return *stored;
}

void PeerResolver::ResolveAsync(std::string_view text, Deadline deadline, Callback done) {
  absl::StatusOr<PeerRef> ref = ParsePeerRef(text);
  if (!ref.ok()) return done(ref.status());
  switch (ref->kind) {
    case PeerRef::Kind::kSelf:
      return done(ResolvedPeer{true, {}});
    case PeerRef::Kind::kChat:
      // Basic groups need no access hash.
      return done(ResolvedPeer{false, cache_.Find(PeerKind::kChat, ref->id).value_or(
                                          PeerRecord{PeerKind::kChat, ref->id, 0, "", false})});
    case PeerRef::Kind::kUser:
    case PeerRef::Kind::kChannel: {
      const PeerKind kind =
          ref->kind == PeerRef::Kind::kUser ? PeerKind::kUser : PeerKind::kChannel;
      std::optional<PeerRecord> peer = cache_.Find(kind, ref->id);
      if (peer && peer->access_hash != 0) return done(ResolvedPeer{false, *std::move(peer)});
      std::string not_found = absl::StrCat(
          "peer \"", std::string(text), "\": ", std::string(KindName(kind)), " with id ", ref->id,
          " that this account has not seen yet (no access hash): refer to it once by @username "
          "or t.me link, or after an answer that mentions it");
      return WarmUpAsync(deadline, [this, kind, id = ref->id, not_found = std::move(not_found),
                                    done = std::move(done)](absl::Status) mutable {
        std::optional<PeerRecord> peer = cache_.Find(kind, id);
        if (!peer || peer->access_hash == 0) return done(absl::NotFoundError(not_found));
        done(ResolvedPeer{false, *std::move(peer)});
      });
    }
    case PeerRef::Kind::kUsername: {
      if (std::optional<PeerRecord> peer = cache_.FindUsername(ref->username)) {
        if (peer->kind == PeerKind::kChat || peer->access_hash != 0) {
          return done(ResolvedPeer{false, *std::move(peer)});
        }
      }
      return ResolveUsernameAsync(std::move(ref->username), deadline, std::move(done));
    }
  }
}

void PeerResolver::ResolveUsernameAsync(std::string username, Deadline deadline, Callback done) {
  api::contacts_resolveUsername call;
  call.username = username;
  engine_.Invoke(
      call, deadline,
      [this, username, done = std::move(done)](
          absl::StatusOr<tl::ObjectPtr<api::contacts_ResolvedPeer>> result) mutable {
        if (!result.ok()) return done(result.status());
        if (!*result || (*result)->ConstructorId() != api::contacts_resolvedPeer::kId) {
          return done(absl::DataLossError("contacts.resolveUsername: unexpected answer"));
        }
        const auto& resolved = static_cast<const api::contacts_resolvedPeer&>(**result);
        (void)cache_.Feed(resolved.users, resolved.chats);  // a cache write failure is not fatal
        PeerKind kind;
        int64_t id;
        const api::Peer* peer = resolved.peer.get();
        if (peer == nullptr) return done(absl::DataLossError("resolvedPeer without a peer"));
        switch (peer->ConstructorId()) {
          case api::peerUser::kId:
            kind = PeerKind::kUser;
            id = static_cast<const api::peerUser&>(*peer).user_id;
            break;
          case api::peerChat::kId:
            kind = PeerKind::kChat;
            id = static_cast<const api::peerChat&>(*peer).chat_id;
            break;
          case api::peerChannel::kId:
            kind = PeerKind::kChannel;
            id = static_cast<const api::peerChannel&>(*peer).channel_id;
            break;
          default:
            return done(absl::DataLossError("resolvedPeer with an unknown peer"));
        }
        std::optional<PeerRecord> record = cache_.Find(kind, id);
        if (!record) {
          return done(absl::DataLossError(absl::StrCat(
              "contacts.resolveUsername(", username, "): the answer lacks the peer's object")));
        }
        done(ResolvedPeer{false, *std::move(record)});
      });
}

void PeerResolver::WarmUpAsync(Deadline deadline, absl::AnyInvocable<void(absl::Status)> done) {
  api::messages_getDialogs call;
  call.offset_peer = std::make_unique<api::inputPeerEmpty>();
  call.limit = kDialogsPage;
  engine_.Invoke(call, deadline,
                 [this, done = std::move(done)](
                     absl::StatusOr<tl::ObjectPtr<api::messages_Dialogs>> result) mutable {
                   if (!result.ok()) return done(result.status());
                   const api::messages_Dialogs* dialogs = result->get();
                   if (dialogs == nullptr) return done(absl::DataLossError("no dialogs"));
                   if (dialogs->ConstructorId() == api::messages_dialogs::kId) {
                     const auto& d = static_cast<const api::messages_dialogs&>(*dialogs);
                     return done(cache_.Feed(d.users, d.chats));
                   }
                   if (dialogs->ConstructorId() == api::messages_dialogsSlice::kId) {
                     const auto& d = static_cast<const api::messages_dialogsSlice&>(*dialogs);
                     return done(cache_.Feed(d.users, d.chats));
                   }
                   done(absl::OkStatus());  // dialogsNotModified: nothing new
                 });
}

absl::StatusOr<ResolvedPeer> PeerResolver::Resolve(std::string_view ref, Deadline deadline) {
  std::promise<absl::StatusOr<ResolvedPeer>> promise;
  std::future<absl::StatusOr<ResolvedPeer>> future = promise.get_future();
  ResolveAsync(ref, deadline,
               [&promise](absl::StatusOr<ResolvedPeer> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mtproto::engine

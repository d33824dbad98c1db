// Peers as users name them — "@username", "username", t.me/<username> links, numeric ids in the
// Bot API style — turned into the InputPeer / InputChannel / InputUser that API calls need. Those
// need access hashes, which only the server hands out (inside every User and Chat it sends), so
// the engine keeps a peer cache: id → kind + access hash, username → id, persisted in the
// account's SessionStore so that a restart can still address every peer it has seen.
// Spec: https://core.telegram.org/api/peers (access hashes, min constructors),
//       https://core.telegram.org/api/bots/ids (Bot API ids: -<chat id>, -100<channel id>),
//       https://core.telegram.org/method/contacts.resolveUsername
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/engine/engine.h"
#include "mtproto/store/session_store.h"
#include "mtproto/tl/api.h"

namespace mtproto::engine {

using store::PeerKind;
using store::PeerRecord;

// Bot API ids: users keep their id, basic groups are -<chat id>, channels and supergroups are
// -(10^12 + <channel id>), printed "-100<channel id>".
inline constexpr int64_t kBotApiChannelOffset = 1000000000000;
[[nodiscard]] int64_t BotApiId(PeerKind kind, int64_t id);

// A peer reference, parsed; nothing resolved yet.
struct PeerRef {
  enum class Kind {
    kSelf,      // "me" / "self": the signed-in account
    kUsername,  // "@name", "name", "t.me/name"
    kUser,      // "123" (positive Bot API id) or "user:123"
    kChat,      // "-123" (a basic group) or "chat:123"
    kChannel,   // "-100123" or "channel:123" or "t.me/c/123[/<post>]"
  };
  Kind kind = Kind::kSelf;
  std::string username;  // kUsername: without '@', as written
  int64_t id = 0;        // kUser / kChat / kChannel: the MTProto id (not the Bot API id)

  bool operator==(const PeerRef&) const = default;
};

// Parses a peer reference (see PeerRef; surrounding spaces are ignored). INVALID_ARGUMENT naming
// the text for anything else — including invite links, which name a chat only via the server
// (use InviteApi::CheckLink) — and for ids out of range.
[[nodiscard]] absl::StatusOr<PeerRef> ParsePeerRef(std::string_view text);

// A peer the cache could resolve (or the account itself).
struct ResolvedPeer {
  bool self = false;  // the signed-in account (inputPeerSelf); `peer` is then empty
  PeerRecord peer;
};

// The TL forms of a resolved peer. InputChannel fails (INVALID_ARGUMENT) for users and basic
// groups, InputUser for chats and channels: the message names what the peer is.
[[nodiscard]] tl::ObjectPtr<tl::api::InputPeer> ToInputPeer(const ResolvedPeer& peer);
[[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::InputChannel>> ToInputChannel(
    const ResolvedPeer& peer);
[[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::InputUser>> ToInputUser(
    const ResolvedPeer& peer);

// The records a User / Chat carries; nullopt for userEmpty / chatEmpty. A min constructor (which
// has no usable access hash) gives access_hash 0, which never overwrites a known hash.
[[nodiscard]] std::optional<PeerRecord> RecordOf(const tl::api::User& user);
[[nodiscard]] std::optional<PeerRecord> RecordOf(const tl::api::Chat& chat);

// The persisted peer cache of one account: an in-memory map in front of the store's `peers`
// table, written through (only when something changed, all of one Feed in one transaction).
// Thread-safe.
//
// One per account: the Engine owns it (Engine::peer_cache()); its update path feeds it the users
// and chats of every pushed Updates and difference, and InviteApi uses the same one, so a
// requester named by an update is addressable by id at once.
class PeerCache {
 public:
  explicit PeerCache(store::SessionStore& store);
  PeerCache(const PeerCache&) = delete;
  PeerCache& operator=(const PeerCache&) = delete;

  // Remembers every user and chat of an answer (any answer carrying users/chats vectors).
  [[nodiscard]] absl::Status Feed(const std::vector<tl::ObjectPtr<tl::api::User>>& users,
                                  const std::vector<tl::ObjectPtr<tl::api::Chat>>& chats);
  [[nodiscard]] absl::Status Put(std::vector<PeerRecord> records);

  // Looked up in memory, then in the store.
  [[nodiscard]] std::optional<PeerRecord> Find(PeerKind kind, int64_t id);
  // Case-insensitive.
  [[nodiscard]] std::optional<PeerRecord> FindUsername(std::string_view username);

 private:
  // What is in memory (the store holds everything; this spares it the reads).
  struct Memory {
    std::mutex mutex;
    std::map<std::pair<PeerKind, int64_t>, PeerRecord> by_id;
    std::map<std::string, std::pair<PeerKind, int64_t>> by_username;  // lower-case keys
  };

  store::SessionStore& store_;
  Memory memory_;
};

// Resolves peer references through a PeerCache, asking contacts.resolveUsername on a username
// miss (and caching what it returns). An id the cache has never seen has no access hash: the
// resolver then reads the first page of the account's dialogs once (messages.getDialogs, which
// names every chat the account is in, with hashes) and looks again; still unknown is NOT_FOUND
// saying so. Basic groups need no hash.
class PeerResolver {
 public:
  using Callback = absl::AnyInvocable<void(absl::StatusOr<ResolvedPeer>)>;

  PeerResolver(Engine& engine, PeerCache& cache) : engine_(engine), cache_(cache) {}

  // `done` runs exactly once, on the caller's thread when the cache answers, else on the
  // engine's I/O thread.
  void ResolveAsync(std::string_view ref, Deadline deadline, Callback done);
  [[nodiscard]] absl::StatusOr<ResolvedPeer> Resolve(std::string_view ref,
                                                     Deadline deadline = kNoDeadline);
  // contacts.resolveUsername, always asking the server (and refreshing the cache).
  void ResolveUsernameAsync(std::string username, Deadline deadline, Callback done);

  PeerCache& cache() { return cache_; }
  // messages.getDialogs (one page of kDialogsPage), feeding the cache. Bots may not call it.
  void WarmUpAsync(Deadline deadline, absl::AnyInvocable<void(absl::Status)> done);
  static constexpr int32_t kDialogsPage = 100;

 private:
  Engine& engine_;
  PeerCache& cache_;
};

}  // namespace mtproto::engine

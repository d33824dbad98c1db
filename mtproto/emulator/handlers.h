// The handler table: one entry per implemented API method, keyed by its constructor id, filled
// by one Register*Handlers function per method group (handlers_<group>.cc). New method groups
// (chats, channels, invite links) add a file and a line in Dispatcher's constructor.
// Spec: https://core.telegram.org/methods
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "mtproto/emulator/rpc.h"
#include "mtproto/emulator/world.h"
#include "mtproto/tl/api.h"

namespace mtproto::emulator {

// One call as a handler sees it: the shared services, the connection, and the account the
// connection's auth key is signed in as.
struct Call {
  EmulatorEnv& env;
  ConnectionContext& conn;
  int64_t user_id = 0;  // 0 = not signed in

  Account account() const;
  // Signs the connection's auth key in as `user_id` (persisted).
  [[nodiscard]] absl::Status SignIn(int64_t user_id);
};

// Who may call a method.
enum class Access {
  kAnyone,    // help.*, the sign-in methods
  kSignedIn,  // everything that acts as an account: AUTH_KEY_UNREGISTERED otherwise
};

struct HandlerEntry {
  const char* name;
  Access access;
  std::function<Outcome(const tl::Function&, Call&)> run;
};

using HandlerTable = absl::flat_hash_map<uint32_t, HandlerEntry>;

// Registers a typed handler for generated function type F.
template <typename F>
void Register(HandlerTable& table, Access access, Outcome (*handler)(const F&, Call&)) {
  table[F::kId] = HandlerEntry{F::kName, access, [handler](const tl::Function& f, Call& call) {
                                 return handler(static_cast<const F&>(f), call);
                               }};
}

void RegisterHelpHandlers(HandlerTable& table);
void RegisterAuthHandlers(HandlerTable& table);
void RegisterAccountHandlers(HandlerTable& table);
void RegisterUsersHandlers(HandlerTable& table);
void RegisterUpdatesHandlers(HandlerTable& table);
// Chats, invite links and join requests (handlers_invites.cc, handlers_channels.cc,
// handlers_contacts.cc; the state is ChatState, env.chats).
void RegisterInvitesHandlers(HandlerTable& table);
void RegisterChannelsHandlers(HandlerTable& table);
void RegisterContactsHandlers(HandlerTable& table);
// messages.getDialogs (handlers_messages.cc); leaving chats (handlers_membership.cc).
void RegisterMessagesHandlers(HandlerTable& table);
void RegisterMembershipHandlers(HandlerTable& table);

// Shared by handlers: the API `user` for an account, as seen by `viewer_id` (sets `self` and
// shows the phone to its owner only).
tl::ObjectPtr<tl::api::user> MakeUser(const Account& account, int64_t viewer_id);
// auth.authorization for a freshly signed-in account.
tl::ObjectPtr<tl::api::auth_authorization> MakeAuthorization(const Account& account);
// The error for a Status from the store or crypto: 500 INTERNAL (logged by the caller).
Outcome InternalError(const absl::Status& status);

}  // namespace mtproto::emulator

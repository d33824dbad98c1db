// Caller authentication and authorization for every RPC: bearer tokens from the config, each with
// scopes — which accounts and chats ("*" for any) and which actions (read, manage_links, moderate,
// admin; admin implies the others) — optionally bound to an mTLS client identity.
//
// In a callback-API handler:
//
//   absl::StatusOr<auth::Principal> who = authorizer.Check(ctx, Action::kModerate, account, chat);
//   if (!who.ok()) { reactor->Finish(auth::ToGrpcStatus(who.status())); return reactor; }
//
// UNAUTHENTICATED: no "authorization: Bearer <token>" metadata, a malformed one, or an unknown
// token. PERMISSION_DENIED: the token lacks the action, the account or the chat. Messages name
// the token (its configured name) and what is missing — never the secret. Token lookup compares
// SHA-256 digests in constant time over all tokens. With no tokens configured every call is
// allowed (the embedded default on loopback): open() is true and the server logs it at start.
// Metadata and auth context: https://grpc.io/docs/guides/auth/
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/config/config.h"

namespace grpc {
class ServerContextBase;
class Status;
}  // namespace grpc

namespace invitegate::auth {

using config::Action;

// Who is calling: the token's name ("anonymous" in open mode) and the mTLS peer identity, if any.
struct Principal {
  std::string token_name;
  std::string peer_identity;  // client certificate CN/SAN over mTLS, else empty
  bool unrestricted = false;  // open mode: every action on every account and chat
};

// The request's credentials, as extracted from a gRPC context (or built by tests).
struct Credentials {
  // Every "authorization" metadata value (normally one).
  std::vector<std::string> authorization;
  // Identities of a verified mTLS client certificate (common name and subject alternative names).
  std::vector<std::string> peer_identities;
};

// Reads "authorization" metadata and the mTLS peer identity from a server context.
[[nodiscard]] Credentials CredentialsFrom(const grpc::ServerContextBase& context);

// Maps an absl::Status (same code numbering) onto a grpc::Status.
[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status);

// Token scopes checker; immutable after construction, so thread-safe.
class Authorizer {
 public:
  // From the config's tokens (already validated by config::LoadConfig).
  explicit Authorizer(const std::vector<config::TokenConfig>& tokens);

  // True when no token is configured: everyone is allowed everything.
  [[nodiscard]] bool open() const { return tokens_.empty(); }

  // Who is calling, or UNAUTHENTICATED.
  [[nodiscard]] absl::StatusOr<Principal> Authenticate(const Credentials& credentials) const;

  // Whether `principal` may do `action` on `account` (empty: no account involved, e.g. listing
  // accounts) and `chat` (empty: no chat involved). PERMISSION_DENIED names what is missing.
  [[nodiscard]] absl::Status Authorize(const Principal& principal, Action action,
                                       std::string_view account, std::string_view chat = {}) const;
  // As above where a chat has several names (the id the caller gave and the resolved one, a
  // username): allowed if any of them is in the token's chat list.
  [[nodiscard]] absl::Status Authorize(const Principal& principal, Action action,
                                       std::string_view account,
                                       const std::vector<std::string>& chat_aliases) const;

  // Authenticate + Authorize in one call, from a handler's context.
  [[nodiscard]] absl::StatusOr<Principal> Check(const grpc::ServerContextBase& context,
                                                Action action, std::string_view account,
                                                std::string_view chat = {}) const;

  // For filtering lists (e.g. ListAccounts shows only the token's accounts).
  [[nodiscard]] bool AllowsAccount(const Principal& principal, std::string_view account) const;

 private:
  struct Token {
    std::string name;
    std::array<uint8_t, 32> digest;  // SHA-256 of the secret
    std::vector<std::string> accounts;
    std::vector<std::string> chats;  // normalized (see NormalizeChat in the .cc)
    uint32_t actions = 0;            // bit per Action
    std::vector<std::string> client_identities;
  };
  [[nodiscard]] const Token* Find(const Principal& principal) const;

  std::vector<Token> tokens_;
};

}  // namespace invitegate::auth

// Bearer-token checks. Secrets are kept only as SHA-256 digests and compared with CRYPTO_memcmp
// against every token (no early exit), so timing reveals neither a prefix nor which token matched.
#include "service/auth/authorizer.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_context.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace invitegate::auth {
namespace {

constexpr std::string_view kAnyone = "*";

std::array<uint8_t, 32> Digest(std::string_view secret) {
  std::array<uint8_t, 32> d{};
  SHA256(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), d.data());
  return d;
}

uint32_t Bit(Action a) { return 1u << static_cast<int>(a); }

// Chats are compared as given by users: "@Name" and "name" are the same username.
std::string NormalizeChat(std::string_view chat) {
  if (chat.starts_with("@")) chat.remove_prefix(1);
  return absl::AsciiStrToLower(std::string(chat));
}

bool Listed(const std::vector<std::string>& list, std::string_view value) {
  for (const std::string& item : list) {
    if (item == kAnyone || item == value) return true;
  }
  return false;
}

}  // namespace

Credentials CredentialsFrom(const grpc::ServerContextBase& context) {
  Credentials c;
  const auto& md = context.client_metadata();
  for (auto [it, end] = md.equal_range("authorization"); it != end; ++it) {
    c.authorization.emplace_back(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property : {"x509_common_name", "x509_subject_alternative_name"}) {
      for (const grpc::string_ref& v : auth->FindPropertyValues(property)) {
        c.peer_identities.emplace_back(v.data(), v.size());
      }
    }
  }
  return c;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

Authorizer::Authorizer(const std::vector<config::TokenConfig>& tokens) {
  for (const config::TokenConfig& t : tokens) {
    Token token;
    token.name = t.name;
    token.digest = Digest(t.secret.Reveal());
    token.accounts = t.accounts;
    for (const std::string& chat : t.chats)
      token.chats.push_back(chat == kAnyone ? chat : NormalizeChat(chat));
    for (Action a : t.actions) token.actions |= Bit(a);
    token.client_identities = t.client_identities;
    tokens_.push_back(std::move(token));
  }
}

absl::StatusOr<Principal> Authorizer::Authenticate(const Credentials& credentials) const {
  Principal principal;
  if (!credentials.peer_identities.empty())
    principal.peer_identity = credentials.peer_identities.front();
  if (open()) {
    principal.token_name = "anonymous";
    principal.unrestricted = true;
    return principal;
  }
  if (credentials.authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing bearer token: send metadata \"authorization: Bearer <token>\"");
  }
  if (credentials.authorization.size() > 1) {
    return absl::UnauthenticatedError("more than one \"authorization\" metadata entry");
  }
  absl::string_view value = absl::StripAsciiWhitespace(credentials.authorization.front());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "malformed \"authorization\" metadata: expected \"Bearer <token>\"");
  }
  const absl::string_view presented_token =
      absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  const std::array<uint8_t, 32> presented =
      Digest({presented_token.data(), presented_token.size()});
  const Token* match = nullptr;
  for (const Token& token : tokens_) {  // visit all: the time does not depend on which matched
    const bool equal = CRYPTO_memcmp(token.digest.data(), presented.data(), presented.size()) == 0;
    if (equal) match = &token;
  }
  if (match == nullptr) return absl::UnauthenticatedError("unknown bearer token");
  if (!match->client_identities.empty()) {
    bool bound = false;
    for (const std::string& id : credentials.peer_identities)
      bound = bound || Listed(match->client_identities, id);
    if (!bound) {
      return absl::UnauthenticatedError(
          absl::StrCat("token \"", match->name,
                       "\" is accepted only with one of its client certificates (mTLS)"));
    }
  }
  principal.token_name = match->name;
  return principal;
}

const Authorizer::Token* Authorizer::Find(const Principal& principal) const {
  for (const Token& token : tokens_) {
    if (token.name == principal.token_name) return &token;
  }
  return nullptr;
}

absl::Status Authorizer::Authorize(const Principal& principal, Action action,
                                   std::string_view account, std::string_view chat) const {
  std::vector<std::string> aliases;
  if (!chat.empty()) aliases.emplace_back(chat);
  return Authorize(principal, action, account, aliases);
}

absl::Status Authorizer::Authorize(const Principal& principal, Action action,
                                   std::string_view account,
                                   const std::vector<std::string>& chat_aliases) const {
  if (principal.unrestricted) return absl::OkStatus();
  const Token* token = Find(principal);
  if (token == nullptr) return absl::UnauthenticatedError("unknown principal");
  if ((token->actions & (Bit(action) | Bit(Action::kAdmin))) == 0) {
    return absl::PermissionDeniedError(absl::StrCat("token \"", token->name, "\" lacks the \"",
                                                    std::string(config::ActionName(action)),
                                                    "\" action"));
  }
  if (!account.empty() && !Listed(token->accounts, account)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "token \"", token->name, "\" is not allowed account \"", std::string(account), "\""));
  }
  if (!chat_aliases.empty()) {
    bool allowed = false;
    for (const std::string& chat : chat_aliases)
      allowed = allowed || Listed(token->chats, NormalizeChat(chat));
    if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat("token \"", token->name, "\" is not allowed chat \"", chat_aliases.front(),
                       "\" of account \"", std::string(account), "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> Authorizer::Check(const grpc::ServerContextBase& context, Action action,
                                            std::string_view account, std::string_view chat) const {
  absl::StatusOr<Principal> principal = Authenticate(CredentialsFrom(context));
  if (!principal.ok()) return principal.status();
  if (absl::Status s = Authorize(*principal, action, account, chat); !s.ok()) return s;
  return principal;
}

bool Authorizer::AllowsAccount(const Principal& principal, std::string_view account) const {
  if (principal.unrestricted) return true;
  const Token* token = Find(principal);
  return token != nullptr && Listed(token->accounts, account);
}

}  // namespace invitegate::auth

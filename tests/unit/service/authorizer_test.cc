// Token scopes: per action, account and chat; unknown, missing and malformed tokens; open mode;
// tokens bound to mTLS identities; messages that name what is missing but never the secret.
#include "service/auth/authorizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invitegate::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOps[] = "ops-secret-0123456789abcdef";
constexpr char kMod[] = "mod-secret-0123456789abcdef";
constexpr char kReader[] = "reader-secret-0123456789ab";
constexpr char kBound[] = "bound-secret-0123456789abc";

config::TokenConfig Token(std::string name, std::string secret, std::vector<std::string> accounts,
                          std::vector<std::string> chats, std::vector<Action> actions,
                          std::vector<std::string> identities = {}) {
  return config::TokenConfig{.name = std::move(name),
                             .secret = logging::Secret(std::move(secret), "test"),
                             .accounts = std::move(accounts),
                             .chats = std::move(chats),
                             .actions = std::move(actions),
                             .client_identities = std::move(identities)};
}

Authorizer Make() {
  return Authorizer({Token("ops", kOps, {"*"}, {"*"}, {Action::kAdmin}),
                     Token("mod", kMod, {"bot", "alice"}, {"-1001", "@Support_Chat"},
                           {Action::kRead, Action::kModerate}),
                     Token("reader", kReader, {"bot"}, {"*"}, {Action::kRead}),
                     Token("bound", kBound, {"*"}, {"*"}, {Action::kRead}, {"client-a"})});
}

Credentials Auth(std::vector<std::string> authorization) {
  Credentials c;
  c.authorization = std::move(authorization);
  return c;
}
Credentials Bearer(std::string_view secret) { return Auth({"Bearer " + std::string(secret)}); }

Principal Login(const Authorizer& a, std::string_view secret) {
  absl::StatusOr<Principal> p = a.Authenticate(Bearer(secret));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Principal{};
}

TEST(AuthorizerTest, IdentifiesTokens) {
  Authorizer a = Make();
  EXPECT_FALSE(a.open());
  EXPECT_EQ(Login(a, kOps).token_name, "ops");
  EXPECT_EQ(Login(a, kMod).token_name, "mod");
  // Scheme is case-insensitive; surrounding whitespace tolerated.
  absl::StatusOr<Principal> p = a.Authenticate(Auth({"  bearer   " + std::string(kReader) + " "}));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->token_name, "reader");
}

TEST(AuthorizerTest, Unauthenticated) {
  Authorizer a = Make();
  auto expect = [&](const Credentials& c, std::string_view message) {
    absl::StatusOr<Principal> p = a.Authenticate(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(std::string(p.status().message()), message);
  };
  expect(Credentials{}, "missing bearer token: send metadata \"authorization: Bearer <token>\"");
  expect(Bearer("not-a-known-token-123456"), "unknown bearer token");
  expect(Bearer(std::string(kOps) + "x"), "unknown bearer token");
  expect(Bearer(std::string(kOps).substr(0, 10)), "unknown bearer token");
  expect(Auth({kOps}), "malformed \"authorization\" metadata: expected \"Bearer <token>\"");
  expect(Auth({"Basic dXNlcjpwYXNz"}),
         "malformed \"authorization\" metadata: expected \"Bearer <token>\"");
  expect(Auth({"Bearer "}), "malformed \"authorization\" metadata: expected \"Bearer <token>\"");
  expect(Auth({"Bearer " + std::string(kOps), "Bearer " + std::string(kMod)}),
         "more than one \"authorization\" metadata entry");
}

TEST(AuthorizerTest, ActionsAccountsAndChats) {
  Authorizer a = Make();
  const Principal ops = Login(a, kOps), mod = Login(a, kMod), reader = Login(a, kReader);
  // Admin implies every action, anywhere.
  for (Action action : {Action::kRead, Action::kManageLinks, Action::kModerate, Action::kAdmin}) {
    EXPECT_TRUE(a.Authorize(ops, action, "anyone", "-100999").ok());
  }
  // mod: read + moderate on bot/alice, two chats.
  EXPECT_TRUE(a.Authorize(mod, Action::kModerate, "bot", "-1001").ok());
  EXPECT_TRUE(
      a.Authorize(mod, Action::kRead, "alice", "support_chat").ok());  // '@' and case ignored
  EXPECT_TRUE(a.Authorize(mod, Action::kRead, "alice", "@SUPPORT_CHAT").ok());
  EXPECT_TRUE(a.Authorize(mod, Action::kRead, "alice").ok());  // no chat involved
  EXPECT_EQ(a.Authorize(mod, Action::kManageLinks, "bot", "-1001"),
            absl::PermissionDeniedError("token \"mod\" lacks the \"manage_links\" action"));
  EXPECT_EQ(a.Authorize(mod, Action::kAdmin, ""),
            absl::PermissionDeniedError("token \"mod\" lacks the \"admin\" action"));
  EXPECT_EQ(a.Authorize(mod, Action::kRead, "carol", "-1001"),
            absl::PermissionDeniedError("token \"mod\" is not allowed account \"carol\""));
  EXPECT_EQ(a.Authorize(mod, Action::kModerate, "bot", "-1002"),
            absl::PermissionDeniedError(
                "token \"mod\" is not allowed chat \"-1002\" of account \"bot\""));
  // Any alias of the chat may match (the caller's reference and the resolved id).
  EXPECT_TRUE(
      a.Authorize(mod, Action::kModerate, "bot", std::vector<std::string>{"@other_name", "-1001"})
          .ok());
  EXPECT_FALSE(
      a.Authorize(mod, Action::kModerate, "bot", std::vector<std::string>{"@other_name", "-1003"})
          .ok());
  // reader: read only.
  EXPECT_TRUE(a.Authorize(reader, Action::kRead, "bot", "-5").ok());
  EXPECT_EQ(a.Authorize(reader, Action::kModerate, "bot", "-5").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(a.AllowsAccount(reader, "bot"));
  EXPECT_FALSE(a.AllowsAccount(reader, "alice"));
  EXPECT_TRUE(a.AllowsAccount(ops, "alice"));
}

TEST(AuthorizerTest, MessagesNeverContainSecrets) {
  Authorizer a = Make();
  for (const Credentials& c : {Bearer(kOps + std::string("zz")), Auth({kMod})}) {
    absl::StatusOr<Principal> p = a.Authenticate(c);
    ASSERT_FALSE(p.ok());
    EXPECT_THAT(p.status().message(), Not(HasSubstr("secret")));
  }
  absl::Status s = a.Authorize(Login(a, kReader), Action::kAdmin, "x");
  EXPECT_THAT(s.message(), Not(HasSubstr(kReader)));
}

TEST(AuthorizerTest, TokenBoundToClientCertificate) {
  Authorizer a = Make();
  absl::StatusOr<Principal> p = a.Authenticate(Bearer(kBound));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status(),
            absl::UnauthenticatedError(
                "token \"bound\" is accepted only with one of its client certificates (mTLS)"));
  Credentials wrong = Bearer(kBound);
  wrong.peer_identities = {"client-b"};
  EXPECT_FALSE(a.Authenticate(wrong).ok());
  Credentials right = Bearer(kBound);
  right.peer_identities = {"client-a", "client-a.example"};
  p = a.Authenticate(right);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->token_name, "bound");
  EXPECT_EQ(p->peer_identity, "client-a");
}

TEST(AuthorizerTest, OpenModeAllowsEverything) {
  Authorizer a({});
  EXPECT_TRUE(a.open());
  absl::StatusOr<Principal> p = a.Authenticate(Credentials{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_name, "anonymous");
  EXPECT_TRUE(p->unrestricted);
  EXPECT_TRUE(a.Authorize(*p, Action::kAdmin, "any", "chat").ok());
  EXPECT_TRUE(a.AllowsAccount(*p, "any"));
}

}  // namespace
}  // namespace invitegate::auth

// A real gRPC server on loopback (port 0): TLS and mTLS with certificates generated at test time
// by the openssl command (no private key is committed), bearer tokens checked from a handler's
// context over the wire, and grpc.health.v1 driven by HealthReporter. The RPCs are a generic
// callback service and gRPC's built-in health service, so nothing depends on invitegate's protos.
#include "service/auth/tls.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/auth/authorizer.h"
#include "service/metrics/health.h"
#include "tests/unit/service/test_util.h"

namespace invitegate {
namespace {

using ::invitegate::testing::TempDir;

constexpr char kOpsSecret[] = "ops-secret-0123456789abcdef";
constexpr char kReaderSecret[] = "reader-secret-0123456789ab";
constexpr char kBoundSecret[] = "bound-secret-0123456789abc";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A CA, a server certificate for localhost/127.0.0.1, a client certificate "client-a" from that
// CA, and a client certificate "rogue" from an unrelated CA. EC P-256 keeps generation fast.
class Pki {
 public:
  explicit Pki(const TempDir& dir) : dir_(dir.path().string()) {
    dir.Write("server.ext",
              "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    dir.Write("client.ext", "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:client-a.example\n");
    ok_ = Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
              "/CN=test-ca "
              "-keyout ca.key -out ca.pem") &&
          Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
              "/CN=rogue-ca "
              "-keyout rogue-ca.key -out rogue-ca.pem") &&
          Issue("server", "localhost", "ca", "server.ext") &&
          Issue("client", "client-a", "ca", "client.ext") &&
          Issue("rogue", "client-a", "rogue-ca", "client.ext");
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string Path(std::string_view name) const {
    return absl::StrCat(dir_, "/", std::string(name));
  }
  [[nodiscard]] std::string Pem(std::string_view name) const { return ReadFile(Path(name)); }

 private:
  bool Run(const std::string& command) {
    return std::system(absl::StrCat("cd '", dir_, "' && ", command, " >/dev/null 2>&1").c_str()) ==
           0;
  }
  bool Issue(const std::string& name, const std::string& cn, const std::string& ca,
             const std::string& ext) {
    return Run(absl::StrCat(
               "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=", cn,
               " -keyout ", name, ".key -out ", name, ".csr")) &&
           Run(absl::StrCat("openssl x509 -req -in ", name, ".csr -CA ", ca, ".pem -CAkey ", ca,
                            ".key -CAcreateserial -days 2 -extfile ", ext, " -out ", name, ".pem"));
  }
  std::string dir_;
  bool ok_ = false;
};

// Every call: authenticate + authorize from metadata "x-action"/"x-account"/"x-chat", answer with
// "<token name>|<peer identity>" or the auth status.
class AuthCheckingService final : public grpc::CallbackGenericService {
 public:
  explicit AuthCheckingService(const auth::Authorizer* authorizer) : authorizer_(authorizer) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      Reactor(const auth::Authorizer& authorizer, grpc::GenericCallbackServerContext* ctx) {
        auto meta = [&](const char* key) {
          auto it = ctx->client_metadata().find(key);
          return it == ctx->client_metadata().end()
                     ? std::string()
                     : std::string(it->second.data(), it->second.size());
        };
        absl::StatusOr<config::Action> action = config::ParseAction(meta("x-action"));
        absl::StatusOr<auth::Principal> who =
            authorizer.Check(*ctx, action.ok() ? *action : config::Action::kAdmin,
                             meta("x-account"), meta("x-chat"));
        if (!who.ok()) {
          Finish(auth::ToGrpcStatus(who.status()));
          return;
        }
        const std::string body = who->token_name + "|" + who->peer_identity;
        grpc::Slice slice(body);
        response_ = grpc::ByteBuffer(&slice, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      grpc::ByteBuffer response_;
    };
    return new Reactor(*authorizer_, ctx);
  }

 private:
  const auth::Authorizer* authorizer_;
};

struct CallResult {
  grpc::Status status;
  std::string body;
};

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<Pki>(dir_);
    ASSERT_TRUE(pki_->ok()) << "openssl could not generate the test certificates";
  }

  void Start(config::TlsConfig tls, std::vector<config::TokenConfig> tokens = {}) {
    authorizer_ = std::make_unique<auth::Authorizer>(tokens);
    service_ = std::make_unique<AuthCheckingService>(authorizer_.get());
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
        auth::MakeServerCredentials(tls);
    ASSERT_TRUE(creds.ok()) << creds.status();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *creds, &port_);
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  config::TlsConfig Tls(bool mtls, bool require = true) const {
    config::TlsConfig tls;
    tls.cert_file = pki_->Path("server.pem");
    tls.key_file = pki_->Path("server.key");
    tls.client_ca_file = mtls ? pki_->Path("ca.pem") : "";
    tls.require_client_cert = require;
    return tls;
  }

  // `client`: "" (no client certificate), "client" or "rogue".
  std::shared_ptr<grpc::Channel> Channel(const std::string& client) const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pki_->Pem("ca.pem");
    if (!client.empty()) {
      options.pem_private_key = pki_->Pem(client + ".key");
      options.pem_cert_chain = pki_->Pem(client + ".pem");
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // separate connections per test channel
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                     grpc::SslCredentials(options), args);
  }

  static CallResult Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                         std::map<std::string, std::string> metadata = {}) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
    grpc::ByteBuffer request, response;
    grpc::Slice empty("");
    request = grpc::ByteBuffer(&empty, 1);
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(std::move(s)); });
    CallResult result{done.get_future().get(), ""};
    std::vector<grpc::Slice> slices;
    if (result.status.ok() && response.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices)
        result.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return result;
  }

  // grpc.health.v1.Health/Check for `service`: "SERVING", "NOT_SERVING", or the call's error.
  static std::string Health(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& service = "") {
    grpc::GenericStub stub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    // HealthCheckRequest{service = 1: string}, hand-encoded.
    std::string body;
    if (!service.empty())
      body = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    if (!status.ok())
      return absl::StrCat("error ", status.error_code(), ": ", status.error_message());
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices)
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    // HealthCheckResponse{status = 1: enum}: SERVING = 1, NOT_SERVING = 2.
    if (bytes == std::string("\x08\x01", 2)) return "SERVING";
    if (bytes == std::string("\x08\x02", 2)) return "NOT_SERVING";
    return "unexpected response";
  }

  TempDir dir_;
  std::unique_ptr<Pki> pki_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<AuthCheckingService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

config::TokenConfig Token(std::string name, std::string secret, std::vector<std::string> accounts,
                          std::vector<config::Action> actions,
                          std::vector<std::string> identities = {}) {
  return config::TokenConfig{.name = std::move(name),
                             .secret = logging::Secret(std::move(secret), "test"),
                             .accounts = std::move(accounts),
                             .chats = {"*"},
                             .actions = std::move(actions),
                             .client_identities = std::move(identities)};
}

TEST_F(TlsServerTest, TlsWithoutClientCertificate) {
  Start(Tls(/*mtls=*/false));
  CallResult r = Call(Channel(""), "/test.Echo/Call");
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.body, "anonymous|");  // open mode, no peer identity
}

TEST_F(TlsServerTest, MtlsRequiresAClientCertificateFromTheCa) {
  Start(Tls(/*mtls=*/true));
  CallResult with = Call(Channel("client"), "/test.Echo/Call");
  ASSERT_TRUE(with.status.ok()) << with.status.error_message();
  EXPECT_EQ(with.body, "anonymous|client-a");

  CallResult without = Call(Channel(""), "/test.Echo/Call");
  EXPECT_EQ(without.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << without.status.error_message();
  CallResult rogue = Call(Channel("rogue"), "/test.Echo/Call");
  EXPECT_EQ(rogue.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << rogue.status.error_message();
}

TEST_F(TlsServerTest, MtlsOptionalClientCertificate) {
  Start(Tls(/*mtls=*/true, /*require=*/false));
  EXPECT_EQ(Call(Channel(""), "/test.Echo/Call").body, "anonymous|");
  EXPECT_EQ(Call(Channel("client"), "/test.Echo/Call").body, "anonymous|client-a");
  EXPECT_EQ(Call(Channel("rogue"), "/test.Echo/Call").status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, BearerTokensOverTheWire) {
  Start(Tls(/*mtls=*/true, /*require=*/false),
        {Token("ops", kOpsSecret, {"*"}, {config::Action::kAdmin}),
         Token("reader", kReaderSecret, {"bot"}, {config::Action::kRead}),
         Token("bound", kBoundSecret, {"*"}, {config::Action::kRead}, {"client-a"})});
  auto channel = Channel("");
  auto bearer = [](const char* secret) { return std::string("Bearer ") + secret; };

  CallResult r = Call(channel, "/test.Echo/Call", {{"x-action", "read"}, {"x-account", "bot"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(r.status.error_message(),
            "missing bearer token: send metadata \"authorization: Bearer <token>\"");

  r = Call(channel, "/test.Echo/Call",
           {{"authorization", "Bearer wrong-token-0123456789"}, {"x-action", "read"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(r.status.error_message(), "unknown bearer token");

  r = Call(channel, "/test.Echo/Call",
           {{"authorization", bearer(kReaderSecret)}, {"x-action", "read"}, {"x-account", "bot"}});
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.body, "reader|");

  r = Call(
      channel, "/test.Echo/Call",
      {{"authorization", bearer(kReaderSecret)}, {"x-action", "moderate"}, {"x-account", "bot"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.status.error_message(), "token \"reader\" lacks the \"moderate\" action");

  r = Call(
      channel, "/test.Echo/Call",
      {{"authorization", bearer(kReaderSecret)}, {"x-action", "read"}, {"x-account", "alice"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.status.error_message(), "token \"reader\" is not allowed account \"alice\"");

  r = Call(channel, "/test.Echo/Call",
           {{"authorization", bearer(kOpsSecret)}, {"x-action", "admin"}, {"x-account", "alice"}});
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.body, "ops|");

  // A token bound to a client certificate: refused without it, accepted with it.
  r = Call(channel, "/test.Echo/Call",
           {{"authorization", bearer(kBoundSecret)}, {"x-action", "read"}});
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  r = Call(Channel("client"), "/test.Echo/Call",
           {{"authorization", bearer(kBoundSecret)}, {"x-action", "read"}});
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.body, "bound|client-a");
}

TEST_F(TlsServerTest, HealthServingOnlyOnceAllAccountsAreSignedIn) {
  Start(Tls(/*mtls=*/false));
  metrics::HealthReporter health({"bot", "alice"}, /*require_all_accounts=*/true,
                                 {"invitegate.v1.InviteLinks"});
  health.Attach(server_->GetHealthCheckService());
  auto channel = Channel("");
  EXPECT_EQ(Health(channel), "NOT_SERVING");
  health.SetAccountState("bot", true);
  EXPECT_EQ(Health(channel), "NOT_SERVING");
  EXPECT_FALSE(health.serving());
  health.SetAccountState("alice", true);
  EXPECT_EQ(Health(channel), "SERVING");
  EXPECT_EQ(Health(channel, "invitegate.v1.InviteLinks"), "SERVING");
  health.SetAccountState("alice", false, "AUTH_KEY_UNREGISTERED");
  EXPECT_EQ(Health(channel), "NOT_SERVING");
  EXPECT_EQ(health.accounts().at("alice").detail, "AUTH_KEY_UNREGISTERED");
  health.SetAccountState("alice", true);
  EXPECT_EQ(Health(channel), "SERVING");
  health.Shutdown();
  EXPECT_EQ(Health(channel), "NOT_SERVING");
  EXPECT_EQ(Health(channel, "invitegate.v1.InviteLinks"), "NOT_SERVING");
  health.Attach(nullptr);
}

TEST(HealthReporterTest, AnyAccountSuffices) {
  metrics::HealthReporter health({"a", "b"}, /*require_all_accounts=*/false);
  EXPECT_FALSE(health.serving());
  health.SetAccountState("b", true);
  EXPECT_TRUE(health.serving());
  metrics::HealthReporter none({}, true);
  EXPECT_TRUE(none.serving());
}

config::TlsConfig Files(std::string cert, std::string key) {
  config::TlsConfig tls;
  tls.cert_file = std::move(cert);
  tls.key_file = std::move(key);
  return tls;
}

TEST(TlsCredentialsTest, BadFilesAreErrorsNamingTheField) {
  TempDir dir;
  const std::string not_pem = dir.Write("x.txt", "hello");
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> c =
      auth::MakeServerCredentials(Files(not_pem, not_pem));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), absl::StrCat("tls.cert_file: \"", not_pem, "\" is not PEM"));
  c = auth::MakeServerCredentials(Files("/nonexistent.pem", not_pem));
  EXPECT_EQ(c.status().message(), "tls.cert_file: cannot read \"/nonexistent.pem\"");
  EXPECT_TRUE(auth::MakeServerCredentials({}).ok());  // plaintext
}

}  // namespace
}  // namespace invitegate

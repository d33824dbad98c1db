// Security and operations of the real server, end to end over loopback: bearer-token scopes on
// the invitegate.v1 RPCs (UNAUTHENTICATED / PERMISSION_DENIED / allowed), TLS and mTLS with
// certificates generated at test time, health that follows the accounts' sign-in, reflection
// listing the invitegate.v1 services, Prometheus /metrics after calls, and graceful shutdown.
// The server runs the engine against the in-process emulator with the sample accounts signed in.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "invitegate/v1/accounts.grpc.pb.h"
#include "invitegate/v1/invite_links.grpc.pb.h"
#include "service/auth/tls.h"
#include "service/embedded.h"
#include "service/server.h"
#include "tests/integration/running_emulator.h"

namespace invitegate::service {
namespace {

using ::testing::HasSubstr;

// grpc.health.v1.HealthCheckResponse.ServingStatus.
constexpr int kUnknown = 0, kServing = 1, kNotServing = 2;
constexpr char kGroup[] = "accounts/alice/chats/invitegate_group";
constexpr char kOpsSecret[] = "ops-secret-0123456789abcdef";
constexpr char kReaderSecret[] = "reader-secret-0123456789ab";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

config::TokenConfig Token(std::string name, std::string secret, std::vector<std::string> accounts,
                          std::vector<std::string> chats, std::vector<config::Action> actions) {
  config::TokenConfig t;
  t.name = std::move(name);
  t.secret = logging::Secret(std::move(secret), "test");
  t.accounts = std::move(accounts);
  t.chats = std::move(chats);
  t.actions = std::move(actions);
  return t;
}

// GET http://127.0.0.1:<port><path>, the whole answer (headers and body).
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    (void)::write(fd, request.data(), request.size());
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The emulator with the sample accounts signed in, and a server over it built per test.
class OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<mtproto::testing::RunningEmulator>();
    ASSERT_TRUE(env_->Start("invitegate-ops-test").ok());
    std::map<int, int> ports;
    for (const auto& dc : env_->endpoints().dcs) ports[dc.id] = dc.port;
    auto endpoints = mtproto::engine::EmulatorEndpoints(env_->endpoints().dcs.front().host, ports,
                                                        env_->endpoints().public_key_pem);
    ASSERT_TRUE(endpoints.ok()) << endpoints.status();
    registry_ = std::make_shared<AccountRegistry>(
        EngineAccountFactory(*endpoints, env_->dir() / "accounts", 1, "0123456789abcdef"));
    absl::Status signed_in = SignInSampleAccounts(*registry_, env_->emulator().WorldJson());
    ASSERT_TRUE(signed_in.ok()) << signed_in;
  }
  void TearDown() override {
    server_.reset();
    if (registry_) registry_->Clear();
  }
  void StartServer(ServerOptions options) {
    options.metrics_listen = "127.0.0.1:0";
    options.account_poll_interval = std::chrono::milliseconds(100);
    server_ = std::make_unique<InvitegateServer>(registry_, std::move(options));
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    address_ = absl::StrCat("127.0.0.1:", *port);
  }
  std::shared_ptr<grpc::Channel> Plaintext() {
    return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& secret = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!secret.empty()) ctx->AddMetadata("authorization", "Bearer " + secret);
    return ctx;
  }
  grpc::Status ListLinks(v1::InviteLinkService::Stub& stub, const std::string& parent,
                         const std::string& secret) {
    v1::ListInviteLinksRequest request;
    request.set_parent(parent);
    v1::ListInviteLinksResponse response;
    return stub.ListInviteLinks(Ctx(secret).get(), request, &response);
  }
  int Health(const std::string& service = "");

  std::unique_ptr<mtproto::testing::RunningEmulator> env_;
  std::shared_ptr<AccountRegistry> registry_;
  std::unique_ptr<InvitegateServer> server_;
  std::string address_;
};

// grpc.health.v1.Health/Check by hand (Debian ships no health client stub): the request is
// {string service = 1}, the answer {ServingStatus status = 1} (1 SERVING, 2 NOT_SERVING).
int OpsTest::Health(const std::string& service) {
  grpc::GenericStub stub(Plaintext());
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &in, &out,
                 [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status s = done.get_future().get();
  if (!s.ok()) return kUnknown;
  std::vector<grpc::Slice> slices;
  (void)out.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  // Field 1 varint, or empty (UNKNOWN = 0).
  if (bytes.size() >= 2 && bytes[0] == 0x08) {
    return bytes[1];
  }
  return kUnknown;
}

TEST_F(OpsTest, TokenScopesOnEveryKindOfRpc) {
  ServerOptions options;
  options.tokens = {
      Token("ops", kOpsSecret, {"*"}, {"*"}, {config::Action::kAdmin}),
      Token("reader", kReaderSecret, {"alice"}, {"invitegate_group"}, {config::Action::kRead})};
  StartServer(std::move(options));
  auto links = v1::InviteLinkService::NewStub(Plaintext());
  auto accounts = v1::AccountService::NewStub(Plaintext());

  grpc::Status s = ListLinks(*links, kGroup, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("missing bearer token"));
  s = ListLinks(*links, kGroup, "not-a-known-token-at-all");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_TRUE(ListLinks(*links, kGroup, kReaderSecret).ok());
  EXPECT_TRUE(ListLinks(*links, kGroup, kOpsSecret).ok());

  // Wrong account, wrong chat: denied before anything reaches Telegram, naming what is missing.
  s = ListLinks(*links, "accounts/bob/chats/invitegate_group", kReaderSecret);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("account \"bob\""));
  s = ListLinks(*links, "accounts/alice/chats/other_chat", kReaderSecret);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("chat \"other_chat\""));
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr(kReaderSecret)));

  // Wrong action: creating a link needs manage_links.
  v1::CreateInviteLinkRequest create;
  create.set_parent(kGroup);
  v1::InviteLink link;
  s = links->CreateInviteLink(Ctx(kReaderSecret).get(), create, &link);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"manage_links\""));
  EXPECT_TRUE(links->CreateInviteLink(Ctx(kOpsSecret).get(), create, &link).ok());

  // Accounts: the list shows only the token's accounts; sign-in steps need admin.
  v1::ListAccountsResponse list;
  ASSERT_TRUE(accounts->ListAccounts(Ctx(kReaderSecret).get(), {}, &list).ok());
  ASSERT_EQ(list.accounts_size(), 1);
  EXPECT_EQ(list.accounts(0).name(), "accounts/alice");
  EXPECT_EQ(accounts->ListAccounts(Ctx().get(), {}, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::SignInBotRequest bot;
  bot.set_name("accounts/newbot");
  bot.set_bot_token("2000002:AAEmulatorHelperBotToken000000000002");
  v1::Account account;
  EXPECT_EQ(accounts->SignInBot(Ctx(kReaderSecret).get(), bot, &account).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OpsTest, OpenModeAllowsEverythingWithoutToken) {
  StartServer(ServerOptions{});
  auto links = v1::InviteLinkService::NewStub(Plaintext());
  EXPECT_TRUE(ListLinks(*links, kGroup, "").ok());
}

TEST_F(OpsTest, HealthServingOnlyOnceTheAccountsAreSignedIn) {
  ServerOptions options;
  options.health_accounts = {"alice", "late"};  // "late" is not signed in yet
  StartServer(std::move(options));
  EXPECT_EQ(Health(), kNotServing);
  EXPECT_EQ(Health("invitegate.v1.InviteLinkService"),
            kNotServing);
  EXPECT_FALSE(server_->serving());

  absl::StatusOr<std::shared_ptr<AccountBackend>> late = registry_->GetOrCreate("late");
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_TRUE((*late)->SignInBot("2000002:AAEmulatorHelperBotToken000000000002").ok());
  // The poller notices (every 100 ms here).
  for (int i = 0; i < 50 && Health() != kServing; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Health(), kServing);
  EXPECT_EQ(Health("invitegate.v1.InviteLinkService"),
            kServing);

  // The gauge follows too.
  EXPECT_THAT(server_->metrics()->Scrape(), HasSubstr("account=\"late\""));
}

TEST_F(OpsTest, ReflectionListsTheInvitegateServices) {
  StartServer(ServerOptions{});
  // grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo, a bidi stream, by hand:
  // request {list_services = 7: ""}; the answer names every service.
  grpc::GenericStub stub(Plaintext());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                               &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  call->Write(in, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  call->Read(&out, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  (void)out.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  for (const char* service : {"invitegate.v1.AccountService", "invitegate.v1.InviteLinkService",
                              "invitegate.v1.JoinRequestService", "invitegate.v1.ChatService",
                              "invitegate.v1.UsernameService", "grpc.health.v1.Health"}) {
    EXPECT_THAT(bytes, HasSubstr(service));
  }
  ctx.TryCancel();
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(OpsTest, MetricsCountRpcsByMethodAndCode) {
  ServerOptions options;
  options.tokens = {Token("ops", kOpsSecret, {"*"}, {"*"}, {config::Action::kAdmin})};
  StartServer(std::move(options));
  auto links = v1::InviteLinkService::NewStub(Plaintext());
  ASSERT_TRUE(ListLinks(*links, kGroup, kOpsSecret).ok());
  EXPECT_EQ(ListLinks(*links, kGroup, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListLinks(*links, "accounts/alice/chats/no_such_chat_here", kOpsSecret).ok(), false);

  ASSERT_NE(server_->metrics_port(), 0);
  const std::string page = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_THAT(page, HasSubstr("200 OK"));
  EXPECT_THAT(page, HasSubstr("invitegate_rpc_total{"));
  EXPECT_THAT(page, HasSubstr("ListInviteLinks"));
  EXPECT_THAT(page, HasSubstr("code=\"OK\""));
  EXPECT_THAT(page, HasSubstr("code=\"UNAUTHENTICATED\""));
  EXPECT_THAT(page, HasSubstr("invitegate_rpc_duration_seconds"));
  // The Telegram call behind the allowed RPC, by account.
  EXPECT_THAT(page, HasSubstr("invitegate_engine_calls_total{"));
  EXPECT_THAT(page, HasSubstr("account=\"alice\""));
  EXPECT_THAT(page, HasSubstr("invitegate_account_signed_in{"));
}

// A CA, a server certificate for 127.0.0.1 and a client certificate from that CA, made with the
// openssl command at test time (EC P-256: fast); no key is committed.
class Pki {
 public:
  explicit Pki(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    std::ofstream(dir_ / "client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    ok_ = Run(absl::StrCat("openssl req -x509 ", key, " -days 2 -subj /CN=ops-ca -keyout ca.key",
                           " -out ca.pem")) &&
          Issue("server", "localhost", key) && Issue("client", "client-a", key);
  }
  bool ok() const { return ok_; }
  std::string Pem(const std::string& name) const { return ReadFile(dir_ / name); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool Run(const std::string& command) const {
    return std::system(absl::StrCat("cd '", dir_.string(), "' && ", command, " >/dev/null 2>&1")
                           .c_str()) == 0;
  }
  bool Issue(const std::string& name, const std::string& cn, const std::string& key) const {
    return Run(absl::StrCat("openssl req ", key, " -subj /CN=", cn, " -keyout ", name,
                            ".key -out ", name, ".csr")) &&
           Run(absl::StrCat("openssl x509 -req -in ", name, ".csr -CA ca.pem -CAkey ca.key ",
                            "-CAcreateserial -days 2 -extfile ", name, ".ext -out ", name,
                            ".pem"));
  }
  std::filesystem::path dir_;
  bool ok_ = false;
};

TEST_F(OpsTest, TlsAndMtlsAgainstTheRealServer) {
  Pki pki(env_->dir() / "pki");
  ASSERT_TRUE(pki.ok()) << "openssl could not generate the test certificates";
  config::TlsConfig tls;
  tls.cert_file = pki.Path("server.pem");
  tls.key_file = pki.Path("server.key");
  tls.client_ca_file = pki.Path("ca.pem");
  tls.require_client_cert = true;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      auth::MakeServerCredentials(tls);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  ServerOptions options;
  options.credentials = *credentials;
  StartServer(std::move(options));

  auto call = [&](grpc::SslCredentialsOptions ssl) {
    auto channel = grpc::CreateChannel(address_, grpc::SslCredentials(ssl));
    auto links = v1::InviteLinkService::NewStub(channel);
    v1::ListInviteLinksRequest request;
    request.set_parent(kGroup);
    v1::ListInviteLinksResponse response;
    auto ctx = Ctx();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return links->ListInviteLinks(ctx.get(), request, &response);
  };
  grpc::SslCredentialsOptions with_cert{pki.Pem("ca.pem"), pki.Pem("client.key"),
                                        pki.Pem("client.pem")};
  grpc::Status s = call(with_cert);
  EXPECT_TRUE(s.ok()) << s.error_message();
  grpc::SslCredentialsOptions without_cert{pki.Pem("ca.pem"), "", ""};
  EXPECT_FALSE(call(without_cert).ok());
  // Plaintext against a TLS listener fails.
  auto links = v1::InviteLinkService::NewStub(Plaintext());
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  v1::ListInviteLinksRequest request;
  request.set_parent(kGroup);
  v1::ListInviteLinksResponse response;
  EXPECT_FALSE(links->ListInviteLinks(ctx.get(), request, &response).ok());
}

TEST_F(OpsTest, GracefulShutdownReportsNotServingAndReturnsWithinTheGrace) {
  StartServer(ServerOptions{});
  ASSERT_EQ(Health(), kServing);
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::milliseconds(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(server_->serving());
  // The listener is gone.
  auto links = v1::InviteLinkService::NewStub(Plaintext());
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::ListInviteLinksRequest request;
  request.set_parent(kGroup);
  v1::ListInviteLinksResponse response;
  EXPECT_EQ(links->ListInviteLinks(ctx.get(), request, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace invitegate::service

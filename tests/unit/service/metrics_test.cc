// Metrics: the facade's series in the text exposition, and a real scrape of /metrics over HTTP
// on a port picked by the kernel.
#include "service/metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invitegate::metrics {
namespace {

using ::testing::HasSubstr;

// A minimal HTTP/1.0 GET on loopback: the whole response (headers and body).
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

void RecordSome(Metrics& m) {
  m.RecordRpc("/invitegate.v1.InviteLinks/CreateInviteLink", 0, 0.012);
  m.RecordRpc("/invitegate.v1.InviteLinks/CreateInviteLink", 0, 0.020);
  m.RecordRpc("/invitegate.v1.InviteLinks/GetInviteLink", 5, 0.001);
  m.RecordEngineCall("bot", "messages.exportChatInvite", "ok", 0.01);
  m.RecordEngineCall("bot", "messages.hideChatJoinRequest", "FLOOD_WAIT", 0.002);
  m.RecordFloodWait("bot", "messages.hideChatJoinRequest", 7);
  m.RecordFloodWait("bot", "messages.hideChatJoinRequest", 3);
  m.AddSubscribers("watch", 3);
  m.AddSubscribers("watch", -1);
  m.RecordSubscriberCutOff("slow_consumer");
  m.SetLedgerLag(4, 0.25);
  m.RecordLedgerEvent("request_created");
  m.SetAccountSignedIn("bot", "bot", true);
  m.SetAccountSignedIn("alice", "user", false);
}

void ExpectSeries(const std::string& text) {
  EXPECT_THAT(text, HasSubstr("invitegate_rpc_total{code=\"OK\",method=\"/"
                              "invitegate.v1.InviteLinks/CreateInviteLink\"} 2"));
  EXPECT_THAT(text, HasSubstr("invitegate_rpc_total{code=\"NOT_FOUND\",method=\"/"
                              "invitegate.v1.InviteLinks/GetInviteLink\"} 1"));
  EXPECT_THAT(text, HasSubstr("invitegate_rpc_duration_seconds_count{method=\"/"
                              "invitegate.v1.InviteLinks/CreateInviteLink\"} 2"));
  EXPECT_THAT(text, HasSubstr("invitegate_rpc_duration_seconds_bucket{method=\"/"
                              "invitegate.v1.InviteLinks/CreateInviteLink\",le=\"0.016\"} 1"));
  EXPECT_THAT(text, HasSubstr("invitegate_engine_calls_total{account=\"bot\",method=\"messages."
                              "hideChatJoinRequest\",result=\"FLOOD_WAIT\"} 1"));
  EXPECT_THAT(text, HasSubstr("invitegate_flood_wait_total{account=\"bot\",method=\"messages."
                              "hideChatJoinRequest\"} 2"));
  EXPECT_THAT(text, HasSubstr("invitegate_flood_wait_seconds_total{account=\"bot\",method="
                              "\"messages.hideChatJoinRequest\"} 10"));
  EXPECT_THAT(text, HasSubstr("invitegate_stream_subscribers{stream=\"watch\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("invitegate_stream_subscribers_cut_off_total{reason=\"slow_consumer\"} 1"));
  EXPECT_THAT(text, HasSubstr("invitegate_ledger_lag_events 4"));
  EXPECT_THAT(text, HasSubstr("invitegate_ledger_lag_seconds 0.25"));
  EXPECT_THAT(text, HasSubstr("invitegate_ledger_events_total{type=\"request_created\"} 1"));
  EXPECT_THAT(text, HasSubstr("invitegate_account_signed_in{account=\"alice\",kind=\"user\"} 0"));
  EXPECT_THAT(text, HasSubstr("invitegate_account_signed_in{account=\"bot\",kind=\"bot\"} 1"));
}

TEST(MetricsTest, FacadeSeriesInTheExposition) {
  absl::StatusOr<std::unique_ptr<Metrics>> m = Metrics::Create("");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->port(), 0);
  RecordSome(**m);
  ExpectSeries((*m)->Scrape());
}

TEST(MetricsTest, ScrapeOverHttp) {
  absl::StatusOr<std::unique_ptr<Metrics>> m = Metrics::Create("127.0.0.1:0");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_GT((*m)->port(), 0);
  RecordSome(**m);
  const std::string response = HttpGet((*m)->port(), "/metrics");
  EXPECT_THAT(response, HasSubstr("200 OK"));
  EXPECT_THAT(response, HasSubstr("# TYPE invitegate_rpc_duration_seconds histogram"));
  ExpectSeries(response);
}

TEST(MetricsTest, BindFailureIsAnError) {
  absl::StatusOr<std::unique_ptr<Metrics>> first = Metrics::Create("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Metrics>> second =
      Metrics::Create("127.0.0.1:" + std::to_string((*first)->port()));
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("metrics.listen"));
}

}  // namespace
}  // namespace invitegate::metrics

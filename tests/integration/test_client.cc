#include "tests/integration/test_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "mtproto/tl/mt.h"

namespace mtproto::testing {
namespace {

using Clock = std::chrono::system_clock;

session::UnixTime Now() {
  return std::chrono::duration_cast<session::UnixTime>(Clock::now().time_since_epoch());
}

std::string Serialize(const tl::Object& object) {
  tl::Writer out;
  object.StoreBoxed(out);
  return out.Take();
}

}  // namespace

TestClient::TestClient(Options options) : options_(std::move(options)) {}

TestClient::~TestClient() { Disconnect(); }

absl::Status TestClient::Connect() {
  Disconnect();
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options_.port));
  ::inet_pton(AF_INET, options_.host.c_str(), &address.sin_addr);
  timeval timeout{10, 0};  // no test waits longer for one packet
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return absl::UnavailableError(absl::StrCat("connect to port ", options_.port, " failed"));
  }
  absl::StatusOr<transport::Codec> codec =
      transport::Codec::ForClient(options_.framing, options_.obfuscated, random_);
  if (!codec.ok()) return codec.status();
  codec_.emplace(std::move(*codec));
  frames_.clear();
  layer_sent_ = false;
  if (session_ != nullptr) session_->ResendUnanswered(Now());
  return absl::OkStatus();
}

void TestClient::Disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status TestClient::SendPacket(std::string_view packet) {
  absl::StatusOr<std::string> bytes = codec_->Encode(packet);
  if (!bytes.ok()) return bytes.status();
  if (::send(fd_, bytes->data(), bytes->size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes->size())) {
    return absl::UnavailableError("send failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TestClient::ReceivePacket() {
  char buffer[65536];
  while (frames_.empty()) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return absl::UnavailableError("connection closed or timed out");
    std::vector<transport::Frame> frames;
    if (absl::Status s = codec_->Feed({buffer, static_cast<size_t>(n)}, &frames); !s.ok()) {
      return s;
    }
    for (transport::Frame& frame : frames) frames_.push_back(std::move(frame));
  }
  transport::Frame frame = std::move(frames_.front());
  frames_.pop_front();
  if (frame.kind == transport::Frame::Kind::kError) {
    transport_error_ = frame.error_code;
    return absl::UnavailableError(absl::StrCat("transport error ", frame.error_code));
  }
  return std::move(frame.payload);
}

absl::Status TestClient::Handshake() {
  session::ClientHandshake handshake({{options_.server_key}, options_.dc_id, 0}, random_);
  std::string packet = handshake.Start(Now());
  while (!handshake.done()) {
    if (absl::Status s = SendPacket(packet); !s.ok()) return s;
    absl::StatusOr<std::string> answer = ReceivePacket();
    if (!answer.ok()) return answer.status();
    absl::StatusOr<std::string> next = handshake.OnPacket(*answer, Now());
    if (!next.ok()) return next.status();
    packet = *next;
  }
  const session::HandshakeResult& result = handshake.result();
  key_ = result.key;
  uint64_t session_id;
  random_.Fill({reinterpret_cast<uint8_t*>(&session_id), 8});
  session_ = std::make_unique<session::Session>(
      session::Session::Options{session::Role::kClient, result.key, session_id,
                                result.server_salt, result.time_offset},
      random_);
  return absl::OkStatus();
}

absl::StatusOr<std::string> TestClient::CallRaw(const tl::Object& call) {
  absl::StatusOr<uint64_t> msg_id = Send(call);
  if (!msg_id.ok()) return msg_id.status();
  return Await(*msg_id);
}

absl::StatusOr<uint64_t> TestClient::Send(const tl::Object& call) {
  std::string body = Serialize(call);
  if (!layer_sent_) {
    // The first call of a connection declares our layer and client, as every client does.
    tl::api::invokeWithLayer wrapper;
    wrapper.layer = tl::api::kLayer;
    auto init = std::make_unique<tl::api::initConnection>();
    init->api_id = 1;
    init->device_model = "integration test";
    init->system_version = "linux";
    init->app_version = "0.1";
    init->system_lang_code = "en";
    init->lang_code = "en";
    tl::Reader in(body);
    init->query = tl::FetchBoxedAs<tl::api::Function>(in);
    wrapper.query = std::move(init);
    body = Serialize(wrapper);
    layer_sent_ = true;
  }
  const uint64_t msg_id = session_->Send(std::move(body), Now());
  while (auto packet = session_->Flush(Now())) {
    if (absl::Status s = SendPacket(*packet); !s.ok()) return s;
  }
  return msg_id;
}

absl::StatusOr<std::string> TestClient::Await(uint64_t msg_id) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    while (auto packet = session_->Flush(Now())) {
      if (absl::Status s = SendPacket(*packet); !s.ok()) return s;
    }
    absl::StatusOr<std::string> packet = ReceivePacket();
    if (!packet.ok()) return packet.status();
    std::vector<session::Incoming> incoming;
    if (absl::Status s = session_->Receive(*packet, Now(), &incoming); !s.ok()) return s;
    for (session::Incoming& event : incoming) {
      if (event.kind == session::Incoming::Kind::kResult && event.msg_id == msg_id) {
        while (auto acks = session_->Flush(Now())) (void)SendPacket(*acks);
        return std::move(event.body);
      }
      if (event.kind == session::Incoming::Kind::kFailed && event.msg_id == msg_id) {
        return absl::InternalError(absl::StrCat("bad_msg_notification ", event.code));
      }
    }
  }
  return absl::DeadlineExceededError("no answer");
}

absl::Status TestClient::ErrorOf(std::string_view result) {
  if (result.size() < 4) return absl::DataLossError("empty result");
  uint32_t id;
  std::memcpy(&id, result.data(), 4);
  if (id != tl::mt::rpc_error::kId) return absl::OkStatus();
  tl::Reader in(result.substr(4));
  auto error = tl::mt::rpc_error::FetchBare(in);
  if (error == nullptr) return absl::DataLossError("bad rpc_error");
  return absl::FailedPreconditionError(absl::StrCat(error->error_code, " ", error->error_message));
}

}  // namespace mtproto::testing

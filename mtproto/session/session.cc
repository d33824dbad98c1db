#include "mtproto/session/session.h"

#include "absl/strings/str_cat.h"
#include "mtproto/tl/gzip.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::session {
namespace {

namespace mt = tl::mt;

constexpr size_t kMaxContainerMessages = 1020;
constexpr size_t kMaxContainerBytes = 1 << 20;
constexpr size_t kMaxRememberedAnswers = 1024;
constexpr size_t kMaxSeenIds = 4096;

// bad_msg_notification codes (service_messages_about_messages).
constexpr int32_t kMsgIdTooLow = 16;
constexpr int32_t kMsgIdTooHigh = 17;
constexpr int32_t kMsgIdBadParity = 18;
constexpr int32_t kBadServerSalt = 48;

uint32_t PeekId(std::string_view body) {
  uint32_t id = 0;
  if (body.size() >= 4) std::memcpy(&id, body.data(), 4);
  return id;
}

template <typename T>
std::string Serialize(const T& object) {
  tl::Writer out;
  object.StoreBoxed(out);
  return out.Take();
}

// A service message's fields (the caller has matched its constructor id).
template <typename T>
tl::ObjectPtr<T> Parse(std::string_view body) {
  tl::Reader in(body.substr(4));
  return T::FetchBare(in);
}

// A gzip_packed body, inflated; other bodies as they are.
std::optional<std::string> Unpacked(std::string_view body) {
  if (PeekId(body) != tl::kGzipPackedId) return std::string(body);
  tl::Reader in(body.substr(4));
  const std::string packed = in.Bytes();
  std::string plain;
  if (!in.ok() || !tl::Gunzip(packed, &plain)) return std::nullopt;
  return plain;
}

}  // namespace

Session::Session(Options options, crypto::RandomSource& random)
    : options_(std::move(options)), random_(random), ids_(options_.role), salt_(options_.salt) {
  ids_.set_offset(options_.time_offset);  // learned by the client's handshake
}

int32_t Session::NextSeqno(bool content_related) {
  if (!content_related) return 2 * content_sent_;
  return 2 * content_sent_++ + 1;
}

uint64_t Session::Queue(std::string body, bool content_related, UnixTime now, uint64_t origin) {
  // A server's message answers a client's (origin set) or is sent unprompted (an update).
  const MessageKind kind = origin == 0 ? MessageKind::kNotification : MessageKind::kResponse;
  const uint64_t msg_id = ids_.Next(now, kind);
  if (options_.role == Role::kClient && content_related) {
    sent_[msg_id] = Sent{body, origin != 0 ? origin : msg_id, now};
  }
  queue_.push_back(Outgoing{msg_id, std::move(body), content_related});
  return msg_id;
}

uint64_t Session::Send(std::string body, UnixTime now) {
  return Queue(std::move(body), /*content_related=*/true, now);
}

void Session::Reply(uint64_t req_msg_id, std::string result, UnixTime now) {
  tl::Writer out;
  out.Uint32(mt::rpc_result::kId);
  out.Int64(static_cast<int64_t>(req_msg_id));
  out.Raw(result);
  if (answers_.size() >= kMaxRememberedAnswers) answers_.erase(answers_.begin());
  answers_[req_msg_id] = out.data();
  // An answer goes out as a response (msg_id ≡ 1 mod 4).
  queue_.push_back(Outgoing{ids_.Next(now, MessageKind::kResponse), out.Take(), true});
}

std::optional<std::string> Session::Flush(UnixTime now) {
  if (!pending_acks_.empty()) {
    mt::msgs_ack ack;
    ack.msg_ids = std::move(pending_acks_);
    pending_acks_.clear();
    Queue(Serialize(ack), /*content_related=*/false, now);
  }
  if (queue_.empty()) return std::nullopt;

  InnerMessage inner;
  inner.salt = salt_;
  inner.session_id = options_.session_id;
  if (queue_.size() == 1) {
    Outgoing& only = queue_.front();
    inner.msg_id = only.msg_id;
    inner.seqno = NextSeqno(only.content_related);
    inner.body = std::move(only.body);
    queue_.pop_front();
  } else {
    tl::Writer container;
    container.Uint32(mt::msg_container::kId);
    const size_t count_at = container.size();
    container.Uint32(0);
    uint32_t count = 0;
    std::vector<uint64_t> ids;
    while (!queue_.empty() && count < kMaxContainerMessages &&
           (count == 0 || container.size() + queue_.front().body.size() < kMaxContainerBytes)) {
      Outgoing& next = queue_.front();
      container.Int64(static_cast<int64_t>(next.msg_id));
      container.Int32(NextSeqno(next.content_related));
      container.Int32(static_cast<int32_t>(next.body.size()));
      container.Raw(next.body);
      ids.push_back(next.msg_id);
      queue_.pop_front();
      ++count;
    }
    std::string body = container.Take();
    std::memcpy(body.data() + count_at, &count, 4);
    inner.msg_id = ids_.Next(now, MessageKind::kResponse);
    inner.seqno = NextSeqno(false);
    inner.body = std::move(body);
    containers_[inner.msg_id] = std::move(ids);
    if (containers_.size() > kMaxRememberedAnswers) containers_.erase(containers_.begin());
  }
  return EncryptMessage(options_.key, options_.role, inner, random_);
}

absl::Status Session::Receive(std::string_view packet, UnixTime now, std::vector<Incoming>* out) {
  const Role sender = options_.role == Role::kClient ? Role::kServer : Role::kClient;
  absl::StatusOr<InnerMessage> inner = DecryptMessage(options_.key, sender, packet);
  if (!inner.ok()) return inner.status();
  return Receive(*inner, now, out);
}

absl::Status Session::Receive(const InnerMessage& message, UnixTime now,
                              std::vector<Incoming>* out) {
  if (message.session_id != options_.session_id) {
    return absl::InvalidArgumentError("message for another session");
  }
  if (options_.role == Role::kServer) {
    if (first_message_) {
      first_message_ = false;
      mt::new_session_created created;
      created.first_msg_id = static_cast<int64_t>(message.msg_id);
      random_.Fill({reinterpret_cast<uint8_t*>(&created.unique_id), 8});
      created.server_salt = static_cast<int64_t>(salt_);
      Queue(Serialize(created), /*content_related=*/true, now, /*origin=*/message.msg_id);
    }
    if (message.salt != salt_) {
      // The message is not processed; the client re-sends it with the salt we give.
      mt::bad_server_salt bad;
      bad.bad_msg_id = static_cast<int64_t>(message.msg_id);
      bad.bad_msg_seqno = message.seqno;
      bad.error_code = kBadServerSalt;
      bad.new_server_salt = static_cast<int64_t>(salt_);
      Queue(Serialize(bad), /*content_related=*/false, now, message.msg_id);
      return absl::OkStatus();
    }
    if (!CheckServerSideId(message.msg_id, message.seqno, now)) return absl::OkStatus();
  } else {
    if (message.msg_id % 2 == 0) {
      return absl::InvalidArgumentError("server msg_id must be odd");
    }
    if (!seen_.insert(message.msg_id).second) return absl::OkStatus();  // a repeat
  }
  return HandleMessage(message.msg_id, message.seqno, message.body, now, out);
}

// The receive-side checks of a client's message id; false when the message must be skipped.
bool Session::CheckServerSideId(uint64_t msg_id, int32_t seqno, UnixTime now) {
  const int64_t seconds = MessageIdGenerator::SecondsOf(msg_id);
  const int64_t now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  if (msg_id % 4 != 0) {
    NotifyBadMessage(msg_id, seqno, kMsgIdBadParity, now);
    return false;
  }
  if (seconds < now_seconds - kMaxAge.count() / 1'000'000'000) {
    NotifyBadMessage(msg_id, seqno, kMsgIdTooLow, now);
    return false;
  }
  if (seconds > now_seconds + kMaxAhead.count() / 1'000'000'000) {
    NotifyBadMessage(msg_id, seqno, kMsgIdTooHigh, now);
    return false;
  }
  if (!seen_.insert(msg_id).second) {
    // A repeat (e.g. re-sent after a reconnect): answer again if we did, never execute twice.
    if (auto it = answers_.find(msg_id); it != answers_.end()) {
      queue_.push_back(Outgoing{ids_.Next(now, MessageKind::kResponse), it->second, true});
    }
    return false;
  }
  if (seen_.size() > kMaxSeenIds) seen_.erase(seen_.begin());
  return true;
}

void Session::NotifyBadMessage(uint64_t msg_id, int32_t seqno, int32_t code, UnixTime now) {
  mt::bad_msg_notification bad;
  bad.bad_msg_id = static_cast<int64_t>(msg_id);
  bad.bad_msg_seqno = seqno;
  bad.error_code = code;
  Queue(Serialize(bad), /*content_related=*/false, now, msg_id);
}

absl::Status Session::HandleMessage(uint64_t msg_id, int32_t seqno, std::string_view body,
                                    UnixTime now, std::vector<Incoming>* out) {
  const uint32_t id = PeekId(body);
  if (id == mt::msg_container::kId) {
    auto container = tl::Deserialize<mt::MessageContainer>(body);
    if (!container.ok()) return container.status();
    for (const auto& inner : static_cast<mt::msg_container&>(**container).messages) {
      const auto inner_id = static_cast<uint64_t>(inner->msg_id);
      if (options_.role == Role::kServer) {
        if (!CheckServerSideId(inner_id, inner->seqno, now)) continue;
      } else if (!seen_.insert(inner_id).second) {
        continue;
      }
      if (absl::Status s = HandleMessage(inner_id, inner->seqno, inner->body.bytes, now, out);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  if (id == tl::kGzipPackedId) {
    std::optional<std::string> plain = Unpacked(body);
    if (!plain) return absl::InvalidArgumentError("bad gzip_packed message");
    return HandleMessage(msg_id, seqno, *plain, now, out);
  }
  bool handled = false;
  if (options_.role == Role::kClient) {
    HandleClientService(id, msg_id, body, now, out, &handled);
  } else {
    HandleServerService(id, msg_id, body, now, out, &handled);
  }
  if (handled) return absl::OkStatus();
  // Content: a call for the server's owner, an update for the client's.
  if (options_.role == Role::kServer) {
    out->push_back(Incoming{Incoming::Kind::kRequest, msg_id, std::string(body)});
  } else {
    if (seqno % 2 == 1) pending_acks_.push_back(static_cast<int64_t>(msg_id));
    out->push_back(Incoming{Incoming::Kind::kUpdate, msg_id, std::string(body)});
  }
  return absl::OkStatus();
}

uint64_t Session::OriginOf(uint64_t msg_id) const {
  auto it = sent_.find(msg_id);
  return it != sent_.end() ? it->second.origin : msg_id;
}

void Session::Forget(uint64_t msg_id) { sent_.erase(msg_id); }

void Session::Resend(uint64_t bad_msg_id, UnixTime now) {
  std::vector<uint64_t> ids = {bad_msg_id};
  if (auto it = containers_.find(bad_msg_id); it != containers_.end()) {
    ids = it->second;
    containers_.erase(it);
  }
  for (uint64_t id : ids) {
    auto it = sent_.find(id);
    if (it == sent_.end()) continue;  // acks and other non-content messages are not re-sent
    Sent sent = std::move(it->second);
    sent_.erase(it);
    Queue(std::move(sent.body), /*content_related=*/true, now, sent.origin);
  }
}

void Session::ResendUnanswered(UnixTime now) {
  std::map<uint64_t, Sent> unanswered;
  unanswered.swap(sent_);
  for (auto& [msg_id, sent] : unanswered) {
    if (now - sent.sent_at < kMaxAge - std::chrono::seconds(30)) {
      sent_[msg_id] = sent;  // the same id: the server answers a repeat from memory
      queue_.push_back(Outgoing{msg_id, std::move(sent.body), true});
    } else {
      Queue(std::move(sent.body), true, now, sent.origin);
    }
  }
}

void Session::SetSalt(uint64_t salt) { salt_ = salt; }

void Session::HandleClientService(uint32_t id, uint64_t msg_id, std::string_view body, UnixTime now,
                                  std::vector<Incoming>* out, bool* handled) {
  *handled = true;
  switch (id) {
    case mt::rpc_result::kId: {
      pending_acks_.push_back(static_cast<int64_t>(msg_id));
      tl::Reader in(body.substr(4));
      const auto req_msg_id = static_cast<uint64_t>(in.Int64());
      if (!in.ok()) return;
      std::optional<std::string> result = Unpacked(in.Rest());
      if (!result) return;
      const uint64_t origin = OriginOf(req_msg_id);
      Forget(req_msg_id);
      out->push_back(Incoming{Incoming::Kind::kResult, origin, std::move(*result)});
      return;
    }
    case mt::pong::kId: {
      auto pong = Parse<mt::pong>(body);
      if (pong == nullptr) return;
      const auto ping_id = static_cast<uint64_t>(pong->msg_id);
      const uint64_t origin = OriginOf(ping_id);
      Forget(ping_id);
      out->push_back(Incoming{Incoming::Kind::kResult, origin, std::string(body)});
      return;
    }
    case mt::future_salts::kId: {
      auto salts = Parse<mt::future_salts>(body);
      if (salts == nullptr) return;
      const auto req = static_cast<uint64_t>(salts->req_msg_id);
      const uint64_t origin = OriginOf(req);
      Forget(req);
      out->push_back(Incoming{Incoming::Kind::kResult, origin, std::string(body)});
      return;
    }
    case mt::new_session_created::kId: {
      pending_acks_.push_back(static_cast<int64_t>(msg_id));
      auto created = Parse<mt::new_session_created>(body);
      if (created == nullptr) return;
      salt_ = static_cast<uint64_t>(created->server_salt);
      out->push_back(Incoming{Incoming::Kind::kNewSession,
                              static_cast<uint64_t>(created->first_msg_id), std::string(body)});
      return;
    }
    case mt::bad_server_salt::kId: {
      auto bad = Parse<mt::bad_server_salt>(body);
      if (bad == nullptr) return;
      salt_ = static_cast<uint64_t>(bad->new_server_salt);
      Resend(static_cast<uint64_t>(bad->bad_msg_id), now);
      return;
    }
    case mt::bad_msg_notification::kId: {
      auto bad = Parse<mt::bad_msg_notification>(body);
      if (bad == nullptr) return;
      const auto bad_id = static_cast<uint64_t>(bad->bad_msg_id);
      if (bad->error_code == kMsgIdTooLow || bad->error_code == kMsgIdTooHigh) {
        // Our clock is off: adopt the server's (its msg_id carries its time) and re-send.
        ids_.SyncWithServerTime(now, MessageIdGenerator::SecondsOf(msg_id));
        Resend(bad_id, now);
        return;
      }
      std::vector<uint64_t> ids = {bad_id};
      if (auto it = containers_.find(bad_id); it != containers_.end()) ids = it->second;
      for (uint64_t failed : ids) {
        if (!sent_.contains(failed)) continue;
        out->push_back(Incoming{Incoming::Kind::kFailed, OriginOf(failed), {}, bad->error_code});
        Forget(failed);
      }
      return;
    }
    case mt::msgs_ack::kId:
    case mt::msg_detailed_info::kId:
    case mt::msg_new_detailed_info::kId:
      return;  // answers still arrive as rpc_result; nothing to do
    case mt::msg_resend_req::kId: {
      auto request = Parse<mt::msg_resend_req>(body);
      if (request == nullptr) return;
      for (int64_t resend : request->msg_ids) Resend(static_cast<uint64_t>(resend), now);
      return;
    }
    case mt::destroy_session_ok::kId:
    case mt::destroy_session_none::kId:
      out->push_back(Incoming{Incoming::Kind::kResult, 0, std::string(body)});
      return;
    default:
      *handled = false;
  }
}

void Session::HandleServerService(uint32_t id, uint64_t msg_id, std::string_view body, UnixTime now,
                                  std::vector<Incoming>* out, bool* handled) {
  *handled = true;
  switch (id) {
    case mt::msgs_ack::kId:
    case mt::http_wait::kId:
      return;
    case mt::ping::kId:
    case mt::ping_delay_disconnect::kId: {
      mt::pong pong;
      pong.msg_id = static_cast<int64_t>(msg_id);
      if (id == mt::ping::kId) {
        auto ping = Parse<mt::ping>(body);
        if (ping == nullptr) return;
        pong.ping_id = ping->ping_id;
      } else {
        auto ping = Parse<mt::ping_delay_disconnect>(body);
        if (ping == nullptr) return;
        pong.ping_id = ping->ping_id;
        out->push_back(
            Incoming{Incoming::Kind::kDisconnectAfter, msg_id, {}, ping->disconnect_delay});
      }
      Queue(Serialize(pong), /*content_related=*/true, now, msg_id);
      return;
    }
    case mt::get_future_salts::kId: {
      auto request = Parse<mt::get_future_salts>(body);
      if (request == nullptr) return;
      mt::future_salts salts;
      salts.req_msg_id = static_cast<int64_t>(msg_id);
      salts.now = UnixSeconds(now);
      // The current salt, valid for the next half hour; rotation is the owner's choice.
      auto salt = std::make_unique<mt::future_salt>();
      salt->valid_since = UnixSeconds(now) - 60;
      salt->valid_until = UnixSeconds(now) + 1800;
      salt->salt = static_cast<int64_t>(salt_);
      salts.salts.push_back(std::move(salt));
      Queue(Serialize(salts), /*content_related=*/true, now, msg_id);
      return;
    }
    case mt::msgs_state_req::kId: {
      auto request = Parse<mt::msgs_state_req>(body);
      if (request == nullptr) return;
      mt::msgs_state_info info;
      info.req_msg_id = static_cast<int64_t>(msg_id);
      for (int64_t asked : request->msg_ids) {
        // 4: received; 3: too high (not received yet); 1: nothing known.
        const auto id64 = static_cast<uint64_t>(asked);
        const char state = seen_.contains(id64) ? 4
                           : MessageIdGenerator::SecondsOf(id64) >
                                   UnixSeconds(now) + kMaxAhead.count() / 1'000'000'000
                               ? 3
                               : 1;
        info.info.push_back(state);
      }
      Queue(Serialize(info), /*content_related=*/true, now, msg_id);
      return;
    }
    case mt::msg_resend_req::kId:
      return;  // answers are re-sent when the client repeats the call itself
    case mt::destroy_session::kId: {
      auto destroy = Parse<mt::destroy_session>(body);
      if (destroy == nullptr) return;
      Incoming event{Incoming::Kind::kDestroySession, msg_id, {}, 0};
      event.session_id = static_cast<uint64_t>(destroy->session_id);
      out->push_back(std::move(event));
      return;
    }
    case mt::rpc_drop_answer::kId: {
      auto drop = Parse<mt::rpc_drop_answer>(body);
      if (drop == nullptr) return;
      Reply(msg_id, Serialize(mt::rpc_answer_unknown()), now);
      return;
    }
    default:
      *handled = false;
  }
}

}  // namespace mtproto::session

// The encrypted MTProto 2.0 session, for both roles: msg ids and seqnos, acknowledgements,
// containers, gzip_packed, resends, and the service messages.
// Spec: https://core.telegram.org/mtproto/description,
// https://core.telegram.org/mtproto/service_messages,
// https://core.telegram.org/mtproto/service_messages_about_messages
//
// Sans-IO: the owner feeds received packets with the current time, collects what the session
// reports, and sends whatever Flush() returns. Service messages are handled here; only content
// (calls, results, updates) reaches the owner.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "mtproto/crypto/random.h"
#include "mtproto/session/auth_key.h"
#include "mtproto/session/envelope.h"
#include "mtproto/session/message_id.h"
#include "mtproto/session/time.h"

namespace mtproto::session {

// Something the session hands to its owner.
struct Incoming {
  enum class Kind {
    kRequest,          // server: a client's call (e.g. invokeWithLayer(...)); answer with Reply()
    kResult,           // client: the answer to `msg_id` (rpc_result's body, un-gzipped; it may
                       //   be an rpc_error), or a pong / future_salts for a ping / salts request
    kUpdate,           // client: an unprompted message from the server (Updates)
    kNewSession,       // client: the server started a new session; updates may have been missed
    kFailed,           // client: `msg_id` was refused by bad_msg_notification `code`
    kDisconnectAfter,  // server: ping_delay_disconnect asked to close after `code` idle seconds
    kDestroySession,   // server: the client asks to destroy session `session_id` of its key;
                       //   answer with Reply(msg_id, destroy_session_ok or _none)
  };
  Kind kind;
  uint64_t msg_id = 0;
  std::string body;
  int32_t code = 0;
  uint64_t session_id = 0;
};

class Session {
 public:
  struct Options {
    Role role = Role::kClient;
    AuthKey key;
    uint64_t session_id = 0;
    uint64_t salt = 0;
    UnixTime time_offset{0};  // client: server clock − local clock, from the handshake
  };
  // The receive window of the spec: messages older than this, or this far ahead, are refused.
  static constexpr UnixTime kMaxAge = std::chrono::seconds(300);
  static constexpr UnixTime kMaxAhead = std::chrono::seconds(30);

  Session(Options options, crypto::RandomSource& random);

  // Queues a content message: a call (client) or an update (server). Returns its msg_id, which
  // results are reported under even if the session has to re-send it under another id.
  uint64_t Send(std::string body, UnixTime now);
  // Server: answers the client's call `req_msg_id` with rpc_result (remembered, so a repeated
  // call is answered again rather than executed twice).
  void Reply(uint64_t req_msg_id, std::string result, UnixTime now);

  // The next packet to send (a container when several messages are queued), or nullopt.
  [[nodiscard]] std::optional<std::string> Flush(UnixTime now);
  bool has_pending() const { return !queue_.empty() || !pending_acks_.empty(); }

  // Decrypts and handles one packet. An error means the packet was not valid for this session
  // (the owner may drop it or the connection); nothing is reported for it.
  [[nodiscard]] absl::Status Receive(std::string_view packet, UnixTime now,
                                     std::vector<Incoming>* out);
  // The same for a packet the owner already decrypted (a server routes by session_id first).
  [[nodiscard]] absl::Status Receive(const InnerMessage& message, UnixTime now,
                                     std::vector<Incoming>* out);

  // Client: after a reconnect, queues again every call not yet answered, under the same msg_id
  // while it is fresh enough, so that the server recognises a repeat.
  void ResendUnanswered(UnixTime now);

  // Server: refuses a client's message with bad_msg_notification `code` (the session does so
  // itself for bad msg_ids; owners use it to inject faults).
  void NotifyBadMessage(uint64_t msg_id, int32_t seqno, int32_t code, UnixTime now);

  // Server: replaces the salt; messages with the old one get bad_server_salt from now on.
  void SetSalt(uint64_t salt);
  uint64_t salt() const { return salt_; }
  uint64_t session_id() const { return options_.session_id; }
  Role role() const { return options_.role; }
  const AuthKey& key() const { return options_.key; }
  MessageIdGenerator& ids() { return ids_; }

 private:
  struct Outgoing {
    uint64_t msg_id;
    std::string body;
    bool content_related;
  };
  struct Sent {  // a client call awaiting its result
    std::string body;
    uint64_t origin;  // the msg_id the owner knows it by
    UnixTime sent_at;
  };

  uint64_t Queue(std::string body, bool content_related, UnixTime now, uint64_t origin = 0);
  int32_t NextSeqno(bool content_related);
  absl::Status HandleMessage(uint64_t msg_id, int32_t seqno, std::string_view body, UnixTime now,
                             std::vector<Incoming>* out);
  bool CheckServerSideId(uint64_t msg_id, int32_t seqno, UnixTime now);
  void HandleClientService(uint32_t id, uint64_t msg_id, std::string_view body, UnixTime now,
                           std::vector<Incoming>* out, bool* handled);
  void HandleServerService(uint32_t id, uint64_t msg_id, std::string_view body, UnixTime now,
                           std::vector<Incoming>* out, bool* handled);
  void Resend(uint64_t bad_msg_id, UnixTime now);
  uint64_t OriginOf(uint64_t msg_id) const;
  void Forget(uint64_t msg_id);

  Options options_;
  crypto::RandomSource& random_;
  MessageIdGenerator ids_;
  uint64_t salt_;
  int32_t content_sent_ = 0;
  std::deque<Outgoing> queue_;
  std::vector<int64_t> pending_acks_;
  std::map<uint64_t, Sent> sent_;                         // client: calls awaiting results
  std::map<uint64_t, std::vector<uint64_t>> containers_;  // container id → the ids inside
  std::set<uint64_t> seen_;                               // received msg_ids, for duplicates
  std::map<uint64_t, std::string> answers_;               // server: req_msg_id → rpc_result
  bool first_message_ = true;
};

}  // namespace mtproto::session

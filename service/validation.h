// Validation at the edge of the service: resource names (accounts/{account}/chats/{chat}/...),
// invite-link references, page sizes and tokens, checked before anything reaches the engine, so
// that a bad request fails with INVALID_ARGUMENT naming each wrong field and changes nothing.
// Spec: https://google.aip.dev/122 (resource names), https://google.aip.dev/158 (pagination)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grpcpp/support/status.h"
#include "service/status_mapping.h"

namespace invitegate::service {

// Collects the wrong fields of one request.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  [[nodiscard]] bool empty() const { return list_.empty(); }
  // OK when nothing was added, else INVALID_ARGUMENT with every violation.
  [[nodiscard]] grpc::Status ToStatus() const {
    return list_.empty() ? grpc::Status::OK : InvalidArgument(list_);
  }

 private:
  std::vector<FieldViolation> list_;
};

// accounts/{account}/chats/{chat}: `chat` is what the engine takes as a peer reference
// ("@username" or the Bot API id as text).
struct ChatName {
  std::string account;
  std::string chat;       // the segment as written (username or Bot API id)
  std::string peer;       // the engine's peer reference: "@username" or the id
};

// accounts/{account}/chats/{chat}/inviteLinks/{hash}.
struct InviteLinkName {
  ChatName chat;
  std::string hash;
};

// accounts/{account}/chats/{chat}/joinRequests/{user}.
struct JoinRequestName {
  ChatName chat;
  int64_t user_id = 0;
};

// Account ids: 1-63 characters of [a-z0-9_-].
[[nodiscard]] bool IsValidAccountId(std::string_view id);

// Each parser adds a violation for `field` and returns nullopt when `name` does not have its
// form (saying which form it expects).
std::optional<std::string> ParseAccountName(std::string_view name, std::string_view field,
                                            Violations& violations);
std::optional<ChatName> ParseChatName(std::string_view name, std::string_view field,
                                      Violations& violations);
std::optional<InviteLinkName> ParseInviteLinkName(std::string_view name, std::string_view field,
                                                  Violations& violations);
std::optional<JoinRequestName> ParseJoinRequestName(std::string_view name,
                                                    std::string_view field,
                                                    Violations& violations);
// accounts/{account}/chats/{chat}/settings.
std::optional<ChatName> ParseChatSettingsName(std::string_view name, std::string_view field,
                                              Violations& violations);

// An invite link as callers give it: an inviteLinks resource name, a t.me URL in any form
// mtproto::engine::ParseInviteLink accepts, "+hash", or a bare hash. Returns the hash.
std::optional<std::string> ParseInviteRef(std::string_view text, std::string_view field,
                                          Violations& violations);

// page_size: 0 means `default_size`; negative is a violation; above `max_size` is clamped (as
// AIP-158 asks).
int32_t ParsePageSize(int32_t page_size, int32_t default_size, int32_t max_size,
                      std::string_view field, Violations& violations);

// The resource names the service hands out.
std::string AccountResourceName(std::string_view account);
std::string ChatResourceName(std::string_view account, std::string_view chat);
std::string InviteLinkResourceName(std::string_view account, std::string_view chat,
                                   std::string_view hash);
std::string JoinRequestResourceName(std::string_view account, std::string_view chat,
                                    int64_t user_id);

// Opaque page tokens: the fields of a Telegram cursor, base64url-encoded with a version prefix.
std::string EncodePageToken(const std::vector<std::string>& fields);
std::optional<std::vector<std::string>> DecodePageToken(std::string_view token);

}  // namespace invitegate::service

#include "service/ledger/event.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace invitegate::ledger {
namespace {

constexpr std::array<std::string_view, kMaxEventType + 1> kNames = {
    "", "request_created", "request_approved", "request_declined", "pending_count_changed",
    "member_joined"};

absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

std::string_view EventTypeName(EventType type) {
  const int i = static_cast<int>(type);
  if (i < 1 || i > kMaxEventType) return "unknown";
  return kNames[i];
}

absl::StatusOr<EventType> ParseEventType(std::string_view name) {
  for (int i = 1; i <= kMaxEventType; ++i) {
    if (kNames[i] == name) return static_cast<EventType>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown event type \"", Sv(name), "\""));
}

uint32_t EventFilter::MaskOf(std::initializer_list<EventType> types) {
  uint32_t mask = 0;
  for (EventType t : types) mask |= 1u << static_cast<int>(t);
  return mask;
}

bool EventFilter::Matches(const Event& event) const {
  if (!account.empty() && event.account != account) return false;
  if (chat_id && event.chat_id != *chat_id) return false;
  if (link && event.link != *link) return false;
  const int type = static_cast<int>(event.type);
  if (type_mask != 0 && (type < 0 || type > 31 || (type_mask & (1u << type)) == 0)) return false;
  return true;
}

std::string EventFilter::DebugString() const {
  std::vector<std::string> parts;
  if (!account.empty()) parts.push_back(absl::StrCat("account=", account));
  if (chat_id) parts.push_back(absl::StrCat("chat=", *chat_id));
  if (link) parts.push_back(absl::StrCat("link=", *link));
  if (type_mask != 0) {
    std::vector<std::string> names;
    for (int i = 1; i <= kMaxEventType; ++i) {
      if (type_mask & (1u << i)) names.emplace_back(kNames[i]);
    }
    parts.push_back(absl::StrCat("types=", absl::StrJoin(names, ",")));
  }
  return parts.empty() ? "everything" : absl::StrJoin(parts, " ");
}

std::string EventDebugString(const Event& e) {
  return absl::StrCat("#", e.sequence, " ", Sv(EventTypeName(e.type)), " ", e.account, "/",
                      e.chat_id, " user ", e.user_id, e.link.empty() ? "" : " link=", e.link,
                      e.actor_id != 0 ? absl::StrCat(" by ", e.actor_id) : "",
                      e.type == EventType::kPendingCountChanged
                          ? absl::StrCat(" pending=", e.pending_count)
                          : "",
                      e.idempotency_key.empty() ? "" : " key=", e.idempotency_key);
}

}  // namespace invitegate::ledger

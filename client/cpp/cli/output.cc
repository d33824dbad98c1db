// See output.h.
#include "client/cpp/cli/output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/cpp/cli/args.h"
#include "client/cpp/errors.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace invitegate::cli {
namespace {

// The last segment of a resource name ("…/inviteLinks/abc" → "abc").
std::string LastSegment(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

const char* StateName(v1::JoinRequestState state) {
  switch (state) {
    case v1::JOIN_REQUEST_STATE_PENDING: return "pending";
    case v1::JOIN_REQUEST_STATE_APPROVED: return "approved";
    case v1::JOIN_REQUEST_STATE_DECLINED: return "declined";
    default: return "unknown";
  }
}

const char* KindName(v1::ChatKind kind) {
  switch (kind) {
    case v1::CHAT_KIND_GROUP: return "group";
    case v1::CHAT_KIND_SUPERGROUP: return "supergroup";
    case v1::CHAT_KIND_CHANNEL: return "channel";
    default: return "chat";
  }
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

void PrintJson(std::ostream& out, const google::protobuf::Message& message) {
  out << ToJson(message) << "\n";
}

void PrintResult(std::ostream& out, bool json, const google::protobuf::Message& message,
                 const std::string& line) {
  out << (json ? ToJson(message) : line) << "\n";
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatUser(const v1::User& user) {
  std::string name = user.first_name();
  if (!user.last_name().empty()) absl::StrAppend(&name, name.empty() ? "" : " ", user.last_name());
  std::string out = absl::StrCat("user ", user.id());
  if (!name.empty()) absl::StrAppend(&out, " (", name);
  if (!user.username().empty()) {
    absl::StrAppend(&out, name.empty() ? " (" : ", ", "@", user.username());
  }
  if (!name.empty() || !user.username().empty()) absl::StrAppend(&out, ")");
  if (user.bot()) absl::StrAppend(&out, " [bot]");
  return out;
}

std::string FormatLink(const v1::InviteLink& link) {
  std::vector<std::string> tags;
  if (link.primary()) tags.push_back("primary");
  if (link.revoked()) tags.push_back("revoked");
  if (link.request_needed()) tags.push_back("approval needed");
  std::string out = link.url();
  if (!tags.empty()) absl::StrAppend(&out, "  [", absl::StrJoin(tags, ", "), "]");
  if (link.has_title() && !link.title().empty()) absl::StrAppend(&out, "  \"", link.title(), "\"");
  absl::StrAppend(&out, "\n  name: ", link.name());
  absl::StrAppend(&out, "\n  created ", FormatTime(link.create_time()), " by ",
                  FormatUser(link.creator()));
  absl::StrAppend(&out, "\n  expires ",
                  link.has_expire_time() ? FormatTime(link.expire_time()) : "never", "; used ",
                  link.usage(),
                  link.has_usage_limit() ? absl::StrCat(" of ", link.usage_limit()) : "",
                  "; pending requests ", link.pending_requests());
  return out;
}

std::string FormatJoinRequest(const v1::JoinRequest& request) {
  std::string out = absl::StrCat(StateName(request.state()), "  ", FormatUser(request.user()),
                                 "  asked ", FormatTime(request.request_time()));
  if (!request.invite_link().empty()) {
    absl::StrAppend(&out, "  via ", LastSegment(request.invite_link()));
  }
  if (!request.about().empty()) absl::StrAppend(&out, "  about: \"", request.about(), "\"");
  if (request.resolved_by_user_id() != 0) {
    absl::StrAppend(&out, "  by user ", request.resolved_by_user_id());
  }
  absl::StrAppend(&out, "\n  name: ", request.name());
  return out;
}

std::string FormatImporter(const v1::InviteImporter& importer) {
  std::string out =
      absl::StrCat(FormatUser(importer.user()), "  joined ", FormatTime(importer.join_time()));
  if (importer.approved_by_user_id() != 0) {
    absl::StrAppend(&out, "  approved by user ", importer.approved_by_user_id());
  }
  if (!importer.about().empty()) absl::StrAppend(&out, "  about: \"", importer.about(), "\"");
  if (importer.via_chatlist()) absl::StrAppend(&out, "  (via a chat folder)");
  return out;
}

std::string FormatSettings(const v1::ChatSettings& settings) {
  auto yes_no = [](bool has, bool value) { return has ? (value ? "yes" : "no") : "-"; };
  return absl::StrCat(
      "join requests required: ",
      yes_no(settings.has_join_requests_required(), settings.join_requests_required()),
      "; join to send: ", yes_no(settings.has_join_to_send(), settings.join_to_send()));
}

std::string FormatChat(const v1::Chat& chat) {
  std::string out = absl::StrCat(KindName(chat.kind()), " ", chat.id(), " \"", chat.title(), "\"");
  if (!chat.username().empty()) absl::StrAppend(&out, " @", chat.username());
  if (chat.participants_count() > 0) {
    absl::StrAppend(&out, "  ", chat.participants_count(), " members");
  }
  absl::StrAppend(&out, "\n  name: ", chat.name());
  if (chat.has_settings()) absl::StrAppend(&out, "\n  ", FormatSettings(chat.settings()));
  return out;
}

std::string FormatAccount(const v1::Account& account) {
  std::string out = absl::StrCat(
      account.name(), "  ", v1::AccountKind_Name(account.kind()), "  ",
      v1::SignInState_Name(account.state()));
  if (account.user_id() != 0) absl::StrAppend(&out, "  user ", account.user_id());
  if (!account.username().empty()) absl::StrAppend(&out, " @", account.username());
  if (!account.display_name().empty()) absl::StrAppend(&out, " \"", account.display_name(), "\"");
  if (account.home_dc() != 0) absl::StrAppend(&out, "  dc ", account.home_dc());
  return out;
}

std::string FormatStats(const v1::InviteLinkStats& stats) {
  return absl::StrCat(LastSegment(stats.invite_link()), "  joined ", stats.joined(), "  pending ",
                      stats.pending(), "  approved ", stats.approved(), "  declined ",
                      stats.declined());
}

std::string FormatEvent(const v1::JoinRequestEvent& event) {
  std::string head = absl::StrCat(FormatTime(event.event_time()), " #", event.sequence(), " ");
  const std::string chat = event.chat();
  switch (event.event_case()) {
    case v1::JoinRequestEvent::kCreated: {
      const v1::JoinRequest& r = event.created().join_request();
      std::string out = absl::StrCat(head, "request   ", chat, "  ", FormatUser(r.user()));
      if (!r.invite_link().empty()) absl::StrAppend(&out, "  via ", LastSegment(r.invite_link()));
      if (!r.about().empty()) absl::StrAppend(&out, "  about: \"", r.about(), "\"");
      return out;
    }
    case v1::JoinRequestEvent::kResolved: {
      const v1::JoinRequest& r = event.resolved().join_request();
      std::string out = absl::StrCat(head, StateName(r.state()), "  ", chat, "  ",
                                     FormatUser(r.user()));
      if (event.resolved().resolved_by_user_id() != 0) {
        absl::StrAppend(&out, "  by user ", event.resolved().resolved_by_user_id());
      }
      return out;
    }
    case v1::JoinRequestEvent::kPendingCountChanged:
      return absl::StrCat(head, "pending   ", chat, "  ",
                          event.pending_count_changed().pending_count(), " pending");
    case v1::JoinRequestEvent::kSnapshot: {
      const v1::JoinRequest& r = event.snapshot();
      std::string out = absl::StrCat(head, "snapshot  ", chat, "  ", FormatUser(r.user()));
      if (!r.invite_link().empty()) absl::StrAppend(&out, "  via ", LastSegment(r.invite_link()));
      return out;
    }
    case v1::JoinRequestEvent::kSnapshotComplete:
      return absl::StrCat(head, "snapshot complete; live events follow");
    case v1::JoinRequestEvent::kHeartbeat:
      return absl::StrCat(head, "heartbeat");
    default:
      return absl::StrCat(head, "unknown event");
  }
}

std::string FormatProgress(const v1::ModerationProgress& progress) {
  const std::string count = absl::StrCat("[", progress.done(), "/", progress.total(), "] ");
  if (progress.has_flood_wait()) {
    return absl::StrCat(count, "FLOOD_WAIT: waiting ", progress.flood_wait().seconds(), "s");
  }
  std::string out = absl::StrCat(count, FormatUser(progress.handled().user()), ": ");
  if (progress.has_error()) {
    absl::StrAppend(&out, "failed: ", progress.error().message());
  } else {
    absl::StrAppend(&out, StateName(progress.handled().state()));
  }
  return out;
}

std::string FormatOutcome(v1::JoinOutcome outcome) {
  switch (outcome) {
    case v1::JOIN_OUTCOME_JOINED: return "joined";
    case v1::JOIN_OUTCOME_PENDING_APPROVAL: return "pending approval (a join request was sent)";
    default: return "unknown outcome";
  }
}

void PrintError(std::ostream& err, const std::string& command, const absl::Status& status,
                bool json) {
  const client::ErrorDetails details = client::DetailsOf(status);
  const bool usage = IsUsageError(status);
  if (!json) {
    // A usage error is ours, not the server's: no status code in front of it.
    err << "invitegate" << (command.empty() ? "" : " " + command) << ": "
        << (usage ? std::string(status.message()) : client::DescribeError(status)) << "\n";
    return;
  }
  nlohmann::json error = {{"code", absl::StatusCodeToString(status.code())},
                          {"code_number", static_cast<int>(status.code())},
                          {"message", std::string(status.message())}};
  if (usage) error["usage"] = true;
  if (!details.reason.empty()) error["reason"] = details.reason;
  if (!details.domain.empty()) error["domain"] = details.domain;
  if (!details.metadata.empty()) error["metadata"] = details.metadata;
  if (details.retry_delay.has_value()) {
    error["retry_delay_seconds"] = details.retry_delay->count() / 1000.0;
  }
  for (const client::FieldViolation& v : details.field_violations) {
    error["field_violations"].push_back({{"field", v.field}, {"description", v.description}});
  }
  err << nlohmann::json{{"error", error}}.dump() << "\n";
}

}  // namespace invitegate::cli

// How the CLI prints: --json gives one JSON object per line (the response message in protobuf's
// JSON mapping with the .proto field names; int64 values are strings, as that mapping says); else
// short human lines. Errors go to stderr, in JSON too under --json.
// Spec: https://protobuf.dev/programming-guides/proto3/#json
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "invitegate/v1/accounts.pb.h"
#include "invitegate/v1/chats.pb.h"
#include "invitegate/v1/invite_links.pb.h"
#include "invitegate/v1/join_requests.pb.h"

namespace invitegate::cli {

// The message as one line of JSON.
[[nodiscard]] std::string ToJson(const google::protobuf::Message& message);
void PrintJson(std::ostream& out, const google::protobuf::Message& message);
// A command's one result: as JSON when `json`, else as its human `line`.
void PrintResult(std::ostream& out, bool json, const google::protobuf::Message& message,
                 const std::string& line);

// Human forms.
[[nodiscard]] std::string FormatTime(const google::protobuf::Timestamp& time);
[[nodiscard]] std::string FormatUser(const v1::User& user);
[[nodiscard]] std::string FormatLink(const v1::InviteLink& link);
[[nodiscard]] std::string FormatJoinRequest(const v1::JoinRequest& request);
[[nodiscard]] std::string FormatImporter(const v1::InviteImporter& importer);
[[nodiscard]] std::string FormatChat(const v1::Chat& chat);
[[nodiscard]] std::string FormatSettings(const v1::ChatSettings& settings);
[[nodiscard]] std::string FormatAccount(const v1::Account& account);
[[nodiscard]] std::string FormatStats(const v1::InviteLinkStats& stats);
[[nodiscard]] std::string FormatEvent(const v1::JoinRequestEvent& event);
[[nodiscard]] std::string FormatProgress(const v1::ModerationProgress& progress);
[[nodiscard]] std::string FormatOutcome(v1::JoinOutcome outcome);

// The error line(s) for a failed command: "invitegate <command>: NOT_FOUND: ... [reason X
// (telegram.org); retry after 42s]", or under --json one object {"error": {...}}.
void PrintError(std::ostream& err, const std::string& command, const absl::Status& status,
                bool json);

}  // namespace invitegate::cli

// `invitegate requests ...` and `invitegate stats`: JoinRequestService (Watch is `watch`).
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"

namespace invitegate::cli {
namespace {

const FlagSpec kChat{"chat", "CHAT", "the chat (username, Bot API id or accounts/a/chats/c)"};
const FlagSpec kLink{"link", "LINK", "only requests through this link (URL, hash or name)"};

// The shared flags of the two list commands.
template <typename Request>
absl::Status FillList(const Invocation& inv, Request& request) {
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  request.set_invite_link(inv.args.Get("link"));
  request.set_query(inv.args.Get("query"));
  absl::StatusOr<int64_t> page_size = inv.IntFlag("page-size", 0);
  if (!page_size.ok()) return page_size.status();
  request.set_page_size(static_cast<int32_t>(*page_size));
  request.set_page_token(inv.args.Get("page-token"));
  return absl::OkStatus();
}

void PrintPaging(const Invocation& inv, int shown, int total, const std::string& next,
                 const char* what) {
  *inv.out << shown << " of " << total << " " << what;
  if (!next.empty()) *inv.out << "; more with --page-token=" << next << " (or --all)";
  *inv.out << "\n";
}

absl::Status List(Invocation& inv) {
  v1::ListJoinRequestsRequest request;
  if (absl::Status s = FillList(inv, request); !s.ok()) return s;
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::ListJoinRequestsResponse merged;
  while (true) {
    absl::StatusOr<v1::ListJoinRequestsResponse> page = (*client)->ListJoinRequests(request);
    if (!page.ok()) return page.status();
    merged.mutable_join_requests()->MergeFrom(page->join_requests());
    merged.set_total_size(page->total_size());
    merged.set_next_page_token(page->next_page_token());
    if (!inv.args.Has("all") || page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (inv.json) {
    PrintJson(*inv.out, merged);
    return absl::OkStatus();
  }
  for (const v1::JoinRequest& r : merged.join_requests()) *inv.out << FormatJoinRequest(r) << "\n";
  PrintPaging(inv, merged.join_requests_size(), merged.total_size(), merged.next_page_token(),
              "pending requests");
  return absl::OkStatus();
}

absl::Status Importers(Invocation& inv) {
  v1::ListInviteImportersRequest request;
  if (absl::Status s = FillList(inv, request); !s.ok()) return s;
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::ListInviteImportersResponse merged;
  while (true) {
    absl::StatusOr<v1::ListInviteImportersResponse> page = (*client)->ListInviteImporters(request);
    if (!page.ok()) return page.status();
    merged.mutable_importers()->MergeFrom(page->importers());
    merged.set_total_size(page->total_size());
    merged.set_next_page_token(page->next_page_token());
    if (!inv.args.Has("all") || page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (inv.json) {
    PrintJson(*inv.out, merged);
    return absl::OkStatus();
  }
  for (const v1::InviteImporter& i : merged.importers()) *inv.out << FormatImporter(i) << "\n";
  PrintPaging(inv, merged.importers_size(), merged.total_size(), merged.next_page_token(),
              "members");
  return absl::OkStatus();
}

// approve / decline USER...: one call per user; stops at the first failure.
absl::Status Resolve(Invocation& inv, bool approve) {
  std::vector<std::string> names;
  for (const std::string& user : inv.args.positional()) {
    absl::StatusOr<std::string> name = inv.JoinRequestName(user);
    if (!name.ok()) return name.status();
    names.push_back(*name);
  }
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  for (const std::string& name : names) {
    absl::Status status;
    if (approve) {
      v1::ApproveJoinRequestRequest request;
      request.set_name(name);
      status = (*client)->ApproveJoinRequest(request);
    } else {
      v1::DeclineJoinRequestRequest request;
      request.set_name(name);
      status = (*client)->DeclineJoinRequest(request);
    }
    if (!status.ok()) return status;
    if (inv.json) {
      *inv.out << ToJson([&] {
        v1::JoinRequest done;
        done.set_name(name);
        done.set_state(approve ? v1::JOIN_REQUEST_STATE_APPROVED : v1::JOIN_REQUEST_STATE_DECLINED);
        return done;
      }()) << "\n";
    } else {
      *inv.out << (approve ? "approved " : "declined ") << name << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status ResolveAll(Invocation& inv, bool approve) {
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::Status status;
  if (approve) {
    v1::ApproveAllJoinRequestsRequest request;
    request.set_parent(*parent);
    request.set_invite_link(inv.args.Get("link"));
    status = (*client)->ApproveAllJoinRequests(request);
  } else {
    v1::DeclineAllJoinRequestsRequest request;
    request.set_parent(*parent);
    request.set_invite_link(inv.args.Get("link"));
    status = (*client)->DeclineAllJoinRequests(request);
  }
  if (!status.ok()) return status;
  if (inv.json) {
    *inv.out << "{}\n";
  } else {
    *inv.out << (approve ? "approved" : "declined") << " every pending request"
             << (inv.args.Has("link") ? " of that link" : "") << "\n";
  }
  return absl::OkStatus();
}

absl::Status ParseTimeFlag(const Invocation& inv, const std::string& flag,
                           google::protobuf::Timestamp* out) {
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, inv.args.Get(flag), &at, &error)) {
    return inv.Usage(absl::StrCat("--", flag, ": expected an RFC 3339 time such as "
                                  "2030-01-02T15:04:05Z"));
  }
  out->set_seconds(absl::ToUnixSeconds(at));
  return absl::OkStatus();
}

absl::Status Moderate(Invocation& inv) {
  v1::ModerateJoinRequestsRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  const std::string action = inv.args.Get("action");
  if (action == "approve") {
    request.set_action(v1::MODERATION_ACTION_APPROVE);
  } else if (action == "decline") {
    request.set_action(v1::MODERATION_ACTION_DECLINE);
  } else {
    return inv.Usage("--action: approve or decline");
  }
  v1::JoinRequestFilter* filter = request.mutable_filter();
  filter->set_invite_link(inv.args.Get("link"));
  if (inv.args.Has("after")) {
    if (absl::Status s = ParseTimeFlag(inv, "after", filter->mutable_requested_after()); !s.ok()) {
      return s;
    }
  }
  if (inv.args.Has("before")) {
    if (absl::Status s = ParseTimeFlag(inv, "before", filter->mutable_requested_before());
        !s.ok()) {
      return s;
    }
  }
  filter->set_about_contains(inv.args.Get("about"));
  absl::StatusOr<int64_t> max = inv.IntFlag("max", 0);
  if (!max.ok()) return max.status();
  filter->set_max_count(static_cast<int32_t>(*max));
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  int failed = 0;
  absl::Status status =
      (*client)->ModerateJoinRequests(request, [&](const v1::ModerationProgress& p) {
        if (p.has_error()) ++failed;
        if (inv.json) {
          PrintJson(*inv.out, p);
        } else {
          *inv.out << FormatProgress(p) << "\n";
        }
        inv.out->flush();
        return true;
      });
  if (!status.ok()) return status;
  if (failed > 0) {
    return absl::AbortedError(absl::StrCat(failed, " request(s) could not be moderated"));
  }
  return absl::OkStatus();
}

absl::Status Stats(Invocation& inv) {
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  if (!inv.args.positional().empty()) {
    v1::GetInviteLinkStatsRequest request;
    absl::StatusOr<std::string> name = inv.LinkName(inv.args.positional()[0]);
    if (!name.ok()) return name.status();
    request.set_name(*name);
    absl::StatusOr<v1::InviteLinkStats> stats = (*client)->GetInviteLinkStats(request);
    if (!stats.ok()) return stats.status();
    if (inv.json) {
      PrintJson(*inv.out, *stats);
    } else {
      *inv.out << FormatStats(*stats) << "\n";
    }
    return absl::OkStatus();
  }
  v1::ListInviteLinkStatsRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  absl::StatusOr<v1::ListInviteLinkStatsResponse> stats = (*client)->ListInviteLinkStats(request);
  if (!stats.ok()) return stats.status();
  if (inv.json) {
    PrintJson(*inv.out, *stats);
    return absl::OkStatus();
  }
  for (const v1::InviteLinkStats& s : stats->stats()) *inv.out << FormatStats(s) << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddRequestCommands(std::vector<CommandSpec>& commands) {
  const std::vector<FlagSpec> list_flags = {
      kChat, kLink,
      {"query", "TEXT", "only users whose name or username contains TEXT"},
      {"page-size", "N", "per page, 1-100 (default 50)"},
      {"page-token", "TOKEN", "continue from a previous page"},
      {"all", "", "follow every page"}};
  commands.push_back({"requests list", "list pending join requests, newest first", "",
                      "Bot accounts get the requests the server's ledger saw arrive.", list_flags,
                      0, 0, true, List});
  commands.push_back({"requests importers", "list the members who joined through links", "",
                      "User accounts only (Telegram refuses bots).", list_flags, 0, 0, true,
                      Importers});
  commands.push_back({"requests approve", "approve join requests (the users join)", "USER_ID...",
                      "USER_ID is a Telegram user id (or a full joinRequests name).", {kChat}, 1,
                      -1, true, [](Invocation& inv) { return Resolve(inv, true); }});
  commands.push_back({"requests decline", "decline join requests", "USER_ID...",
                      "USER_ID is a Telegram user id (or a full joinRequests name).", {kChat}, 1,
                      -1, true, [](Invocation& inv) { return Resolve(inv, false); }});
  commands.push_back({"requests approve-all", "approve every pending request (of one link)", "",
                      "", {kChat, kLink}, 0, 0, true,
                      [](Invocation& inv) { return ResolveAll(inv, true); }});
  commands.push_back({"requests decline-all", "decline every pending request (of one link)", "",
                      "", {kChat, kLink}, 0, 0, true,
                      [](Invocation& inv) { return ResolveAll(inv, false); }});
  commands.push_back(
      {"requests moderate", "approve or decline the requests a filter selects, one by one", "",
       "Prints each user's outcome as it happens; waits out FLOOD_WAIT as Telegram asks (and\n"
       "says so). Exits 5 when some requests failed.",
       {kChat,
        {"action", "approve|decline", "what to do (required)"},
        kLink,
        {"after", "TIME", "requested at or after TIME (RFC 3339)"},
        {"before", "TIME", "requested before TIME (RFC 3339)"},
        {"about", "TEXT", "the request's about text contains TEXT"},
        {"max", "N", "at most N requests"}},
       0, 0, true, Moderate});
  commands.push_back({"stats", "per-link counters: joined, pending, approved, declined", "[LINK]",
                      "Without LINK: every link of --chat with any activity.", {kChat}, 0, 1,
                      true, Stats});
}

}  // namespace invitegate::cli

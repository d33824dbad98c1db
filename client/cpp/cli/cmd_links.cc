// `invitegate links ...`: InviteLinkService, one command per RPC.
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"

namespace invitegate::cli {
namespace {

const FlagSpec kChat{"chat", "CHAT", "the chat (username, Bot API id or accounts/a/chats/c)"};

// --expire: a duration from now ("24h", "90m"), an RFC 3339 time, or (allow_none) "none".
absl::Status ParseExpire(const Invocation& inv, google::protobuf::Timestamp* out, bool* none) {
  const std::string text = inv.args.Get("expire");
  absl::Duration in;
  absl::Time at;
  std::string error;
  if (none != nullptr && text == "none") {
    *none = true;
    return absl::OkStatus();
  }
  if (absl::ParseDuration(text, &in) && in > absl::ZeroDuration()) {
    at = absl::Now() + in;
  } else if (!absl::ParseTime(absl::RFC3339_full, text, &at, &error)) {
    return inv.Usage(absl::StrCat("--expire: expected a duration (24h) or an RFC 3339 time "
                                  "(2030-01-02T15:04:05Z)",
                                  none != nullptr ? " or none" : "", ", got \"", text, "\""));
  }
  out->set_seconds(absl::ToUnixSeconds(at));
  return absl::OkStatus();
}

absl::Status Create(Invocation& inv) {
  v1::CreateInviteLinkRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  v1::InviteLink* link = request.mutable_invite_link();
  if (inv.args.Has("title")) link->set_title(inv.args.Get("title"));
  if (inv.args.Has("expire")) {
    if (absl::Status s = ParseExpire(inv, link->mutable_expire_time(), nullptr); !s.ok()) return s;
  }
  if (inv.args.Has("usage-limit")) {
    absl::StatusOr<int64_t> limit = inv.IntFlag("usage-limit", 0);
    if (!limit.ok()) return limit.status();
    link->set_usage_limit(static_cast<int32_t>(*limit));
  }
  absl::StatusOr<std::optional<bool>> request_needed = inv.args.GetBool("request-needed");
  if (!request_needed.ok()) return request_needed.status();
  if (request_needed->has_value()) link->set_request_needed(**request_needed);
  absl::StatusOr<std::optional<bool>> revoke = inv.args.GetBool("revoke-primary");
  if (!revoke.ok()) return revoke.status();
  request.set_legacy_revoke_primary(revoke->value_or(false));

  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::InviteLink> created = (*client)->CreateInviteLink(request);
  if (!created.ok()) return created.status();
  PrintResult(*inv.out, inv.json, *created, FormatLink(*created));
  return absl::OkStatus();
}

absl::Status Get(Invocation& inv) {
  v1::GetInviteLinkRequest request;
  absl::StatusOr<std::string> name = inv.LinkName(inv.args.positional()[0]);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::InviteLink> link = (*client)->GetInviteLink(request);
  if (!link.ok()) return link.status();
  PrintResult(*inv.out, inv.json, *link, FormatLink(*link));
  return absl::OkStatus();
}

absl::Status List(Invocation& inv) {
  v1::ListInviteLinksRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  absl::StatusOr<int64_t> admin = inv.IntFlag("admin", 0);
  if (!admin.ok()) return admin.status();
  request.set_admin_user_id(*admin);
  absl::StatusOr<std::optional<bool>> revoked = inv.args.GetBool("revoked");
  if (!revoked.ok()) return revoked.status();
  request.set_revoked(revoked->value_or(false));
  absl::StatusOr<int64_t> page_size = inv.IntFlag("page-size", 0);
  if (!page_size.ok()) return page_size.status();
  request.set_page_size(static_cast<int32_t>(*page_size));
  request.set_page_token(inv.args.Get("page-token"));
  const bool all = inv.args.Has("all");

  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::ListInviteLinksResponse merged;
  while (true) {
    absl::StatusOr<v1::ListInviteLinksResponse> page = (*client)->ListInviteLinks(request);
    if (!page.ok()) return page.status();
    merged.mutable_invite_links()->MergeFrom(page->invite_links());
    merged.set_total_size(page->total_size());
    merged.set_next_page_token(page->next_page_token());
    if (!all || page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (inv.json) {
    PrintJson(*inv.out, merged);
    return absl::OkStatus();
  }
  for (const v1::InviteLink& link : merged.invite_links()) *inv.out << FormatLink(link) << "\n";
  *inv.out << merged.invite_links_size() << " of " << merged.total_size() << " links";
  if (!merged.next_page_token().empty()) {
    *inv.out << "; more with --page-token=" << merged.next_page_token() << " (or --all)";
  }
  *inv.out << "\n";
  return absl::OkStatus();
}

absl::Status Update(Invocation& inv) {
  v1::UpdateInviteLinkRequest request;
  absl::StatusOr<std::string> name = inv.LinkName(inv.args.positional()[0]);
  if (!name.ok()) return name.status();
  v1::InviteLink* link = request.mutable_invite_link();
  link->set_name(*name);
  google::protobuf::FieldMask* mask = request.mutable_update_mask();
  if (inv.args.Has("title")) {
    link->set_title(inv.args.Get("title"));
    mask->add_paths("title");
  }
  if (inv.args.Has("expire")) {
    bool none = false;
    if (absl::Status s = ParseExpire(inv, link->mutable_expire_time(), &none); !s.ok()) return s;
    if (none) link->clear_expire_time();
    mask->add_paths("expire_time");
  }
  if (inv.args.Has("usage-limit")) {
    if (inv.args.Get("usage-limit") != "none") {
      absl::StatusOr<int64_t> limit = inv.IntFlag("usage-limit", 0);
      if (!limit.ok()) return limit.status();
      link->set_usage_limit(static_cast<int32_t>(*limit));
    }
    mask->add_paths("usage_limit");
  }
  absl::StatusOr<std::optional<bool>> request_needed = inv.args.GetBool("request-needed");
  if (!request_needed.ok()) return request_needed.status();
  if (request_needed->has_value()) {
    link->set_request_needed(**request_needed);
    mask->add_paths("request_needed");
  }
  if (mask->paths_size() == 0) {
    return inv.Usage("nothing to change: give --title, --expire, --usage-limit or --request-needed");
  }
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::InviteLink> updated = (*client)->UpdateInviteLink(request);
  if (!updated.ok()) return updated.status();
  PrintResult(*inv.out, inv.json, *updated, FormatLink(*updated));
  return absl::OkStatus();
}

absl::Status Revoke(Invocation& inv) {
  v1::RevokeInviteLinkRequest request;
  absl::StatusOr<std::string> name = inv.LinkName(inv.args.positional()[0]);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::RevokeInviteLinkResponse> revoked = (*client)->RevokeInviteLink(request);
  if (!revoked.ok()) return revoked.status();
  if (inv.json) {
    PrintJson(*inv.out, *revoked);
    return absl::OkStatus();
  }
  *inv.out << "revoked " << FormatLink(revoked->invite_link()) << "\n";
  if (revoked->has_new_primary_link()) {
    *inv.out << "new primary link: " << FormatLink(revoked->new_primary_link()) << "\n";
  }
  return absl::OkStatus();
}

// Prints "done" for RPCs that return nothing ({} under --json).
absl::Status Done(Invocation& inv, const absl::Status& status, const std::string& what) {
  if (!status.ok()) return status;
  if (inv.json) {
    *inv.out << "{}\n";
  } else {
    *inv.out << what << "\n";
  }
  return absl::OkStatus();
}

absl::Status Delete(Invocation& inv) {
  v1::DeleteInviteLinkRequest request;
  absl::StatusOr<std::string> name = inv.LinkName(inv.args.positional()[0]);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  return Done(inv, (*client)->DeleteInviteLink(request), "deleted " + *name);
}

absl::Status DeleteRevoked(Invocation& inv) {
  v1::DeleteRevokedInviteLinksRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  absl::StatusOr<int64_t> admin = inv.IntFlag("admin", 0);
  if (!admin.ok()) return admin.status();
  request.set_admin_user_id(*admin);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  return Done(inv, (*client)->DeleteRevokedInviteLinks(request), "deleted the revoked links");
}

absl::Status Admins(Invocation& inv) {
  v1::ListAdminsWithInvitesRequest request;
  absl::StatusOr<std::string> parent = inv.ChatName();
  if (!parent.ok()) return parent.status();
  request.set_parent(*parent);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::ListAdminsWithInvitesResponse> admins =
      (*client)->ListAdminsWithInvites(request);
  if (!admins.ok()) return admins.status();
  if (inv.json) {
    PrintJson(*inv.out, *admins);
    return absl::OkStatus();
  }
  for (const v1::AdminInviteCount& a : admins->admins()) {
    *inv.out << FormatUser(a.admin()) << "  links " << a.invite_link_count() << "  revoked "
             << a.revoked_invite_link_count() << "\n";
  }
  return absl::OkStatus();
}

absl::Status Check(Invocation& inv) {
  v1::CheckInviteLinkRequest request;
  absl::StatusOr<std::string> account = inv.AccountName();
  if (!account.ok()) return account.status();
  request.set_account(*account);
  request.set_invite_link(inv.args.positional()[0]);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::CheckInviteLinkResponse> checked = (*client)->CheckInviteLink(request);
  if (!checked.ok()) return checked.status();
  if (inv.json) {
    PrintJson(*inv.out, *checked);
    return absl::OkStatus();
  }
  if (checked->has_already_member()) {
    *inv.out << "already a member of " << FormatChat(checked->already_member()) << "\n";
  } else if (checked->has_peek()) {
    *inv.out << "may peek until " << FormatTime(checked->peek_expire_time()) << " at "
             << FormatChat(checked->peek()) << "\n";
  } else {
    const v1::InvitePreview& p = checked->preview();
    *inv.out << "\"" << p.title() << "\"  " << v1::ChatKind_Name(p.kind()) << "  "
             << p.participants_count() << " members"
             << (p.request_needed() ? "  [approval needed]" : "") << (p.public_() ? "  [public]" : "")
             << "\n";
    if (!p.about().empty()) *inv.out << "  " << p.about() << "\n";
  }
  return absl::OkStatus();
}

absl::Status Join(Invocation& inv) {
  v1::JoinByInviteLinkRequest request;
  absl::StatusOr<std::string> account = inv.AccountName();
  if (!account.ok()) return account.status();
  request.set_account(*account);
  request.set_invite_link(inv.args.positional()[0]);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::JoinByInviteLinkResponse> joined = (*client)->JoinByInviteLink(request);
  if (!joined.ok()) return joined.status();
  if (inv.json) {
    PrintJson(*inv.out, *joined);
    return absl::OkStatus();
  }
  *inv.out << FormatOutcome(joined->outcome()) << "\n";
  if (joined->has_chat()) *inv.out << FormatChat(joined->chat()) << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddLinkCommands(std::vector<CommandSpec>& commands) {
  const FlagSpec admin{"admin", "USER_ID", "another admin's links (default: the account's own)"};
  const std::string link_help =
      "LINK is a URL (https://t.me/+HASH), a hash (with --chat) or a full name\n"
      "(accounts/{account}/chats/{chat}/inviteLinks/{hash}).";
  commands.push_back(
      {"links create", "create an invite link (needs the invite-users admin right)", "",
       "--expire takes a duration from now (24h) or an RFC 3339 time. --usage-limit and\n"
       "--request-needed exclude each other (Telegram's rule).",
       {kChat,
        {"title", "TEXT", "a title only admins see (at most 32 characters)"},
        {"expire", "WHEN", "when the link stops working: 24h, 2030-01-02T15:04:05Z"},
        {"usage-limit", "N", "at most N users may join (1-99999)"},
        {"request-needed", "", "joining needs an admin's approval"},
        {"revoke-primary", "", "also revoke the chat's primary link"}},
       0, 0, true, Create});
  commands.push_back({"links get", "show one invite link with its counters", "LINK", link_help,
                      {kChat}, 1, 1, true, Get});
  commands.push_back(
      {"links list", "list an admin's invite links, newest first (user accounts)", "", "",
       {kChat, admin,
        {"revoked", "", "list the revoked links instead of the active ones"},
        {"page-size", "N", "links per page, 1-100 (default 50)"},
        {"page-token", "TOKEN", "continue from a previous page"},
        {"all", "", "follow every page"}},
       0, 0, true, List});
  commands.push_back(
      {"links update", "change a link's title, expiry, usage limit or approval", "LINK",
       link_help + "\nOnly the flags given are changed; --expire=none and --usage-limit=none "
                   "remove the limit.",
       {kChat,
        {"title", "TEXT", "the new title"},
        {"expire", "WHEN", "24h, 2030-01-02T15:04:05Z, or none"},
        {"usage-limit", "N", "1-99999, or none"},
        {"request-needed", "BOOL", "true or false"}},
       1, 1, true, Update});
  commands.push_back({"links revoke", "revoke a link (the primary link gets a successor)", "LINK",
                      link_help, {kChat}, 1, 1, true, Revoke});
  commands.push_back({"links delete", "delete a revoked link", "LINK", link_help, {kChat}, 1, 1,
                      true, Delete});
  commands.push_back({"links delete-revoked", "delete every revoked link of an admin", "", "",
                      {kChat, admin}, 0, 0, true, DeleteRevoked});
  commands.push_back({"links admins", "list the chat's admins and their link counts", "", "",
                      {kChat}, 0, 0, true, Admins});
  commands.push_back({"links check", "preview what a link leads to, as --account", "LINK",
                      "LINK is a URL or a hash.", {}, 1, 1, true, Check});
  commands.push_back({"links join", "join a chat through a link, as --account", "LINK",
                      "Prints \"joined\" or \"pending approval\" (both exit 0).", {}, 1, 1, true,
                      Join});
}

}  // namespace invitegate::cli

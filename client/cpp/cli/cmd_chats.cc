// `invitegate chats ...` and `invitegate usernames ...`: ChatService and UsernameService.
#include <ostream>

#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"

namespace invitegate::cli {
namespace {

const FlagSpec kChat{"chat", "CHAT", "the chat (username, Bot API id or accounts/a/chats/c)"};

// The chat from the positional argument if given, else --chat.
absl::StatusOr<std::string> ChatArg(const Invocation& inv) {
  return inv.ChatName(inv.args.positional().empty() ? "" : inv.args.positional()[0]);
}

absl::Status Get(Invocation& inv) {
  v1::GetChatRequest request;
  absl::StatusOr<std::string> name = ChatArg(inv);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::Chat> chat = (*client)->GetChat(request);
  if (!chat.ok()) return chat.status();
  PrintResult(*inv.out, inv.json, *chat, FormatChat(*chat));
  return absl::OkStatus();
}

absl::Status Settings(Invocation& inv) {
  absl::StatusOr<std::string> name = ChatArg(inv);
  if (!name.ok()) return name.status();
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::UpdateChatSettingsRequest request;
  v1::ChatSettings* settings = request.mutable_settings();
  settings->set_name(*name + "/settings");
  for (const char* flag : {"join-requests-required", "join-to-send"}) {
    absl::StatusOr<std::optional<bool>> value = inv.args.GetBool(flag);
    if (!value.ok()) return value.status();
    if (!value->has_value()) continue;
    if (std::string(flag) == "join-requests-required") {
      settings->set_join_requests_required(**value);
      request.mutable_update_mask()->add_paths("join_requests_required");
    } else {
      settings->set_join_to_send(**value);
      request.mutable_update_mask()->add_paths("join_to_send");
    }
  }
  v1::ChatSettings result;
  if (request.update_mask().paths_size() == 0) {
    // Nothing to change: show them.
    v1::GetChatRequest get;
    get.set_name(*name);
    absl::StatusOr<v1::Chat> chat = (*client)->GetChat(get);
    if (!chat.ok()) return chat.status();
    result = chat->settings();
  } else {
    absl::StatusOr<v1::ChatSettings> updated = (*client)->UpdateChatSettings(request);
    if (!updated.ok()) return updated.status();
    result = *std::move(updated);
  }
  PrintResult(*inv.out, inv.json, result, FormatSettings(result));
  return absl::OkStatus();
}

absl::Status Join(Invocation& inv) {
  v1::JoinChatRequest request;
  absl::StatusOr<std::string> name = ChatArg(inv);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::JoinChatResponse> joined = (*client)->JoinChat(request);
  if (!joined.ok()) return joined.status();
  if (inv.json) {
    PrintJson(*inv.out, *joined);
    return absl::OkStatus();
  }
  *inv.out << FormatOutcome(joined->outcome()) << "\n";
  if (joined->has_chat()) *inv.out << FormatChat(joined->chat()) << "\n";
  return absl::OkStatus();
}

absl::Status CheckUsername(Invocation& inv) {
  v1::CheckUsernameRequest request;
  absl::StatusOr<std::string> chat = inv.ChatName();
  if (!chat.ok()) return chat.status();
  request.set_chat(*chat);
  request.set_username(inv.args.positional()[0]);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::CheckUsernameResponse> checked = (*client)->CheckUsername(request);
  if (!checked.ok()) return checked.status();
  if (inv.json) {
    PrintJson(*inv.out, *checked);
  } else {
    *inv.out << request.username() << (checked->available() ? " is available" : " is taken")
             << "\n";
  }
  return absl::OkStatus();
}

absl::Status UpdateUsername(Invocation& inv) {
  v1::UpdateUsernameRequest request;
  absl::StatusOr<std::string> chat = inv.ChatName();
  if (!chat.ok()) return chat.status();
  request.set_chat(*chat);
  const bool remove = inv.args.Has("remove");
  if (remove == !inv.args.positional().empty()) {
    return inv.Usage("give either USERNAME or --remove");
  }
  if (!remove) request.set_username(inv.args.positional()[0]);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::Chat> updated = (*client)->UpdateUsername(request);
  if (!updated.ok()) return updated.status();
  PrintResult(*inv.out, inv.json, *updated, FormatChat(*updated));
  return absl::OkStatus();
}

absl::Status Resolve(Invocation& inv) {
  v1::ResolveUsernameRequest request;
  absl::StatusOr<std::string> account = inv.AccountName();
  if (!account.ok()) return account.status();
  request.set_account(*account);
  request.set_username(inv.args.positional()[0]);
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::ResolveUsernameResponse> resolved = (*client)->ResolveUsername(request);
  if (!resolved.ok()) return resolved.status();
  if (inv.json) {
    PrintJson(*inv.out, *resolved);
  } else if (resolved->has_user()) {
    *inv.out << FormatUser(resolved->user()) << "\n";
  } else {
    *inv.out << FormatChat(resolved->chat()) << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddChatCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({"chats get", "show a chat with its join settings", "[CHAT]",
                      "CHAT (or --chat): a username, a Bot API id or accounts/a/chats/c.", {kChat},
                      0, 1, true, Get});
  commands.push_back(
      {"chats settings", "show or change a chat's join settings", "[CHAT]",
       "Without a setting flag: shows them.",
       {kChat,
        {"join-requests-required", "BOOL", "every join needs an admin's approval (true|false)"},
        {"join-to-send", "BOOL", "only members may send messages (true|false)"}},
       0, 1, true, Settings});
  commands.push_back({"chats join", "join a public chat, as --account", "CHAT",
                      "Prints \"joined\" or \"pending approval\" (both exit 0).", {}, 1, 1, true,
                      Join});
  commands.push_back({"usernames check", "whether a username is free for --chat", "USERNAME", "",
                      {kChat}, 1, 1, true, CheckUsername});
  commands.push_back({"usernames update", "set or remove --chat's public username", "[USERNAME]",
                      "", {kChat, {"remove", "", "remove the username (the chat becomes private)"}},
                      0, 1, true, UpdateUsername});
  commands.push_back({"usernames resolve", "find the user, bot or chat with a username",
                      "USERNAME", "USERNAME: with or without '@', or a t.me/<username> link.", {},
                      1, 1, true, Resolve});
}

}  // namespace invitegate::cli

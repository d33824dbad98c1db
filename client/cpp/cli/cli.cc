// The CLI's driver: finds the command, parses global and command flags, builds the client
// options (flags over environment over defaults), prints help, and turns the command's status
// into an error message and an exit code.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/exit_codes.h"
#include "client/cpp/cli/output.h"
#include "mtproto/engine/invite_link.h"

namespace invitegate::cli {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* commands = [] {
    auto* list = new std::vector<CommandSpec>;
    AddLinkCommands(*list);
    AddRequestCommands(*list);
    AddChatCommands(*list);
    AddAccountCommands(*list);
    AddHealthCommands(*list);
    AddWatchCommand(*list);
    AddParseLinkCommand(*list);
    return list;
  }();
  return *commands;
}

const CommandSpec* FindCommand(const std::string& path) {
  for (const CommandSpec& c : Commands()) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

// True when `words` is a command or the start of one (a group such as "links").
bool IsCommandPrefix(const std::vector<std::string>& words) {
  // "help links create" names "links create".
  const bool help = !words.empty() && words[0] == "help";
  const std::string path = absl::StrJoin(words.begin() + (help ? 1 : 0), words.end(), " ");
  if (help && path.empty()) return true;
  for (const CommandSpec& c : Commands()) {
    if (c.path == path || c.path.rfind(path + " ", 0) == 0) return true;
  }
  return path == "help";
}

void PrintFlags(std::ostream& out, const std::vector<FlagSpec>& flags) {
  for (const FlagSpec& f : flags) {
    std::string left = "--" + f.name;
    if (!f.value_name.empty()) absl::StrAppend(&left, "=", f.value_name);
    if (f.repeated) absl::StrAppend(&left, " ...");
    out << "  " << left << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << f.help
        << "\n";
  }
}

void PrintCommandHelp(std::ostream& out, const CommandSpec& c) {
  out << "usage: invitegate " << c.path << " [flags]" << (c.args.empty() ? "" : " ") << c.args
      << "\n\n"
      << c.summary << "\n";
  if (!c.description.empty()) out << "\n" << c.description << "\n";
  if (!c.flags.empty()) {
    out << "\nFlags:\n";
    PrintFlags(out, c.flags);
  }
  if (c.needs_server) {
    out << "\nGlobal flags (see `invitegate --help`): --server --token --token-file --tls --ca "
           "--cert --key --account --json --timeout\n";
  } else {
    out << "\nGlobal flags: --json\n";
  }
  out << "\n" << kExitCodesHelp;
}

void PrintGroupHelp(std::ostream& out, const std::string& group) {
  out << "usage: invitegate " << group << " <command> [flags]\n\nCommands:\n";
  for (const CommandSpec& c : Commands()) {
    if (c.path.rfind(group + " ", 0) == 0) {
      out << "  " << c.path << std::string(c.path.size() < 30 ? 30 - c.path.size() : 1, ' ')
          << c.summary << "\n";
    }
  }
  out << "\nRun `invitegate " << group << " <command> --help` for a command's flags.\n";
}

void PrintTopHelp(std::ostream& out) {
  out << "usage: invitegate [global flags] <command> [flags] [args]\n\n"
         "The command-line client of Invitegate, the gRPC service for Telegram invite links and\n"
         "join requests.\n\nCommands:\n";
  for (const CommandSpec& c : Commands()) {
    out << "  " << c.path << std::string(c.path.size() < 30 ? 30 - c.path.size() : 1, ' ')
        << c.summary << "\n";
  }
  out << "\nGlobal flags:\n";
  PrintFlags(out, GlobalFlags());
  out << "\nResources: --account names the Telegram account the server acts as; --chat a chat as\n"
         "a username (invitegate_group), a Bot API id (-1001234567890) or a full name\n"
         "(accounts/alice/chats/invitegate_group); a LINK is a URL (https://t.me/+HASH), a hash or\n"
         "a full name (accounts/a/chats/c/inviteLinks/HASH).\n\n"
         "Environment: INVITEGATE_SERVER, INVITEGATE_TOKEN, INVITEGATE_ACCOUNT.\n\n"
      << kExitCodesHelp
      << "\nRun `invitegate <command> --help` for a command's flags.\n";
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("--token-file: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

absl::Status ApplyGlobals(Invocation& inv) {
  const ParsedArgs& a = inv.args;
  absl::StatusOr<std::optional<bool>> json = a.GetBool("json");
  if (!json.ok()) return json.status();
  inv.json = json->value_or(false);
  client::ClientOptions& o = inv.client_options;
  o.address = a.Get("server", Env("INVITEGATE_SERVER"));
  if (o.address.empty()) o.address = kDefaultServer;
  if (a.Has("token") && a.Has("token-file")) {
    return UsageError("--token and --token-file: give one of them");
  }
  if (a.Has("token-file")) {
    absl::StatusOr<std::string> token = ReadTokenFile(a.Get("token-file"));
    if (!token.ok()) return token.status();
    o.token = *std::move(token);
  } else {
    o.token = a.Get("token", Env("INVITEGATE_TOKEN"));
  }
  absl::StatusOr<std::optional<bool>> tls = a.GetBool("tls");
  if (!tls.ok()) return tls.status();
  o.ca_file = a.Get("ca");
  o.cert_file = a.Get("cert");
  o.key_file = a.Get("key");
  // A CA or a client certificate only makes sense over TLS.
  o.tls = tls->value_or(!o.ca_file.empty() || !o.cert_file.empty());
  if (o.cert_file.empty() != o.key_file.empty()) {
    return UsageError("--cert and --key go together (mTLS)");
  }
  if (a.Has("timeout")) {
    absl::Duration timeout;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(a.Get("timeout"), &seconds) && seconds >= 0) {
      timeout = absl::Seconds(seconds);
    } else if (!absl::ParseDuration(a.Get("timeout"), &timeout) || timeout < absl::ZeroDuration()) {
      return UsageError("--timeout: expected a duration such as 30s, 2m or 500ms");
    }
    o.timeout = absl::ToChronoMilliseconds(timeout);
  }
  inv.account = a.Get("account", Env("INVITEGATE_ACCOUNT"));
  if (absl::StartsWith(inv.account, "accounts/")) inv.account = inv.account.substr(9);
  return absl::OkStatus();
}

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost") ||
         absl::StartsWith(address, "[::1]") || absl::StartsWith(address, "unix:");
}

}  // namespace

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (IsUsageError(status)) return kExitUsage;
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return kExitNotFound;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied: return kExitPermission;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange: return kExitFailedPrecondition;
    case absl::StatusCode::kResourceExhausted: return kExitResourceExhausted;
    case absl::StatusCode::kInvalidArgument: return kExitInvalidArgument;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled: return kExitUnavailable;
    case absl::StatusCode::kUnimplemented: return kExitUnimplemented;
    default: return kExitError;
  }
}

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec> flags = {
      {"server", "HOST:PORT", "the server (default $INVITEGATE_SERVER, else 127.0.0.1:50051)"},
      {"token", "TOKEN", "bearer token (default $INVITEGATE_TOKEN)"},
      {"token-file", "FILE", "read the bearer token from FILE"},
      {"tls", "", "use TLS (implied by --ca / --cert)"},
      {"ca", "FILE", "PEM CA certificates to verify the server (default: system roots)"},
      {"cert", "FILE", "PEM client certificate (mTLS; with --key)"},
      {"key", "FILE", "PEM client private key (mTLS; with --cert)"},
      {"account", "ACCOUNT", "the Telegram account to act as (default $INVITEGATE_ACCOUNT)"},
      {"json", "", "print JSON (one object per line) instead of text"},
      {"timeout", "DURATION", "deadline of each call, e.g. 30s (default 30s; 0: none)"},
  };
  return flags;
}

absl::StatusOr<client::Client*> Invocation::Client() {
  if (client_ == nullptr) {
    if (!client_options.tls && !client_options.token.empty() &&
        !IsLoopback(client_options.address)) {
      *err << "invitegate: warning: sending a bearer token without TLS to "
           << client_options.address << "\n";
    }
    absl::StatusOr<std::unique_ptr<client::Client>> made = client::Client::Connect(client_options);
    if (!made.ok()) return made.status();
    client_ = *std::move(made);
  }
  return client_.get();
}

absl::Status Invocation::Usage(const std::string& message) const {
  return UsageError(absl::StrCat(message, " (see `invitegate ", command->path, " --help`)"));
}

absl::StatusOr<int64_t> Invocation::IntFlag(const std::string& name, int64_t fallback) const {
  if (!args.Has(name)) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(args.Get(name), &value) || value < 0) {
    return Usage(absl::StrCat("--", name, ": expected a non-negative number, got \"",
                              args.Get(name), "\""));
  }
  return value;
}

absl::StatusOr<std::string> Invocation::AccountName() const {
  if (account.empty()) return Usage("no account: pass --account ACCOUNT or set INVITEGATE_ACCOUNT");
  return "accounts/" + account;
}

absl::StatusOr<std::string> Invocation::ChatName(const std::string& value) const {
  const std::string chat = value.empty() ? args.Get("chat") : value;
  if (chat.empty()) return Usage("no chat: pass --chat CHAT");
  if (absl::StartsWith(chat, "accounts/")) return chat;
  std::string name = chat;
  if (absl::StartsWith(name, "@")) name = name.substr(1);
  if (std::optional<std::string> username = mtproto::engine::ParsePublicLink(chat)) {
    name = *username;
  }
  absl::StatusOr<std::string> account_name = AccountName();
  if (!account_name.ok()) return account_name.status();
  return absl::StrCat(*account_name, "/chats/", name);
}

absl::StatusOr<std::string> Invocation::LinkName(const std::string& link) const {
  if (absl::StartsWith(link, "accounts/")) return link;
  std::string hash;
  if (std::optional<std::string> parsed = mtproto::engine::ParseInviteLink(link)) {
    hash = *parsed;
  } else if (!link.empty() &&
             link.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789_-") == std::string::npos) {
    hash = link;
  } else {
    return Usage(absl::StrCat("not an invite link or hash: \"", link, "\""));
  }
  absl::StatusOr<std::string> chat = ChatName();
  if (!chat.ok()) return chat.status();
  return absl::StrCat(*chat, "/inviteLinks/", hash);
}

absl::StatusOr<std::string> Invocation::JoinRequestName(const std::string& user) const {
  if (absl::StartsWith(user, "accounts/")) return user;
  int64_t id = 0;
  if (!absl::SimpleAtoi(user, &id) || id <= 0) {
    return Usage(absl::StrCat("not a user id: \"", user, "\""));
  }
  absl::StatusOr<std::string> chat = ChatName();
  if (!chat.ok()) return chat.status();
  return absl::StrCat(*chat, "/joinRequests/", id);
}

int RunCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> rest;
  std::vector<std::string> words = SplitCommand(argv, GlobalFlags(), IsCommandPrefix, &rest);
  bool want_help = false;
  for (const std::string& arg : rest) {
    if (arg == "--") break;
    want_help |= arg == "--help" || arg == "-h";
  }
  if (!words.empty() && words[0] == "help") {
    words.erase(words.begin());
    want_help = true;
  }
  const std::string path = absl::StrJoin(words, " ");
  const CommandSpec* command = FindCommand(path);
  if (command == nullptr) {
    if (want_help) {
      if (words.empty()) {
        PrintTopHelp(out);
      } else {
        PrintGroupHelp(out, path);
      }
      return kExitOk;
    }
    if (words.empty()) {
      std::string unknown;
      for (const std::string& arg : rest) {
        if (arg.empty() || arg[0] != '-') {
          unknown = arg;
          break;
        }
      }
      if (unknown.empty()) {
        err << "invitegate: missing command\n\n";
        PrintTopHelp(err);
      } else {
        err << "invitegate: unknown command \"" << unknown << "\" (see `invitegate --help`)\n";
      }
      return kExitUsage;
    }
    err << "invitegate " << path << ": missing command";
    if (!rest.empty() && rest.front()[0] != '-') err << " (unknown: \"" << rest.front() << "\")";
    err << "\n\n";
    PrintGroupHelp(err, path);
    return kExitUsage;
  }
  if (want_help) {
    PrintCommandHelp(out, *command);
    return kExitOk;
  }

  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  Invocation inv;
  inv.command = command;
  inv.out = &out;
  inv.err = &err;
  // Known before parsing, so that even a usage error comes out as JSON.
  for (const std::string& arg : rest) {
    if (arg == "--") break;
    inv.json |= arg == "--json" || arg == "--json=true";
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, specs);
  absl::Status status = parsed.status();
  if (status.ok()) {
    inv.args = *std::move(parsed);
    status = ApplyGlobals(inv);
  }
  if (status.ok()) {
    const int n = static_cast<int>(inv.args.positional().size());
    if (n < command->min_args || (command->max_args >= 0 && n > command->max_args)) {
      status = inv.Usage(n < command->min_args
                             ? absl::StrCat("missing argument ", command->args)
                             : absl::StrCat("unexpected argument \"",
                                            inv.args.positional()[command->max_args], "\""));
    }
  }
  if (status.ok()) status = command->run(inv);
  if (!status.ok()) {
    PrintError(err, command->path, status, inv.json);
    if (IsUsageError(status) && !inv.json) {
      err << "usage: invitegate " << command->path << " [flags]"
          << (command->args.empty() ? "" : " ") << command->args << "\n";
    }
  }
  return ExitCodeFor(status);
}

}  // namespace invitegate::cli

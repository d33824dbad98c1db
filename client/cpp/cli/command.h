// What every CLI command shares: its declaration (CommandSpec: words, flags, positionals, help),
// the global options, and the Invocation a handler runs with (parsed arguments, output streams,
// the lazily connected Client, resource-name helpers). Each cmd_*.cc registers one group.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cpp/cli/args.h"
#include "client/cpp/client.h"

namespace invitegate::cli {

struct Invocation;

// One command: "links create", "watch", ...
struct CommandSpec {
  std::string path;         // the command words, space-separated
  std::string summary;      // one line, for the command lists
  std::string args;         // the positionals in the usage line, e.g. "LINK"
  std::string description;  // more help (may be empty)
  std::vector<FlagSpec> flags;
  int min_args = 0;
  int max_args = 0;         // -1: any number
  bool needs_server = true;
  std::function<absl::Status(Invocation&)> run;
};

// The flags every command accepts.
[[nodiscard]] const std::vector<FlagSpec>& GlobalFlags();

// A command being run.
struct Invocation {
  const CommandSpec* command = nullptr;
  ParsedArgs args;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool json = false;
  client::ClientOptions client_options;
  std::string account;  // --account or INVITEGATE_ACCOUNT; may be empty

  // Connects on first use.
  [[nodiscard]] absl::StatusOr<client::Client*> Client();

  // "accounts/{account}", or a usage error when no account was given.
  [[nodiscard]] absl::StatusOr<std::string> AccountName() const;
  // The chat: --chat (or `value` when not empty) as a username, Bot API id or full resource
  // name ("accounts/a/chats/c", which also fixes the account).
  [[nodiscard]] absl::StatusOr<std::string> ChatName(const std::string& value = "") const;
  // An invite link's resource name from a full name, a URL ("https://t.me/+HASH", ...) or a hash,
  // within ChatName() unless the full name is given.
  [[nodiscard]] absl::StatusOr<std::string> LinkName(const std::string& link) const;
  // A join request's name: accounts/{a}/chats/{c}/joinRequests/{user id}, or the full name.
  [[nodiscard]] absl::StatusOr<std::string> JoinRequestName(const std::string& user) const;

  // A usage error naming the command and pointing at its --help.
  [[nodiscard]] absl::Status Usage(const std::string& message) const;
  // A positive integer flag (empty: `fallback`).
  [[nodiscard]] absl::StatusOr<int64_t> IntFlag(const std::string& name, int64_t fallback) const;

 private:
  std::unique_ptr<client::Client> client_;
};

// The command groups, each in its own file.
void AddLinkCommands(std::vector<CommandSpec>& commands);
void AddRequestCommands(std::vector<CommandSpec>& commands);
void AddChatCommands(std::vector<CommandSpec>& commands);
void AddAccountCommands(std::vector<CommandSpec>& commands);
void AddHealthCommands(std::vector<CommandSpec>& commands);
void AddWatchCommand(std::vector<CommandSpec>& commands);
void AddParseLinkCommand(std::vector<CommandSpec>& commands);

// Runs the CLI (argv without the program name); returns the exit code.
[[nodiscard]] int RunCli(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace invitegate::cli

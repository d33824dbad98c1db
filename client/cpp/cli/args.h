// The CLI's small subcommand parser. Each command declares its flags (FlagSpec) and how many
// positional arguments it takes; ParseArgs splits a command line into the command words, flags and
// positionals. Flags are "--name=value", "--name value" or, for switches, "--name" alone (also
// "--name=true|false"); "--" ends the flags. absl::flags is process-global and has no notion of
// subcommands, hence this.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace invitegate::cli {

// One flag a command accepts.
struct FlagSpec {
  std::string name;        // without "--"
  std::string value_name;  // e.g. "CHAT"; empty for a switch (no value)
  std::string help;
  bool repeated = false;   // may be given several times
};

// The flags and positionals of one command line.
class ParsedArgs {
 public:
  [[nodiscard]] bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The (last) value, or `fallback` when the flag is absent.
  [[nodiscard]] std::string Get(const std::string& name, const std::string& fallback = "") const;
  [[nodiscard]] std::vector<std::string> GetAll(const std::string& name) const;
  // A switch: true when given bare or "=true"; nullopt when absent; a usage error for other text.
  [[nodiscard]] absl::StatusOr<std::optional<bool>> GetBool(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  void Add(const std::string& name, std::string value) { values_[name].push_back(std::move(value)); }
  void AddPositional(std::string value) { positional_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// A usage error (exit code 2): the message names what is wrong.
[[nodiscard]] absl::Status UsageError(const std::string& message);
[[nodiscard]] bool IsUsageError(const absl::Status& status);

// Parses `args` (no program name, no command words) against `specs`. "--help"/"-h" sets the
// "help" switch. Unknown flags, missing values and repeated single flags are usage errors.
[[nodiscard]] absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                                   const std::vector<FlagSpec>& specs);

// Splits off the leading command words: the non-flag words before the first flag-or-positional
// that is not a command word, as judged by `is_command_prefix` (true when the words so far name a
// command or group). Flags in `specs` that take a value consume the following word. Returns the
// command words; `rest` gets everything else in order.
[[nodiscard]] std::vector<std::string> SplitCommand(
    const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
    const std::function<bool(const std::vector<std::string>&)>& is_command_prefix,
    std::vector<std::string>* rest);

}  // namespace invitegate::cli

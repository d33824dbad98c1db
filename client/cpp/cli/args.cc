// See args.h.
#include "client/cpp/cli/args.h"

#include <functional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace invitegate::cli {
namespace {

constexpr char kUsagePayload[] = "invitegate.cli/usage";

const FlagSpec* Find(const std::vector<FlagSpec>& specs, const std::string& name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

std::string ParsedArgs::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<std::optional<bool>> ParsedArgs::GetBool(const std::string& name) const {
  if (!Has(name)) return std::optional<bool>();
  const std::string value = Get(name);
  if (value == "true" || value == "1" || value == "yes") return std::optional<bool>(true);
  if (value == "false" || value == "0" || value == "no") return std::optional<bool>(false);
  return UsageError(absl::StrCat("--", name, ": expected true or false, got \"", value, "\""));
}

absl::Status UsageError(const std::string& message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      parsed.AddPositional(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.Add("help", "true");
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      // "-5" is a number (a Bot API chat id), not a flag.
      if (arg.find_first_not_of("0123456789", 1) == std::string::npos) {
        parsed.AddPositional(arg);
        continue;
      }
      return UsageError(absl::StrCat("unknown flag ", arg, " (flags are written --name)"));
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) return UsageError(absl::StrCat("unknown flag --", name));
    if (!spec->repeated && parsed.Has(name)) {
      return UsageError(absl::StrCat("--", name, " given twice"));
    }
    if (eq != std::string::npos) {
      parsed.Add(name, arg.substr(eq + 1));
    } else if (spec->value_name.empty()) {
      parsed.Add(name, "true");
    } else if (i + 1 < args.size()) {
      parsed.Add(name, args[++i]);
    } else {
      return UsageError(absl::StrCat("--", name, " needs a value (", spec->value_name, ")"));
    }
  }
  return parsed;
}

std::vector<std::string> SplitCommand(
    const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
    const std::function<bool(const std::vector<std::string>&)>& is_command_prefix,
    std::vector<std::string>* rest) {
  std::vector<std::string> words;
  bool done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool is_flag = arg.size() > 1 && arg[0] == '-';
    if (done || arg == "--") {
      done = true;
      rest->push_back(arg);
      continue;
    }
    if (is_flag) {
      rest->push_back(arg);
      // A global flag given as "--name value" before the command: its value is no command word.
      if (arg.rfind("--", 0) == 0 && arg.find('=') == std::string::npos) {
        const FlagSpec* spec = Find(specs, arg.substr(2));
        if (spec != nullptr && !spec->value_name.empty() && i + 1 < args.size()) {
          rest->push_back(args[++i]);
        }
      }
      continue;
    }
    std::vector<std::string> candidate = words;
    candidate.push_back(arg);
    if (is_command_prefix(candidate)) {
      words = std::move(candidate);
    } else {
      done = true;
      rest->push_back(arg);
    }
  }
  return words;
}

}  // namespace invitegate::cli

#include "mtproto/emulator/faults.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mtproto::emulator {
namespace {

bool Matches(const std::string& rule_method, std::string_view method) {
  return rule_method == "*" || rule_method == method;
}

bool IsPhoneSignIn(std::string_view method) {
  return method == "auth.sendCode" || method == "auth.signIn" || method == "auth.signUp" ||
         method == "auth.resendCode";
}

}  // namespace

absl::StatusOr<FloodWaitRule> ParseFloodWaitRule(std::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(std::string(text), ':');
  FloodWaitRule rule;
  if ((parts.size() != 2 && parts.size() != 3) || parts[0].empty() ||
      !absl::SimpleAtoi(parts[1], &rule.seconds) || rule.seconds < 0 ||
      (parts.size() == 3 && !absl::SimpleAtoi(parts[2], &rule.count))) {
    return absl::InvalidArgumentError(
        absl::StrCat("flood wait \"", std::string(text), "\": want METHOD:SECONDS[:COUNT]"));
  }
  rule.method = parts[0];
  return rule;
}

absl::StatusOr<MigrateRule> ParseMigrateRule(std::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(std::string(text), ':');
  MigrateRule rule;
  if ((parts.size() != 2 && parts.size() != 3) || parts[0].empty() ||
      !absl::SimpleAtoi(parts[1], &rule.dc) || rule.dc <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("migrate \"", std::string(text), "\": want METHOD:DC[:ERROR_NAME]"));
  }
  rule.method = parts[0];
  if (parts.size() == 3) rule.error = parts[2];
  return rule;
}

std::optional<std::string> RpcFaults::Migrate(std::string_view method, int dc_id,
                                              bool signed_in) const {
  for (const MigrateRule& rule : faults_.migrate) {
    // Never send a client to the DC it is on: that would loop forever.
    if (!Matches(rule.method, method) || rule.dc == dc_id) continue;
    std::string name = rule.error;
    if (name.empty()) {
      name = IsPhoneSignIn(method) ? "PHONE_MIGRATE" : signed_in ? "USER_MIGRATE" : "NETWORK_MIGRATE";
    }
    return absl::StrCat(name, "_", rule.dc);
  }
  return std::nullopt;
}

std::optional<std::string> RpcFaults::FloodWait(std::string_view method) {
  for (size_t i = 0; i < faults_.flood_wait.size(); ++i) {
    const FloodWaitRule& rule = faults_.flood_wait[i];
    if (!Matches(rule.method, method)) continue;
    int& used = flood_used_[i];
    if (rule.count >= 0 && used >= rule.count) continue;
    ++used;
    return absl::StrCat("FLOOD_WAIT_", rule.seconds);
  }
  return std::nullopt;
}

std::chrono::milliseconds RpcFaults::Delay(std::string_view method) const {
  if (faults_.delay.count() <= 0) return std::chrono::milliseconds(0);
  if (faults_.delay_methods.empty()) return faults_.delay;
  const bool listed =
      std::any_of(faults_.delay_methods.begin(), faults_.delay_methods.end(),
                  [&](const std::string& m) { return Matches(m, method); });
  return listed ? faults_.delay : std::chrono::milliseconds(0);
}

ConnectionFaultActions ConnectionFaults::OnMessage(bool content) {
  ConnectionFaultActions actions;
  ++received_;
  if (faults_.drop_after_messages > 0 && received_ > faults_.drop_after_messages) {
    actions.drop = true;
    return actions;
  }
  if (faults_.rotate_salt_after_messages > 0 &&
      received_ % faults_.rotate_salt_after_messages == 0) {
    actions.rotate_salt = true;
  }
  if (content && faults_.bad_msg_notification_code && !bad_msg_sent_) {
    bad_msg_sent_ = true;
    actions.bad_msg_notification_code = faults_.bad_msg_notification_code;
  }
  return actions;
}

}  // namespace mtproto::emulator

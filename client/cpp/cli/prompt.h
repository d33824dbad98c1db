// Asking the person at the terminal: the login code and the 2FA password. Reads /dev/tty, not
// stdin, so `login` works inside pipes; the password is read with echo off.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace invitegate::cli {

// Shows `question` and reads one line from the terminal (echo off when `secret`). A
// FAILED_PRECONDITION error when there is no terminal.
[[nodiscard]] absl::StatusOr<std::string> Prompt(const std::string& question, bool secret);

}  // namespace invitegate::cli

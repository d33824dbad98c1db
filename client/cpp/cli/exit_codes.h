// The CLI's exit codes, one per class of gRPC status, so scripts can branch on them. Listed in
// `invitegate --help`; keep the two in step.
#pragma once

#include "absl/status/status.h"

namespace invitegate::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,               // anything else (INTERNAL, UNKNOWN, DATA_LOSS, local I/O)
  kExitUsage = 2,               // bad command line (nothing was sent)
  kExitNotFound = 3,            // NOT_FOUND
  kExitPermission = 4,          // UNAUTHENTICATED, PERMISSION_DENIED
  kExitFailedPrecondition = 5,  // FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED, OUT_OF_RANGE
  kExitResourceExhausted = 6,   // RESOURCE_EXHAUSTED (FLOOD_WAIT: see the retry delay)
  kExitInvalidArgument = 7,     // INVALID_ARGUMENT from the server (see the field violations)
  kExitUnavailable = 8,         // UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED: try again
  kExitUnimplemented = 9,       // UNIMPLEMENTED
};

// The exit code for a command's final status (usage errors: kExitUsage).
[[nodiscard]] int ExitCodeFor(const absl::Status& status);

inline constexpr char kExitCodesHelp[] = R"(Exit codes:
  0  ok
  1  other error (internal, unknown, local I/O)
  2  usage error (bad command line; nothing was sent)
  3  not found (NOT_FOUND)
  4  not allowed (UNAUTHENTICATED, PERMISSION_DENIED)
  5  failed precondition (FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED, OUT_OF_RANGE)
  6  resource exhausted (RESOURCE_EXHAUSTED, e.g. FLOOD_WAIT: the message gives the retry delay)
  7  invalid argument (INVALID_ARGUMENT from the server: the message names each field)
  8  unavailable (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED: try again)
  9  unimplemented (UNIMPLEMENTED)
)";

}  // namespace invitegate::cli

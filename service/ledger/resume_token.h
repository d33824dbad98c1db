// service/ledger — resume tokens: the opaque strings a stream subscriber keeps to continue after
// a disconnect (the idea of etcd's watch revision). A token names one ledger (its id, chosen when
// the database was created, so a token from a replaced database is not silently misapplied) and
// a sequence: "everything up to and including this sequence was delivered or filtered out".
//
// Format (version 1): web-safe base64 without padding of
//   version (1 byte = 1) | ledger_id (8 bytes, big endian) | sequence (8 bytes, big endian) |
//   crc32 of the preceding 17 bytes (4 bytes, big endian)
// The checksum catches truncation and typos, not forgery: a token grants nothing (the caller's
// bearer token decides what it may read), it only positions a stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace invitegate::ledger {

// Where a subscriber stands in one ledger.
struct ResumePosition {
  uint64_t ledger_id = 0;
  uint64_t sequence = 0;  // the last sequence covered; the next event to deliver is sequence + 1

  bool operator==(const ResumePosition&) const = default;
};

std::string EncodeResumeToken(const ResumePosition& position);

// Pure and total: anything that is not a well-formed version-1 token (bad base64, wrong length,
// unknown version, checksum mismatch, empty) is INVALID_ARGUMENT with a message saying which;
// never a crash. Whether the position is still available is the ledger's question (OUT_OF_RANGE).
[[nodiscard]] absl::StatusOr<ResumePosition> ParseResumeToken(std::string_view token);

}  // namespace invitegate::ledger

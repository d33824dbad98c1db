// Proof of work of the MTProto handshake: the client factors resPQ.pq into primes p < q; the
// server (our emulator) generates such a pq.
// Spec: https://core.telegram.org/mtproto/auth_key (steps 2 and 3)
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/random.h"

namespace mtproto::crypto {

// pq = p * q with p < q, both prime.
struct PqFactors {
  uint64_t p;
  uint64_t q;
};

// Factors pq (Pollard's rho with Brent's cycle detection; deterministic). Fails unless pq is
// the product of two distinct primes.
[[nodiscard]] absl::StatusOr<PqFactors> FactorizePq(uint64_t pq);
// The same for resPQ.pq as sent: a big-endian byte string of at most 8 bytes.
[[nodiscard]] absl::StatusOr<PqFactors> FactorizePq(ByteSpan pq_big_endian);

// A server-side challenge: two distinct random primes in [2^30, 2^31) (so pq < 2^62),
// as Telegram's servers send.
[[nodiscard]] PqFactors GeneratePq(RandomSource& random);

// Deterministic Miller-Rabin, exact for all 64-bit numbers.
[[nodiscard]] bool IsPrime64(uint64_t n);

// Minimal big-endian bytes of `value` (empty for 0), the form of req_DH_params.p/q and pq.
[[nodiscard]] Bytes ToBigEndian(uint64_t value);

}  // namespace mtproto::crypto

#include "mtproto/crypto/pq.h"

#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace mtproto::crypto {
namespace {

using U128 = unsigned __int128;

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<U128>(a) * b % m);
}

uint64_t PowMod(uint64_t base, uint64_t exponent, uint64_t m) {
  uint64_t result = 1 % m;
  base %= m;
  while (exponent != 0) {
    if (exponent & 1) result = MulMod(result, base, m);
    base = MulMod(base, base, m);
    exponent >>= 1;
  }
  return result;
}

// One run of Brent's variant of Pollard's rho with f(x) = x^2 + c. Returns a divisor of n,
// possibly n itself (then the caller tries another c).
uint64_t BrentRho(uint64_t n, uint64_t c) {
  constexpr uint64_t kBatch = 128;  // gcd once per batch of products
  uint64_t y = 2, x = 2, ys = 2, q = 1, g = 1;
  auto f = [n, c](uint64_t v) { return (MulMod(v, v, n) + c) % n; };
  for (uint64_t r = 1; g == 1; r <<= 1) {
    x = y;
    for (uint64_t i = 0; i < r; ++i) y = f(y);
    for (uint64_t k = 0; k < r && g == 1; k += kBatch) {
      ys = y;
      for (uint64_t i = 0; i < std::min(kBatch, r - k); ++i) {
        y = f(y);
        q = MulMod(q, x > y ? x - y : y - x, n);
      }
      g = std::gcd(q, n);
    }
  }
  if (g == n) {  // the batch overshot: step back one at a time from the saved point
    do {
      ys = f(ys);
      g = std::gcd(x > ys ? x - ys : ys - x, n);
    } while (g == 1);
  }
  return g;
}

}  // namespace

bool IsPrime64(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    if (n % p == 0) return n == p;
  }
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  // These bases decide primality for every n < 2^64.
  for (uint64_t a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    uint64_t x = PowMod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) {
      x = MulMod(x, x, n);
      if (x == n - 1) composite = false;
    }
    if (composite) return false;
  }
  return true;
}

absl::StatusOr<PqFactors> FactorizePq(uint64_t pq) {
  if (pq < 6 || IsPrime64(pq)) {
    return absl::InvalidArgumentError(absl::StrCat("pq = ", pq, " is not a product of 2 primes"));
  }
  uint64_t divisor = pq % 2 == 0 ? 2 : pq;
  for (uint64_t c = 1; divisor == pq && c < 64; ++c) divisor = BrentRho(pq, c);
  if (divisor == pq) return absl::InternalError(absl::StrCat("could not factor pq = ", pq));
  const uint64_t other = pq / divisor;
  PqFactors factors{std::min(divisor, other), std::max(divisor, other)};
  if (factors.p == factors.q || !IsPrime64(factors.p) || !IsPrime64(factors.q)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pq = ", pq, " is not a product of two distinct primes"));
  }
  return factors;
}

absl::StatusOr<PqFactors> FactorizePq(ByteSpan pq_big_endian) {
  if (pq_big_endian.empty() || pq_big_endian.size() > 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("pq must be 1 to 8 bytes, got ", pq_big_endian.size()));
  }
  uint64_t pq = 0;
  for (uint8_t byte : pq_big_endian) pq = (pq << 8) | byte;
  return FactorizePq(pq);
}

PqFactors GeneratePq(RandomSource& random) {
  // Top two bits forced to 01 and odd: a candidate in [2^30, 2^31), so any product is < 2^62.
  auto random_prime = [&random]() {
    while (true) {
      uint8_t bytes[4];
      random.Fill(bytes);
      const uint64_t candidate = ((uint64_t{bytes[0]} << 24 | uint64_t{bytes[1]} << 16 |
                                   uint64_t{bytes[2]} << 8 | bytes[3]) &
                                  0x3FFFFFFFULL) |
                                 0x40000001ULL;
      if (IsPrime64(candidate)) return candidate;
    }
  };
  const uint64_t a = random_prime();
  uint64_t b = random_prime();
  while (b == a) b = random_prime();
  return PqFactors{std::min(a, b), std::max(a, b)};
}

Bytes ToBigEndian(uint64_t value) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const uint8_t byte = static_cast<uint8_t>(value >> shift);
    if (!out.empty() || byte != 0) out.push_back(byte);
  }
  return out;
}

}  // namespace mtproto::crypto

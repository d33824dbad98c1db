#include "mtproto/crypto/dh.h"

#include <openssl/bn.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "mtproto/crypto/openssl_util.h"

namespace mtproto::crypto {
namespace {

using internal::BnPtr;
using internal::CheckOpenSsl;

BnPtr NewBn() {
  BnPtr bn(BN_new());
  CheckOpenSsl(bn != nullptr, "BN_new");
  return bn;
}

// The big-endian bytes without leading zeros.
ByteSpan StripLeadingZeros(ByteSpan bytes) {
  size_t skip = 0;
  while (skip < bytes.size() && bytes[skip] == 0) ++skip;
  return bytes.subspan(skip);
}

bool Is2048Bit(ByteSpan p) {
  const ByteSpan stripped = StripLeadingZeros(p);
  return stripped.size() == 256 && (stripped[0] & 0x80) != 0;
}

absl::Status CheckGenerator(const BIGNUM* p, int g) {
  auto mod = [p](BN_ULONG m) { return BN_mod_word(p, m); };
  bool ok = false;
  switch (g) {
    case 2:
      ok = mod(8) == 7;
      break;
    case 3:
      ok = mod(3) == 2;
      break;
    case 4:
      ok = true;
      break;
    case 5:
      ok = mod(5) == 1 || mod(5) == 4;
      break;
    case 6:
      ok = mod(24) == 19 || mod(24) == 23;
      break;
    case 7:
      ok = mod(7) == 3 || mod(7) == 5 || mod(7) == 6;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("DH generator g = ", g, " is not in 2..7"));
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DH generator g = ", g, " does not generate the prime-order subgroup of dh_prime"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSafePrime2048(ByteSpan p) {
  if (!Is2048Bit(p)) return absl::InvalidArgumentError("dh_prime is not a 2048-bit number");
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr prime = internal::BnFromBytes(p);
  const int prime_check = BN_check_prime(prime.get(), ctx.get(), nullptr);
  CheckOpenSsl(prime_check >= 0, "BN_check_prime");
  if (prime_check != 1) return absl::InvalidArgumentError("dh_prime is not prime");
  BnPtr half = NewBn();
  CheckOpenSsl(BN_rshift1(half.get(), prime.get()) == 1, "BN_rshift1");  // (p-1)/2 for odd p
  const int half_check = BN_check_prime(half.get(), ctx.get(), nullptr);
  CheckOpenSsl(half_check >= 0, "BN_check_prime");
  if (half_check != 1) return absl::InvalidArgumentError("(dh_prime - 1) / 2 is not prime");
  return absl::OkStatus();
}

absl::Status CheckDhParams(ByteSpan dh_prime, int g) {
  if (!Is2048Bit(dh_prime)) return absl::InvalidArgumentError("dh_prime is not 2048 bits");
  BnPtr p = internal::BnFromBytes(dh_prime);
  if (absl::Status status = CheckGenerator(p.get(), g); !status.ok()) return status;
  const ByteSpan stripped = StripLeadingZeros(dh_prime);
  if (std::equal(stripped.begin(), stripped.end(), kTelegramDhPrime.begin(),
                 kTelegramDhPrime.end())) {
    return absl::OkStatus();
  }
  return CheckSafePrime2048(dh_prime);
}

absl::Status CheckDhPublicValue(ByteSpan value, ByteSpan dh_prime) {
  BnPtr p = internal::BnFromBytes(dh_prime);
  BnPtr v = internal::BnFromBytes(value);
  BnPtr margin = NewBn();
  CheckOpenSsl(
      BN_set_word(margin.get(), 1) == 1 && BN_lshift(margin.get(), margin.get(), 2048 - 64),
      "BN_lshift");
  BnPtr upper = NewBn();  // dh_prime - 2^(2048-64)
  CheckOpenSsl(BN_sub(upper.get(), p.get(), margin.get()) == 1, "BN_sub");
  // The margin also implies 1 < value < dh_prime - 1.
  if (BN_cmp(v.get(), margin.get()) < 0 || BN_cmp(v.get(), upper.get()) > 0) {
    return absl::InvalidArgumentError(
        "DH value is not within [2^1984, dh_prime - 2^1984] as the security guidelines require");
  }
  return absl::OkStatus();
}

absl::StatusOr<Bytes> ModExp(ByteSpan base, ByteSpan exponent, ByteSpan modulus) {
  BnPtr m = internal::BnFromBytes(modulus);
  if (BN_is_zero(m.get())) return absl::InvalidArgumentError("modulus is zero");
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr b = internal::BnFromBytes(base);
  BnPtr e = internal::BnFromBytes(exponent);
  // Exponents here are secrets (a, b, SRP's a + u*x): use the constant-time ladder when the
  // modulus allows it (odd).
  if (BN_is_odd(m.get())) BN_set_flags(e.get(), BN_FLG_CONSTTIME);
  BnPtr r = NewBn();
  CheckOpenSsl(BN_mod_exp(r.get(), b.get(), e.get(), m.get(), ctx.get()) == 1, "BN_mod_exp");
  return internal::BnToBytes(r.get(), modulus.size());
}

}  // namespace mtproto::crypto

// SRP-2048 of Telegram's two-step verification (2FA), algorithm
// passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow: the client's proof
// (InputCheckPasswordSRP A and M1) and the server side our emulator needs (password verifier v,
// srp_B, checking A/M1). Randomness (a, b) is supplied by the caller.
// Spec: https://core.telegram.org/api/srp
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/crypto/bytes.h"
#include "mtproto/crypto/hash.h"
#include "mtproto/crypto/random.h"

namespace mtproto::crypto {

// The KDF parameters of passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow.
struct SrpAlgo {
  Bytes salt1;
  Bytes salt2;
  int g = 0;
  Bytes p;  // big-endian 2048-bit safe prime
};

// The client's proof: InputCheckPasswordSRP.A (256 bytes) and .M1.
struct SrpCheck {
  Bytes a_pub;
  Sha256Digest m1;
};

// x = PH2(password, salt1, salt2):
// SH(PBKDF2-HMAC-SHA512(SH(SH(password, salt1), salt2), salt1, 100000), salt2),
// with SH(data, salt) = SHA256(salt + data + salt). Takes ~0.1 s by design.
[[nodiscard]] Sha256Digest SrpPasswordHash(std::string_view password, ByteSpan salt1,
                                           ByteSpan salt2);

// The client side: from the password, the algo, srp_B and a random 256-byte secret `a`,
// computes A = g^a and M1. Fails for bad p/g, an out-of-range srp_B, or an `a` that yields an
// unusable A or u = 0 (then draw another `a`).
[[nodiscard]] absl::StatusOr<SrpCheck> ComputeSrpCheck(std::string_view password,
                                                       const SrpAlgo& algo, ByteSpan srp_b,
                                                       ByteSpan a_secret);

// Setting a password: v = g^x mod p (256 bytes), sent as new_password_hash and stored by the
// server. `algo` should carry the new salts (see ExtendSrpSalt1).
[[nodiscard]] absl::StatusOr<Bytes> ComputeSrpVerifier(std::string_view password,
                                                       const SrpAlgo& algo);

// A client setting a new password appends 32 random bytes to the server's new_salt1.
[[nodiscard]] Bytes ExtendSrpSalt1(ByteSpan server_salt1, RandomSource& random);

// The server side of one login attempt: holds v and the secret b, publishes srp_B and checks
// the client's A/M1 against them.
class SrpVerifier {
 public:
  // B = (k*v + g^b) mod p with k = SHA256(p + g). Fails for bad p/g or a `b` that yields an
  // unusable g^b (draw another).
  [[nodiscard]] static absl::StatusOr<SrpVerifier> Create(SrpAlgo algo, ByteSpan verifier_v,
                                                          ByteSpan b_secret);

  // srp_B to send in account.password (256 bytes).
  [[nodiscard]] const Bytes& srp_b() const { return b_pub_; }

  // OK if the client knew the password; PermissionDenied if M1 does not match, InvalidArgument
  // for a malformed A.
  [[nodiscard]] absl::Status Verify(ByteSpan a_pub, ByteSpan m1) const;

 private:
  SrpVerifier(SrpAlgo algo, Bytes v, Bytes b, Bytes b_pub)
      : algo_(std::move(algo)), v_(std::move(v)), b_(std::move(b)), b_pub_(std::move(b_pub)) {}

  SrpAlgo algo_;
  Bytes v_;
  Bytes b_;
  Bytes b_pub_;
};

}  // namespace mtproto::crypto

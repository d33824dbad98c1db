// The server side of two-step verification: account.password for a user (SRP-2048 with
// Telegram's prime and g = 3), the srp_id of each login attempt, and the check of the client's
// A/M1 in auth.checkPassword. Also remembers which auth keys passed the login code of a 2FA user
// and now owe the password (after SESSION_PASSWORD_NEEDED). All of it lives in memory: after an
// emulator restart a client repeats account.getPassword.
// Spec: https://core.telegram.org/api/srp
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "absl/status/statusor.h"
#include "mtproto/crypto/random.h"
#include "mtproto/crypto/srp.h"
#include "mtproto/emulator/world.h"
#include "mtproto/tl/api.h"

namespace mtproto::emulator {

// See the file comment. Not thread-safe.
class PasswordService {
 public:
  explicit PasswordService(crypto::RandomSource& random) : random_(random) {}

  // account.password for `user`. With a password, starts a new SRP attempt for `auth_key_id`
  // (a fresh srp_B and srp_id; any earlier attempt of that key becomes stale).
  [[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::account_password>> GetPassword(
      int64_t auth_key_id, const WorldUser& user);

  enum class CheckResult { kOk, kSrpIdInvalid, kPasswordHashInvalid };
  // Checks the client's proof against the key's current attempt and consumes the attempt.
  CheckResult Check(int64_t auth_key_id, const WorldUser& user, int64_t srp_id,
                    crypto::ByteSpan a_pub, crypto::ByteSpan m1);

  // The 2FA user whose password `auth_key_id` still owes.
  void SetPending(int64_t auth_key_id, int64_t user_id) { pending_[auth_key_id] = user_id; }
  std::optional<int64_t> Pending(int64_t auth_key_id) const;
  void ClearPending(int64_t auth_key_id) { pending_.erase(auth_key_id); }

  // The algo parameters a user's verifier was made with (tests drive the client side with it).
  [[nodiscard]] absl::StatusOr<crypto::SrpAlgo> AlgoFor(const WorldUser& user);

 private:
  struct Secret {
    crypto::SrpAlgo algo;
    crypto::Bytes verifier;  // v = g^x mod p
  };
  struct Attempt {
    int64_t srp_id;
    int64_t user_id;
    crypto::SrpVerifier verifier;
  };

  absl::StatusOr<const Secret*> SecretFor(const WorldUser& user);
  tl::ObjectPtr<tl::api::PasswordKdfAlgo> AlgoObject(const crypto::SrpAlgo& algo) const;

  crypto::RandomSource& random_;
  std::map<int64_t, Secret> secrets_;    // by user id; computing v takes ~0.1 s, so keep it
  std::map<int64_t, Attempt> attempts_;  // by auth key id
  std::map<int64_t, int64_t> pending_;   // auth key id → user id
};

}  // namespace mtproto::emulator

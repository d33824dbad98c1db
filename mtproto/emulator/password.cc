#include "mtproto/emulator/password.h"

#include <cstring>
#include <string>

#include "mtproto/crypto/dh.h"

namespace mtproto::emulator {
namespace {

constexpr int kSrpG = 3;  // Telegram's g for SRP with its 2048-bit prime
constexpr int kMaxSecretDraws = 8;

std::string ToString(crypto::ByteSpan bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

int64_t RandomId(crypto::RandomSource& random) {
  int64_t id = 0;
  while (id == 0) {
    const crypto::Bytes bytes = random.Generate(8);
    std::memcpy(&id, bytes.data(), 8);
  }
  return id;
}

}  // namespace

std::optional<int64_t> PasswordService::Pending(int64_t auth_key_id) const {
  auto it = pending_.find(auth_key_id);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<const PasswordService::Secret*> PasswordService::SecretFor(const WorldUser& user) {
  auto it = secrets_.find(user.id);
  if (it != secrets_.end()) return &it->second;
  crypto::SrpAlgo algo;
  // Like Telegram: the current salt1 is the account's 8-byte server part plus the 32 bytes a
  // client appended when setting the password.
  algo.salt1 = random_.Generate(40);
  algo.salt2 = random_.Generate(16);
  algo.g = kSrpG;
  algo.p.assign(crypto::kTelegramDhPrime.begin(), crypto::kTelegramDhPrime.end());
  absl::StatusOr<crypto::Bytes> verifier = crypto::ComputeSrpVerifier(*user.password, algo);
  if (!verifier.ok()) return verifier.status();
  auto [inserted, _] = secrets_.emplace(user.id, Secret{std::move(algo), *std::move(verifier)});
  return &inserted->second;
}

absl::StatusOr<crypto::SrpAlgo> PasswordService::AlgoFor(const WorldUser& user) {
  if (!user.password) return absl::FailedPreconditionError("the user has no password");
  absl::StatusOr<const Secret*> secret = SecretFor(user);
  if (!secret.ok()) return secret.status();
  return (*secret)->algo;
}

tl::ObjectPtr<tl::api::PasswordKdfAlgo> PasswordService::AlgoObject(
    const crypto::SrpAlgo& algo) const {
  auto object = std::make_unique<
      tl::api::passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow>();
  object->salt1 = ToString(algo.salt1);
  object->salt2 = ToString(algo.salt2);
  object->g = algo.g;
  object->p = ToString(algo.p);
  return object;
}

absl::StatusOr<tl::ObjectPtr<tl::api::account_password>> PasswordService::GetPassword(
    int64_t auth_key_id, const WorldUser& user) {
  auto password = std::make_unique<tl::api::account_password>();
  crypto::SrpAlgo new_algo;
  new_algo.salt1 = random_.Generate(8);  // the client appends 32 random bytes of its own
  new_algo.salt2 = random_.Generate(16);
  new_algo.g = kSrpG;
  new_algo.p.assign(crypto::kTelegramDhPrime.begin(), crypto::kTelegramDhPrime.end());
  if (user.password) {
    absl::StatusOr<const Secret*> secret = SecretFor(user);
    if (!secret.ok()) return secret.status();
    const Secret& s = **secret;
    new_algo.salt2 = s.algo.salt2;
    absl::StatusOr<crypto::SrpVerifier> verifier = absl::InternalError("no usable b drawn");
    for (int i = 0; i < kMaxSecretDraws && !verifier.ok(); ++i) {
      const crypto::Bytes b = random_.Generate(256);
      verifier = crypto::SrpVerifier::Create(s.algo, s.verifier, b);
    }
    if (!verifier.ok()) return verifier.status();
    const int64_t srp_id = RandomId(random_);
    password->has_password = true;
    password->current_algo = AlgoObject(s.algo);
    password->srp_B = ToString(verifier->srp_b());
    password->srp_id = srp_id;
    if (!user.password_hint.empty()) password->hint = user.password_hint;
    attempts_.insert_or_assign(auth_key_id, Attempt{srp_id, user.id, *std::move(verifier)});
  }
  password->new_algo = AlgoObject(new_algo);
  auto secure = std::make_unique<tl::api::securePasswordKdfAlgoPBKDF2HMACSHA512iter100000>();
  secure->salt = ToString(random_.Generate(8));
  password->new_secure_algo = std::move(secure);
  password->secure_random = ToString(random_.Generate(32));
  return password;
}

PasswordService::CheckResult PasswordService::Check(int64_t auth_key_id, const WorldUser& user,
                                                    int64_t srp_id, crypto::ByteSpan a_pub,
                                                    crypto::ByteSpan m1) {
  auto it = attempts_.find(auth_key_id);
  if (it == attempts_.end() || it->second.srp_id != srp_id || it->second.user_id != user.id) {
    return CheckResult::kSrpIdInvalid;
  }
  // One proof per srp_B: a client that got it wrong asks account.getPassword again.
  const absl::Status verified = it->second.verifier.Verify(a_pub, m1);
  attempts_.erase(it);
  return verified.ok() ? CheckResult::kOk : CheckResult::kPasswordHashInvalid;
}

}  // namespace mtproto::emulator

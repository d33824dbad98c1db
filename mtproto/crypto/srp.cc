#include "mtproto/crypto/srp.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <array>

#include "mtproto/crypto/dh.h"
#include "mtproto/crypto/openssl_util.h"

namespace mtproto::crypto {
namespace {

using internal::BnPtr;
using internal::CheckOpenSsl;

constexpr size_t kSrpSize = 256;  // numbers enter the hashes padded to 256 bytes
constexpr int kPbkdf2Iterations = 100000;

Sha256Digest SaltedHash(ByteSpan data, ByteSpan salt) { return Sha256({salt, data, salt}); }

BnPtr NewBn() {
  BnPtr bn(BN_new());
  CheckOpenSsl(bn != nullptr, "BN_new");
  return bn;
}

Bytes Pad(const BIGNUM* bn) { return internal::BnToBytes(bn, kSrpSize); }
Bytes PadBytes(ByteSpan big_endian) { return Pad(internal::BnFromBytes(big_endian).get()); }

// Values every SRP computation needs: p, g, k = H(p + g) as numbers and p, g padded.
struct Group {
  BnPtr p;
  BnPtr g;
  BnPtr k;
  Bytes p_bytes;
  Bytes g_bytes;
};

absl::StatusOr<Group> MakeGroup(const SrpAlgo& algo) {
  if (absl::Status status = CheckDhParams(algo.p, algo.g); !status.ok()) return status;
  Group group;
  group.p = internal::BnFromBytes(algo.p);
  group.g = NewBn();
  CheckOpenSsl(BN_set_word(group.g.get(), static_cast<BN_ULONG>(algo.g)) == 1, "BN_set_word");
  group.p_bytes = Pad(group.p.get());
  group.g_bytes = Pad(group.g.get());
  group.k = internal::BnFromBytes(Sha256({group.p_bytes, group.g_bytes}));
  return group;
}

// M1 = H(H(p) xor H(g) + H(salt1) + H(salt2) + A + B + H(S)).
Sha256Digest ComputeM1(const Group& group, const SrpAlgo& algo, ByteSpan a_pub, ByteSpan b_pub,
                       const BIGNUM* s) {
  const Sha256Digest hp = Sha256(group.p_bytes);
  const Sha256Digest hg = Sha256(group.g_bytes);
  Sha256Digest hp_xor_hg;
  for (size_t i = 0; i < hp.size(); ++i) hp_xor_hg[i] = hp[i] ^ hg[i];
  const Sha256Digest k = Sha256(Pad(s));
  return Sha256({hp_xor_hg, Sha256(algo.salt1), Sha256(algo.salt2), a_pub, b_pub, k});
}

}  // namespace

Sha256Digest SrpPasswordHash(std::string_view password, ByteSpan salt1, ByteSpan salt2) {
  const ByteSpan password_bytes(reinterpret_cast<const uint8_t*>(password.data()), password.size());
  const Sha256Digest ph1 = SaltedHash(SaltedHash(password_bytes, salt1), salt2);
  // Cannot fail: the iteration count is a valid constant.
  const Sha512Digest stretched = *Pbkdf2HmacSha512(ph1, salt1, kPbkdf2Iterations);
  return SaltedHash(stretched, salt2);
}

absl::StatusOr<SrpCheck> ComputeSrpCheck(std::string_view password, const SrpAlgo& algo,
                                         ByteSpan srp_b, ByteSpan a_secret) {
  absl::StatusOr<Group> group = MakeGroup(algo);
  if (!group.ok()) return group.status();
  const BIGNUM* p = group->p.get();
  internal::BnCtxPtr ctx = internal::NewBnCtx();

  BnPtr b_pub = internal::BnFromBytes(srp_b);
  if (BN_is_zero(b_pub.get()) || BN_cmp(b_pub.get(), p) >= 0) {
    return absl::InvalidArgumentError("srp_B is not in (0, p)");
  }
  const Bytes b_bytes = Pad(b_pub.get());

  absl::StatusOr<Bytes> a_pub = ModExp(group->g_bytes, a_secret, algo.p);
  if (!a_pub.ok()) return a_pub.status();
  if (absl::Status status = CheckDhPublicValue(*a_pub, algo.p); !status.ok()) {
    return absl::InvalidArgumentError("the secret a gives an unsafe A; draw another");
  }
  a_pub = PadBytes(*a_pub);
  BnPtr u = internal::BnFromBytes(Sha256({*a_pub, b_bytes}));
  if (BN_is_zero(u.get())) return absl::InvalidArgumentError("u = 0; draw another a");

  const Sha256Digest x_bytes = SrpPasswordHash(password, algo.salt1, algo.salt2);
  BnPtr x = internal::BnFromBytes(x_bytes);
  BnPtr v = NewBn();
  BnPtr kv = NewBn();
  BnPtr t = NewBn();  // g^b = B - k*v mod p
  CheckOpenSsl(BN_mod_exp(v.get(), group->g.get(), x.get(), p, ctx.get()) == 1 &&
                   BN_mod_mul(kv.get(), group->k.get(), v.get(), p, ctx.get()) == 1 &&
                   BN_mod_sub(t.get(), b_pub.get(), kv.get(), p, ctx.get()) == 1,
               "SRP client arithmetic");
  if (absl::Status status = CheckDhPublicValue(Pad(t.get()), algo.p); !status.ok()) {
    return absl::InvalidArgumentError("srp_B gives an unsafe g^b");
  }
  BnPtr exponent = NewBn();  // a + u*x
  BnPtr a = internal::BnFromBytes(a_secret);
  CheckOpenSsl(BN_mul(exponent.get(), u.get(), x.get(), ctx.get()) == 1 &&
                   BN_add(exponent.get(), exponent.get(), a.get()) == 1,
               "SRP exponent");
  absl::StatusOr<Bytes> s = ModExp(
      Pad(t.get()), internal::BnToBytes(exponent.get(), BN_num_bytes(exponent.get())), algo.p);
  if (!s.ok()) return s.status();
  SrpCheck check;
  check.m1 = ComputeM1(*group, algo, *a_pub, b_bytes, internal::BnFromBytes(*s).get());
  check.a_pub = *std::move(a_pub);
  return check;
}

absl::StatusOr<Bytes> ComputeSrpVerifier(std::string_view password, const SrpAlgo& algo) {
  absl::StatusOr<Group> group = MakeGroup(algo);
  if (!group.ok()) return group.status();
  const Sha256Digest x = SrpPasswordHash(password, algo.salt1, algo.salt2);
  return ModExp(group->g_bytes, x, algo.p);
}

Bytes ExtendSrpSalt1(ByteSpan server_salt1, RandomSource& random) {
  Bytes salt(server_salt1.begin(), server_salt1.end());
  const Bytes extra = random.Generate(32);
  salt.insert(salt.end(), extra.begin(), extra.end());
  return salt;
}

absl::StatusOr<SrpVerifier> SrpVerifier::Create(SrpAlgo algo, ByteSpan verifier_v,
                                                ByteSpan b_secret) {
  absl::StatusOr<Group> group = MakeGroup(algo);
  if (!group.ok()) return group.status();
  const BIGNUM* p = group->p.get();
  BnPtr v = internal::BnFromBytes(verifier_v);
  if (BN_is_zero(v.get()) || BN_cmp(v.get(), p) >= 0) {
    return absl::InvalidArgumentError("verifier v is not in (0, p)");
  }
  absl::StatusOr<Bytes> g_b = ModExp(group->g_bytes, b_secret, algo.p);
  if (!g_b.ok()) return g_b.status();
  if (absl::Status status = CheckDhPublicValue(*g_b, algo.p); !status.ok()) {
    return absl::InvalidArgumentError("the secret b gives an unsafe g^b; draw another");
  }
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr kv = NewBn();
  BnPtr b_pub = NewBn();
  CheckOpenSsl(
      BN_mod_mul(kv.get(), group->k.get(), v.get(), p, ctx.get()) == 1 &&
          BN_mod_add(b_pub.get(), kv.get(), internal::BnFromBytes(*g_b).get(), p, ctx.get()) == 1,
      "SRP server arithmetic");
  if (BN_is_zero(b_pub.get())) return absl::InvalidArgumentError("B = 0; draw another b");
  Bytes v_bytes = Pad(v.get());
  Bytes b_bytes(b_secret.begin(), b_secret.end());
  Bytes b_pub_bytes = Pad(b_pub.get());
  return SrpVerifier(std::move(algo), std::move(v_bytes), std::move(b_bytes),
                     std::move(b_pub_bytes));
}

absl::Status SrpVerifier::Verify(ByteSpan a_pub, ByteSpan m1) const {
  if (a_pub.size() > kSrpSize || m1.size() != 32) {
    return absl::InvalidArgumentError("A or M1 has the wrong size");
  }
  if (absl::Status status = CheckDhPublicValue(a_pub, algo_.p); !status.ok()) {
    return absl::InvalidArgumentError("A is out of the safe range");
  }
  absl::StatusOr<Group> group = MakeGroup(algo_);
  if (!group.ok()) return group.status();
  const Bytes a_bytes = PadBytes(a_pub);
  BnPtr u = internal::BnFromBytes(Sha256({a_bytes, b_pub_}));
  if (BN_is_zero(u.get())) return absl::InvalidArgumentError("u = 0");
  // S = (A * v^u)^b mod p
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  const BIGNUM* p = group->p.get();
  BnPtr base = NewBn();
  CheckOpenSsl(
      BN_mod_exp(base.get(), internal::BnFromBytes(v_).get(), u.get(), p, ctx.get()) == 1 &&
          BN_mod_mul(base.get(), base.get(), internal::BnFromBytes(a_bytes).get(), p, ctx.get()) ==
              1,
      "SRP verifier arithmetic");
  absl::StatusOr<Bytes> s = ModExp(Pad(base.get()), b_, algo_.p);
  if (!s.ok()) return s.status();
  const Sha256Digest expected =
      ComputeM1(*group, algo_, a_bytes, b_pub_, internal::BnFromBytes(*s).get());
  if (CRYPTO_memcmp(expected.data(), m1.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("SRP check failed: M1 does not match (wrong password)");
  }
  return absl::OkStatus();
}

}  // namespace mtproto::crypto

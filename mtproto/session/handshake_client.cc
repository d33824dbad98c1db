// The client side of https://core.telegram.org/mtproto/auth_key.
#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mtproto/crypto/dh.h"
#include "mtproto/crypto/hash.h"
#include "mtproto/crypto/pq.h"
#include "mtproto/session/envelope.h"
#include "mtproto/session/handshake.h"
#include "mtproto/session/handshake_util.h"

namespace mtproto::session {
namespace {

namespace mt = tl::mt;
using internal::AsChars;

template <typename T>
const T* As(const tl::Object& object) {
  return object.ConstructorId() == T::kId ? static_cast<const T*>(&object) : nullptr;
}

absl::Status Unexpected(const tl::Object& answer) {
  return absl::InvalidArgumentError("unexpected handshake answer: " + answer.ToString());
}

}  // namespace

ClientHandshake::ClientHandshake(Options options, crypto::RandomSource& random)
    : options_(std::move(options)), random_(random) {}

std::string ClientHandshake::Plain(const tl::Object& request, UnixTime now) {
  tl::Writer body;
  request.StoreBoxed(body);
  return PackPlain(ids_.Next(now), body.data());
}

std::string ClientHandshake::Start(UnixTime now) {
  random_.Fill(nonce_);
  state_ = State::kAwaitingResPq;
  mt::req_pq_multi request;
  request.nonce = nonce_;
  return Plain(request, now);
}

absl::StatusOr<std::string> ClientHandshake::OnPacket(std::string_view packet, UnixTime now) {
  absl::StatusOr<tl::ObjectPtr<tl::Object>> answer = internal::ReadPlainObject(packet);
  if (!answer.ok()) return answer.status();
  switch (state_) {
    case State::kAwaitingResPq:
      return OnResPq(**answer, now);
    case State::kAwaitingDhParams:
      return OnServerDhParams(**answer, now);
    case State::kAwaitingDhGen:
      return OnDhGen(**answer, now);
    default:
      return absl::FailedPreconditionError("handshake is not awaiting a packet");
  }
}

absl::StatusOr<std::string> ClientHandshake::OnResPq(const tl::Object& answer, UnixTime now) {
  const auto* res_pq = As<mt::resPQ>(answer);
  if (res_pq == nullptr) return Unexpected(answer);
  if (res_pq->nonce != nonce_) return absl::InvalidArgumentError("resPQ nonce mismatch");
  const crypto::RsaPublicKey* key = nullptr;
  for (int64_t fingerprint : res_pq->server_public_key_fingerprints) {
    for (const auto& candidate : options_.server_keys) {
      if (candidate.Fingerprint() == static_cast<uint64_t>(fingerprint)) key = &candidate;
    }
  }
  if (key == nullptr) return absl::NotFoundError("the server offers no RSA key we know");
  absl::StatusOr<crypto::PqFactors> factors = crypto::FactorizePq(crypto::AsBytes(res_pq->pq));
  if (!factors.ok()) return factors.status();
  server_nonce_ = res_pq->server_nonce;
  random_.Fill(new_nonce_);

  tl::Writer inner;
  const crypto::Bytes p = crypto::ToBigEndian(factors->p), q = crypto::ToBigEndian(factors->q);
  auto fill = [&](auto& data) {
    data.pq = res_pq->pq;
    data.p = AsChars(p);
    data.q = AsChars(q);
    data.nonce = nonce_;
    data.server_nonce = server_nonce_;
    data.new_nonce = new_nonce_;
    data.dc = options_.dc_id;
  };
  if (options_.expires_in > 0) {
    mt::p_q_inner_data_temp_dc data;
    fill(data);
    data.expires_in = options_.expires_in;
    data.StoreBoxed(inner);
  } else {
    mt::p_q_inner_data_dc data;
    fill(data);
    data.StoreBoxed(inner);
  }
  absl::StatusOr<crypto::Bytes> encrypted =
      key->EncryptRsaPad(crypto::AsBytes(inner.data()), random_);
  if (!encrypted.ok()) return encrypted.status();

  mt::req_DH_params request;
  request.nonce = nonce_;
  request.server_nonce = server_nonce_;
  request.p = AsChars(p);
  request.q = AsChars(q);
  request.public_key_fingerprint = static_cast<int64_t>(key->Fingerprint());
  request.encrypted_data = AsChars(*encrypted);
  state_ = State::kAwaitingDhParams;
  return Plain(request, now);
}

absl::StatusOr<std::string> ClientHandshake::OnServerDhParams(const tl::Object& answer,
                                                              UnixTime now) {
  if (As<mt::server_DH_params_fail>(answer) != nullptr) {
    return absl::UnavailableError("server_DH_params_fail");
  }
  const auto* ok = As<mt::server_DH_params_ok>(answer);
  if (ok == nullptr) return Unexpected(answer);
  if (ok->nonce != nonce_ || ok->server_nonce != server_nonce_) {
    return absl::InvalidArgumentError("server_DH_params nonce mismatch");
  }
  const crypto::AesKeyIv tmp = crypto::DeriveTmpAesKeyIv(new_nonce_, server_nonce_);
  absl::StatusOr<tl::ObjectPtr<tl::Object>> decrypted =
      internal::DecryptWithHash(tmp, ok->encrypted_answer);
  if (!decrypted.ok()) return decrypted.status();
  const auto* inner = As<mt::server_DH_inner_data>(**decrypted);
  if (inner == nullptr) return Unexpected(**decrypted);
  if (inner->nonce != nonce_ || inner->server_nonce != server_nonce_) {
    return absl::InvalidArgumentError("server_DH_inner_data nonce mismatch");
  }
  const crypto::ByteSpan prime = crypto::AsBytes(inner->dh_prime);
  if (absl::Status s = crypto::CheckDhParams(prime, inner->g); !s.ok()) return s;
  if (absl::Status s = crypto::CheckDhPublicValue(crypto::AsBytes(inner->g_a), prime); !s.ok()) {
    return s;
  }
  ids_.SyncWithServerTime(now, inner->server_time);
  dh_prime_.assign(prime.begin(), prime.end());
  const crypto::ByteSpan g_a = crypto::AsBytes(inner->g_a);
  g_a_.assign(g_a.begin(), g_a.end());
  g_ = inner->g;
  return SetClientDhParams(now);
}

std::string ClientHandshake::SetClientDhParams(UnixTime now) {
  // Draw b until g_b passes the same range checks the server will apply (almost always once).
  crypto::Bytes b, g_b;
  const uint8_t g = static_cast<uint8_t>(g_);
  do {
    b = random_.Generate(256);
    g_b = *crypto::ModExp({&g, 1}, b, dh_prime_);
  } while (!crypto::CheckDhPublicValue(g_b, dh_prime_).ok());
  auth_key_ = internal::PadTo256(*crypto::ModExp(g_a_, b, dh_prime_));

  mt::client_DH_inner_data data;
  data.nonce = nonce_;
  data.server_nonce = server_nonce_;
  data.retry_id = retry_id_;
  data.g_b = AsChars(g_b);
  const crypto::AesKeyIv tmp = crypto::DeriveTmpAesKeyIv(new_nonce_, server_nonce_);
  mt::set_client_DH_params request;
  request.nonce = nonce_;
  request.server_nonce = server_nonce_;
  request.encrypted_data = internal::EncryptWithHash(tmp, data, random_);
  state_ = State::kAwaitingDhGen;
  return Plain(request, now);
}

absl::StatusOr<std::string> ClientHandshake::OnDhGen(const tl::Object& answer, UnixTime now) {
  const std::span<const uint8_t, 256> key(auth_key_.data(), 256);
  auto check = [&](const tl::Int128& nonce, const tl::Int128& server_nonce, const tl::Int128& hash,
                   uint8_t number) -> absl::Status {
    if (nonce != nonce_ || server_nonce != server_nonce_) {
      return absl::InvalidArgumentError("dh_gen nonce mismatch");
    }
    const auto expected = crypto::NewNonceHash(new_nonce_, key, number);
    if (CRYPTO_memcmp(expected.data(), hash.data(), hash.size()) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("new_nonce_hash", number, " mismatch"));
    }
    return absl::OkStatus();
  };
  if (const auto* ok = As<mt::dh_gen_ok>(answer)) {
    if (absl::Status s = check(ok->nonce, ok->server_nonce, ok->new_nonce_hash1, 1); !s.ok()) {
      return s;
    }
    HandshakeResult result;
    result.key = AuthKey::FromBytes(key);
    result.server_salt = crypto::InitialServerSalt(new_nonce_, server_nonce_);
    result.dc_id = options_.dc_id;
    result.expires_in = options_.expires_in;
    result.time_offset = ids_.offset();
    result_ = result;
    state_ = State::kDone;
    return std::string();  // nothing more to send
  }
  if (const auto* retry = As<mt::dh_gen_retry>(answer)) {
    if (absl::Status s = check(retry->nonce, retry->server_nonce, retry->new_nonce_hash2, 2);
        !s.ok()) {
      return s;
    }
    // retry_id is the failed key's auth_key_aux_hash: the first 8 bytes of its SHA-1.
    const crypto::Sha1Digest hash = crypto::Sha1(auth_key_);
    std::memcpy(&retry_id_, hash.data(), 8);
    return SetClientDhParams(now);
  }
  if (const auto* fail = As<mt::dh_gen_fail>(answer)) {
    if (absl::Status s = check(fail->nonce, fail->server_nonce, fail->new_nonce_hash3, 3);
        !s.ok()) {
      return s;
    }
    return absl::UnavailableError("dh_gen_fail");
  }
  return Unexpected(answer);
}

}  // namespace mtproto::session

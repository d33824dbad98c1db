// The server side of https://core.telegram.org/mtproto/auth_key, for the emulator.
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mtproto/crypto/dh.h"
#include "mtproto/crypto/pq.h"
#include "mtproto/session/envelope.h"
#include "mtproto/session/handshake.h"
#include "mtproto/session/handshake_util.h"

namespace mtproto::session {
namespace {

namespace mt = tl::mt;
using internal::AsChars;

constexpr int32_t kGenerator = 3;  // Telegram's g with its prime (p mod 3 == 2)

template <typename T>
const T* As(const tl::Object& object) {
  return object.ConstructorId() == T::kId ? static_cast<const T*>(&object) : nullptr;
}

// The fields every p_q_inner_data variant shares, plus the optional dc and expires_in.
struct PqInner {
  std::string pq, p, q;
  tl::Int128 nonce{}, server_nonce{};
  tl::Int256 new_nonce{};
  int32_t dc = 0;
  int32_t expires_in = 0;
};

template <typename T>
PqInner CommonFields(const T& data) {
  PqInner inner;
  inner.pq = data.pq;
  inner.p = data.p;
  inner.q = data.q;
  inner.nonce = data.nonce;
  inner.server_nonce = data.server_nonce;
  inner.new_nonce = data.new_nonce;
  return inner;
}

// RSA_PAD data carries random padding after the object; the legacy scheme's does not.
absl::StatusOr<PqInner> ParsePqInner(crypto::ByteSpan data) {
  tl::Reader in(AsChars(data));
  tl::ObjectPtr<tl::Object> object =
      tl::FetchBoxedObject(in, tl::mt::kSchema, tl::Schema::kAnyType);
  if (!in.ok()) return absl::InvalidArgumentError("p_q_inner_data: " + in.ErrorText());
  if (const auto* d = As<mt::p_q_inner_data_dc>(*object)) {
    PqInner inner = CommonFields(*d);
    inner.dc = d->dc;
    return inner;
  }
  if (const auto* d = As<mt::p_q_inner_data_temp_dc>(*object)) {
    PqInner inner = CommonFields(*d);
    inner.dc = d->dc;
    inner.expires_in = d->expires_in;
    return inner;
  }
  if (const auto* d = As<mt::p_q_inner_data>(*object)) return CommonFields(*d);
  if (const auto* d = As<mt::p_q_inner_data_temp>(*object)) {
    PqInner inner = CommonFields(*d);
    inner.expires_in = d->expires_in;
    return inner;
  }
  return absl::InvalidArgumentError("not a p_q_inner_data: " + object->ToString());
}

}  // namespace

ServerHandshake::ServerHandshake(const crypto::RsaPrivateKey& key, crypto::RandomSource& random)
    : key_(key), random_(random) {}

std::string ServerHandshake::Plain(const tl::Object& answer, UnixTime now) {
  tl::Writer body;
  answer.StoreBoxed(body);
  return PackPlain(ids_.Next(now, MessageKind::kResponse), body.data());
}

absl::StatusOr<std::string> ServerHandshake::OnPacket(std::string_view packet, UnixTime now) {
  absl::StatusOr<tl::ObjectPtr<tl::Object>> request = internal::ReadPlainObject(packet);
  if (!request.ok()) return request.status();
  // A client may start over (e.g. after a lost answer) with a new req_pq_multi at any point.
  if (As<mt::req_pq_multi>(**request) != nullptr) return OnReqPq(**request, now);
  switch (state_) {
    case State::kAwaitingReqDh:
      return OnReqDhParams(**request, now);
    case State::kAwaitingSetDh:
      return OnSetClientDhParams(**request, now);
    default:
      return absl::InvalidArgumentError("unexpected handshake message: " + (*request)->ToString());
  }
}

absl::StatusOr<std::string> ServerHandshake::OnReqPq(const tl::Object& request, UnixTime now) {
  nonce_ = static_cast<const mt::req_pq_multi&>(request).nonce;
  random_.Fill(server_nonce_);
  const crypto::PqFactors factors = crypto::GeneratePq(random_);
  p_ = factors.p;
  q_ = factors.q;
  mt::resPQ answer;
  answer.nonce = nonce_;
  answer.server_nonce = server_nonce_;
  answer.pq = AsChars(crypto::ToBigEndian(p_ * q_));
  answer.server_public_key_fingerprints = {static_cast<int64_t>(key_.Fingerprint())};
  state_ = State::kAwaitingReqDh;
  return Plain(answer, now);
}

absl::StatusOr<std::string> ServerHandshake::OnReqDhParams(const tl::Object& request,
                                                           UnixTime now) {
  const auto* req = As<mt::req_DH_params>(request);
  if (req == nullptr) return absl::InvalidArgumentError("expected req_DH_params");
  if (req->nonce != nonce_ || req->server_nonce != server_nonce_) {
    return absl::InvalidArgumentError("req_DH_params nonce mismatch");
  }
  if (static_cast<uint64_t>(req->public_key_fingerprint) != key_.Fingerprint()) {
    return absl::InvalidArgumentError("req_DH_params names an unknown RSA key");
  }
  const std::string p(AsChars(crypto::ToBigEndian(p_))), q(AsChars(crypto::ToBigEndian(q_)));
  if (req->p != p || req->q != q) return absl::InvalidArgumentError("wrong p or q");
  absl::StatusOr<crypto::RsaInnerData> decrypted =
      key_.DecryptInnerData(crypto::AsBytes(req->encrypted_data));
  if (!decrypted.ok()) return decrypted.status();
  absl::StatusOr<PqInner> inner = ParsePqInner(decrypted->data);
  if (!inner.ok()) return inner.status();
  if (inner->nonce != nonce_ || inner->server_nonce != server_nonce_ || inner->p != p ||
      inner->q != q || inner->pq != AsChars(crypto::ToBigEndian(p_ * q_))) {
    return absl::InvalidArgumentError("p_q_inner_data does not match the exchange");
  }
  new_nonce_ = inner->new_nonce;
  dc_id_ = inner->dc;
  expires_in_ = inner->expires_in;

  const crypto::ByteSpan prime = crypto::kTelegramDhPrime;
  const uint8_t g = kGenerator;
  crypto::Bytes g_a;
  do {
    a_ = random_.Generate(256);
    g_a = *crypto::ModExp({&g, 1}, a_, prime);
  } while (!crypto::CheckDhPublicValue(g_a, prime).ok());

  mt::server_DH_inner_data data;
  data.nonce = nonce_;
  data.server_nonce = server_nonce_;
  data.g = kGenerator;
  data.dh_prime = AsChars(prime);
  data.g_a = AsChars(g_a);
  data.server_time = UnixSeconds(now);
  mt::server_DH_params_ok answer;
  answer.nonce = nonce_;
  answer.server_nonce = server_nonce_;
  answer.encrypted_answer = internal::EncryptWithHash(
      crypto::DeriveTmpAesKeyIv(new_nonce_, server_nonce_), data, random_);
  state_ = State::kAwaitingSetDh;
  return Plain(answer, now);
}

absl::StatusOr<std::string> ServerHandshake::OnSetClientDhParams(const tl::Object& request,
                                                                 UnixTime now) {
  const auto* req = As<mt::set_client_DH_params>(request);
  if (req == nullptr) return absl::InvalidArgumentError("expected set_client_DH_params");
  if (req->nonce != nonce_ || req->server_nonce != server_nonce_) {
    return absl::InvalidArgumentError("set_client_DH_params nonce mismatch");
  }
  absl::StatusOr<tl::ObjectPtr<tl::Object>> decrypted = internal::DecryptWithHash(
      crypto::DeriveTmpAesKeyIv(new_nonce_, server_nonce_), req->encrypted_data);
  if (!decrypted.ok()) return decrypted.status();
  const auto* data = As<mt::client_DH_inner_data>(**decrypted);
  if (data == nullptr) return absl::InvalidArgumentError("expected client_DH_inner_data");
  if (data->nonce != nonce_ || data->server_nonce != server_nonce_) {
    return absl::InvalidArgumentError("client_DH_inner_data nonce mismatch");
  }
  const crypto::ByteSpan prime = crypto::kTelegramDhPrime;
  if (absl::Status s = crypto::CheckDhPublicValue(crypto::AsBytes(data->g_b), prime); !s.ok()) {
    return s;
  }
  const crypto::Bytes auth_key =
      internal::PadTo256(*crypto::ModExp(crypto::AsBytes(data->g_b), a_, prime));
  const std::span<const uint8_t, 256> key(auth_key.data(), 256);

  HandshakeResult result;
  result.key = AuthKey::FromBytes(key);
  result.server_salt = crypto::InitialServerSalt(new_nonce_, server_nonce_);
  result.dc_id = dc_id_;
  result.expires_in = expires_in_;
  result_ = result;
  state_ = State::kDone;

  mt::dh_gen_ok answer;
  answer.nonce = nonce_;
  answer.server_nonce = server_nonce_;
  answer.new_nonce_hash1 = crypto::NewNonceHash(new_nonce_, key, 1);
  return Plain(answer, now);
}

}  // namespace mtproto::session

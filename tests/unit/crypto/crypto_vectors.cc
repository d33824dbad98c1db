// Computes mtproto::crypto outputs for requests on stdin, one per line, so crosscheck.py can
// compare them with independent implementations. A request is an operation name followed by
// hex arguments ("-" for empty); the reply line holds hex results separated by spaces ("-" for
// empty), or "error <message>".
// Random draws come from the last argument where an operation needs them (replayed in order:
// RSA padding first, then temp_key).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "mtproto/crypto/aes.h"
#include "mtproto/crypto/kdf.h"
#include "mtproto/crypto/pq.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/crypto/srp.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ScriptedRandom;
using testing::ToHex;

std::string Text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }
Bytes Raw(const std::string& text) { return Bytes(text.begin(), text.end()); }

uint64_t Number(const Bytes& big_endian) {
  uint64_t value = 0;
  for (uint8_t b : big_endian) value = (value << 8) | b;
  return value;
}

std::string Hex64(uint64_t value) {
  Bytes bytes(8);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (56 - 8 * i));
  return ToHex(bytes);
}

template <size_t N>
std::span<const uint8_t, N> Fixed(const Bytes& bytes) {
  if (bytes.size() != N) throw std::runtime_error("wrong fixed size");
  return std::span<const uint8_t, N>(bytes.data(), N);
}

Direction Dir(const Bytes& x) {
  return Number(x) == 0 ? Direction::kClientToServer : Direction::kServerToClient;
}

template <typename T>
T Check(absl::StatusOr<T> value) {
  if (!value.ok()) throw std::runtime_error(std::string(value.status().message()));
  return *std::move(value);
}

SrpAlgo Algo(const std::vector<Bytes>& a, size_t first) {
  SrpAlgo algo;
  algo.salt1 = a[first];
  algo.salt2 = a[first + 1];
  algo.g = static_cast<int>(Number(a[first + 2]));
  algo.p = a[first + 3];
  return algo;
}

std::string Handle(const std::string& op, const std::vector<Bytes>& a) {
  if (op == "ige_enc") return ToHex(Check(AesIgeEncrypt(a[0], a[1], a[2])));
  if (op == "ige_dec") return ToHex(Check(AesIgeDecrypt(a[0], a[1], a[2])));
  if (op == "ige_enc_inplace") {
    Bytes data = a[2];
    if (!AesIgeEncrypt(a[0], a[1], data, data).ok()) throw std::runtime_error("ige in place");
    return ToHex(data);
  }
  if (op == "ctr") {  // applied in two calls, to exercise the stream state
    AesCtr256 ctr = Check(AesCtr256::Create(a[0], a[1]));
    Bytes data = a[2];
    const size_t half = std::min(data.size(), data.size() / 2 + 1);
    ctr.Apply(MutableByteSpan(data).first(half));
    ctr.Apply(MutableByteSpan(data).subspan(half));
    return ToHex(data);
  }
  if (op == "msgkey2") return ToHex(ComputeMsgKey(Fixed<256>(a[0]), Dir(a[1]), a[2]));
  if (op == "kdf2") {
    const AesKeyIv k = DeriveAesKeyIv(Fixed<256>(a[0]), Fixed<16>(a[2]), Dir(a[1]));
    return ToHex(k.key) + " " + ToHex(k.iv);
  }
  if (op == "msgkey1") return ToHex(ComputeMsgKeyV1(a[0]));
  if (op == "kdf1") {
    const AesKeyIv k = DeriveAesKeyIvV1(Fixed<256>(a[0]), Fixed<16>(a[2]), Dir(a[1]));
    return ToHex(k.key) + " " + ToHex(k.iv);
  }
  if (op == "tmp") {
    const AesKeyIv k = DeriveTmpAesKeyIv(Fixed<32>(a[0]), Fixed<16>(a[1]));
    return ToHex(k.key) + " " + ToHex(k.iv);
  }
  if (op == "keyid") return Hex64(AuthKeyId(Fixed<256>(a[0])));
  if (op == "fingerprint") return Hex64(Check(RsaPublicKey::FromPem(Text(a[0]))).Fingerprint());
  if (op == "rsa_legacy" || op == "rsa_pad") {
    const RsaPublicKey key = Check(RsaPublicKey::FromPem(Text(a[0])));
    ScriptedRandom random(a[2]);
    Bytes out =
        Check(op == "rsa_pad" ? key.EncryptRsaPad(a[1], random) : key.EncryptLegacy(a[1], random));
    return ToHex(out);
  }
  if (op == "rsa_gen") {
    const RsaPrivateKey key = Check(RsaPrivateKey::Generate());
    return ToHex(Raw(key.ToPem())) + " " + ToHex(Raw(key.public_key().ToPkcs1Pem())) + " " +
           Hex64(key.Fingerprint());
  }
  if (op == "rsa_decrypt") {
    const RsaPrivateKey key = Check(RsaPrivateKey::FromPem(Text(a[0])));
    const RsaInnerData inner = Check(key.DecryptInnerData(a[1]));
    return std::string(inner.scheme == RsaScheme::kRsaPad ? "rsa_pad " : "legacy ") +
           (inner.data.empty() ? "-" : ToHex(inner.data));
  }
  if (op == "pq") {
    const PqFactors f = Check(FactorizePq(a[0]));
    return Hex64(f.p) + " " + Hex64(f.q);
  }
  if (op == "srp_check") {  // password salt1 salt2 g p srp_B a
    const SrpCheck check = Check(ComputeSrpCheck(Text(a[0]), Algo(a, 1), a[5], a[6]));
    return ToHex(check.a_pub) + " " + ToHex(check.m1);
  }
  if (op == "srp_verifier") return ToHex(Check(ComputeSrpVerifier(Text(a[0]), Algo(a, 1))));
  if (op == "srp_b") {  // salt1 salt2 g p v b
    return ToHex(Check(SrpVerifier::Create(Algo(a, 0), a[4], a[5])).srp_b());
  }
  if (op == "srp_verify") {  // salt1 salt2 g p v b A M1
    const SrpVerifier verifier = Check(SrpVerifier::Create(Algo(a, 0), a[4], a[5]));
    const absl::Status status = verifier.Verify(a[6], a[7]);
    return status.ok() ? "ok" : "denied";
  }
  throw std::runtime_error("unknown operation " + op);
}

}  // namespace
}  // namespace mtproto::crypto

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string op, word;
    words >> op;
    std::vector<mtproto::crypto::Bytes> args;
    // "-" stands for an empty argument.
    while (words >> word)
      args.push_back(word == "-" ? mtproto::crypto::Bytes{}
                                 : mtproto::crypto::testing::FromHex(word));
    try {
      const std::string reply = mtproto::crypto::Handle(op, args);
      std::cout << (reply.empty() ? "-" : reply) << "\n";
    } catch (const std::exception& e) {
      std::cout << "error " << e.what() << "\n";
    }
  }
  return 0;
}

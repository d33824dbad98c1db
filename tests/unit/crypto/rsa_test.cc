#include "mtproto/crypto/rsa.h"

#include <gtest/gtest.h>

#include "mtproto/crypto/hash.h"
#include "tests/unit/crypto/sample_auth_key.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ScriptedRandom;
using testing::ToHex;

// Telegram's earlier production keys with the fingerprints clients list for them.
struct KnownKey {
  uint64_t fingerprint;
  const char* pem;
};
const KnownKey kTelegramKeys[] = {
    {sample::kFingerprint, sample::kServerPublicKeyPem},
    {0x9a996a1db11c729bULL,
     "-----BEGIN RSA PUBLIC KEY-----\n"
     "MIIBCgKCAQEAxq7aeLAqJR20tkQQMfRn+ocfrtMlJsQ2Uksfs7Xcoo77jAid0bRt\n"
     "ksiVmT2HEIJUlRxfABoPBV8wY9zRTUMaMA654pUX41mhyVN+XoerGxFvrs9dF1Ru\n"
     "vCHbI02dM2ppPvyytvvMoefRoL5BTcpAihFgm5xCaakgsJ/tH5oVl74CdhQw8J5L\n"
     "xI/K++KJBUyZ26Uba1632cOiq05JBUW0Z2vWIOk4BLysk7+U9z+SxynKiZR3/xdi\n"
     "XvFKk01R3BHV+GUKM2RYazpS/P8v7eyKhAbKxOdRcFpHLlVwfjyM1VlDQrEZxsMp\n"
     "NTLYXb6Sce1Uov0YtNx5wEowlREH1WOTlwIDAQAB\n"
     "-----END RSA PUBLIC KEY-----\n"},
    {0xb05b2a6f70cdea78ULL,
     "-----BEGIN RSA PUBLIC KEY-----\n"
     "MIIBCgKCAQEAsQZnSWVZNfClk29RcDTJQ76n8zZaiTGuUsi8sUhW8AS4PSbPKDm+\n"
     "DyJgdHDWdIF3HBzl7DHeFrILuqTs0vfS7Pa2NW8nUBwiaYQmPtwEa4n7bTmBVGsB\n"
     "1700/tz8wQWOLUlL2nMv+BPlDhxq4kmJCyJfgrIrHlX8sGPcPA4Y6Rwo0MSqYn3s\n"
     "g1Pu5gOKlaT9HKmE6wn5Sut6IiBjWozrRQ6n5h2RXNtO7O2qCDqjgB2vBxhV7B+z\n"
     "hRbLbCmW0tYMDsvPpX5M8fsO05svN+lKtCAuz1leFns8piZpptpSCFn7bWxiA9/f\n"
     "x5x17D7pfah3Sy2pA+NDXyzSlGcKdaUmwQIDAQAB\n"
     "-----END RSA PUBLIC KEY-----\n"},
    {0x71e025b6c76033e3ULL,
     "-----BEGIN RSA PUBLIC KEY-----\n"
     "MIIBCgKCAQEAwqjFW0pi4reKGbkc9pK83Eunwj/k0G8ZTioMMPbZmW99GivMibwa\n"
     "xDM9RDWabEMyUtGoQC2ZcDeLWRK3W8jMP6dnEKAlvLkDLfC4fXYHzFO5KHEqF06i\n"
     "qAqBdmI1iBGdQv/OQCBcbXIWCGDY2AsiqLhlGQfPOI7/vvKc188rTriocgUtoTUc\n"
     "/n/sIUzkgwTqRyvWYynWARWzQg0I9olLBBC2q5RQJJlnYXZwyTL3y9tdb7zOHkks\n"
     "WV9IMQmZmyZh/N7sMbGWQpt4NMchGpPGeJ2e5gHBjDnlIf2p1yZOYeUYrdbwcS0t\n"
     "UiggS4UeE8TzIuXFQxw7fzEIlmhIaq3FnwIDAQAB\n"
     "-----END RSA PUBLIC KEY-----\n"},
};

TEST(RsaPublicKeyTest, TelegramKeyFingerprintsAndPkcs1RoundTrip) {
  for (const KnownKey& known : kTelegramKeys) {
    ASSERT_OK_AND_ASSIGN(RsaPublicKey key, RsaPublicKey::FromPem(known.pem));
    EXPECT_EQ(key.Fingerprint(), known.fingerprint) << std::hex << known.fingerprint;
    EXPECT_EQ(key.ToPkcs1Pem(), known.pem);
    EXPECT_EQ(key.modulus().size(), 256u);
    EXPECT_EQ(key.exponent(), Bytes({0x01, 0x00, 0x01}));
    ASSERT_OK_AND_ASSIGN(RsaPublicKey rebuilt,
                         RsaPublicKey::FromComponents(key.modulus(), key.exponent()));
    EXPECT_EQ(rebuilt.Fingerprint(), known.fingerprint);
  }
}

// An SPKI "PUBLIC KEY" PEM made with `openssl rsa -pubout`; its fingerprint is the one
// Telethon's _compute_fingerprint gives for the same key.
TEST(RsaPublicKeyTest, ReadsSpkiPem) {
  ASSERT_OK_AND_ASSIGN(
      RsaPublicKey key,
      RsaPublicKey::FromPem("-----BEGIN PUBLIC KEY-----\n"
                            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwUdhgBbRu5bi0UqhdKM2\n"
                            "9hs7o3puCoJOc11w2sWMvEu1OR90F3nqzSL6k0mdbxa50Tve7tdmKfR3qNSBcxtL\n"
                            "4fuUUo3GLZu9qViJI7amBi44JnvIro07BtZCcWgyTzCaHSD46HWJlLqmT2DRZjDG\n"
                            "k3lIQL2RAcHFrS4xl2VqAWW/btBXCrOd77IzYVOrN9AHqllOEqbhSXQ94ukyuU9L\n"
                            "+lITFTikIvKX5kZtKo2HxKcelKz/PDbp3cm7NF005dx5lnNCE36Q9m9m/1JMXrO1\n"
                            "WVZesOQMSMeAXLqXKGsmoQXAV4XYzN+4h83k4H533IcrIAZo+NkmYPlzWXxaWR/h\n"
                            "eQIDAQAB\n"
                            "-----END PUBLIC KEY-----\n"));
  EXPECT_EQ(key.Fingerprint(), 0x3b34305af838eab0ULL);
  EXPECT_NE(key.ToPkcs1Pem().find("BEGIN RSA PUBLIC KEY"), std::string::npos);
}

TEST(RsaPublicKeyTest, RejectsBadPemAndWrongSizes) {
  EXPECT_FALSE(RsaPublicKey::FromPem("").ok());
  EXPECT_FALSE(RsaPublicKey::FromPem("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"
                                     "-----END RSA PUBLIC KEY-----\n")
                   .ok());
  EXPECT_FALSE(RsaPublicKey::FromPem(std::string(300, '\xff')).ok());
  // A 1024-bit key cannot carry MTProto's 256-byte encrypted_data.
  EXPECT_FALSE(
      RsaPublicKey::FromPem("-----BEGIN PUBLIC KEY-----\n"
                            "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCjIiqd40nY4HsVmJrNyP3tTdan\n"
                            "sIhMpH7h0Mtbyn0cG4fqPwYOfaurGoHz+kV5Qmge8uR5fSC9uQ1/Iyav4R7pDZc/\n"
                            "LKEaRIbku3orSU8TsDs4c+Sqb0n2p2nEyvhjSMIUPFUBy3fFdbRixoMaTlD0V2MV\n"
                            "4wuuwU0zpZa6sJDmoQIDAQAB\n"
                            "-----END PUBLIC KEY-----\n")
          .ok());
  EXPECT_FALSE(RsaPublicKey::FromComponents(Bytes{0x10}, Bytes{0x03}).ok());  // even modulus
}

// gotd/td's TestRSAPad vector (crypto/rsa_pad_test.go): this key, an all-zero random source
// (zero padding, zero temp_key) and 144 bytes of 'a' give exactly these 256 bytes.
TEST(RsaPublicKeyTest, RsaPadMatchesGotdVector) {
  ASSERT_OK_AND_ASSIGN(
      RsaPublicKey key,
      RsaPublicKey::FromPem("-----BEGIN RSA PUBLIC KEY-----\n"
                            "MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g\n"
                            "5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO\n"
                            "62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/\n"
                            "+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9\n"
                            "t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs\n"
                            "5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB\n"
                            "-----END RSA PUBLIC KEY-----\n"));
  ScriptedRandom zeros;
  ASSERT_OK_AND_ASSIGN(Bytes encrypted, key.EncryptRsaPad(Bytes(144, 'a'), zeros));
  EXPECT_EQ(ToHex(encrypted),
            "bf68719e836806b040cd261ecaf66eb3c4ba19f3bbea3031b2e6cf29167bab647201d101b291dc"
            "5b716a42e789a38d947fe59e9bcce8f30ef46a946743ea8b6babbce7fc0afc46b802aa453e83471d82a4d"
            "fad83f971f350b4b4fb474cd1c48fdf427e4b5fecce9ec3178ae7dac3985856fdefa21d6fdc5e0e0fd8a5"
            "7bc4f51580d637d372be8d87c9aa3fde8e6f8287bcb3be846aadcdd59465375479e248f62ed438f9804fb"
            "e36d41ca906243a5f740f3937949aa149ba8a8b8e68b3f3e1e3cd3f946387520e21eee55845e1f015a919"
            "a22f6a72bfaecd2cae946c91983b41f9ffabe97963bbde8f30eaf5fd3c5b8cecab8711bd269e441b6084f"
            "385726ff0");
}

TEST(RsaPublicKeyTest, EncryptionRejectsOversizedInput) {
  ASSERT_OK_AND_ASSIGN(RsaPublicKey key, RsaPublicKey::FromPem(sample::kServerPublicKeyPem));
  ScriptedRandom random;
  EXPECT_FALSE(key.EncryptRsaPad(Bytes(145), random).ok());
  EXPECT_FALSE(key.EncryptLegacy(Bytes(236), random).ok());
  EXPECT_FALSE(key.EncryptRaw(Bytes(257, 1)).ok());
  EXPECT_FALSE(key.EncryptRaw(Bytes(256, 0xff)).ok());  // not below the modulus
}

// Key generation takes a moment; the server-side tests share one key.
class RsaPrivateKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto key = RsaPrivateKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = new RsaPrivateKey(*std::move(key));
  }
  static void TearDownTestSuite() { delete key_; }
  static RsaPrivateKey* key_;
};
RsaPrivateKey* RsaPrivateKeyTest::key_ = nullptr;

TEST_F(RsaPrivateKeyTest, GeneratedKeyMeetsServerConditions) {
  EXPECT_GE(key_->Fingerprint(), 0x1000000000000000ULL);
  EXPECT_EQ(key_->public_key().exponent(), Bytes({0x01, 0x00, 0x01}));
  EXPECT_EQ(key_->public_key().modulus().size(), 256u);
  EXPECT_EQ(key_->public_key().modulus()[0] & 0x80, 0x80);
}

TEST_F(RsaPrivateKeyTest, PemRoundTrip) {
  const std::string pem = key_->ToPem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(RsaPrivateKey loaded, RsaPrivateKey::FromPem(pem));
  EXPECT_EQ(loaded.Fingerprint(), key_->Fingerprint());
  // The public half survives as PKCS#1 too.
  ASSERT_OK_AND_ASSIGN(RsaPublicKey public_key,
                       RsaPublicKey::FromPem(key_->public_key().ToPkcs1Pem()));
  EXPECT_EQ(public_key.Fingerprint(), key_->Fingerprint());
  EXPECT_FALSE(RsaPrivateKey::FromPem("not a pem").ok());
  EXPECT_FALSE(RsaPrivateKey::FromPem(key_->public_key().ToPkcs1Pem()).ok());
}

TEST_F(RsaPrivateKeyTest, DecryptsBothSchemes) {
  DeterministicRandom random(3);
  for (size_t size : {0, 1, 80, 144}) {
    const Bytes data = random.Generate(size);
    ASSERT_OK_AND_ASSIGN(Bytes encrypted, key_->public_key().EncryptRsaPad(data, random));
    ASSERT_EQ(encrypted.size(), 256u);
    ASSERT_OK_AND_ASSIGN(RsaInnerData inner, key_->DecryptInnerData(encrypted));
    EXPECT_EQ(inner.scheme, RsaScheme::kRsaPad);
    ASSERT_EQ(inner.data.size(), kRsaPadPaddedSize);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), inner.data.begin())) << size;
  }
  for (size_t size : {0, 1, 96, 235}) {
    const Bytes data = random.Generate(size);
    ASSERT_OK_AND_ASSIGN(Bytes encrypted, key_->public_key().EncryptLegacy(data, random));
    ASSERT_OK_AND_ASSIGN(RsaInnerData inner, key_->DecryptInnerData(encrypted));
    EXPECT_EQ(inner.scheme, RsaScheme::kLegacy);
    EXPECT_EQ(inner.data, data) << size;
  }
}

TEST_F(RsaPrivateKeyTest, RejectsTamperedAndGarbageInput) {
  DeterministicRandom random(4);
  ASSERT_OK_AND_ASSIGN(Bytes encrypted, key_->public_key().EncryptRsaPad(Bytes(100, 7), random));
  Bytes tampered = encrypted;
  tampered[100] ^= 1;
  EXPECT_FALSE(key_->DecryptInnerData(tampered).ok());
  ASSERT_OK_AND_ASSIGN(Bytes legacy, key_->public_key().EncryptLegacy(Bytes(100, 7), random));
  legacy[200] ^= 0x80;
  EXPECT_FALSE(key_->DecryptInnerData(legacy).ok());

  EXPECT_FALSE(key_->DecryptInnerData(Bytes(256, 0xff)).ok());  // above the modulus
  EXPECT_FALSE(key_->DecryptInnerData(Bytes(257, 0)).ok());
  EXPECT_FALSE(key_->DecryptInnerData({}).ok());
  for (int i = 0; i < 100; ++i) {
    const Bytes garbage = random.Generate(1 + i * 255 / 100);
    EXPECT_FALSE(key_->DecryptInnerData(garbage).ok());
  }
}

TEST_F(RsaPrivateKeyTest, RawRoundTrip) {
  const Bytes message = FromHex("00112233445566778899");
  ASSERT_OK_AND_ASSIGN(Bytes encrypted, key_->public_key().EncryptRaw(message));
  ASSERT_OK_AND_ASSIGN(Bytes decrypted, key_->DecryptRaw(encrypted));
  Bytes expected(256 - message.size(), 0);
  expected.insert(expected.end(), message.begin(), message.end());
  EXPECT_EQ(decrypted, expected);
}

}  // namespace
}  // namespace mtproto::crypto

#include "mtproto/crypto/aes.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mtproto/crypto/hash.h"
#include "mtproto/crypto/random.h"
#include "tests/unit/crypto/sample_auth_key.h"
#include "tests/unit/crypto/test_util.h"

namespace mtproto::crypto {
namespace {

using testing::FromHex;
using testing::ToHex;

// The textbook definition, one block at a time: c_i = E(p_i ^ c_{i-1}) ^ p_{i-1} with
// iv = c_0 || p_0. Deliberately naive, to check the CBC-based encryptor against.
Bytes ReferenceIge(ByteSpan key, ByteSpan iv, ByteSpan in, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(ctx, EVP_aes_256_ecb(), nullptr, key.data(), nullptr, encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  Bytes x_prev(iv.begin(), iv.begin() + 16);  // previous block fed *out* of the other side
  Bytes y_prev(iv.begin() + 16, iv.end());
  if (!encrypt) std::swap(x_prev, y_prev);  // decryption: p_{i-1} goes in, c_{i-1} comes out
  Bytes out;
  for (size_t off = 0; off < in.size(); off += 16) {
    uint8_t block[16];
    for (int j = 0; j < 16; ++j) block[j] = in[off + j] ^ x_prev[j];
    int len = 0;
    EVP_CipherUpdate(ctx, block, &len, block, 16);
    for (int j = 0; j < 16; ++j) block[j] ^= y_prev[j];
    y_prev.assign(in.begin() + off, in.begin() + off + 16);
    x_prev.assign(block, block + 16);
    out.insert(out.end(), block, block + 16);
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// OpenSSL's IGE test vectors (test/igetest.c), AES-128.
TEST(AesIgeTest, OpenSslVectors) {
  struct Vector {
    const char *key, *iv, *plain, *cipher;
  };
  const Vector vectors[] = {
      {"000102030405060708090a0b0c0d0e0f",
       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
       "0000000000000000000000000000000000000000000000000000000000000000",
       "1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb"},
      {"5468697320697320616e20696d706c65",
       "6d656e746174696f6e206f6620494745206d6f646520666f72204f70656e5353",
       "99706487a1cde613bc6de0b6f24b1c7aa448c8b9c3403e3467a8cad89340f53b",
       "4c2e204c6574277320686f70652042656e20676f74206974207269676874210a"},
  };
  for (const Vector& v : vectors) {
    ASSERT_OK_AND_ASSIGN(Bytes cipher,
                         AesIgeEncrypt(FromHex(v.key), FromHex(v.iv), FromHex(v.plain)));
    EXPECT_EQ(ToHex(cipher), v.cipher);
    ASSERT_OK_AND_ASSIGN(Bytes plain,
                         AesIgeDecrypt(FromHex(v.key), FromHex(v.iv), FromHex(v.cipher)));
    EXPECT_EQ(ToHex(plain), v.plain);
  }
}

// https://core.telegram.org/mtproto/samples-auth_key: encrypted_answer decrypts under the
// published tmp_aes_key/iv to SHA1(answer) + server_DH_inner_data + padding.
TEST(AesIgeTest, TelegramSampleEncryptedAnswer) {
  const Bytes key = FromHex(sample::kTmpAesKey), iv = FromHex(sample::kTmpAesIv);
  const Bytes encrypted = FromHex(sample::kEncryptedAnswer);
  ASSERT_OK_AND_ASSIGN(Bytes answer_with_hash, AesIgeDecrypt(key, iv, encrypted));
  ASSERT_EQ(answer_with_hash.size(), 592u);  // 20 + 564 + 8 bytes of padding
  const Bytes answer(answer_with_hash.begin() + 20, answer_with_hash.begin() + 20 + 564);
  const Sha1Digest hash = Sha1(answer);
  EXPECT_TRUE(std::equal(hash.begin(), hash.end(), answer_with_hash.begin()));
  EXPECT_EQ(ToHex(ByteSpan(answer).first(4)), "ba0d89b5");  // server_DH_inner_data
  EXPECT_EQ(ToHex(ByteSpan(answer).subspan(4, 16)), sample::kNonce);
  EXPECT_EQ(ToHex(ByteSpan(answer).subspan(20, 16)), sample::kServerNonce);
  ASSERT_OK_AND_ASSIGN(Bytes reencrypted, AesIgeEncrypt(key, iv, answer_with_hash));
  EXPECT_EQ(reencrypted, encrypted);
}

TEST(AesIgeTest, MatchesDefinitionAcrossSizesAndInPlace) {
  DeterministicRandom random(7);
  // Sizes straddle the encryptor's 256-block chunks.
  for (size_t blocks : {0, 1, 2, 3, 17, 255, 256, 257, 511, 512, 513, 1000}) {
    const Bytes key = random.Generate(32), iv = random.Generate(32);
    const Bytes plain = random.Generate(blocks * 16);
    const Bytes expected = ReferenceIge(key, iv, plain, /*encrypt=*/true);
    ASSERT_OK_AND_ASSIGN(Bytes cipher, AesIgeEncrypt(key, iv, plain));
    EXPECT_EQ(cipher, expected) << blocks;
    EXPECT_EQ(ReferenceIge(key, iv, cipher, /*encrypt=*/false), plain) << blocks;
    ASSERT_OK_AND_ASSIGN(Bytes decrypted, AesIgeDecrypt(key, iv, cipher));
    EXPECT_EQ(decrypted, plain) << blocks;

    Bytes in_place = plain;
    ASSERT_OK(AesIgeEncrypt(key, iv, in_place, in_place));
    EXPECT_EQ(in_place, expected) << blocks;
    ASSERT_OK(AesIgeDecrypt(key, iv, in_place, in_place));
    EXPECT_EQ(in_place, plain) << blocks;
  }
}

TEST(AesIgeTest, RejectsBadArguments) {
  const Bytes key(32), iv(32), data(32);
  Bytes out(32);
  EXPECT_FALSE(AesIgeEncrypt(Bytes(24), iv, data).ok());
  EXPECT_FALSE(AesIgeEncrypt(key, Bytes(16), data).ok());
  EXPECT_FALSE(AesIgeDecrypt(key, iv, Bytes(33)).ok());
  EXPECT_FALSE(AesIgeEncrypt(key, iv, data, MutableByteSpan(out).first(16)).ok());
  Bytes buffer(48);
  EXPECT_FALSE(AesIgeEncrypt(key, iv, ByteSpan(buffer).first(32),
                             MutableByteSpan(buffer).subspan(16))
                   .ok());  // partial overlap
  EXPECT_FALSE(
      AesIgeDecrypt(key, iv, ByteSpan(buffer).subspan(16), MutableByteSpan(buffer).first(32)).ok());
}

// NIST SP 800-38A F.5.5, CTR-AES256.Encrypt.
TEST(AesCtrTest, NistVector) {
  const Bytes key = FromHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes iv = FromHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes plain = FromHex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const std::string cipher =
      "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
      "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";
  ASSERT_OK_AND_ASSIGN(AesCtr256 ctr, AesCtr256::Create(key, iv));
  Bytes data = plain;
  ctr.Apply(data);
  EXPECT_EQ(ToHex(data), cipher);

  // The stream continues across calls of any size, and decrypts with a fresh instance.
  ASSERT_OK_AND_ASSIGN(AesCtr256 split, AesCtr256::Create(key, iv));
  Bytes pieces(plain.size());
  ASSERT_OK(split.Apply(ByteSpan(plain).first(5), MutableByteSpan(pieces).first(5)));
  ASSERT_OK(split.Apply(ByteSpan(plain).subspan(5, 20), MutableByteSpan(pieces).subspan(5, 20)));
  ASSERT_OK(split.Apply(ByteSpan(plain).subspan(25), MutableByteSpan(pieces).subspan(25)));
  EXPECT_EQ(ToHex(pieces), cipher);
  ASSERT_OK_AND_ASSIGN(AesCtr256 decryptor, AesCtr256::Create(key, iv));
  decryptor.Apply(pieces);
  EXPECT_EQ(pieces, plain);
}

TEST(AesCtrTest, RejectsBadArguments) {
  EXPECT_FALSE(AesCtr256::Create(Bytes(16), Bytes(16)).ok());
  EXPECT_FALSE(AesCtr256::Create(Bytes(32), Bytes(32)).ok());
  ASSERT_OK_AND_ASSIGN(AesCtr256 ctr, AesCtr256::Create(Bytes(32), Bytes(16)));
  Bytes out(3);
  EXPECT_FALSE(ctr.Apply(Bytes(4), out).ok());
}

}  // namespace
}  // namespace mtproto::crypto

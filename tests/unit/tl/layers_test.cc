// The generated per-layer tables (api_layers.h): layer-223 objects written in layers 144, 198 and
// 227, and those layers' forms read back into layer-223 structs. Expected bytes follow the lines
// in mtproto/schema/layers/; layers_crosscheck.py has Telethon itself parse our layer-144 bytes.
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/api_layers.h"
#include "mtproto/tl/serialize.h"
#include "tests/unit/tl/layers_samples.h"

namespace mtproto::tl {
namespace {

std::string EncodeIn(int layer, const Object& object) {
  Writer out;
  out.set_layer_adapter(api::LayerAdapterFor(layer));
  object.StoreBoxed(out);
  EXPECT_TRUE(out.ok()) << out.error();
  return out.Take();
}

template <typename T>
ObjectPtr<T> DecodeCompat(std::string_view bytes) {
  Reader in(bytes);
  in.set_compat(&api::kCompatSchema);
  ObjectPtr<T> object = FetchBoxedAs<T>(in);
  EXPECT_TRUE(in.ok()) << in.ErrorText();
  EXPECT_EQ(in.remaining(), 0u);
  return object;
}

// A little-endian word cursor over encoded bytes, for checking them against a schema line.
class Words {
 public:
  explicit Words(std::string_view bytes) : bytes_(bytes) {}
  uint32_t U32() {
    uint32_t v = 0;
    if (pos_ + 4 <= bytes_.size()) std::memcpy(&v, bytes_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  int64_t I64() {
    int64_t v = 0;
    if (pos_ + 8 <= bytes_.size()) std::memcpy(&v, bytes_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string Str() {
    Reader in(bytes_.substr(pos_));
    std::string s = in.Bytes();
    pos_ += in.offset();
    return s;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

TEST(Layers, AdapterForEachLayer) {
  EXPECT_EQ(api::LayerAdapterFor(223), nullptr);
  EXPECT_EQ(api::LayerAdapterFor(224), nullptr);  // nearer to 223 than to 227
  for (int layer : {144, 198, 227}) {
    ASSERT_NE(api::LayerAdapterFor(layer), nullptr);
    EXPECT_EQ(api::LayerAdapterFor(layer)->layer, layer);
  }
  EXPECT_EQ(api::LayerAdapterFor(100)->layer, 144);
  EXPECT_EQ(api::LayerAdapterFor(171)->layer, 198);  // a tie goes to the newer table
  EXPECT_EQ(api::LayerAdapterFor(210)->layer, 198);
  EXPECT_EQ(api::LayerAdapterFor(225)->layer, 227);
  EXPECT_EQ(api::LayerAdapterFor(300)->layer, 227);
}

// user#3ff6ecb0 in layer 144: flags, id, then access_hash(0) first_name(1) username(3)
// status(6) bot_info_version(14); bot_active_users (layer 223's flags2.12) is gone.
TEST(Layers, UserIn144) {
  const std::string bytes = EncodeIn(144, *layers_samples::User());
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x3ff6ecb0u);
  EXPECT_EQ(w.U32(), 1u << 10 | 1u << 14 | 1u << 0 | 1u << 1 | 1u << 3 | 1u << 6);
  EXPECT_EQ(w.I64(), 4200000001);
  EXPECT_EQ(w.I64(), -77);
  EXPECT_EQ(w.Str(), "Ann");
  EXPECT_EQ(w.Str(), "ann_bot");
  EXPECT_EQ(w.U32(), 0xe26f42f1u);  // userStatusRecently as layer 144 has it: no flags
  EXPECT_EQ(w.U32(), 3u);           // bot_info_version
  EXPECT_EQ(w.pos(), bytes.size());
}

// user#4b46c37e in layer 198 keeps flags2 (its stories_max_id is an int, not layer 223's
// RecentStory); userStatusRecently is already 7b197dc8 there.
TEST(Layers, UserIn198) {
  const std::string bytes = EncodeIn(198, *layers_samples::User());
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x4b46c37eu);
  EXPECT_EQ(w.U32(), 1u << 10 | 1u << 14 | 1u << 0 | 1u << 1 | 1u << 3 | 1u << 6);
  EXPECT_EQ(w.U32(), 1u << 12);  // flags2: bot_active_users, as in layer 223
  EXPECT_EQ(w.I64(), 4200000001);
  EXPECT_EQ(w.I64(), -77);
  EXPECT_EQ(w.Str(), "Ann");
  EXPECT_EQ(w.Str(), "ann_bot");
  EXPECT_EQ(w.U32(), 0x7b197dc8u);
  EXPECT_EQ(w.U32(), 0u);  // its flags
  EXPECT_EQ(w.U32(), 3u);
  EXPECT_EQ(w.U32(), 12u);  // bot_active_users
  EXPECT_EQ(w.pos(), bytes.size());
}

TEST(Layers, Layer227KeepsUnchangedConstructors) {
  auto user = layers_samples::User();
  auto config = layers_samples::Config();
  auto authorization = layers_samples::Authorization();
  auto invite = layers_samples::Invite();
  auto password = layers_samples::Password();
  for (const Object* object : {static_cast<const Object*>(user.get()),
                               static_cast<const Object*>(config.get()),
                               static_cast<const Object*>(authorization.get()),
                               static_cast<const Object*>(invite.get()),
                               static_cast<const Object*>(password.get())}) {
    absl::StatusOr<std::string> own = Serialize(*object);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(EncodeIn(227, *object), *own) << object->ToString();
  }
}

// auth.sentCodePaymentRequired#f8827ebf in layer 227 has premium_days:int before currency.
TEST(Layers, SentCodePaymentRequiredIn227) {
  api::auth_sentCodePaymentRequired sent;
  sent.store_product = "p";
  sent.phone_code_hash = "h";
  sent.support_email_address = "e";
  sent.support_email_subject = "s";
  sent.currency = "XTR";
  sent.amount = 99;
  const std::string bytes = EncodeIn(227, sent);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0xf8827ebfu);
  EXPECT_EQ(w.Str(), "p");
  EXPECT_EQ(w.Str(), "h");
  EXPECT_EQ(w.Str(), "e");
  EXPECT_EQ(w.Str(), "s");
  EXPECT_EQ(w.U32(), 0u);  // premium_days: only layer 227 has it
  EXPECT_EQ(w.Str(), "XTR");
  EXPECT_EQ(w.I64(), 99);
  EXPECT_EQ(w.pos(), bytes.size());
  auto back = DecodeCompat<api::auth_SentCode>(bytes);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->ToString(), sent.ToString());
}

// auth.authorization#33fb7bb8 (layer 144): no future_auth_token; the user inside is downgraded.
TEST(Layers, AuthorizationIn144DowngradesTheNestedUser) {
  auto authorization = layers_samples::Authorization();
  const std::string bytes = EncodeIn(144, *authorization);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x33fb7bb8u);
  EXPECT_EQ(w.U32(), 1u);  // tmp_sessions only
  EXPECT_EQ(w.U32(), 7u);
  EXPECT_EQ(w.U32(), 0x3ff6ecb0u);
  EXPECT_EQ(bytes.substr(12), EncodeIn(144, *authorization->user));
}

TEST(Layers, AuthorizationIn198KeepsItsIdButNotItsUser) {
  auto authorization = layers_samples::Authorization();
  const std::string bytes = EncodeIn(198, *authorization);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x2ea2c0d4u);  // the same in 198 and 223
  EXPECT_EQ(w.U32(), 1u | 1u << 2);
  EXPECT_EQ(w.U32(), 7u);
  EXPECT_EQ(w.Str(), "future");
  EXPECT_EQ(w.U32(), 0x4b46c37eu);
}

// config#330b4067 (layer 144) has seven ints that layer 223 dropped; they are written as 0.
TEST(Layers, ConfigIn144) {
  auto config = layers_samples::Config();
  const std::string bytes = EncodeIn(144, *config);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x330b4067u);
  EXPECT_EQ(w.U32(), 1u);  // tmp_sessions; autologin_token (flags.16) is not in layer 144
  EXPECT_EQ(w.U32(), 1700000000u);
  EXPECT_EQ(w.U32(), 1700003600u);
  EXPECT_EQ(w.U32(), kBoolFalseId);
  EXPECT_EQ(w.U32(), 2u);
  EXPECT_EQ(w.U32(), kVectorId);
  EXPECT_EQ(w.U32(), 1u);
  EXPECT_EQ(w.U32(), 0x18b7a10du);
  auto back = DecodeCompat<api::Config>(bytes);
  ASSERT_NE(back, nullptr);
  config->autologin_token.reset();  // what layer 144 cannot carry
  EXPECT_EQ(back->ToString(), config->ToString());
  EXPECT_EQ(EncodeIn(198, *config).substr(0, 4), std::string("\x1e\x24\x1a\xcc", 4));
}

// chatInviteExported#0ab4a819 (layer 144): subscription_expired (flags.10) is gone.
TEST(Layers, ChatInviteExportedIn144) {
  auto invite = layers_samples::Invite();
  const std::string bytes = EncodeIn(144, *invite);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x0ab4a819u);
  EXPECT_EQ(w.U32(), 1u << 5 | 1u << 2 | 1u << 8);
  EXPECT_EQ(w.Str(), "https://t.me/+abcdef");
  EXPECT_EQ(w.I64(), 4200000001);
  EXPECT_EQ(w.U32(), 1700000000u);
  EXPECT_EQ(w.U32(), 10u);
  EXPECT_EQ(w.Str(), "team");
  EXPECT_EQ(w.pos(), bytes.size());
  // Layer 198 has the same constructor as 223.
  absl::StatusOr<std::string> own = Serialize(*invite);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(EncodeIn(198, *invite), *own);
}

// account.password#185b184f (layer 144): no login_email_pattern.
TEST(Layers, PasswordIn144) {
  auto password = layers_samples::Password();
  const std::string bytes = EncodeIn(144, *password);
  Words w(bytes);
  EXPECT_EQ(w.U32(), 0x185b184fu);
  EXPECT_EQ(w.U32(), 1u << 2 | 1u << 3);
  EXPECT_EQ(w.U32(), 0xd45ab096u);
  auto back = DecodeCompat<api::account_Password>(bytes);
  ASSERT_NE(back, nullptr);
  password->login_email_pattern.reset();
  EXPECT_EQ(back->ToString(), password->ToString());
}

TEST(Layers, EveryLayerRoundTripsThroughTheCompatSchema) {
  for (int layer : {144, 198, 227}) {
    auto user = layers_samples::User();
    auto back = DecodeCompat<api::User>(EncodeIn(layer, *user));
    ASSERT_NE(back, nullptr) << layer;
    if (layer == 144) user->bot_active_users.reset();  // layer 144 lacks it
    EXPECT_EQ(back->ToString(), user->ToString()) << layer;
    auto authorization = layers_samples::Authorization();
    auto back_authorization = DecodeCompat<api::auth_Authorization>(EncodeIn(layer, *authorization));
    ASSERT_NE(back_authorization, nullptr) << layer;
  }
}

// auth.signIn#bcd51581 as Telethon 1.25.1 sends it: three required strings.
TEST(Layers, DecodesLayer144SignIn) {
  Writer out;
  out.Uint32(0xbcd51581);
  out.Bytes("+15550001");
  out.Bytes("hash");
  out.Bytes("12345");
  auto fn = DecodeCompat<api::Function>(out.data());
  ASSERT_NE(fn, nullptr);
  ASSERT_EQ(fn->ConstructorId(), api::auth_signIn::kId);
  const auto& sign_in = static_cast<const api::auth_signIn&>(*fn);
  EXPECT_EQ(sign_in.phone_number, "+15550001");
  EXPECT_EQ(sign_in.phone_code_hash, "hash");
  EXPECT_EQ(sign_in.phone_code, "12345");
  EXPECT_EQ(sign_in.email_verification, nullptr);
}

TEST(Layers, WithoutCompatOldIdsAreUnknown) {
  Writer out;
  out.Uint32(0xbcd51581);
  Reader in(out.data());
  EXPECT_EQ(FetchBoxedAs<api::Function>(in), nullptr);
  EXPECT_EQ(in.error(), DecodeError::kUnknownConstructor);
}

TEST(Layers, TruncatedOldFormsFailCleanly) {
  for (int layer : {144, 198}) {
    const std::string bytes = EncodeIn(layer, *layers_samples::Authorization());
    for (size_t size = 0; size < bytes.size(); ++size) {
      const std::string cut = bytes.substr(0, size);  // exact-size copy for valgrind
      Reader in(cut);
      in.set_compat(&api::kCompatSchema);
      EXPECT_EQ(FetchBoxedAs<api::auth_Authorization>(in), nullptr) << size;
      EXPECT_FALSE(in.ok());
    }
  }
}

}  // namespace
}  // namespace mtproto::tl

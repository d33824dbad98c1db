// The TL codec's rules, one by one, with byte strings from Telegram's documentation where it
// publishes them (core.telegram.org/mtproto/samples-auth_key).
#include <string>

#include "gtest/gtest.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/gzip.h"
#include "mtproto/tl/mt.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::tl {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <typename T>
std::string Encode(const T& object) {
  absl::StatusOr<std::string> bytes = Serialize(object);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

template <size_t N>
std::array<uint8_t, N> ArrayFromHex(std::string_view hex) {
  std::array<uint8_t, N> out{};
  const std::string bytes = FromHex(hex);
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// samples-auth_key, step 2: the server's resPQ (without the unencrypted message header).
constexpr std::string_view kResPqHex =
    "632416053e0549828cca27e966b301a48fece2fca5cf4d33f4a11ea877ba4aa5739073300817ed48941a08f9"
    "8100000015c4b51c01000000216be86c022bb4c3";

TEST(Codec, DecodesTheDocumentedResPq) {
  auto res_pq = Deserialize<mt::ResPQ>(FromHex(kResPqHex));
  ASSERT_TRUE(res_pq.ok()) << res_pq.status();
  auto& value = static_cast<mt::resPQ&>(**res_pq);
  EXPECT_EQ(value.nonce, ArrayFromHex<16>("3e0549828cca27e966b301a48fece2fc"));
  EXPECT_EQ(value.server_nonce, ArrayFromHex<16>("a5cf4d33f4a11ea877ba4aa573907330"));
  EXPECT_EQ(value.pq, FromHex("17ed48941a08f981"));
  ASSERT_EQ(value.server_public_key_fingerprints.size(), 1u);
  EXPECT_EQ(static_cast<uint64_t>(value.server_public_key_fingerprints[0]), 0xc3b42b026ce86b21u);
  EXPECT_EQ(Encode(value), FromHex(kResPqHex));
}

TEST(Codec, EncodesTheDocumentedPQInnerData) {
  mt::p_q_inner_data inner;
  inner.pq = FromHex("17ed48941a08f981");
  inner.p = FromHex("494c553b");
  inner.q = FromHex("53911073");
  inner.nonce = ArrayFromHex<16>("3e0549828cca27e966b301a48fece2fc");
  inner.server_nonce = ArrayFromHex<16>("a5cf4d33f4a11ea877ba4aa573907330");
  inner.new_nonce = ArrayFromHex<32>(
      "311c85db234aa2640afc4a76a735cf5b1f0fd68bd17fa181e1229ad867cc024d");
  EXPECT_EQ(Encode(inner),
            FromHex("ec5ac983"
                    "0817ed48941a08f981000000"
                    "04494c553b000000"
                    "0453911073000000"
                    "3e0549828cca27e966b301a48fece2fc"
                    "a5cf4d33f4a11ea877ba4aa573907330"
                    "311c85db234aa2640afc4a76a735cf5b1f0fd68bd17fa181e1229ad867cc024d"));
}

TEST(Codec, StringsUseTheLongLengthFormFrom254Bytes) {
  for (size_t size : {0, 1, 3, 4, 253, 254, 255, 1000}) {
    Writer out;
    out.Bytes(std::string(size, 'x'));
    EXPECT_EQ(out.size() % 4, 0u);
    EXPECT_EQ(static_cast<uint8_t>(out.data()[0]), size < 254 ? size : 254);
    Reader in(out.data());
    EXPECT_EQ(in.Bytes(), std::string(size, 'x'));
    EXPECT_TRUE(in.ok());
    EXPECT_EQ(in.remaining(), 0u);
  }
}

TEST(Codec, FlagsAreComputedFromPresence) {
  api::chatInviteExported link;
  link.link = "https://t.me/+abc";
  link.admin_id = 42;
  link.date = 1700000000;
  link.request_needed = true;  // flags.6?true
  link.usage_limit = 10;       // flags.2?int
  const std::string bytes = Encode(link);
  Reader in(bytes);
  EXPECT_EQ(in.Uint32(), api::chatInviteExported::kId);
  EXPECT_EQ(in.Uint32(), (1u << 6) | (1u << 2));

  auto decoded = Deserialize<api::ExportedChatInvite>(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  auto& back = static_cast<api::chatInviteExported&>(**decoded);
  EXPECT_TRUE(back.request_needed);
  EXPECT_FALSE(back.revoked);
  EXPECT_EQ(back.usage_limit, 10);
  EXPECT_FALSE(back.expire_date.has_value());
  EXPECT_EQ(back.subscription_pricing, nullptr);
}

TEST(Codec, SecondFlagsWordIsIndependent) {
  api::user user;
  user.id = 7;
  user.bot_can_edit = true;  // flags2.1?true
  const std::string bytes = Encode(user);
  Reader in(bytes);
  in.Uint32();
  EXPECT_EQ(in.Uint32(), 0u);         // flags
  EXPECT_EQ(in.Uint32(), 1u << 1);    // flags2
  auto back = Deserialize<api::User>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(static_cast<api::user&>(**back).bot_can_edit);
}

TEST(Codec, SeveralFieldsShareOneFlagBit) {
  api::chatFull chat;
  chat.id = 1;
  chat.about = "about";
  chat.participants = std::make_unique<api::chatParticipantsForbidden>();
  chat.notify_settings = std::make_unique<api::peerNotifySettings>();
  chat.requests_pending = 3;  // flags.17?int
  chat.recent_requesters = std::vector<int64_t>{5, 6};  // flags.17?Vector<long>
  auto back = Deserialize<api::ChatFull>(Encode(chat));
  ASSERT_TRUE(back.ok()) << back.status();
  auto& value = static_cast<api::chatFull&>(**back);
  EXPECT_EQ(value.requests_pending, 3);
  EXPECT_EQ(value.recent_requesters, (std::vector<int64_t>{5, 6}));
}

TEST(Codec, OptionalBoolHasThreeStates) {
  for (std::optional<bool> closed : {std::optional<bool>(), std::optional(true),
                                     std::optional(false)}) {
    api::messageActionTopicEdit edit;
    edit.closed = closed;
    auto back = Deserialize<api::MessageAction>(Encode(edit));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(static_cast<api::messageActionTopicEdit&>(**back).closed, closed);
  }
}

TEST(Codec, FlagsIntThatIsNotAFlagsWordIsAPlainField) {
  api::auth_importBotAuthorization login;  // flags:int, kept as sent
  login.flags = 5;
  login.api_id = 12345;
  login.api_hash = "0123456789abcdef";
  login.bot_auth_token = "123:ABC";
  const std::string bytes = Encode(login);
  Reader in(bytes);
  in.Uint32();
  EXPECT_EQ(in.Int32(), 5);
  EXPECT_EQ(in.Int32(), 12345);
}

TEST(Codec, GenericWrappersCarryAnyFunction) {
  auto init = std::make_unique<api::initConnection>();
  init->api_id = 1;
  init->device_model = "test";
  init->query = std::make_unique<api::help_getConfig>();
  api::invokeWithLayer call;
  call.layer = api::kLayer;
  call.query = std::move(init);
  const std::string bytes = Encode(call);

  auto back = Deserialize<api::Function>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  auto& layer = static_cast<api::invokeWithLayer&>(**back);
  EXPECT_EQ(layer.layer, 223);
  auto& inner = static_cast<api::initConnection&>(*layer.query);
  EXPECT_EQ(inner.query->ConstructorId(), api::help_getConfig::kId);
  EXPECT_EQ(back->get()->ToString(),
            "invokeWithLayer{layer=223 query=initConnection{api_id=1 device_model=\"test\" "
            "system_version=\"\" app_version=\"\" system_lang_code=\"\" lang_pack=\"\" "
            "lang_code=\"\" query=help.getConfig{}}}");
}

TEST(Codec, FunctionResultCodec) {
  // messages.getExportedChatInvites returns a boxed messages.ExportedChatInvites.
  using Result = api::messages_getExportedChatInvites::Result;
  api::messages_exportedChatInvites page;
  page.count = 1;
  page.invites.push_back(std::make_unique<api::chatInvitePublicJoinRequests>());
  auto back = DeserializeAs<Result>(Encode(page));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->ConstructorId(), api::messages_exportedChatInvites::kId);
  // A function returning a vector of longs.
  Writer out;
  VectorC<LongC>::Store(out, {1, 2, 3});
  auto longs = DeserializeAs<VectorC<LongC>>(out.data());
  ASSERT_TRUE(longs.ok());
  EXPECT_EQ(*longs, (std::vector<int64_t>{1, 2, 3}));
}

TEST(Codec, BareVectorOfBareConstructors) {
  mt::future_salts salts;
  salts.req_msg_id = 1;
  salts.now = 2;
  for (int i = 0; i < 3; ++i) {
    auto salt = std::make_unique<mt::future_salt>();
    salt->salt = 100 + i;
    salts.salts.push_back(std::move(salt));
  }
  const std::string bytes = Encode(salts);
  // id, req_msg_id, now, count (no vector id), then 3 × 16 bytes with no constructor ids.
  EXPECT_EQ(bytes.size(), 4u + 8 + 4 + 4 + 3 * 16);
  auto back = Deserialize<mt::FutureSalts>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(static_cast<mt::future_salts&>(**back).salts[2]->salt, 102);
}

TEST(Codec, ContainerMessagesKeepTheirBodiesSerialized) {
  mt::pong pong;
  pong.msg_id = 10;
  pong.ping_id = 20;
  mt::msg_container container;
  auto message = std::make_unique<mt::message>();
  message->msg_id = 11;
  message->seqno = 1;
  message->body.bytes = Encode(pong);
  container.messages.push_back(std::move(message));
  const std::string bytes = Encode(container);
  auto back = Deserialize<mt::MessageContainer>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  auto& first = *static_cast<mt::msg_container&>(**back).messages[0];
  EXPECT_EQ(first.body.bytes, Encode(pong));
  EXPECT_EQ(back->get()->ToString(),
            "msg_container{messages=[message{msg_id=11 seqno=1 body=pong{msg_id=10 "
            "ping_id=20}}]}");
  // A body length that runs past the container is an error, not a read out of bounds.
  std::string broken = bytes;
  broken[4 + 4 + 8 + 4] = 0x7f;
  EXPECT_FALSE(Deserialize<mt::MessageContainer>(broken).ok());
}

TEST(Codec, RpcResultKeepsTheAnswerForTheCaller) {
  Writer answer;
  VectorC<IntC>::Store(answer, {7, 8});
  mt::rpc_result result;
  result.req_msg_id = 99;
  result.result.bytes = answer.data();
  auto back = Deserialize<mt::RpcResult>(Encode(result));
  ASSERT_TRUE(back.ok()) << back.status();
  const auto& raw = static_cast<mt::rpc_result&>(**back).result;
  EXPECT_EQ(raw.ConstructorId(), kVectorId);
  EXPECT_EQ(*DeserializeAs<VectorC<IntC>>(raw.bytes), (std::vector<int32_t>{7, 8}));
}

TEST(Codec, GzipPackedIsUnwrappedWhereverAnObjectMayStand) {
  api::messages_exportedChatInvites page;
  page.count = 1234;
  Writer packed;
  packed.Uint32(kGzipPackedId);
  packed.Bytes(Gzip(Encode(page)));
  auto back = Deserialize<api::messages_ExportedChatInvites>(packed.data());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(static_cast<api::messages_exportedChatInvites&>(**back).count, 1234);

  Writer corrupt;
  corrupt.Uint32(kGzipPackedId);
  corrupt.Bytes("not gzip at all");
  auto status = Deserialize<api::messages_ExportedChatInvites>(corrupt.data()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("gzip"), std::string::npos) << status;
}

TEST(Codec, GzipBombIsRefused) {
  const std::string zeros(kMaxGunzipSize + 1, '\0');
  std::string out;
  EXPECT_FALSE(Gunzip(Gzip(zeros), &out));
  EXPECT_TRUE(Gunzip(Gzip("hello"), &out));
  EXPECT_EQ(out, "hello");
  EXPECT_FALSE(Gunzip(Gzip("hello").substr(0, 10), &out));  // truncated stream
}

TEST(Codec, ErrorsNameTheProblem) {
  Writer unknown;
  unknown.Uint32(0xdeadbeef);
  EXPECT_EQ(Deserialize<api::User>(unknown.data()).status().message(),
            "TL decode: unknown constructor 0xdeadbeef at byte 4");

  Writer wrong_type;  // a Chat where a User is expected
  api::chatEmpty chat;
  chat.StoreBoxed(wrong_type);
  EXPECT_NE(Deserialize<api::User>(wrong_type.data()).status().message().find("unexpected"),
            std::string::npos);

  std::string trailing = Encode(chat) + std::string(4, '\0');
  EXPECT_NE(Deserialize<api::Chat>(trailing).status().message().find("trailing"),
            std::string::npos);
}

TEST(Codec, HugeCountsFailBeforeAllocating) {
  Writer out;
  out.Uint32(api::messages_exportedChatInvites::kId);
  out.Int32(1);
  out.Uint32(kVectorId);
  out.Uint32(0xffffffff);  // four billion invites in a few bytes
  auto status = Deserialize<api::messages_ExportedChatInvites>(out.data()).status();
  EXPECT_NE(status.message().find("length exceeds input"), std::string::npos) << status;
}

TEST(Codec, DeepNestingIsRefused) {
  // invokeWithoutUpdates(invokeWithoutUpdates(...)) nested past the limit.
  Writer out;
  for (int i = 0; i < Reader::kMaxDepth + 10; ++i) out.Uint32(api::invokeWithoutUpdates::kId);
  out.Uint32(api::help_getConfig::kId);
  auto status = Deserialize<api::Function>(out.data()).status();
  EXPECT_NE(status.message().find("nesting too deep"), std::string::npos) << status;
}

TEST(Codec, NullRequiredObjectIsAnEncodingError) {
  api::contacts_resolvedPeer resolved;  // peer left null
  auto bytes = Serialize(resolved);
  EXPECT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("Peer"), std::string::npos) << bytes.status();
}

}  // namespace
}  // namespace mtproto::tl

// Readable TL text for logs, with secrets masked.
#include "gtest/gtest.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/mt.h"

namespace mtproto::tl {
namespace {

TEST(Printer, PrintsFieldsInSchemaOrderAndSkipsAbsentOnes) {
  api::chatInviteExported link;
  link.request_needed = true;
  link.link = "https://t.me/+AbC";
  link.admin_id = 42;
  link.date = 1700000000;
  link.title = "VIP \"gold\"";
  EXPECT_EQ(link.ToString(),
            "chatInviteExported{request_needed=true link=\"https://t.me/+AbC\" admin_id=42 "
            "date=1700000000 title=\"VIP \\\"gold\\\"\"}");
}

TEST(Printer, MasksSecrets) {
  api::auth_importBotAuthorization login;
  login.api_id = 1;
  login.api_hash = "0123456789abcdef0123456789abcdef";
  login.bot_auth_token = "123456:AAAA-secret-token";
  const std::string text = login.ToString();
  EXPECT_EQ(text.find("secret-token"), std::string::npos) << text;
  EXPECT_EQ(text.find("0123456789abcdef"), std::string::npos) << text;
  EXPECT_NE(text.find("bot_auth_token=<secret 24 bytes>"), std::string::npos) << text;

  api::auth_signIn sign_in;
  sign_in.phone_number = "9996621234";
  sign_in.phone_code_hash = "hash";
  sign_in.phone_code = "22222";
  EXPECT_EQ(sign_in.ToString().find("22222"), std::string::npos) << sign_in.ToString();

  auto srp = std::make_unique<api::inputCheckPasswordSRP>();
  srp->M1 = "m1-proof";
  api::auth_checkPassword check;
  check.password = std::move(srp);
  EXPECT_EQ(check.ToString(), "auth.checkPassword{password=<secret>}");
}

TEST(Printer, BytesAreHexAndLongValuesAreCut) {
  mt::req_pq_multi req;
  req.nonce[0] = 0xab;
  EXPECT_EQ(req.ToString(), "req_pq_multi{nonce=0xab000000000000000000000000000000}");

  api::help_getConfig config;
  api::invokeWithLayer call;
  call.layer = 223;
  EXPECT_EQ(call.ToString(), "invokeWithLayer{layer=223 query=null}");

  api::chatInviteExported link;
  link.link = std::string(500, 'x');
  const std::string text = link.ToString();
  EXPECT_NE(text.find("...(500 bytes)"), std::string::npos);
  EXPECT_LT(text.size(), 300u);
}

TEST(Printer, NestedObjectsAndVectors) {
  api::messages_exportedChatInvites page;
  page.count = 2;
  page.invites.push_back(std::make_unique<api::chatInvitePublicJoinRequests>());
  page.invites.push_back(std::make_unique<api::chatInvitePublicJoinRequests>());
  auto user = std::make_unique<api::userEmpty>();
  user->id = 5;
  page.users.push_back(std::move(user));
  EXPECT_EQ(page.ToString(),
            "messages.exportedChatInvites{count=2 invites=[chatInvitePublicJoinRequests{} "
            "chatInvitePublicJoinRequests{}] users=[userEmpty{id=5}]}");
}

}  // namespace
}  // namespace mtproto::tl

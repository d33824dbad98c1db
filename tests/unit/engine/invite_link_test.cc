// ParseInviteLink / ParsePublicLink: every accepted form of an invite link and a public link,
// and the near misses that must be refused (core.telegram.org/api/invites#invite-links).
#include "mtproto/engine/invite_link.h"

#include <string>

#include "gtest/gtest.h"

namespace mtproto::engine {
namespace {

using std::nullopt;

TEST(ParseInviteLink, AcceptsEveryHostSchemeAndPathForm) {
  for (std::string scheme : {"", "http://", "https://", "HTTPS://", "Http://"}) {
    for (std::string www : {"", "www.", "WWW."}) {
      for (std::string host : {"t.me", "telegram.me", "telegram.dog", "T.ME", "Telegram.Dog"}) {
        for (std::string path : {"+AbC_d-9", "joinchat/AbC_d-9", "JoinChat/AbC_d-9"}) {
          const std::string link = scheme + www + host + "/" + path;
          EXPECT_EQ(ParseInviteLink(link), "AbC_d-9") << link;
        }
      }
    }
  }
}

TEST(ParseInviteLink, HashKeepsItsCase) {
  EXPECT_EQ(ParseInviteLink("https://t.me/+AAAAbbbbCCCC"), "AAAAbbbbCCCC");
  EXPECT_EQ(ParseInviteLink("https://T.ME/+aaaaBBBB"), "aaaaBBBB");
}

TEST(ParseInviteLink, ToleratesTrailingSlashQueryFragmentAndSpaces) {
  EXPECT_EQ(ParseInviteLink("https://t.me/+abc/"), "abc");
  EXPECT_EQ(ParseInviteLink("https://t.me/+abc?utm=1"), "abc");
  EXPECT_EQ(ParseInviteLink("https://t.me/+abc/?utm=1"), "abc");
  EXPECT_EQ(ParseInviteLink("https://t.me/joinchat/abc#top"), "abc");
  EXPECT_EQ(ParseInviteLink("  https://t.me/+abc \n"), "abc");
}

TEST(ParseInviteLink, AcceptsBarePlusHashAndTgJoin) {
  EXPECT_EQ(ParseInviteLink("+AbCdEfGhIj"), "AbCdEfGhIj");
  EXPECT_EQ(ParseInviteLink("tg://join?invite=AbCdEf"), "AbCdEf");
  EXPECT_EQ(ParseInviteLink("tg://join?foo=1&invite=AbCdEf"), "AbCdEf");
  EXPECT_EQ(ParseInviteLink("tg://join?invite="), nullopt);
  EXPECT_EQ(ParseInviteLink("tg://resolve?domain=durov"), nullopt);
}

TEST(ParseInviteLink, TheSeedsExample) {
  EXPECT_EQ(ParseInviteLink("https://t.me/+AbCdEfGhIj"), "AbCdEfGhIj");
}

TEST(ParseInviteLink, RefusesEverythingElse) {
  for (const char* text : {
           "",
           " ",
           "+",
           "AbCdEfGhIj",                      // a bare hash could be a username
           "https://t.me/durov",              // a public username link
           "https://t.me/s/durov",            // a channel preview
           "https://t.me/+",                  // empty hash
           "https://t.me/joinchat/",          // empty hash
           "https://t.me/joinchat",           // no hash at all
           "https://t.me/+abc/def",           // more path after the hash
           "https://t.me/+ab c",              // space inside
           "https://t.me/+ab.c",              // '.' is not a hash character
           "https://t.me/+abc%20",            // escaped characters
           "https://example.com/+abc",        // another host
           "https://t.me.evil.com/+abc",      // a host that only starts like ours
           "https://evilt.me/+abc",           // a host that only ends like ours
           "https://telegram.org/+abc",       // telegram.org has no invite links
           "ftp://t.me/+abc",                 // another scheme
           "https://t.me+abc",                // no slash
           "t.me/",                           // nothing
           "https://t.me/joinchat/abc/extra", // more path
           "https://t.me/c/12345/6",          // a private message link
           "@durov",
           "https://t.me/addstickers/Animals",
       }) {
    EXPECT_EQ(ParseInviteLink(text), nullopt) << '"' << text << '"';
  }
}

TEST(ParseInviteLink, SurvivesGarbage) {
  std::string s;
  for (int i = 0; i < 2000; ++i) {
    s.push_back(static_cast<char>((i * 7919) & 0xff));
    (void)ParseInviteLink(s);
    (void)ParsePublicLink(s);
    (void)ParseInviteLink("https://t.me/+" + s);
  }
}

TEST(InviteLinkForHash, IsCanonical) {
  EXPECT_EQ(InviteLinkForHash("abc"), "https://t.me/+abc");
  EXPECT_EQ(ParseInviteLink(InviteLinkForHash("x-Y_z")), "x-Y_z");
}

TEST(ParsePublicLink, AcceptsUsernameLinks) {
  EXPECT_EQ(ParsePublicLink("https://t.me/durov"), "durov");
  EXPECT_EQ(ParsePublicLink("t.me/Durov/"), "Durov");
  EXPECT_EQ(ParsePublicLink("HTTP://WWW.TELEGRAM.ME/durov?start=1"), "durov");
  EXPECT_EQ(ParsePublicLink("telegram.dog/durov/123"), "durov");
  EXPECT_EQ(ParsePublicLink("https://t.me/s/some_channel"), "some_channel");
  EXPECT_EQ(ParsePublicLink("tg://resolve?domain=some_bot"), "some_bot");
}

TEST(ParsePublicLink, RefusesInviteLinksReservedPathsAndBadNames) {
  for (const char* text : {
           "https://t.me/+abc", "https://t.me/joinchat/abcdef", "https://t.me/addstickers/x",
           "https://t.me/proxy?server=1", "https://t.me/share/url?url=x", "https://t.me/c/123/4",
           "https://t.me/abc",         // too short
           "https://t.me/1durov",      // starts with a digit
           "https://t.me/du-rov",      // '-' is not allowed in usernames
           "https://t.me/durov/x",     // only a post id may follow
           "durov", "@durov", "https://example.com/durov",
       }) {
    EXPECT_EQ(ParsePublicLink(text), nullopt) << text;
  }
  EXPECT_EQ(ParsePublicLink("https://t.me/durov/"), "durov");
}

TEST(LooksLikeUsername, Shape) {
  EXPECT_TRUE(LooksLikeUsername("durov"));
  EXPECT_TRUE(LooksLikeUsername("abcd"));
  EXPECT_TRUE(LooksLikeUsername("a_1_b"));
  EXPECT_TRUE(LooksLikeUsername(std::string(32, 'a')));
  EXPECT_FALSE(LooksLikeUsername(std::string(33, 'a')));
  EXPECT_FALSE(LooksLikeUsername("abc"));
  EXPECT_FALSE(LooksLikeUsername("_abcd"));
  EXPECT_FALSE(LooksLikeUsername("9abcd"));
  EXPECT_FALSE(LooksLikeUsername("ab-cd"));
  EXPECT_FALSE(LooksLikeUsername("ab cd"));
  EXPECT_FALSE(LooksLikeUsername(""));
}

}  // namespace
}  // namespace mtproto::engine

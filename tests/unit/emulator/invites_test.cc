// The invite-link methods at the dispatcher: every method, its documented errors, the counters,
// pagination (exact multiples of the limit, ties on date), bots' restrictions, what is published
// to whom, the layer-227 answer, persistence across a restart, and the approval-gated flow of
// the product seed (a link needing approval, a join request, the admin lists and approves it).
#include <cstring>
#include <set>

#include "gtest/gtest.h"
#include "tests/unit/emulator/invite_fixture.h"

namespace mtproto::emulator::testing {
namespace {

TEST_F(InviteTest, ExportCreatesALinkWithItsSettings) {
  Outcome o = ExportRaw(kBob, kChannel, [&](api::messages_exportChatInvite& r) {
    r.expire_date = static_cast<int32_t>(now_ + 3600);
    r.usage_limit = 10;
    r.title = "Spring campaign";
  });
  const auto* invite = As<api::chatInviteExported>(o);
  ASSERT_NE(invite, nullptr);
  EXPECT_EQ(invite->link.rfind("https://t.me/+", 0), 0u);
  EXPECT_EQ(invite->link.size(), std::string("https://t.me/+").size() + 16);
  EXPECT_EQ(invite->admin_id, kBob);
  EXPECT_EQ(invite->date, now_);
  EXPECT_EQ(invite->expire_date, now_ + 3600);
  EXPECT_EQ(invite->usage_limit, 10);
  EXPECT_EQ(invite->title, "Spring campaign");
  EXPECT_FALSE(invite->permanent);
  EXPECT_FALSE(invite->revoked);
  EXPECT_FALSE(invite->usage.has_value());
}

TEST_F(InviteTest, ExportValidatesItsParameters) {
  auto error = [&](const std::function<void(api::messages_exportChatInvite&)>& edit, int64_t chat = kChannel) {
    return ErrorOf(ExportRaw(kAlice, chat, edit));
  };
  EXPECT_EQ(error([](auto& r) { r.usage_limit = 100000; }), "USAGE_LIMIT_INVALID");
  EXPECT_EQ(error([](auto& r) { r.usage_limit = -1; }), "USAGE_LIMIT_INVALID");
  EXPECT_EQ(error([](auto& r) {
              r.usage_limit = 5;
              r.request_needed = true;
            }),
            "USAGE_LIMIT_INVALID");
  EXPECT_EQ(error([&](auto& r) { r.expire_date = static_cast<int32_t>(now_ - 1); }), "EXPIRE_DATE_INVALID");
  EXPECT_EQ(error([](auto& r) { r.title = std::string(33, 'x'); }), "TITLE_INVALID");
  // 32 characters of two bytes each are fine.
  EXPECT_EQ(Export(kAlice, kChannel, [](auto& r) {
              std::string title;
              for (int i = 0; i < 32; ++i) title += "\xc3\xa9";
              r.title = title;
            }).empty(),
            false);
  EXPECT_FALSE(Export(kAlice, kChannel, [](auto& r) { r.usage_limit = 99999; }).empty());
  auto pricing = [](int32_t period, int64_t amount) {
    auto p = Make<api::starsSubscriptionPricing>();
    p->period = period;
    p->amount = amount;
    return p;
  };
  EXPECT_EQ(error([&](auto& r) { r.subscription_pricing = pricing(2592000, 10); }, kSupergroup),
            "PRICING_CHAT_INVALID");
  EXPECT_EQ(error([&](auto& r) { r.subscription_pricing = pricing(60, 10); }), "SUBSCRIPTION_PERIOD_INVALID");
  EXPECT_EQ(error([&](auto& r) { r.subscription_pricing = pricing(2592000, 0); }), "PRICING_CHAT_INVALID");
  Outcome ok = ExportRaw(kAlice, kChannel, [&](auto& r) { r.subscription_pricing = pricing(2592000, 50); });
  const auto* paid = As<api::chatInviteExported>(ok);
  ASSERT_NE(paid, nullptr);
  ASSERT_NE(paid->subscription_pricing, nullptr);
  // Joining a subscription link needs a payment first.
  EXPECT_EQ(ErrorOf(Import(kDave, paid->link)), "STARS_PAYMENT_REQUIRED");
}

TEST_F(InviteTest, PeersAreCheckedWithTheirAccessHash) {
  auto wrong = Make<api::inputPeerChannel>();
  wrong->channel_id = kChannel;
  wrong->access_hash = 12345;
  auto req = Make<api::messages_exportChatInvite>();
  req->peer = std::move(wrong);
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(req))), "CHANNEL_INVALID");
  auto unknown = Make<api::inputPeerChat>();
  unknown->chat_id = 999;
  req = Make<api::messages_exportChatInvite>();
  req->peer = std::move(unknown);
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(req))), "PEER_ID_INVALID");
  req = Make<api::messages_exportChatInvite>();
  req->peer = Make<api::inputPeerSelf>();
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(req))), "PEER_ID_INVALID");
  // A private channel the caller is not in; a basic group it is not in.
  EXPECT_EQ(ErrorOf(ExportRaw(kDave, kChannel)), "CHANNEL_PRIVATE");
  EXPECT_EQ(ErrorOf(ExportRaw(kDave, kGroup)), "PEER_ID_INVALID");
  // Members without can_invite_users.
  EXPECT_EQ(ErrorOf(ExportRaw(kCarol, kChannel)), "CHAT_ADMIN_REQUIRED");
  EXPECT_EQ(ErrorOf(ExportRaw(kCarol, kGroup)), "CHAT_ADMIN_REQUIRED");
  EXPECT_EQ(ErrorOf(ExportRaw(kDave, kSupergroup)), "CHAT_ADMIN_REQUIRED");  // public, not a member
}

TEST_F(InviteTest, BotsExportAndEditButNotTheUserOnlyMethods) {
  const std::string link = Export(kBot, kSupergroup);
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(LinkOf(link).admin_id, kBot);
  auto edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->usage_limit = 3;
  Outcome edited = Run(kBot, std::move(edit));
  ASSERT_NE(As<api::messages_exportedChatInvite>(edited), nullptr);
  // Users, even the creator, cannot edit a bot's link.
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->title = "mine";
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(edit))), "EDIT_BOT_INVITE_FORBIDDEN");

  std::vector<tl::ObjectPtr<api::Function>> user_only;
  {
    auto r = Make<api::messages_getExportedChatInvites>();
    r->peer = Peer(kSupergroup);
    r->admin_id = Make<api::inputUserSelf>();
    r->limit = 10;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_getExportedChatInvite>();
    r->peer = Peer(kSupergroup);
    r->link = link;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_deleteExportedChatInvite>();
    r->peer = Peer(kSupergroup);
    r->link = link;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_deleteRevokedExportedChatInvites>();
    r->peer = Peer(kSupergroup);
    r->admin_id = Make<api::inputUserSelf>();
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_getAdminsWithInvites>();
    r->peer = Peer(kSupergroup);
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_getChatInviteImporters>();
    r->peer = Peer(kSupergroup);
    r->offset_user = Make<api::inputUserEmpty>();
    r->limit = 10;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_hideAllChatJoinRequests>();
    r->peer = Peer(kSupergroup);
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_checkChatInvite>();
    r->hash = LinkHash(link);
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::messages_importChatInvite>();
    r->hash = LinkHash(link);
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::channels_joinChannel>();
    r->channel = Channel(kSupergroup);
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::channels_toggleJoinRequest>();
    r->channel = Channel(kSupergroup);
    r->enabled = true;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::channels_toggleJoinToSend>();
    r->channel = Channel(kSupergroup);
    r->enabled = true;
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::channels_checkUsername>();
    r->channel = Channel(kSupergroup);
    r->username = "some_name";
    user_only.push_back(std::move(r));
  }
  {
    auto r = Make<api::channels_updateUsername>();
    r->channel = Channel(kSupergroup);
    r->username = "some_name";
    user_only.push_back(std::move(r));
  }
  for (auto& request : user_only) {
    const std::string name = request->kName ? "" : "";
    Outcome o = Run(kBot, std::move(request));
    EXPECT_EQ(ErrorOf(o), "BOT_METHOD_INVALID");
  }
  auto resolve = Make<api::contacts_resolveUsername>();
  resolve->username = "invitegate_group";
  Outcome resolved = Run(kBot, std::move(resolve));
  EXPECT_NE(As<api::contacts_resolvedPeer>(resolved), nullptr);
}

TEST_F(InviteTest, LegacyRevokePermanentReplacesThePrimaryLink) {
  const std::string old_primary = chats_->FindChat(kSupergroup)->primary_hash;
  Outcome o = ExportRaw(kBob, kSupergroup, [](auto& r) { r.legacy_revoke_permanent = true; });
  const auto* invite = As<api::chatInviteExported>(o);
  ASSERT_NE(invite, nullptr);
  EXPECT_TRUE(invite->permanent);
  EXPECT_EQ(invite->admin_id, kBob);
  EXPECT_TRUE(chats_->FindLink(old_primary)->revoked);
  EXPECT_EQ(chats_->FindChat(kSupergroup)->primary_hash, LinkHash(invite->link));
}

// Bob's links of `chat`, page by page with `limit`: the links of each page.
std::vector<std::vector<std::string>> Pages(InviteTest* t, const std::function<Outcome(
                                                               std::optional<int32_t>, std::optional<std::string>)>& get,
                                            int* count) {
  std::vector<std::vector<std::string>> pages;
  std::optional<int32_t> offset_date;
  std::optional<std::string> offset_link;
  for (int guard = 0; guard < 20; ++guard) {
    Outcome o = get(offset_date, offset_link);
    const auto* answer = std::get_if<RpcAnswer>(&o) ? std::get<RpcAnswer>(o).As<api::messages_exportedChatInvites>() : nullptr;
    EXPECT_NE(answer, nullptr);
    if (!answer) break;
    *count = answer->count;
    std::vector<std::string> page;
    for (const auto& i : answer->invites) {
      const auto& e = static_cast<const api::chatInviteExported&>(*i);
      page.push_back(e.link);
      offset_date = e.date;
      offset_link = e.link;
    }
    pages.push_back(page);
    if (page.empty()) break;
  }
  return pages;
}

TEST_F(InviteTest, ListsLinksNewestFirstWithACursorThatHandlesTiesAndExactMultiples) {
  std::vector<std::string> links;
  for (int i = 0; i < 4; ++i) links.push_back(Export(kBob, kChannel));  // same second: a tie
  now_ += 10;
  for (int i = 0; i < 2; ++i) links.push_back(Export(kBob, kChannel));
  Export(kAlice, kChannel);  // another admin's link is not listed
  auto get = [&](int limit) {
    return [&, limit](std::optional<int32_t> date, std::optional<std::string> link) {
      auto r = Make<api::messages_getExportedChatInvites>();
      r->peer = Peer(kChannel);
      r->admin_id = User(kBob);
      r->limit = limit;
      r->offset_date = date;
      r->offset_link = link;
      return Run(kBob, std::move(r));
    };
  };
  int count = 0;
  // 6 links by 3: two full pages, then an empty one.
  auto pages = Pages(this, get(3), &count);
  EXPECT_EQ(count, 6);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].size(), 3u);
  EXPECT_EQ(pages[1].size(), 3u);
  EXPECT_TRUE(pages[2].empty());
  std::set<std::string> seen;
  for (const auto& page : pages) seen.insert(page.begin(), page.end());
  EXPECT_EQ(seen, std::set<std::string>(links.begin(), links.end()));
  // The two newer links come first.
  EXPECT_TRUE(std::set<std::string>(links.begin() + 4, links.end()).count(pages[0][0]));
  EXPECT_TRUE(std::set<std::string>(links.begin() + 4, links.end()).count(pages[0][1]));
  // By 4: 4 + 2.
  pages = Pages(this, get(4), &count);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].size(), 4u);
  EXPECT_EQ(pages[1].size(), 2u);
  // More than 100 is capped at 100.
  pages = Pages(this, get(1000), &count);
  EXPECT_EQ(pages[0].size(), 6u);

  // Revoked links are listed apart.
  auto revoke = Make<api::messages_editExportedChatInvite>();
  revoke->revoked = true;
  revoke->peer = Peer(kChannel);
  revoke->link = links[0];
  ASSERT_NE(As<api::messages_exportedChatInvite>(Run(kBob, std::move(revoke))), nullptr);
  auto r = Make<api::messages_getExportedChatInvites>();
  r->revoked = true;
  r->peer = Peer(kChannel);
  r->admin_id = User(kBob);
  r->limit = 10;
  Outcome revoked = Run(kBob, std::move(r));
  const auto* list = As<api::messages_exportedChatInvites>(revoked);
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->count, 1);
  EXPECT_EQ(static_cast<const api::chatInviteExported&>(*list->invites[0]).link, links[0]);

  // Another admin's links: the creator may look, an admin may not.
  r = Make<api::messages_getExportedChatInvites>();
  r->peer = Peer(kChannel);
  r->admin_id = User(kAlice);
  r->limit = 10;
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(r))), "CHAT_ADMIN_REQUIRED");
  r = Make<api::messages_getExportedChatInvites>();
  r->peer = Peer(kChannel);
  r->admin_id = User(kBob);
  r->limit = 10;
  Outcome by_creator = Run(kAlice, std::move(r));
  ASSERT_NE(As<api::messages_exportedChatInvites>(by_creator), nullptr);
  r = Make<api::messages_getExportedChatInvites>();
  r->peer = Peer(kChannel);
  auto bad = Make<api::inputUser>();
  bad->user_id = kBob;
  bad->access_hash = 1;
  r->admin_id = std::move(bad);
  r->limit = 10;
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(r))), "ADMIN_ID_INVALID");
}

TEST_F(InviteTest, GetEditRevokeAndDelete) {
  const std::string link = Export(kBob, kSupergroup, [](auto& r) { r.usage_limit = 5; });
  auto get = Make<api::messages_getExportedChatInvite>();
  get->peer = Peer(kSupergroup);
  get->link = link;
  Outcome got = Run(kBob, std::move(get));
  const auto* one = As<api::messages_exportedChatInvite>(got);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(static_cast<const api::chatInviteExported&>(*one->invite).usage_limit, 5);
  ASSERT_EQ(one->users.size(), 1u);
  get = Make<api::messages_getExportedChatInvite>();
  get->peer = Peer(kSupergroup);
  get->link = "https://t.me/+AAAAAAAAAAAAAAAA";
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(get))), "INVITE_HASH_EXPIRED");

  // Edit: request_needed clears the usage limit; 0 removes a limit or an expiry.
  auto edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->request_needed = true;
  edit->title = "Needs approval";
  Outcome edited = Run(kBob, std::move(edit));
  const auto* e = As<api::messages_exportedChatInvite>(edited);
  ASSERT_NE(e, nullptr);
  const auto& inv = static_cast<const api::chatInviteExported&>(*e->invite);
  EXPECT_TRUE(inv.request_needed);
  EXPECT_FALSE(inv.usage_limit.has_value());
  EXPECT_EQ(inv.title, "Needs approval");
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->usage_limit = 7;
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(edit))), "USAGE_LIMIT_INVALID");  // still request_needed
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->request_needed = false;
  edit->usage_limit = 7;
  edit->expire_date = static_cast<int32_t>(now_ + 60);
  Outcome edited2 = Run(kBob, std::move(edit));
  ASSERT_NE(As<api::messages_exportedChatInvite>(edited2), nullptr);
  EXPECT_EQ(LinkOf(link).usage_limit, 7);
  EXPECT_EQ(LinkOf(link).expire_date, now_ + 60);

  // The permanent link cannot be edited, only revoked.
  const std::string primary = "https://t.me/+" + chats_->FindChat(kSupergroup)->primary_hash;
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = primary;
  edit->usage_limit = 3;
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(edit))), "CHAT_INVITE_PERMANENT");
  // Bob may not touch Alice's links.
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = primary;
  edit->revoked = true;
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(edit))), "CHAT_ADMIN_REQUIRED");
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = primary;
  edit->revoked = true;
  Outcome replaced = Run(kAlice, std::move(edit));
  const auto* r = As<api::messages_exportedChatInviteReplaced>(replaced);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(static_cast<const api::chatInviteExported&>(*r->invite).revoked);
  const auto& fresh = static_cast<const api::chatInviteExported&>(*r->new_invite);
  EXPECT_TRUE(fresh.permanent);
  EXPECT_FALSE(fresh.revoked);
  EXPECT_EQ(fresh.admin_id, kAlice);
  EXPECT_EQ("https://t.me/+" + chats_->FindChat(kSupergroup)->primary_hash, fresh.link);
  EXPECT_EQ(ErrorOf(Import(kDave, primary)), "INVITE_HASH_EXPIRED");

  // Delete: only revoked links.
  auto del = Make<api::messages_deleteExportedChatInvite>();
  del->peer = Peer(kSupergroup);
  del->link = link;
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(del))), "INVITE_REVOKED_MISSING");
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->revoked = true;
  Outcome revoked = Run(kBob, std::move(edit));
  ASSERT_NE(As<api::messages_exportedChatInvite>(revoked), nullptr);
  edit = Make<api::messages_editExportedChatInvite>();
  edit->peer = Peer(kSupergroup);
  edit->link = link;
  edit->title = "too late";
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(edit))), "INVITE_HASH_EXPIRED");
  del = Make<api::messages_deleteExportedChatInvite>();
  del->peer = Peer(kSupergroup);
  del->link = link;
  EXPECT_EQ(BoolOf(Run(kBob, std::move(del))), true);
  EXPECT_EQ(chats_->FindLink(LinkHash(link)), nullptr);

  // Delete all revoked links of one admin.
  for (int i = 0; i < 3; ++i) {
    const std::string l = Export(kBob, kSupergroup);
    auto rv = Make<api::messages_editExportedChatInvite>();
    rv->peer = Peer(kSupergroup);
    rv->link = l;
    rv->revoked = true;
    Outcome o = Run(kBob, std::move(rv));
    ASSERT_NE(As<api::messages_exportedChatInvite>(o), nullptr);
  }
  const std::string kept = Export(kBob, kSupergroup);
  auto all = Make<api::messages_deleteRevokedExportedChatInvites>();
  all->peer = Peer(kSupergroup);
  all->admin_id = Make<api::inputUserSelf>();
  EXPECT_EQ(BoolOf(Run(kBob, std::move(all))), true);
  int bobs_revoked = 0;
  for (const InviteLink* l : chats_->LinksOf(kSupergroup)) bobs_revoked += l->admin_id == kBob && l->revoked;
  EXPECT_EQ(bobs_revoked, 0);
  EXPECT_NE(chats_->FindLink(LinkHash(kept)), nullptr);
  EXPECT_TRUE(chats_->FindLink(chats_->FindChat(kSupergroup)->primary_hash));  // Alice's untouched
}

TEST_F(InviteTest, AdminsWithInvitesCountsActiveAndRevokedLinks) {
  Export(kBob, kChannel);
  const std::string l = Export(kBob, kChannel);
  auto rv = Make<api::messages_editExportedChatInvite>();
  rv->peer = Peer(kChannel);
  rv->link = l;
  rv->revoked = true;
  Outcome o = Run(kBob, std::move(rv));
  ASSERT_NE(As<api::messages_exportedChatInvite>(o), nullptr);
  auto req = Make<api::messages_getAdminsWithInvites>();
  req->peer = Peer(kChannel);
  Outcome got = Run(kAlice, std::move(req));
  const auto* admins = As<api::messages_chatAdminsWithInvites>(got);
  ASSERT_NE(admins, nullptr);
  ASSERT_EQ(admins->admins.size(), 2u);  // Alice (the primary link) and Bob; the bot has none
  const auto& alice = static_cast<const api::chatAdminWithInvites&>(*admins->admins[0]);
  const auto& bob = static_cast<const api::chatAdminWithInvites&>(*admins->admins[1]);
  EXPECT_EQ(alice.admin_id, kAlice);
  EXPECT_EQ(alice.invites_count, 1);
  EXPECT_EQ(bob.admin_id, kBob);
  EXPECT_EQ(bob.invites_count, 1);
  EXPECT_EQ(bob.revoked_invites_count, 1);
  EXPECT_EQ(admins->users.size(), 2u);
  req = Make<api::messages_getAdminsWithInvites>();
  req->peer = Peer(kChannel);
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(req))), "CHAT_ADMIN_REQUIRED");
}

TEST_F(InviteTest, CheckChatInviteAnswersEachCase) {
  auto check = [&](int64_t user, const std::string& hash) {
    auto r = Make<api::messages_checkChatInvite>();
    r->hash = hash;
    return Run(user, std::move(r));
  };
  EXPECT_EQ(ErrorOf(check(kDave, "")), "INVITE_HASH_EMPTY");
  EXPECT_EQ(ErrorOf(check(kDave, "NoSuchHash000000")), "INVITE_HASH_INVALID");
  const std::string link = Export(kAlice, kChannel, [&](auto& r) {
    r.expire_date = static_cast<int32_t>(now_ + 100);
    r.request_needed = true;
  });
  Outcome o = check(kDave, LinkHash(link));
  const auto* invite = As<api::chatInvite>(o);
  ASSERT_NE(invite, nullptr);
  EXPECT_TRUE(invite->channel);
  EXPECT_TRUE(invite->broadcast);
  EXPECT_FALSE(invite->megagroup);
  EXPECT_FALSE(invite->public_);
  EXPECT_TRUE(invite->request_needed);
  EXPECT_EQ(invite->title, "Invitegate Channel");
  EXPECT_EQ(invite->participants_count, 4);
  Outcome member = check(kCarol, LinkHash(link));
  const auto* already = As<api::chatInviteAlready>(member);
  ASSERT_NE(already, nullptr);
  EXPECT_EQ(already->chat->ConstructorId(), api::channel::kId);
  // A basic group shows some members.
  Outcome group = check(kDave, chats_->FindChat(kGroup)->primary_hash);
  const auto* g = As<api::chatInvite>(group);
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->channel);
  ASSERT_TRUE(g->participants.has_value());
  EXPECT_EQ(g->participants->size(), 4u);
  // A public supergroup may be previewed.
  Outcome peek = check(kDave, chats_->FindChat(kSupergroup)->primary_hash);
  const auto* p = As<api::chatInvitePeek>(peek);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->expires, now_ + 300);
  // Expired.
  now_ += 100;
  Outcome expired = check(kDave, LinkHash(link));
  EXPECT_EQ(ErrorOf(expired), "INVITE_HASH_EXPIRED");
  EXPECT_EQ(CodeOf(expired), 406);
}

TEST_F(InviteTest, ImportJoinsAndCountsUsage) {
  const std::string link = Export(kBob, kSupergroup, [](auto& r) { r.usage_limit = 2; });
  Outcome o = Import(kDave, link);
  const auto* updates = As<api::updates>(o);
  ASSERT_NE(updates, nullptr);
  ASSERT_EQ(updates->updates.size(), 2u);
  EXPECT_EQ(updates->updates[0]->ConstructorId(), api::updateChannel::kId);
  const auto& message = static_cast<const api::updateNewChannelMessage&>(*updates->updates[1]);
  EXPECT_EQ(message.ConstructorId(), api::updateNewChannelMessage::kId);
  const auto& service = static_cast<const api::messageService&>(*message.message);
  const auto& action = static_cast<const api::messageActionChatJoinedByLink&>(*service.action);
  EXPECT_EQ(action.ConstructorId(), api::messageActionChatJoinedByLink::kId);
  EXPECT_EQ(action.inviter_id, kBob);
  ASSERT_EQ(updates->chats.size(), 1u);
  const auto& chat = static_cast<const api::channel&>(*updates->chats[0]);
  EXPECT_FALSE(chat.left);
  EXPECT_EQ(chat.participants_count, 5);
  EXPECT_TRUE(chats_->FindChat(kSupergroup)->IsPresent(kDave));
  EXPECT_EQ(LinkOf(link).usage, 1);
  EXPECT_EQ(chats_->FindChat(kSupergroup)->Find(kDave)->inviter_id, kBob);

  EXPECT_EQ(ErrorOf(Import(kDave, link)), "USER_ALREADY_PARTICIPANT");
  Outcome second = Import(kErin, link);
  ASSERT_NE(As<api::updates>(second), nullptr);
  EXPECT_EQ(LinkOf(link).usage, 2);
  EXPECT_EQ(ErrorOf(Import(kFrank, link)), "USERS_TOO_MUCH");
  EXPECT_EQ(LinkOf(link).usage, 2);

  // Published: the service message to the members, the participant change to the bot admin
  // with the link used, updateChannel to the joiner.
  int to_members = 0;
  for (const Published& p : hub_.log) to_members += p.box == "channel" && p.to == kCarol;
  EXPECT_EQ(to_members, 2);
  auto bot = hub_.Find<api::updateChannelParticipant>("qts", kBot);
  ASSERT_EQ(bot.size(), 2u);
  EXPECT_EQ(bot[0]->user_id, kDave);
  ASSERT_NE(bot[0]->invite, nullptr);
  EXPECT_EQ(static_cast<const api::chatInviteExported&>(*bot[0]->invite).link, link);
  EXPECT_EQ(hub_.Find<api::updateChannel>("seq", kDave).size(), 1u);
  // Importers list the joins.
  Outcome list = Importers(kBob, kSupergroup, false, 10, [&](auto& r) { r.link = link; });
  const auto* importers = As<api::messages_chatInviteImporters>(list);
  ASSERT_NE(importers, nullptr);
  EXPECT_EQ(importers->count, 2);
}

TEST_F(InviteTest, ImportIntoABasicGroupPostsAServiceMessageToEveryMember) {
  const std::string primary = "https://t.me/+" + chats_->FindChat(kGroup)->primary_hash;
  Outcome o = Import(kDave, primary);
  const auto* updates = As<api::updates>(o);
  ASSERT_NE(updates, nullptr);
  ASSERT_EQ(updates->updates.size(), 1u);
  const auto& u = static_cast<const api::updateNewMessage&>(*updates->updates[0]);
  ASSERT_EQ(u.ConstructorId(), api::updateNewMessage::kId);
  EXPECT_EQ(u.pts, 2);  // Dave's first update in the recording hub's box
  EXPECT_EQ(u.pts_count, 1);
  const auto& chat = static_cast<const api::chat&>(*updates->chats[0]);
  EXPECT_EQ(chat.participants_count, 5);
  EXPECT_EQ(chat.version, 2);
  for (int64_t member : {kAlice, kBob, kCarol, kBot, kDave}) {
    EXPECT_EQ(hub_.Find<api::updateNewMessage>("pts", member).size(), 1u) << member;
  }
  auto bot = hub_.Find<api::updateChatParticipant>("qts", kBot);
  ASSERT_EQ(bot.size(), 1u);
  EXPECT_EQ(bot[0]->chat_id, kGroup);
  EXPECT_NE(bot[0]->invite, nullptr);
}

TEST_F(InviteTest, ImportRefusesRevokedExpiredAndKicked) {
  const std::string link = Export(kAlice, kChannel, [&](auto& r) { r.expire_date = static_cast<int32_t>(now_ + 5); });
  now_ += 5;
  Outcome expired = Import(kDave, link);
  EXPECT_EQ(ErrorOf(expired), "INVITE_HASH_EXPIRED");
  EXPECT_EQ(CodeOf(expired), 406);
  EXPECT_EQ(ErrorOf(Import(kDave, "")), "INVITE_HASH_EMPTY");
  EXPECT_EQ(ErrorOf(Import(kDave, "https://t.me/+Nope0000Nope0000")), "INVITE_HASH_INVALID");
  ASSERT_TRUE(chats_->PutParticipant(kChannel, Participant{kErin, Role::kKicked, 0, kAlice, now_}).ok());
  const std::string primary = "https://t.me/+" + chats_->FindChat(kChannel)->primary_hash;
  EXPECT_EQ(ErrorOf(Import(kErin, primary)), "CHANNEL_PRIVATE");
  // Broadcast channels post no service message.
  Outcome o = Import(kDave, primary);
  const auto* updates = As<api::updates>(o);
  ASSERT_NE(updates, nullptr);
  ASSERT_EQ(updates->updates.size(), 1u);
  EXPECT_EQ(updates->updates[0]->ConstructorId(), api::updateChannel::kId);
}

TEST_F(InviteTest, Layer227GetsChatInviteJoinResultOk) {
  const std::string primary = "https://t.me/+" + chats_->FindChat(kChannel)->primary_hash;
  Outcome o = Import(kDave, primary, /*layer=*/227);
  const auto* answer = std::get_if<RpcAnswer>(&o);
  ASSERT_NE(answer, nullptr) << ErrorOf(o);
  EXPECT_EQ(answer->wrapper_id(), 0x445663a7u);
  tl::Writer out;
  answer->Store(out);
  ASSERT_GE(out.size(), 8u);
  uint32_t ids[2];
  std::memcpy(ids, out.data().data(), 8);
  EXPECT_EQ(ids[0], 0x445663a7u);
  EXPECT_EQ(ids[1], api::updates::kId);
  // Layer 223 gets the bare Updates.
  Outcome plain = Import(kErin, primary);
  EXPECT_EQ(std::get<RpcAnswer>(plain).wrapper_id(), 0u);
}

// The product seed's approval-gated invite: a link needing approval, a user joins and gets
// INVITE_REQUEST_SENT, the admin lists the pending requests and approves each; usage counted.
TEST_F(InviteTest, ApprovalGatedFlowOfTheSeed) {
  const std::string link = Export(kAlice, kChannel, [](auto& r) { r.request_needed = true; });
  EXPECT_TRUE(LinkOf(link).request_needed);
  Outcome sent = Import(kDave, link);
  EXPECT_EQ(ErrorOf(sent), "INVITE_REQUEST_SENT");
  EXPECT_EQ(CodeOf(sent), 400);
  EXPECT_EQ(ErrorOf(Import(kDave, link)), "INVITE_REQUEST_SENT");  // asked again: one request
  now_ += 1;
  EXPECT_EQ(ErrorOf(Import(kErin, link)), "INVITE_REQUEST_SENT");
  EXPECT_EQ(LinkOf(link).requested, 2);
  EXPECT_EQ(LinkOf(link).usage, 0);
  EXPECT_FALSE(chats_->FindChat(kChannel)->IsPresent(kDave));

  // The admins heard of it: the bot per request, users as a pending count.
  auto bot = hub_.Find<api::updateBotChatInviteRequester>("qts", kBot);
  ASSERT_EQ(bot.size(), 2u);
  EXPECT_EQ(bot[0]->user_id, kDave);
  EXPECT_EQ(static_cast<const api::chatInviteExported&>(*bot[0]->invite).link, link);
  for (int64_t admin : {kAlice, kBob}) {
    auto pending = hub_.Find<api::updatePendingJoinRequests>("seq", admin);
    ASSERT_EQ(pending.size(), 2u) << admin;
    EXPECT_EQ(pending[1]->requests_pending, 2);
    EXPECT_EQ(pending[1]->recent_requesters, (std::vector<int64_t>{kErin, kDave}));
  }
  EXPECT_TRUE(hub_.Find<api::updatePendingJoinRequests>("seq", kCarol).empty());

  // The admin lists the pending requests and approves each.
  Outcome list = Importers(kAlice, kChannel, /*requested=*/true, 100);
  const auto* pending = As<api::messages_chatInviteImporters>(list);
  ASSERT_NE(pending, nullptr);
  ASSERT_EQ(pending->count, 2);
  std::vector<int64_t> users;
  for (const auto& i : pending->importers) {
    const auto& importer = static_cast<const api::chatInviteImporter&>(*i);
    EXPECT_TRUE(importer.requested);
    users.push_back(importer.user_id);
  }
  EXPECT_EQ(users, (std::vector<int64_t>{kErin, kDave}));  // newest first
  EXPECT_EQ(pending->users.size(), 2u);
  for (int64_t user : users) {
    Outcome approved = Hide(kAlice, kChannel, user, /*approved=*/true);
    ASSERT_NE(As<api::updates>(approved), nullptr);
    EXPECT_TRUE(chats_->FindChat(kChannel)->IsPresent(user));
    EXPECT_TRUE(chats_->FindChat(kChannel)->Find(user)->via_request);
  }
  EXPECT_EQ(LinkOf(link).usage, 2);
  EXPECT_EQ(LinkOf(link).requested, 0);
  EXPECT_EQ(ErrorOf(Hide(kAlice, kChannel, kDave, true)), "HIDE_REQUESTER_MISSING");
  auto last = hub_.Find<api::updatePendingJoinRequests>("seq", kBob);
  EXPECT_EQ(last.back()->requests_pending, 0);
  // The bot saw each approval as a participant change with the link.
  auto joins = hub_.Find<api::updateChannelParticipant>("qts", kBot);
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(joins[0]->actor_id, kAlice);
  // Joined importers show who approved them.
  Outcome joined = Importers(kAlice, kChannel, /*requested=*/false, 100, [&](auto& r) { r.link = link; });
  const auto* j = As<api::messages_chatInviteImporters>(joined);
  ASSERT_NE(j, nullptr);
  ASSERT_EQ(j->count, 2);
  EXPECT_EQ(static_cast<const api::chatInviteImporter&>(*j->importers[0]).approved_by, kAlice);
}

TEST_F(InviteTest, DeclineAndBulkApprovalWithALinkFilter) {
  const std::string a = Export(kAlice, kSupergroup, [](auto& r) { r.request_needed = true; });
  const std::string b = Export(kAlice, kSupergroup, [](auto& r) { r.request_needed = true; });
  EXPECT_EQ(ErrorOf(Import(kDave, a)), "INVITE_REQUEST_SENT");
  EXPECT_EQ(ErrorOf(Import(kErin, a)), "INVITE_REQUEST_SENT");
  EXPECT_EQ(ErrorOf(Import(kFrank, b)), "INVITE_REQUEST_SENT");
  EXPECT_EQ(ErrorOf(Import(kGrace, b)), "INVITE_REQUEST_SENT");
  // The bot may approve or decline one request.
  Outcome declined = Hide(kBot, kSupergroup, kGrace, /*approved=*/false);
  ASSERT_NE(As<api::updates>(declined), nullptr);
  EXPECT_FALSE(chats_->FindChat(kSupergroup)->IsPresent(kGrace));
  EXPECT_EQ(LinkOf(b).requested, 1);
  EXPECT_EQ(ErrorOf(Hide(kCarol, kSupergroup, kFrank, true)), "CHAT_ADMIN_REQUIRED");
  auto bad_user = Make<api::messages_hideChatJoinRequest>();
  bad_user->peer = Peer(kSupergroup);
  auto wrong = Make<api::inputUser>();
  wrong->user_id = kFrank;
  wrong->access_hash = 99;
  bad_user->user_id = std::move(wrong);
  EXPECT_EQ(ErrorOf(Run(kAlice, std::move(bad_user))), "USER_ID_INVALID");

  auto all = Make<api::messages_hideAllChatJoinRequests>();
  all->approved = true;
  all->peer = Peer(kSupergroup);
  all->link = a;
  Outcome approved = Run(kBob, std::move(all));
  const auto* updates = As<api::updates>(approved);
  ASSERT_NE(updates, nullptr);
  EXPECT_EQ(updates->updates.size(), 2u);  // two service messages
  EXPECT_TRUE(chats_->FindChat(kSupergroup)->IsPresent(kDave));
  EXPECT_TRUE(chats_->FindChat(kSupergroup)->IsPresent(kErin));
  EXPECT_FALSE(chats_->FindChat(kSupergroup)->IsPresent(kFrank));
  EXPECT_EQ(LinkOf(a).usage, 2);
  EXPECT_EQ(LinkOf(a).requested, 0);
  all = Make<api::messages_hideAllChatJoinRequests>();
  all->peer = Peer(kSupergroup);
  Outcome rejected = Run(kBob, std::move(all));
  ASSERT_NE(As<api::updates>(rejected), nullptr);
  EXPECT_TRUE(chats_->RequestsOf(kSupergroup).empty());
  EXPECT_EQ(LinkOf(b).requested, 0);
  EXPECT_EQ(LinkOf(b).usage, 0);
  all = Make<api::messages_hideAllChatJoinRequests>();
  all->peer = Peer(kSupergroup);
  EXPECT_EQ(ErrorOf(Run(kBob, std::move(all))), "HIDE_REQUESTER_MISSING");
}

TEST_F(InviteTest, ImportersPageByDateThenUserAndSearchByName) {
  const std::string link = Export(kAlice, kChannel);
  // Five joins in the same second (a tie on date), one later.
  for (int64_t user : {kDave, kErin, kFrank, kGrace}) ASSERT_NE(As<api::updates>(Import(user, link)), nullptr);
  now_ += 3;
  ASSERT_NE(As<api::updates>(Import(kHeidi, link)), nullptr);
  auto page = [&](int limit, int32_t offset_date, int64_t offset_user) {
    std::vector<int64_t> ids;
    Outcome o = Importers(kAlice, kChannel, false, limit, [&](auto& r) {
      r.offset_date = offset_date;
      if (offset_user) r.offset_user = User(offset_user);
    });
    const auto* answer = As<api::messages_chatInviteImporters>(o);
    if (!answer) return std::make_pair(ids, 0);
    for (const auto& i : answer->importers) ids.push_back(static_cast<const api::chatInviteImporter&>(*i).user_id);
    return std::make_pair(ids, answer->count);
  };
  auto [first, count] = page(2, 0, 0);
  EXPECT_EQ(count, 5);
  EXPECT_EQ(first, (std::vector<int64_t>{kHeidi, kGrace}));
  auto [second, c2] = page(2, static_cast<int32_t>(kStart), kGrace);
  EXPECT_EQ(second, (std::vector<int64_t>{kFrank, kErin}));
  auto [third, c3] = page(2, static_cast<int32_t>(kStart), kErin);
  EXPECT_EQ(third, (std::vector<int64_t>{kDave}));
  auto [fourth, c4] = page(2, static_cast<int32_t>(kStart), kDave);
  EXPECT_TRUE(fourth.empty());
  EXPECT_EQ(c4, 5);
  // Exact multiple: 5 by 5, then nothing.
  auto [all, c5] = page(5, 0, 0);
  EXPECT_EQ(all.size(), 5u);
  auto [none, c6] = page(5, static_cast<int32_t>(kStart), kDave);
  EXPECT_TRUE(none.empty());

  // Search over pending requests by name and username.
  const std::string gated = Export(kAlice, kSupergroup, [](auto& r) { r.request_needed = true; });
  EXPECT_EQ(ErrorOf(Import(kDave, gated)), "INVITE_REQUEST_SENT");
  EXPECT_EQ(ErrorOf(Import(kFrank, gated)), "INVITE_REQUEST_SENT");
  Outcome found = Importers(kAlice, kSupergroup, true, 10, [](auto& r) { r.q = "frank_j"; });
  const auto* f = As<api::messages_chatInviteImporters>(found);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->count, 1);
  EXPECT_EQ(static_cast<const api::chatInviteImporter&>(*f->importers[0]).user_id, kFrank);
  Outcome by_name = Importers(kAlice, kSupergroup, true, 10, [](auto& r) { r.q = "dave JOI"; });
  ASSERT_NE(As<api::messages_chatInviteImporters>(by_name), nullptr);
  EXPECT_EQ(As<api::messages_chatInviteImporters>(by_name)->count, 1);
  EXPECT_EQ(ErrorOf(Importers(kAlice, kSupergroup, true, 10, [&](auto& r) {
              r.q = "x";
              r.link = gated;
            })),
            "SEARCH_WITH_LINK_NOT_SUPPORTED");
  EXPECT_EQ(ErrorOf(Importers(kAlice, kSupergroup, true, 10, [](auto& r) { r.link = "https://t.me/+zzzz"; })),
            "INVITE_HASH_EXPIRED");
  EXPECT_EQ(ErrorOf(Importers(kCarol, kSupergroup, true, 10)), "CHAT_ADMIN_REQUIRED");
}

TEST_F(InviteTest, StateSurvivesARestart) {
  const std::string link = Export(kBob, kChannel, [](auto& r) { r.request_needed = true; });
  EXPECT_EQ(ErrorOf(Import(kDave, link)), "INVITE_REQUEST_SENT");
  ASSERT_NE(As<api::updates>(Import(kErin, "https://t.me/+" + chats_->FindChat(kChannel)->primary_hash)), nullptr);
  Boot();
  EXPECT_EQ(LinkOf(link).requested, 1);
  EXPECT_TRUE(chats_->FindChat(kChannel)->IsPresent(kErin));
  Outcome list = Importers(kBob, kChannel, true, 10);
  ASSERT_NE(As<api::messages_chatInviteImporters>(list), nullptr);
  EXPECT_EQ(As<api::messages_chatInviteImporters>(list)->count, 1);
  ASSERT_NE(As<api::updates>(Hide(kBob, kChannel, kDave, true)), nullptr);
  Boot();
  EXPECT_EQ(LinkOf(link).usage, 1);
  EXPECT_TRUE(chats_->FindChat(kChannel)->IsPresent(kDave));
}

TEST_F(InviteTest, ChannelsJoinToggleAndUsernames) {
  // joinChannel: a public supergroup joins at once; a private channel is CHANNEL_PRIVATE.
  auto join = [&](int64_t user, int64_t chat) {
    auto r = Make<api::channels_joinChannel>();
    r->channel = Channel(chat);
    return Run(user, std::move(r));
  };
  Outcome joined = join(kDave, kSupergroup);
  const auto* updates = As<api::updates>(joined);
  ASSERT_NE(updates, nullptr);
  const auto& message = static_cast<const api::updateNewChannelMessage&>(*updates->updates[1]);
  EXPECT_EQ(static_cast<const api::messageService&>(*message.message).action->ConstructorId(),
            api::messageActionChatAddUser::kId);
  EXPECT_EQ(ErrorOf(join(kDave, kSupergroup)), "USER_ALREADY_PARTICIPANT");
  Outcome priv = join(kDave, kChannel);
  EXPECT_EQ(ErrorOf(priv), "CHANNEL_PRIVATE");
  EXPECT_EQ(CodeOf(priv), 406);
  auto bad = Make<api::channels_joinChannel>();
  auto wrong = Make<api::inputChannel>();
  wrong->channel_id = kSupergroup;
  wrong->access_hash = 5;
  bad->channel = std::move(wrong);
  EXPECT_EQ(ErrorOf(Run(kErin, std::move(bad))), "CHANNEL_INVALID");

  // toggleJoinRequest: public supergroups, ban_users right; then joins become requests.
  auto toggle = [&](int64_t user, int64_t chat, bool enabled) {
    auto r = Make<api::channels_toggleJoinRequest>();
    r->channel = Channel(chat);
    r->enabled = enabled;
    return Run(user, std::move(r));
  };
  EXPECT_EQ(ErrorOf(toggle(kCarol, kSupergroup, true)), "CHAT_ADMIN_REQUIRED");
  EXPECT_EQ(ErrorOf(toggle(kAlice, kChannel, true)), "CHANNEL_INVALID");
  Outcome on = toggle(kBob, kSupergroup, true);
  const auto* u = As<api::updates>(on);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->updates[0]->ConstructorId(), api::updateChannel::kId);
  EXPECT_TRUE(static_cast<const api::channel&>(*u->chats[0]).join_request);
  EXPECT_EQ(ErrorOf(toggle(kBob, kSupergroup, true)), "CHAT_NOT_MODIFIED");
  EXPECT_EQ(ErrorOf(join(kErin, kSupergroup)), "INVITE_REQUEST_SENT");
  auto bot = hub_.Find<api::updateBotChatInviteRequester>("qts", kBot);
  ASSERT_EQ(bot.size(), 1u);
  EXPECT_EQ(bot[0]->invite->ConstructorId(), api::chatInvitePublicJoinRequests::kId);
  // With join requests on, links need approval too.
  const std::string primary = "https://t.me/+" + chats_->FindChat(kSupergroup)->primary_hash;
  EXPECT_EQ(ErrorOf(Import(kFrank, primary)), "INVITE_REQUEST_SENT");
  ASSERT_NE(As<api::updates>(Hide(kAlice, kSupergroup, kErin, true)), nullptr);
  EXPECT_TRUE(chats_->FindChat(kSupergroup)->IsPresent(kErin));

  auto to_send = Make<api::channels_toggleJoinToSend>();
  to_send->channel = Channel(kSupergroup);
  to_send->enabled = true;
  Outcome sent = Run(kAlice, std::move(to_send));
  ASSERT_NE(As<api::updates>(sent), nullptr);
  EXPECT_TRUE(chats_->FindChat(kSupergroup)->join_to_send);

  // Usernames.
  auto check = [&](int64_t chat, const std::string& name) {
    auto r = Make<api::channels_checkUsername>();
    r->channel = chat ? Channel(chat) : tl::ObjectPtr<api::InputChannel>(Make<api::inputChannelEmpty>());
    r->username = name;
    return Run(kAlice, std::move(r));
  };
  EXPECT_EQ(BoolOf(check(kChannel, "fresh_channel")), true);
  EXPECT_EQ(BoolOf(check(0, "alice_admin")), false);
  EXPECT_EQ(BoolOf(check(kSupergroup, "invitegate_group")), true);  // its own
  EXPECT_EQ(BoolOf(check(kChannel, "INVITEGATE_GROUP")), false);
  EXPECT_EQ(ErrorOf(check(kChannel, "ab")), "USERNAME_INVALID");
  EXPECT_EQ(ErrorOf(check(kChannel, "1abcde")), "USERNAME_INVALID");
  auto update = [&](int64_t user, const std::string& name) {
    auto r = Make<api::channels_updateUsername>();
    r->channel = Channel(kChannel);
    r->username = name;
    return Run(user, std::move(r));
  };
  EXPECT_EQ(ErrorOf(update(kAlice, "bob_secure")), "USERNAME_OCCUPIED");
  EXPECT_EQ(ErrorOf(update(kAlice, "invitegate_test_bot")), "USERNAME_OCCUPIED");
  EXPECT_EQ(ErrorOf(update(kAlice, "bad name")), "USERNAME_INVALID");
  Outcome by_bob = update(kBob, "fresh_channel");
  EXPECT_EQ(ErrorOf(by_bob), "CHAT_ADMIN_REQUIRED");
  EXPECT_EQ(CodeOf(by_bob), 403);
  EXPECT_EQ(BoolOf(update(kAlice, "fresh_channel")), true);
  EXPECT_EQ(ErrorOf(update(kAlice, "fresh_channel")), "USERNAME_NOT_MODIFIED");
  EXPECT_EQ(BoolOf(check(kSupergroup, "Fresh_Channel")), false);

  // resolveUsername: users, bots and channels.
  auto resolve = [&](const std::string& name) {
    auto r = Make<api::contacts_resolveUsername>();
    r->username = name;
    return Run(kDave, std::move(r));
  };
  Outcome user = resolve("carol_member");
  const auto* ru = As<api::contacts_resolvedPeer>(user);
  ASSERT_NE(ru, nullptr);
  EXPECT_EQ(static_cast<const api::peerUser&>(*ru->peer).user_id, kCarol);
  ASSERT_EQ(ru->users.size(), 1u);
  Outcome channel = resolve("Fresh_Channel");
  const auto* rc = As<api::contacts_resolvedPeer>(channel);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(static_cast<const api::peerChannel&>(*rc->peer).channel_id, kChannel);
  ASSERT_EQ(rc->chats.size(), 1u);
  const auto& ch = static_cast<const api::channel&>(*rc->chats[0]);
  EXPECT_TRUE(ch.left);
  EXPECT_TRUE(ch.broadcast);
  EXPECT_EQ(ch.access_hash, chats_->FindChat(kChannel)->access_hash);
  EXPECT_EQ(ErrorOf(resolve("nobody_here")), "USERNAME_NOT_OCCUPIED");
  EXPECT_EQ(ErrorOf(resolve("x")), "USERNAME_INVALID");
  // Now public, the channel can be joined by username.
  Outcome open = join(kDave, kChannel);
  ASSERT_NE(As<api::updates>(open), nullptr);
  // A private supergroup cannot have join requests.
  auto unset = Make<api::channels_updateUsername>();
  unset->channel = Channel(kSupergroup);
  unset->username = "";
  EXPECT_EQ(BoolOf(Run(kAlice, std::move(unset))), true);
  EXPECT_FALSE(chats_->FindChat(kSupergroup)->join_request);
  EXPECT_EQ(ErrorOf(toggle(kAlice, kSupergroup, true)), "CHAT_PUBLIC_REQUIRED");
}

TEST(LinkHash, AcceptsTheLinkFormsTelegramDocuments) {
  EXPECT_EQ(LinkHash("https://t.me/+AbC-d_9"), "AbC-d_9");
  EXPECT_EQ(LinkHash("t.me/joinchat/AbC"), "AbC");
  EXPECT_EQ(LinkHash("HTTPS://Telegram.Dog/+xyz"), "xyz");
  EXPECT_EQ(LinkHash("telegram.me/joinchat/q"), "q");
  EXPECT_EQ(LinkHash("+hash"), "hash");
  EXPECT_EQ(LinkHash("bare"), "bare");
  EXPECT_EQ(LinkHash("https://example.com/+abc"), "");
  EXPECT_EQ(LinkHash("https://t.me/username"), "");
}

}  // namespace
}  // namespace mtproto::emulator::testing

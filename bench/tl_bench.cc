// TL encode/decode rates for the objects Invitegate handles most: an Updates carrying join
// requests with their users, and a page of exported invite links.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/serialize.h"

namespace bench {
namespace {

namespace api = mtproto::tl::api;
using mtproto::tl::ObjectPtr;

ObjectPtr<api::user> MakeUser(int64_t id) {
  auto user = std::make_unique<api::user>();
  user->id = id;
  user->access_hash = id * 7919;
  user->first_name = "User " + std::to_string(id);
  user->last_name = "Example";
  user->username = "user" + std::to_string(id);
  user->phone = "99966" + std::to_string(10000 + id);
  user->status = std::make_unique<api::userStatusRecently>();
  return user;
}

ObjectPtr<api::chatInviteExported> MakeInvite(int i) {
  auto link = std::make_unique<api::chatInviteExported>();
  link->request_needed = i % 2 == 0;
  link->link = "https://t.me/+AbCdEfGhIjKlMnOp" + std::to_string(i);
  link->admin_id = 1000;
  link->date = 1700000000 + i;
  link->expire_date = 1800000000;
  link->requested = i;
  link->title = "Campaign " + std::to_string(i);
  return link;
}

// Twenty join requests arriving together, with the requesting users.
ObjectPtr<api::updates> MakeJoinRequestUpdates() {
  auto updates = std::make_unique<api::updates>();
  for (int i = 0; i < 20; ++i) {
    auto request = std::make_unique<api::updateBotChatInviteRequester>();
    auto peer = std::make_unique<api::peerChannel>();
    peer->channel_id = 777;
    request->peer = std::move(peer);
    request->date = 1700000000 + i;
    request->user_id = 5000 + i;
    request->about = "Hello, I'd like to join";
    request->invite = MakeInvite(i);
    request->qts = 100 + i;
    updates->updates.push_back(std::move(request));
    updates->users.push_back(MakeUser(5000 + i));
  }
  updates->date = 1700000000;
  updates->seq = 42;
  return updates;
}

// A full page (100) of a chat's invite links.
ObjectPtr<api::messages_exportedChatInvites> MakeInvitePage() {
  auto page = std::make_unique<api::messages_exportedChatInvites>();
  page->count = 250;
  for (int i = 0; i < 100; ++i) page->invites.push_back(MakeInvite(i));
  page->users.push_back(MakeUser(1000));
  return page;
}

template <typename Type>
void Measure(const char* name, const mtproto::tl::Object& object) {
  const std::string bytes = *mtproto::tl::Serialize(object);
  const double encode = RatePerSecond([&] {
    mtproto::tl::Writer out;
    object.StoreBoxed(out);
    if (out.size() != bytes.size()) std::abort();
  });
  const double decode = RatePerSecond([&] {
    if (!mtproto::tl::Deserialize<Type>(bytes).ok()) std::abort();
  });
  std::printf("  %-34s %7zu %12.0f %12.0f %10.1f %10.1f\n", name, bytes.size(), encode, decode,
              encode * bytes.size() / 1e6, decode * bytes.size() / 1e6);
}

}  // namespace

void RunTlBench() {
  std::printf("\nTL codec:                            bytes   encode/s     decode/s   enc MB/s   dec MB/s\n");
  Measure<api::Updates>("updates (20 join requests + users)", *MakeJoinRequestUpdates());
  Measure<api::messages_ExportedChatInvites>("messages.exportedChatInvites (100)",
                                             *MakeInvitePage());
  Measure<api::User>("user", *MakeUser(1));
}

}  // namespace bench

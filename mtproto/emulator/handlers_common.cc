// Pieces shared by every handler group: answers, the call's account, API `user` objects.
#include <cstdio>

#include "mtproto/emulator/handlers.h"
#include "mtproto/emulator/store.h"

namespace mtproto::emulator {

namespace api = tl::api;

RpcAnswer RpcAnswer::Of(tl::ObjectPtr<tl::Object> object) {
  RpcAnswer answer;
  answer.value_ = std::move(object);
  return answer;
}

RpcAnswer RpcAnswer::VectorOf(std::vector<tl::ObjectPtr<tl::Object>> objects) {
  RpcAnswer answer;
  answer.value_ = std::move(objects);
  return answer;
}

RpcAnswer RpcAnswer::Wrapped(uint32_t wrapper_id, tl::ObjectPtr<tl::Object> object) {
  RpcAnswer answer = Of(std::move(object));
  answer.wrapper_id_ = wrapper_id;
  return answer;
}

RpcAnswer RpcAnswer::Bool(bool value) {
  RpcAnswer answer;
  answer.value_ = value;
  return answer;
}

void RpcAnswer::Store(tl::Writer& out) const {
  if (const auto* object = std::get_if<tl::ObjectPtr<tl::Object>>(&value_)) {
    if (*object) {
      if (wrapper_id_ != 0) out.Uint32(wrapper_id_);
      (*object)->StoreBoxed(out);
    } else {
      out.Fail("an RPC answer is null");
    }
  } else if (const auto* objects = std::get_if<std::vector<tl::ObjectPtr<tl::Object>>>(&value_)) {
    out.Uint32(tl::kVectorId);
    out.Uint32(static_cast<uint32_t>(objects->size()));
    for (const auto& o : *objects) o->StoreBoxed(out);
  } else {
    out.Uint32(std::get<bool>(value_) ? tl::kBoolTrueId : tl::kBoolFalseId);
  }
}

const tl::Object* RpcAnswer::object() const {
  const auto* object = std::get_if<tl::ObjectPtr<tl::Object>>(&value_);
  return object ? object->get() : nullptr;
}

const std::vector<tl::ObjectPtr<tl::Object>>* RpcAnswer::vector() const {
  return std::get_if<std::vector<tl::ObjectPtr<tl::Object>>>(&value_);
}

std::optional<bool> RpcAnswer::boolean() const {
  const bool* value = std::get_if<bool>(&value_);
  return value ? std::optional<bool>(*value) : std::nullopt;
}

Account Call::account() const { return env.world->FindAccount(user_id); }

absl::Status Call::SignIn(int64_t id) {
  absl::Status status = env.store->SetAuthKeyUser(conn.auth_key_id, id);
  if (status.ok()) user_id = id;
  return status;
}

tl::ObjectPtr<api::user> MakeUser(const Account& account, int64_t viewer_id) {
  auto user = std::make_unique<api::user>();
  user->id = account.id();
  user->self = account.id() == viewer_id;
  if (account.user) {
    const WorldUser& u = *account.user;
    user->access_hash = u.access_hash;
    user->first_name = u.first_name;
    if (!u.last_name.empty()) user->last_name = u.last_name;
    if (!u.username.empty()) user->username = u.username;
    // Like Telegram for non-contacts: only the owner sees the phone number.
    if (user->self) user->phone = u.phone;
  } else {
    const WorldBot& b = *account.bot;
    user->bot = true;
    user->access_hash = b.access_hash;
    user->first_name = b.first_name;
    user->username = b.username;
    user->bot_info_version = 1;
    user->bot_nochats = false;
  }
  return user;
}

tl::ObjectPtr<api::auth_authorization> MakeAuthorization(const Account& account) {
  auto authorization = std::make_unique<api::auth_authorization>();
  authorization->user = MakeUser(account, account.id());
  return authorization;
}

Outcome InternalError(const absl::Status& status) {
  std::fprintf(stderr, "emulator: internal error: %s\n", status.ToString().c_str());
  return RpcError{500, "INTERNAL"};
}

}  // namespace mtproto::emulator

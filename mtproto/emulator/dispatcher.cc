#include "mtproto/emulator/dispatcher.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "mtproto/emulator/faults.h"
#include "mtproto/emulator/password.h"
#include "mtproto/emulator/store.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/api_layers.h"
#include "mtproto/tl/serialize.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

// Follows the wrappers down to the query they carry, updating the connection context.
// Returns null (with `error` set) when a wrapper is malformed.
const tl::Function* Unwrap(const tl::Function& request, ConnectionContext& conn, Store& store,
                           std::optional<RpcError>& error) {
  const tl::Function* query = &request;
  for (int depth = 0; depth < 16 && query; ++depth) {
    switch (query->ConstructorId()) {
      case api::invokeWithLayer::kId: {
        const auto& w = static_cast<const api::invokeWithLayer&>(*query);
        if (w.layer <= 0) {
          error = RpcError{400, "CONNECTION_LAYER_INVALID"};
          return nullptr;
        }
        if (conn.layer != w.layer && conn.auth_key_id != 0) {
          // Remembered per key so a restarted emulator answers in the right layer at once.
          (void)store.SetAuthKeyLayer(conn.auth_key_id, w.layer);
        }
        conn.layer = w.layer;
        query = w.query.get();
        break;
      }
      case api::initConnection::kId: {
        const auto& w = static_cast<const api::initConnection&>(*query);
        conn.init = InitConnectionParams{w.api_id,           w.device_model, w.system_version,
                                         w.app_version,      w.system_lang_code,
                                         w.lang_pack,        w.lang_code};
        query = w.query.get();
        break;
      }
      case api::invokeWithoutUpdates::kId:
        query = static_cast<const api::invokeWithoutUpdates&>(*query).query.get();
        break;
      case api::invokeAfterMsg::kId:
        // Requests are answered in arrival order, which satisfies "after" trivially.
        query = static_cast<const api::invokeAfterMsg&>(*query).query.get();
        break;
      case api::invokeAfterMsgs::kId:
        query = static_cast<const api::invokeAfterMsgs&>(*query).query.get();
        break;
      case api::invokeWithMessagesRange::kId:
        query = static_cast<const api::invokeWithMessagesRange&>(*query).query.get();
        break;
      case api::invokeWithTakeout::kId:
        query = static_cast<const api::invokeWithTakeout&>(*query).query.get();
        break;
      default:
        return query;
    }
  }
  error = RpcError{400, "INPUT_FETCH_FAIL"};
  return nullptr;
}

}  // namespace

Dispatcher::Dispatcher(EmulatorEnv& env) : env_(env) {
  RegisterHelpHandlers(table_);
  RegisterAuthHandlers(table_);
  RegisterAccountHandlers(table_);
  RegisterUsersHandlers(table_);
  RegisterUpdatesHandlers(table_);
  RegisterInvitesHandlers(table_);
  RegisterChannelsHandlers(table_);
  RegisterContactsHandlers(table_);
  RegisterMessagesHandlers(table_);
  RegisterMembershipHandlers(table_);
}

std::string Dispatcher::MethodName(uint32_t constructor_id) {
  if (const tl::ConstructorInfo* info = api::kSchema.Find(constructor_id)) return info->name;
  return absl::StrFormat("0x%08x", constructor_id);
}

DispatchResult Dispatcher::Dispatch(const tl::Function& request, ConnectionContext& conn) {
  DispatchResult result{MethodName(request.ConstructorId()), RpcAnswer::Bool(false), {}};
  std::optional<RpcError> unwrap_error;
  const tl::Function* query = Unwrap(request, conn, *env_.store, unwrap_error);
  if (!query) {
    result.outcome = *unwrap_error;
    return result;
  }
  result.method = MethodName(query->ConstructorId());
  result.delay = env_.faults ? env_.faults->Delay(result.method) : std::chrono::milliseconds(0);

  // The account behind the auth key (the store is the truth: sign-ins survive restarts).
  int64_t user_id = 0;
  if (conn.auth_key_id != 0) {
    absl::StatusOr<std::optional<AuthKeyRecord>> key = env_.store->FindAuthKey(conn.auth_key_id);
    if (!key.ok()) {
      result.outcome = InternalError(key.status());
      return result;
    }
    if (*key && env_.world->FindAccount((*key)->user_id)) user_id = (*key)->user_id;
  }

  if (env_.faults) {
    if (auto migrate = env_.faults->Migrate(result.method, conn.dc_id, user_id != 0)) {
      result.outcome = RpcError{303, *migrate};
      return result;
    }
    if (auto flood = env_.faults->FloodWait(result.method)) {
      result.outcome = RpcError{420, *flood};
      return result;
    }
  }

  auto it = table_.find(query->ConstructorId());
  if (it == table_.end()) {
    result.outcome = RpcError{400, "METHOD_NOT_IMPLEMENTED"};
    return result;
  }
  const HandlerEntry& entry = it->second;
  if (entry.access == Access::kSignedIn && user_id == 0) {
    const bool owes_password = env_.passwords && env_.passwords->Pending(conn.auth_key_id);
    result.outcome = RpcError{401, owes_password ? "SESSION_PASSWORD_NEEDED" : "AUTH_KEY_UNREGISTERED"};
    return result;
  }
  Call call{env_, conn, user_id};
  result.outcome = entry.run(*query, call);
  return result;
}

DispatchResult Dispatcher::DispatchBytes(std::string_view body, ConnectionContext& conn) {
  tl::Reader in(body);
  // Requests in an older layer (e.g. Telethon's layer-144 codeSettings) decode into 223 structs.
  in.set_compat(&tl::api::kCompatSchema);
  tl::ObjectPtr<api::Function> request = tl::FetchBoxedAs<api::Function>(in);
  if (in.ok() && in.remaining() != 0) in.Fail(tl::DecodeError::kTrailingBytes);
  if (!in.ok() || !request) {
    uint32_t id = 0;
    if (body.size() >= 4) std::memcpy(&id, body.data(), 4);
    const bool unknown = in.error() == tl::DecodeError::kUnknownConstructor ||
                         in.error() == tl::DecodeError::kUnexpectedConstructor;
    const char* name = api::kSchema.Find(id) == nullptr ? "INPUT_METHOD_INVALID"
                       : unknown                        ? "INPUT_CONSTRUCTOR_INVALID"
                                                        : "INPUT_FETCH_FAIL";
    return DispatchResult{MethodName(id), RpcError{400, name},
                          {}};
  }
  return Dispatch(*request, conn);
}

}  // namespace mtproto::emulator

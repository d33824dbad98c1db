// Printing of RawObject: decoded through the MTProto and API schemas when possible, so that logs
// show `rpc_result{req_msg_id=... result=pong{...}}` rather than hex.
#include "mtproto/tl/api.h"
#include "mtproto/tl/codecs.h"
#include "mtproto/tl/mt.h"

namespace mtproto::tl {

void RawObjectC::Print(Printer& p, const Value& v) {
  for (const Schema* schema : {&mt::kSchema, &api::kSchema}) {
    if (schema->Find(v.ConstructorId()) == nullptr) continue;
    Reader in(v.bytes);
    ObjectPtr<Object> object = FetchBoxedObject(in, *schema, Schema::kAnyType);
    if (object != nullptr && in.remaining() == 0) {
      object->Print(p);
      return;
    }
  }
  p.Hex(v.bytes);  // a vector, or an answer of a type only the caller knows
}

}  // namespace mtproto::tl

#include "mtproto/tl/serialize.h"

#include "absl/status/status.h"

namespace mtproto::tl {

absl::StatusOr<std::string> Serialize(const Object& object) {
  Writer out;
  object.StoreBoxed(out);
  if (!out.ok()) return absl::InvalidArgumentError("TL encode: " + out.error());
  return out.Take();
}

absl::Status DecodeStatus(const Reader& in) {
  return absl::InvalidArgumentError("TL decode: " + in.ErrorText());
}

}  // namespace mtproto::tl

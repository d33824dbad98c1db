// Whole-message entry points of the TL codec, with errors as absl::Status.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mtproto/tl/object.h"

namespace mtproto::tl {

// The reader's failure as an INVALID_ARGUMENT status ("TL decode: truncated input at byte 12").
absl::Status DecodeStatus(const Reader& in);

// The boxed wire form of `object`; fails if a required field was left null.
[[nodiscard]] absl::StatusOr<std::string> Serialize(const Object& object);

// Decodes `bytes` as exactly one boxed object of type T (a generated abstract type, or
// <schema>::Function); trailing bytes are an error.
template <typename T>
[[nodiscard]] absl::StatusOr<ObjectPtr<T>> Deserialize(std::string_view bytes) {
  Reader in(bytes);
  ObjectPtr<T> object = FetchBoxedAs<T>(in);
  if (in.ok() && in.remaining() != 0) in.Fail(DecodeError::kTrailingBytes);
  if (!in.ok()) return DecodeStatus(in);
  return object;
}

// Decodes `bytes` with a codec (e.g. a function's Result), consuming all of them.
template <typename Codec>
[[nodiscard]] absl::StatusOr<typename Codec::Value> DeserializeAs(std::string_view bytes) {
  Reader in(bytes);
  typename Codec::Value value = Codec::Fetch(in);
  if (in.ok() && in.remaining() != 0) in.Fail(DecodeError::kTrailingBytes);
  if (!in.ok()) return DecodeStatus(in);
  return value;
}

}  // namespace mtproto::tl

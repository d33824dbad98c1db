// The base of every generated TL object, and the constructor tables that decode them by id.
// Spec: https://core.telegram.org/mtproto/TL
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "mtproto/tl/reader.h"
#include "mtproto/tl/writer.h"

namespace mtproto::tl {

class Printer;

using Int128 = std::array<uint8_t, 16>;
using Int256 = std::array<uint8_t, 32>;

inline constexpr uint32_t kVectorId = 0x1cb5c415;
inline constexpr uint32_t kBoolTrueId = 0x997275b5;
inline constexpr uint32_t kBoolFalseId = 0xbc799737;
inline constexpr uint32_t kGzipPackedId = 0x3072cfa1;

// A TL constructor (or function) value. Generated structs derive from it through their abstract
// type: `chatInviteExported` → `ExportedChatInvite` → Object.
class Object {
 public:
  virtual ~Object() = default;
  virtual uint32_t ConstructorId() const = 0;
  // The fields without the constructor id (the "bare" form).
  virtual void StoreBare(Writer& out) const = 0;
  // The constructor id and the fields; in the writer's API layer if it has a LayerAdapter.
  void StoreBoxed(Writer& out) const;
  // Readable TL text for logs, with secrets masked: `user{id=42 first_name="Ann" ...}`.
  virtual void Print(Printer& out) const = 0;
  std::string ToString() const;
};

// A TL function: an RPC method with its arguments, sent boxed like any object.
class Function : public Object {};

template <typename T>
using ObjectPtr = std::unique_ptr<T>;

// One row of a schema's constructor table: how to decode a constructor by its id.
struct ConstructorInfo {
  uint32_t id;
  int type;  // index into Schema::type_names; functions have kFunctionType
  const char* name;
  ObjectPtr<Object> (*fetch_bare)(Reader&);
};

// A generated schema (the API layer, or MTProto's own service schema).
struct Schema {
  static constexpr int kFunctionType = -1;
  static constexpr int kAnyType = -2;  // for FetchBoxedObject: accept any constructor
  const char* name;
  int layer;
  std::span<const ConstructorInfo> constructors;  // sorted by id
  std::span<const char* const> type_names;

  const ConstructorInfo* Find(uint32_t id) const;
};

// Reads a constructor id and the object after it. With `type` set, only constructors of that
// abstract type (or Schema::kFunctionType, or any with Schema::kAnyType) are accepted. gzip_packed is unwrapped transparently,
// as it may stand in for any boxed object. Returns null, with `in` failed, on any error.
ObjectPtr<Object> FetchBoxedObject(Reader& in, const Schema& schema, int type);

// The typed form of FetchBoxedObject, for a generated abstract type T (or Function).
template <typename T>
ObjectPtr<T> FetchBoxedAs(Reader& in) {
  return ObjectPtr<T>(static_cast<T*>(FetchBoxedObject(in, T::schema(), T::kType).release()));
}

// Adapts a generated constructor's FetchBare to the table's signature.
template <typename T>
ObjectPtr<Object> FetchBareErased(Reader& in) {
  return T::FetchBare(in);
}

// How one constructor of the current layer is written in another layer: under that layer's id,
// with that layer's fields (dropping new ones, defaulting removed ones).
struct LayerConstructor {
  uint32_t current_id;
  void (*store)(const Object& object, Writer& out);  // writes id and fields
};

// Everything that differs when answering a peer that declared another API layer. Generated
// from the other layer's schema lines (mtproto/schema/layers/).
struct LayerAdapter {
  int layer;
  std::span<const LayerConstructor> constructors;  // sorted by current_id

  const LayerConstructor* Find(uint32_t current_id) const;
};

// A boxed object kept serialized, where the schema says `Object` (an rpc_result's answer, whose
// type only the caller knows, or a container message's body). Prints decoded when it can.
struct RawObject {
  std::string bytes;

  uint32_t ConstructorId() const;
};

}  // namespace mtproto::tl

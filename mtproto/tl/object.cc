#include "mtproto/tl/object.h"

#include <algorithm>

#include "mtproto/tl/gzip.h"
#include "mtproto/tl/printer.h"

namespace mtproto::tl {

std::string Object::ToString() const {
  Printer printer;
  Print(printer);
  return printer.Take();
}

void Object::StoreBoxed(Writer& out) const {
  if (const LayerAdapter* adapter = out.layer_adapter()) {
    if (const LayerConstructor* other = adapter->Find(ConstructorId())) {
      other->store(*this, out);
      return;
    }
  }
  out.Uint32(ConstructorId());
  StoreBare(out);
}

const LayerConstructor* LayerAdapter::Find(uint32_t current_id) const {
  auto it = std::lower_bound(
      constructors.begin(), constructors.end(), current_id,
      [](const LayerConstructor& c, uint32_t key) { return c.current_id < key; });
  return it != constructors.end() && it->current_id == current_id ? &*it : nullptr;
}

const ConstructorInfo* Schema::Find(uint32_t id) const {
  auto it = std::lower_bound(constructors.begin(), constructors.end(), id,
                             [](const ConstructorInfo& info, uint32_t key) { return info.id < key; });
  return it != constructors.end() && it->id == id ? &*it : nullptr;
}

ObjectPtr<Object> FetchBoxedObject(Reader& in, const Schema& schema, int type) {
  const uint32_t id = in.Uint32();
  if (!in.ok()) return nullptr;
  if (id == kGzipPackedId) {
    std::string packed = in.Bytes();
    if (!in.ok()) return nullptr;
    std::string unpacked;
    if (!Gunzip(packed, &unpacked)) {
      in.Fail(DecodeError::kBadGzip);
      return nullptr;
    }
    Reader inner(unpacked);
    inner.set_compat(in.compat());
    ObjectPtr<Object> object = FetchBoxedObject(inner, schema, type);
    if (inner.ok() && inner.remaining() != 0) inner.Fail(DecodeError::kTrailingBytes);
    if (!inner.ok()) {
      in.Fail(inner.error(), id);
      return nullptr;
    }
    return object;
  }
  const ConstructorInfo* info = schema.Find(id);
  if (info == nullptr && in.compat() != nullptr) info = in.compat()->Find(id);
  if (info == nullptr) {
    in.Fail(DecodeError::kUnknownConstructor, id);
    return nullptr;
  }
  if (type != Schema::kAnyType && type != info->type) {
    in.Fail(DecodeError::kUnexpectedConstructor, id);
    return nullptr;
  }
  if (!in.Enter()) return nullptr;
  ObjectPtr<Object> object = info->fetch_bare(in);
  in.Leave();
  return in.ok() ? std::move(object) : nullptr;
}

uint32_t RawObject::ConstructorId() const {
  uint32_t id = 0;
  if (bytes.size() >= 4) __builtin_memcpy(&id, bytes.data(), 4);
  return id;
}

}  // namespace mtproto::tl

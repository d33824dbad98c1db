// Codecs for TL value types: how generated code fetches, stores and prints each field.
// A codec is a struct with a Value type and static Fetch/Store/Print; vectors and objects are
// templates over the codec of their elements, so `Vector<User>` is VectorC<BoxedC<User>>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mtproto/tl/object.h"
#include "mtproto/tl/printer.h"
#include "mtproto/tl/reader.h"
#include "mtproto/tl/writer.h"

namespace mtproto::tl {

struct IntC {
  using Value = int32_t;
  static constexpr size_t kMinSize = 4;
  static Value Fetch(Reader& in) { return in.Int32(); }
  static void Store(Writer& out, Value v) { out.Int32(v); }
  static void Print(Printer& p, Value v) { p.Int(v); }
};

struct LongC {
  using Value = int64_t;
  static constexpr size_t kMinSize = 8;
  static Value Fetch(Reader& in) { return in.Int64(); }
  static void Store(Writer& out, Value v) { out.Int64(v); }
  static void Print(Printer& p, Value v) { p.Int(v); }
};

struct DoubleC {
  using Value = double;
  static constexpr size_t kMinSize = 8;
  static Value Fetch(Reader& in) { return in.Double(); }
  static void Store(Writer& out, Value v) { out.Double(v); }
  static void Print(Printer& p, Value v) { p.Double(v); }
};

// TL `string` (UTF-8 text) and `bytes` share the wire form; they differ only in printing.
struct StringC {
  using Value = std::string;
  static constexpr size_t kMinSize = 4;
  static Value Fetch(Reader& in) { return in.Bytes(); }
  static void Store(Writer& out, const Value& v) { out.Bytes(v); }
  static void Print(Printer& p, const Value& v) { p.String(v); }
};

struct BytesC : StringC {
  static void Print(Printer& p, const Value& v) { p.Hex(v); }
};

template <typename Array>
struct FixedBytesC {
  using Value = Array;
  static constexpr size_t kMinSize = sizeof(Array);
  static Value Fetch(Reader& in) {
    Value v{};
    const std::string_view raw = in.Raw(v.size());
    if (raw.size() == v.size()) __builtin_memcpy(v.data(), raw.data(), v.size());
    return v;
  }
  static void Store(Writer& out, const Value& v) { out.Raw(v.data(), v.size()); }
  static void Print(Printer& p, const Value& v) {
    p.Hex(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
  }
};
using Int128C = FixedBytesC<Int128>;
using Int256C = FixedBytesC<Int256>;

// `Bool` is a boxed type (boolTrue / boolFalse); it maps to a C++ bool.
struct BoolC {
  using Value = bool;
  static constexpr size_t kMinSize = 4;
  static Value Fetch(Reader& in) {
    const uint32_t id = in.Uint32();
    if (in.ok() && id != kBoolTrueId && id != kBoolFalseId) {
      in.Fail(DecodeError::kUnexpectedConstructor, id);
    }
    return id == kBoolTrueId;
  }
  static void Store(Writer& out, Value v) { out.Uint32(v ? kBoolTrueId : kBoolFalseId); }
  static void Print(Printer& p, Value v) { p.Bool(v); }
};

// A boxed object of abstract type T (or any Function for T = Function).
template <typename T>
struct BoxedC {
  using Value = ObjectPtr<T>;
  static constexpr size_t kMinSize = 4;
  static Value Fetch(Reader& in) { return FetchBoxedAs<T>(in); }
  static void Store(Writer& out, const Value& v) {
    if (v) {
      v->StoreBoxed(out);
    } else {
      out.Fail(std::string("a required ") + T::kName + " is null");
    }
  }
  static void Print(Printer& p, const Value& v) {
    if (v) {
      v->Print(p);
    } else {
      p.Null();
    }
  }
};

// A bare constructor C (`%Type` or a lowercase constructor name): its fields, no id.
template <typename C>
struct BareC : BoxedC<C> {
  using Value = ObjectPtr<C>;
  static constexpr size_t kMinSize = 1;
  static Value Fetch(Reader& in) {
    if (!in.Enter()) return nullptr;
    Value v = C::FetchBare(in);
    in.Leave();
    return v;
  }
  static void Store(Writer& out, const Value& v) {
    if (v) {
      v->StoreBare(out);
    } else {
      out.Fail(std::string("a required ") + C::kName + " is null");
    }
  }
};

// A bare vector (`vector<T>`): the element count, then the elements.
template <typename E>
struct BareVectorC {
  using Value = std::vector<typename E::Value>;
  static constexpr size_t kMinSize = 4;
  static Value Fetch(Reader& in) {
    Value v;
    const uint32_t count = in.Count(E::kMinSize);
    v.reserve(count);
    for (uint32_t i = 0; i < count && in.ok(); ++i) v.push_back(E::Fetch(in));
    return v;
  }
  static void Store(Writer& out, const Value& v) {
    out.Uint32(static_cast<uint32_t>(v.size()));
    for (const auto& e : v) E::Store(out, e);
  }
  static void Print(Printer& p, const Value& v) {
    p.BeginVector();
    for (const auto& e : v) {
      p.Element();
      E::Print(p, e);
    }
    p.EndVector();
  }
};

// A boxed vector (`Vector<T>`): the vector constructor id, then a bare vector.
template <typename E>
struct VectorC : BareVectorC<E> {
  using Value = typename BareVectorC<E>::Value;
  static constexpr size_t kMinSize = 8;
  static Value Fetch(Reader& in) {
    const uint32_t id = in.Uint32();
    if (in.ok() && id != kVectorId) in.Fail(DecodeError::kUnexpectedConstructor, id);
    return BareVectorC<E>::Fetch(in);
  }
  static void Store(Writer& out, const Value& v) {
    out.Uint32(kVectorId);
    BareVectorC<E>::Store(out, v);
  }
};

// `Object` in mtproto.tl: a serialized boxed object kept as bytes (see RawObject). Its extent is
// the rest of the input, or the length the generated code reads from a preceding `bytes:int`.
struct RawObjectC {
  using Value = RawObject;
  static void Store(Writer& out, const Value& v) { out.Raw(v.bytes); }
  static Value FetchSized(Reader& in, int32_t size) {
    if (size < 0) in.Fail(DecodeError::kTooLarge);
    return RawObject{std::string(in.Raw(in.ok() ? static_cast<size_t>(size) : 0))};
  }
  static Value Fetch(Reader& in) {
    if (in.remaining() < 4) in.Fail(DecodeError::kTruncated);  // not even a constructor id
    return RawObject{std::string(in.Rest())};
  }
  static void Print(Printer& p, const Value& v);
};

}  // namespace mtproto::tl

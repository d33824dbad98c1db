// TL deserialization: a bounds-checked cursor over received bytes.
// Spec: https://core.telegram.org/mtproto/serialize
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mtproto::tl {

struct Schema;

enum class DecodeError {
  kNone = 0,
  kTruncated,              // input ended inside a value
  kUnknownConstructor,     // a constructor id this schema does not have
  kUnexpectedConstructor,  // a known constructor of the wrong type at this position
  kTooLarge,               // a length or count larger than the remaining input allows
  kTooDeep,                // objects nested deeper than kMaxDepth
  kBadGzip,                // gzip_packed data that does not inflate (or inflates too far)
  kTrailingBytes,          // bytes left after the outermost object
};

const char* DecodeErrorName(DecodeError error);

// Reads TL values from a borrowed buffer. It never reads past the end: the first failure is
// recorded, every later read returns a zero value, and callers check ok() when they are done
// (generated code checks after each object). Nothing here throws.
class Reader {
 public:
  static constexpr int kMaxDepth = 64;

  explicit Reader(std::string_view data) : data_(data) {}

  int32_t Int32() { return Fixed<int32_t>(); }
  uint32_t Uint32() { return Fixed<uint32_t>(); }
  int64_t Int64() { return Fixed<int64_t>(); }
  double Double() { return Fixed<double>(); }
  // A TL `string`/`bytes` value, checked against the remaining input before any allocation.
  std::string Bytes();
  // `size` raw bytes (int128, int256, or the rest of a message).
  std::string_view Raw(size_t size);
  std::string_view Rest() { return Raw(remaining()); }

  // A vector's element count, rejected when even `min_element_size`-byte elements could not fit.
  uint32_t Count(size_t min_element_size);

  // Records the first failure; later reads return zeros.
  void Fail(DecodeError error, uint32_t constructor_id = 0);
  bool ok() const { return error_ == DecodeError::kNone; }
  DecodeError error() const { return error_; }
  // The error with its position, e.g. "unknown constructor 0x12345678 at byte 40".
  std::string ErrorText() const;

  // Constructors of other API layers to accept where this schema has no such id; they decode
  // into this schema's structs (see LayerAdapter).
  void set_compat(const Schema* compat) { compat_ = compat; }
  const Schema* compat() const { return compat_; }

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }

  // Nesting guard: garbage must not recurse without bound.
  bool Enter() {
    if (++depth_ > kMaxDepth) Fail(DecodeError::kTooDeep);
    return ok();
  }
  void Leave() { --depth_; }

 private:
  template <typename T>
  T Fixed() {
    T value{};
    const std::string_view bytes = Raw(sizeof(T));
    if (bytes.size() == sizeof(T)) __builtin_memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }

  std::string_view data_;
  const Schema* compat_ = nullptr;
  size_t offset_ = 0;
  int depth_ = 0;
  DecodeError error_ = DecodeError::kNone;
  size_t error_offset_ = 0;
  uint32_t error_id_ = 0;
};

}  // namespace mtproto::tl

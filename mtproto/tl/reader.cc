#include "mtproto/tl/reader.h"

#include <cstdio>

namespace mtproto::tl {

const char* DecodeErrorName(DecodeError error) {
  switch (error) {
    case DecodeError::kNone: return "ok";
    case DecodeError::kTruncated: return "truncated input";
    case DecodeError::kUnknownConstructor: return "unknown constructor";
    case DecodeError::kUnexpectedConstructor: return "unexpected constructor";
    case DecodeError::kTooLarge: return "length exceeds input";
    case DecodeError::kTooDeep: return "nesting too deep";
    case DecodeError::kBadGzip: return "bad gzip_packed data";
    case DecodeError::kTrailingBytes: return "trailing bytes";
  }
  return "unknown error";
}

std::string_view Reader::Raw(size_t size) {
  if (!ok()) return {};
  if (size > remaining()) {
    Fail(DecodeError::kTruncated);
    return {};
  }
  const std::string_view bytes = data_.substr(offset_, size);
  offset_ += size;
  return bytes;
}

std::string Reader::Bytes() {
  const std::string_view first = Raw(1);
  if (first.empty()) return {};
  size_t length = static_cast<uint8_t>(first[0]);
  size_t header = 1;
  if (length == 254) {
    const std::string_view rest = Raw(3);
    if (rest.empty()) return {};
    length = static_cast<uint8_t>(rest[0]) | static_cast<uint8_t>(rest[1]) << 8 |
             static_cast<uint8_t>(rest[2]) << 16;
    header = 4;
  } else if (length == 255) {
    Fail(DecodeError::kTooLarge);  // 0xff is not a valid length prefix
    return {};
  }
  const size_t padding = (4 - (header + length) % 4) % 4;
  if (length + padding > remaining()) {
    Fail(length > remaining() ? DecodeError::kTooLarge : DecodeError::kTruncated);
    return {};
  }
  std::string value(Raw(length));
  Raw(padding);
  return value;
}

uint32_t Reader::Count(size_t min_element_size) {
  const uint32_t count = Uint32();
  if (ok() && count > remaining() / min_element_size) {
    Fail(DecodeError::kTooLarge);
    return 0;
  }
  return count;
}

void Reader::Fail(DecodeError error, uint32_t constructor_id) {
  if (!ok()) return;
  error_ = error;
  error_offset_ = offset_;
  error_id_ = constructor_id;
}

std::string Reader::ErrorText() const {
  char text[96];
  if (error_id_ != 0) {
    std::snprintf(text, sizeof text, "%s 0x%08x at byte %zu", DecodeErrorName(error_), error_id_,
                  error_offset_);
  } else {
    std::snprintf(text, sizeof text, "%s at byte %zu", DecodeErrorName(error_), error_offset_);
  }
  return text;
}

}  // namespace mtproto::tl

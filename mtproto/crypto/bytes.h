// Byte-buffer vocabulary shared by the MTProto crypto module.
// Spec: https://core.telegram.org/mtproto (all crypto inputs and outputs are raw byte strings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mtproto::crypto {

// An owned byte string.
using Bytes = std::vector<uint8_t>;
// A read-only view of bytes; std::vector, std::array and C arrays convert to it implicitly.
using ByteSpan = std::span<const uint8_t>;
// A writable view of bytes.
using MutableByteSpan = std::span<uint8_t>;

// TL values hold bytes in std::string; this views them as crypto input without a copy.
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace mtproto::crypto

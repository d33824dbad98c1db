// TL serialization: appends the wire form of TL values to a byte string.
// Spec: https://core.telegram.org/mtproto/serialize
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mtproto::tl {

struct LayerAdapter;

// Appends TL-encoded values (little-endian, 4-byte aligned) to an owned buffer.
// Encoding cannot fail on its own; a caller that finds a value it cannot encode (a required
// object left null) marks the writer failed, and Serialize() reports it.
class Writer {
 public:
  Writer() = default;
  explicit Writer(std::string initial) : out_(std::move(initial)) {}

  void Int32(int32_t v) { Raw(&v, 4); }
  void Uint32(uint32_t v) { Raw(&v, 4); }
  void Int64(int64_t v) { Raw(&v, 8); }
  void Double(double v) { Raw(&v, 8); }
  void Raw(std::string_view bytes) { out_.append(bytes); }
  void Raw(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }

  // A TL `string`/`bytes`: a 1-byte length (< 254) or 0xfe + 3-byte length, the bytes, then
  // zero padding to a multiple of 4.
  void Bytes(std::string_view bytes) {
    size_t header;
    if (bytes.size() < 254) {
      out_.push_back(static_cast<char>(bytes.size()));
      header = 1;
    } else {
      const uint32_t word = 0xfe | static_cast<uint32_t>(bytes.size()) << 8;
      Raw(&word, 4);
      header = 4;
    }
    out_.append(bytes);
    out_.append((4 - (header + bytes.size()) % 4) % 4, '\0');
  }

  // Records the first encoding failure (e.g. "chatInviteExported.link is null").
  void Fail(std::string what) {
    if (ok()) error_ = std::move(what);
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Encode objects in another API layer's constructors (for a peer that declared that layer).
  void set_layer_adapter(const LayerAdapter* adapter) { adapter_ = adapter; }
  const LayerAdapter* layer_adapter() const { return adapter_; }

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
  std::string error_;
  const LayerAdapter* adapter_ = nullptr;
};

}  // namespace mtproto::tl

// Renders TL values as one line of readable text for logs:
//   chatInviteExported{request_needed=true link="https://t.me/+AbC" admin_id=42 date=1700000000}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mtproto::tl {

class Printer {
 public:
  // Longer strings and byte strings are cut, with their full size noted.
  static constexpr size_t kMaxStringChars = 200;
  static constexpr size_t kMaxHexBytes = 32;

  void BeginObject(std::string_view name);
  void Field(std::string_view name);
  void EndObject() { End('}'); }
  void BeginVector();
  void EndVector() { End(']'); }
  void Element();  // separates vector elements

  void Int(int64_t value) { out_ += std::to_string(value); }
  void Double(double value);
  void Bool(bool value) { out_ += value ? "true" : "false"; }
  void String(std::string_view value);  // quoted, escaped
  void Hex(std::string_view bytes);     // for `bytes`, int128, int256
  void Secret(size_t size);             // what a secret field prints instead of its value
  void Null() { out_ += "null"; }
  void Text(std::string_view text) { out_ += text; }

  std::string Take() { return std::move(out_); }

 private:
  void End(char bracket) {
    out_ += bracket;
    first_ = false;  // the enclosing object's next field needs its separator
  }

  std::string out_;
  bool first_ = true;  // no separator before the first field or element
};

}  // namespace mtproto::tl

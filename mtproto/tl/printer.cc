#include "mtproto/tl/printer.h"

#include <cstdio>

namespace mtproto::tl {

void Printer::BeginObject(std::string_view name) {
  out_ += name;
  out_ += '{';
  first_ = true;
}

void Printer::Field(std::string_view name) {
  if (!first_) out_ += ' ';
  first_ = false;
  out_ += name;
  out_ += '=';
}

void Printer::BeginVector() {
  out_ += '[';
  first_ = true;
}

void Printer::Element() {
  if (!first_) out_ += ' ';
  first_ = false;
}

void Printer::Double(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  out_ += text;
}

void Printer::String(std::string_view value) {
  out_ += '"';
  const std::string_view shown = value.substr(0, kMaxStringChars);
  for (const char c : shown) {
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out_ += escaped;
        } else {
          out_ += c;
        }
    }
  }
  out_ += '"';
  if (shown.size() < value.size()) out_ += "...(" + std::to_string(value.size()) + " bytes)";
}

void Printer::Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out_ += "0x";
  const std::string_view shown = bytes.substr(0, kMaxHexBytes);
  for (const char c : shown) {
    out_ += kDigits[static_cast<unsigned char>(c) >> 4];
    out_ += kDigits[static_cast<unsigned char>(c) & 15];
  }
  if (shown.size() < bytes.size()) out_ += "...(" + std::to_string(bytes.size()) + " bytes)";
}

void Printer::Secret(size_t size) {
  out_ += "<secret";
  if (size != 0) out_ += ' ' + std::to_string(size) + " bytes";
  out_ += '>';
}

}  // namespace mtproto::tl

// Test helper for layers_crosscheck.py: the C++ side of the layer tables, driven from Python.
//   tl_layers_tool encode <layer>   prints "<sample> <hex>" for each layers_samples object
//   tl_layers_tool decode           reads hex requests (one per line) and prints each decoded into
//                                   layer-223 structs, or "error: ..." (secrets are shown raw here)
#include <cstdio>
#include <iostream>
#include <string>

#include "mtproto/tl/api.h"
#include "mtproto/tl/api_layers.h"
#include "tests/unit/tl/layers_samples.h"

namespace {

using namespace mtproto::tl;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

int Encode(int layer) {
  auto print = [layer](const char* name, const Object& object) {
    Writer out;
    out.set_layer_adapter(api::LayerAdapterFor(layer));
    object.StoreBoxed(out);
    std::printf("%s %s\n", name, out.ok() ? Hex(out.data()).c_str() : ("error:" + out.error()).c_str());
  };
  print("user", *layers_samples::User());
  print("config", *layers_samples::Config());
  print("authorization", *layers_samples::Authorization());
  print("invite", *layers_samples::Invite());
  print("password", *layers_samples::Password());
  return 0;
}

// The innermost query of invokeWithLayer / initConnection wrappers.
const Object* Innermost(const Object* fn) {
  for (;;) {
    if (fn->ConstructorId() == api::invokeWithLayer::kId) {
      fn = static_cast<const api::invokeWithLayer*>(fn)->query.get();
    } else if (fn->ConstructorId() == api::initConnection::kId) {
      fn = static_cast<const api::initConnection*>(fn)->query.get();
    } else {
      return fn;
    }
  }
}

int Decode() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::string bytes = FromHex(line);
    Reader in(bytes);
    in.set_compat(&api::kCompatSchema);
    ObjectPtr<api::Function> fn = FetchBoxedAs<api::Function>(in);
    if (in.ok() && in.remaining() != 0) in.Fail(DecodeError::kTrailingBytes);
    if (!in.ok() || fn == nullptr) {
      std::printf("error: %s\n", in.ErrorText().c_str());
      continue;
    }
    std::string text = fn->ToString();
    const Object* inner = Innermost(fn.get());
    if (inner->ConstructorId() == api::auth_signIn::kId) {
      const auto* sign_in = static_cast<const api::auth_signIn*>(inner);
      text += " phone_code=" + sign_in->phone_code.value_or("<none>");
    }
    std::printf("%s\n", text.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "encode" && argc > 2) return Encode(std::stoi(argv[2]));
  if (command == "decode") return Decode();
  std::fprintf(stderr, "usage: tl_layers_tool encode <layer> | decode\n");
  return 2;
}

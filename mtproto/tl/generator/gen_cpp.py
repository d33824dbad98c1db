#!/usr/bin/env python3
"""Generates C++ for a TL schema: one header of structs, the implementations split over several
.cc files (so parallel builds share the work), and the constructor table.

  gen_cpp.py --schema api.tl --namespace api --layer 223 --chunks 8 --out DIR

Each TL constructor becomes a struct deriving from its abstract type's class; each function a
struct deriving from <namespace>::Function. Field types map to codecs in mtproto/tl/codecs.h.
"""

import argparse
import os
import sys

import tl_schema

CPP_KEYWORDS = set("""alignas alignof and asm auto bool break case catch char class const constexpr
continue decltype default delete do double else enum explicit export extern false final float for
friend goto if inline int long mutable namespace new noexcept not nullptr operator or override
private protected public register return short signed sizeof static struct switch template this
throw true try typedef typeid typename union unsigned using virtual void volatile while xor""".split())

# Fields printed as <secret> in logs: credentials, login codes, key material.
SECRET_FIELDS = {"api_hash", "bot_auth_token", "phone_code", "password", "new_password_hash",
                 "current_password_hash", "M1", "secure_secret", "token", "new_nonce", "code",
                 "email_code", "secret", "new_settings", "new_secure_settings"}
# Fields that are secret only in some constructors (elsewhere the name is harmless).
SECRET_IN = {("auth.exportedAuthorization", "bytes"), ("auth.importAuthorization", "bytes")}

SCALAR_CODECS = {"int": "IntC", "long": "LongC", "double": "DoubleC", "string": "StringC",
                 "bytes": "BytesC", "int128": "Int128C", "int256": "Int256C", "Bool": "BoolC"}
SCALAR_VALUES = {"IntC": "int32_t", "LongC": "int64_t", "DoubleC": "double", "BoolC": "bool"}


def cpp_name(tl_name):
    name = tl_name.replace(".", "_")
    return name + "_" if name in CPP_KEYWORDS else name


class Generator:
    def __init__(self, combinators, namespace, layer):
        self.combinators = combinators
        self.ns = namespace
        self.qns = f"::mtproto::tl::{namespace}"
        self.layer = layer
        self.by_type = tl_schema.constructors_by_type(combinators)
        self.by_name = {c.name: c for c in combinators if not c.is_function}
        self.type_index = {t: i for i, t in enumerate(self.by_type)}
        names = [cpp_name(c.name) for c in combinators] + [cpp_name(t) for t in self.by_type]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            sys.exit(f"C++ name clash: {sorted(duplicates)}")

    # --- types -------------------------------------------------------------------------------

    def codec(self, t):
        """The codec expression for a TypeRef."""
        if t.element is not None:
            inner = self.codec(t.element)
            return f"BareVectorC<{inner}>" if t.bare else f"VectorC<{inner}>"
        if t.generic:
            return f"BoxedC<{self.qns}::Function>"
        if t.name in SCALAR_CODECS:
            return SCALAR_CODECS[t.name]
        if t.name == "Object":
            return "RawObjectC"
        if t.bare:
            ctor = self.bare_constructor(t)
            return f"BareC<{self.qns}::{cpp_name(ctor.name)}>"
        if t.name not in self.by_type:
            sys.exit(f"unknown type {t}")
        return f"BoxedC<{self.qns}::{cpp_name(t.name)}>"

    def bare_constructor(self, t):
        if t.name in self.by_name:
            return self.by_name[t.name]
        ctors = self.by_type.get(t.name, [])
        if len(ctors) != 1:
            sys.exit(f"%{t.name} must name a type with exactly one constructor")
        return ctors[0]

    def value_type(self, codec):
        return SCALAR_VALUES.get(codec, f"{codec}::Value")

    def member(self, arg):
        """The C++ member declaration for a field (flags words are not members)."""
        if arg.is_true_flag:
            return f"bool {cpp_name(arg.name)} = false;"
        codec = self.codec(arg.type)
        value = self.value_type(codec)
        pointer = codec.startswith(("BoxedC", "BareC"))
        if arg.is_optional and not pointer:
            return f"std::optional<{value}> {cpp_name(arg.name)};"
        init = " = 0" if codec in ("IntC", "LongC", "DoubleC") else " = false" if codec == "BoolC" \
            else "{}" if codec in ("Int128C", "Int256C") else ""
        note = "  // optional: null when absent" if arg.is_optional else ""
        return f"{value} {cpp_name(arg.name)}{init};{note}"

    @staticmethod
    def members(c):
        """Fields that are struct members: not flags words, not the length of a raw Object."""
        sized = Generator.sized_lengths(c)
        return [a for a in c.args if not a.is_flags and a.name not in sized]

    @staticmethod
    def sized_lengths(c):
        """`bytes:int` fields that give the length of the raw Object right after them."""
        return {a.name for a, b in zip(c.args, c.args[1:])
                if a.type is not None and a.type.name == "int" and b.type is not None
                and b.type.name == "Object"}

    @staticmethod
    def is_secret(c, arg):
        return arg.name in SECRET_FIELDS or (c.name, arg.name) in SECRET_IN

    # --- header ------------------------------------------------------------------------------

    def header(self):
        out = [f"// Generated by mtproto/tl/generator/gen_cpp.py from the {self.ns} TL schema. Do not edit.",
               "#pragma once", "", "#include <cstdint>", "#include <optional>", "#include <string>",
               "#include <vector>", "", '#include "mtproto/tl/codecs.h"', "",
               f"namespace mtproto::tl::{self.ns} {{", "",
               f"inline constexpr int kLayer = {self.layer};",
               "extern const ::mtproto::tl::Schema kSchema;", ""]
        out += [f"class {cpp_name(t)};" for t in self.by_type]
        out += [f"struct {cpp_name(c.name)};" for c in self.combinators]
        out += ["", "// Any TL function of this schema.",
                "class Function : public ::mtproto::tl::Function {", " public:",
                "  static constexpr int kType = ::mtproto::tl::Schema::kFunctionType;",
                '  static constexpr const char* kName = "Function";',
                "  static const ::mtproto::tl::Schema& schema() { return kSchema; }", "};", ""]
        for t, ctors in self.by_type.items():
            out += [f"// {t}: " + ", ".join(c.name for c in ctors),
                    f"class {cpp_name(t)} : public ::mtproto::tl::Object {{", " public:",
                    f"  static constexpr int kType = {self.type_index[t]};",
                    f'  static constexpr const char* kName = "{t}";',
                    "  static const ::mtproto::tl::Schema& schema() { return kSchema; }", "};"]
        out.append("")
        for c in self.combinators:
            out += self.struct(c)
        out += [f"}}  // namespace mtproto::tl::{self.ns}", ""]
        return "\n".join(out)

    def struct(self, c):
        base = "Function" if c.is_function else cpp_name(c.result.name)
        line = f"// {c.name}#{c.id:08x}"
        out = [line, f"struct {cpp_name(c.name)} final : {self.qns}::{base} {{",
               f"  static constexpr uint32_t kId = 0x{c.id:08x};",
               f'  static constexpr const char* kName = "{c.name}";']
        if c.is_function and not c.result.generic:
            out.append(f"  using Result = {self.codec(c.result)};")
        out += ["  " + self.member(a) for a in self.members(c)]
        out += ["  uint32_t ConstructorId() const override { return kId; }",
                "  void StoreBare(::mtproto::tl::Writer& out) const override;",
                "  void Print(::mtproto::tl::Printer& out) const override;",
                f"  static ::mtproto::tl::ObjectPtr<{self.qns}::{cpp_name(c.name)}> FetchBare(::mtproto::tl::Reader& in);",
                "};", ""]
        return out

    # --- implementations ---------------------------------------------------------------------

    def presence(self, arg, owner):
        name = f"{owner}{cpp_name(arg.name)}"
        return name if arg.is_true_flag else f"{name}.has_value()" if "optional" in self.member(arg) \
            and "null when absent" not in self.member(arg) else f"{name} != nullptr"

    def deref(self, arg, owner):
        name = f"{owner}{cpp_name(arg.name)}"
        return f"*{name}" if self.member(arg).startswith("std::optional") else name

    def store(self, c):
        out = [f"void {cpp_name(c.name)}::StoreBare(Writer& out) const {{"]
        sized = self.sized_lengths(c)
        args = c.args
        for i, a in enumerate(args):
            if a.is_flags:
                word = f"tl_{a.name}"
                out.append(f"  uint32_t {word} = 0;")
                for b in args:
                    if b.flag_word == a.name:
                        out.append(f"  if ({self.presence(b, 'this->')}) {word} |= 1u << {b.flag_bit};")
                out.append(f"  out.Uint32({word});")
            elif a.name in sized:
                out.append(f"  out.Int32(static_cast<int32_t>(this->{cpp_name(args[i + 1].name)}.bytes.size()));")
            elif a.is_true_flag:
                continue
            elif a.is_optional:
                out.append(f"  if ({self.presence(a, 'this->')}) "
                           f"{self.codec(a.type)}::Store(out, {self.deref(a, 'this->')});")
            else:
                out.append(f"  {self.codec(a.type)}::Store(out, this->{cpp_name(a.name)});")
        out.append("}")
        return out

    def fetch(self, c):
        name = cpp_name(c.name)
        out = [f"ObjectPtr<{name}> {name}::FetchBare(Reader& in) {{",
               f"  auto v = std::make_unique<{self.qns}::{name}>();"]
        sized = self.sized_lengths(c)
        length = None
        for a in c.args:
            field = f"v->{cpp_name(a.name)}"
            if a.is_flags:
                if any(b.flag_word == a.name for b in c.args):
                    out.append(f"  const uint32_t tl_{a.name} = in.Uint32();")
                else:
                    out.append(f"  in.Uint32();  // {a.name}: no field depends on it")
            elif a.name in sized:
                length = f"tl_{a.name}"
                out.append(f"  const int32_t {length} = in.Int32();")
            elif a.type.name == "Object" and length:
                out.append(f"  {field} = RawObjectC::FetchSized(in, {length});")
            elif a.is_true_flag:
                out.append(f"  {field} = (tl_{a.flag_word} & (1u << {a.flag_bit})) != 0;")
            elif a.is_optional:
                out.append(f"  if (tl_{a.flag_word} & (1u << {a.flag_bit})) "
                           f"{field} = {self.codec(a.type)}::Fetch(in);")
            else:
                out.append(f"  {field} = {self.codec(a.type)}::Fetch(in);")
        out += ["  if (!in.ok()) return nullptr;", "  return v;", "}"]
        return out

    def print_(self, c):
        out = [f"void {cpp_name(c.name)}::Print(Printer& out) const {{",
               f'  out.BeginObject("{c.name}");']
        for a in self.members(c):
            member = f"this->{cpp_name(a.name)}"
            if self.is_secret(c, a):
                size = f"{member}.size()" if self.codec(a.type) in ("StringC", "BytesC") and not a.is_optional else "0"
                show = f'out.Field("{a.name}"); out.Secret({size});'
            elif a.is_true_flag:
                show = f'out.Field("{a.name}"); out.Bool(true);'
            else:
                show = f'out.Field("{a.name}"); {self.codec(a.type)}::Print(out, {self.deref(a, "this->")});'
            if a.is_optional:
                out.append(f"  if ({self.presence(a, 'this->')}) {{ {show} }}")
            else:
                out.append(f"  {show}")
        out += ["  out.EndObject();", "}"]
        return out

    def source(self, chunk):
        out = [f"// Generated by mtproto/tl/generator/gen_cpp.py from the {self.ns} TL schema. Do not edit.",
               f'#include "mtproto/tl/{self.ns}.h"', "",
               f"namespace mtproto::tl::{self.ns} {{", "",
               "using ::mtproto::tl::ObjectPtr;", "using ::mtproto::tl::Printer;",
               "using ::mtproto::tl::Reader;", "using ::mtproto::tl::Writer;",
               "using namespace ::mtproto::tl;  // codecs", ""]
        for c in chunk:
            out += self.store(c) + self.fetch(c) + self.print_(c) + [""]
        out += [f"}}  // namespace mtproto::tl::{self.ns}", ""]
        return "\n".join(out)

    def table(self):
        rows = sorted(self.combinators, key=lambda c: c.id)
        out = [f"// Generated by mtproto/tl/generator/gen_cpp.py from the {self.ns} TL schema. Do not edit.",
               f'#include "mtproto/tl/{self.ns}.h"', "",
               f"namespace mtproto::tl::{self.ns} {{", "namespace {", "",
               "constexpr ::mtproto::tl::ConstructorInfo kConstructors[] = {"]
        for c in rows:
            type_ = "Schema::kFunctionType" if c.is_function else str(self.type_index[c.result.name])
            out.append(f'    {{0x{c.id:08x}, {type_}, "{c.name}", '
                       f"&FetchBareErased<{cpp_name(c.name)}>}},")
        out += ["};", "", "constexpr const char* kTypeNames[] = {"]
        out += [f'    "{t}",' for t in self.by_type]
        out += ["};", "", "}  // namespace", "",
                f'const Schema kSchema{{"{self.ns}", kLayer, kConstructors, kTypeNames}};', "",
                f"}}  // namespace mtproto::tl::{self.ns}", ""]
        return "\n".join(out)


def write_if_changed(path, text):
    """Leaves unchanged outputs untouched so that a rebuild recompiles nothing."""
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--layer", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=1)
    parser.add_argument("--out", required=True, help="directory for mtproto/tl/<namespace>*.{h,cc}")
    args = parser.parse_args()
    with open(args.schema) as f:
        combinators = tl_schema.parse(f.read(), args.schema)
    gen = Generator(combinators, args.namespace, args.layer)
    out_dir = os.path.join(args.out, "mtproto", "tl")
    os.makedirs(out_dir, exist_ok=True)
    write_if_changed(os.path.join(out_dir, f"{args.namespace}.h"), gen.header())
    write_if_changed(os.path.join(out_dir, f"{args.namespace}_table.cc"), gen.table())
    size = -(-len(combinators) // args.chunks)
    for i in range(args.chunks):
        chunk = combinators[i * size:(i + 1) * size]
        write_if_changed(os.path.join(out_dir, f"{args.namespace}_{i}.cc"), gen.source(chunk))


if __name__ == "__main__":
    main()

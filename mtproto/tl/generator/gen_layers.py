#!/usr/bin/env python3
"""Generates the code that lets the API (layer 223) talk to peers of other layers:

  gen_layers.py --schema api.tl --layers 144.tl 198.tl 227.tl --out DIR

  → DIR/mtproto/tl/api_layers.{h,cc}

For every other layer L (mtproto/schema/layers/L.tl holds its constructors and functions whose id
differs from layer 223 under the same name):
  - a LayerAdapter whose store functions write a current struct under L's id with L's fields,
    matched by name: fields L lacks are dropped, fields only L has get a default, flag bits are
    recomputed with L's numbering;
  - rows of one compat Schema (kCompatSchema) whose fetch functions read L's form into the current
    struct: fields layer 223 lacks are read and discarded, required objects L lacks get a default.
Nested objects need nothing here: stores go through StoreBoxed (which consults the writer's
adapter) and fetches through FetchBoxedObject (which consults the reader's compat schema).
A field present in both layers under different TL types cannot be mapped; it is treated as absent
on both sides and listed in a comment of the generated source.
"""

import argparse
import os
import re
import sys

import tl_schema
from gen_cpp import Generator, cpp_name, write_if_changed

API = "::mtproto::tl::api"
SCALAR_DEFAULTS = {"int": "out.Int32(0);", "long": "out.Int64(0);", "double": "out.Double(0);",
                   "string": "out.Bytes({});", "bytes": "out.Bytes({});", "Bool": "BoolC::Store(out, false);",
                   "int128": "out.Raw(Int128{}.data(), 16);", "int256": "out.Raw(Int256{}.data(), 32);"}


def layer_of(path):
    m = re.match(r"(\d+)\.tl$", os.path.basename(path))
    if not m:
        sys.exit(f"{path}: a layer file must be named <layer>.tl")
    return int(m.group(1))


def same_type(a, b):
    """Whether two TL field types have the same wire form (bytes and string are one)."""
    norm = lambda t: str(t).replace("bytes", "string")
    return norm(a) == norm(b)


class LayerGen:
    def __init__(self, current, layers):
        self.gen = Generator(current, "api", 223)
        self.current = {(c.name, c.is_function): c for c in current}
        self.current_ids = {c.id: c for c in current}
        self.layers = layers  # [(layer, combinators)]
        self.out = []
        self.skips = {}        # (layer, type name) → function name
        self.defaults = {}     # current type name → default-object function name (or None)
        self.unmapped = set()  # comment lines about fields that could not be mapped

    # --- types -------------------------------------------------------------------------------

    def known(self, t):
        """Whether layer 223's codecs can read this (other-layer) type."""
        if t.element is not None:
            return self.known(t.element)
        if t.generic or t.name in tl_schema.BUILTIN_TYPES:
            return True
        if t.bare:
            return t.name in self.gen.by_name or len(self.gen.by_type.get(t.name, [])) == 1
        return t.name in self.gen.by_type

    def mapping(self, old, cur, layer):
        """Maps each field name of `old` to the current arg it fills, or None."""
        cur_args = {a.name: a for a in Generator.members(cur)}
        result = {}
        for a in old.args:
            if a.is_flags:
                continue
            b = cur_args.get(a.name)
            ok = b is not None and (a.is_true_flag == b.is_true_flag) and \
                (a.is_true_flag or same_type(a.type, b.type))
            if b is not None and not ok:
                self.unmapped.add(f"layer {layer} {old.name}.{a.name}: {a.type} there, {b.type} in 223")
            result[a.name] = b if ok else None
        return result

    # --- defaults ------------------------------------------------------------------------------

    def default_object(self, type_name):
        """A function returning a default current object of this abstract type, or None: the
        constructor with the fewest fields and no required object among them."""
        if type_name in self.defaults:
            return self.defaults[type_name]
        best, best_key = None, None
        for c in self.gen.by_type.get(type_name, []):
            required = [a for a in Generator.members(c) if not a.is_optional]
            if any(self.gen.codec(a.type).startswith(("BoxedC", "BareC")) for a in required):
                continue
            key = ("Empty" not in c.name, len(c.args))
            if best is None or key < best_key:
                best, best_key = c, key
        name = None
        if best is not None:
            name = f"Default_{cpp_name(type_name)}"
            self.out += [f"// The simplest {type_name}, for a required field the other side lacks.",
                         f"ObjectPtr<{API}::{cpp_name(type_name)}> {name}() {{",
                         f"  return std::make_unique<{API}::{cpp_name(best.name)}>();", "}", ""]
        self.defaults[type_name] = name
        return name

    def store_default(self, t, what):
        """Statements writing a default value of an other-layer type `t`."""
        if t.element is not None:
            return ("" if t.bare else "out.Uint32(kVectorId); ") + "out.Uint32(0);"
        if t.name in SCALAR_DEFAULTS:
            return SCALAR_DEFAULTS[t.name]
        if not t.bare and not t.generic and t.name in self.gen.by_type:
            fn = self.default_object(t.name)
            if fn:
                return f"{fn}()->StoreBoxed(out);"
        return f'out.Fail("{what} has no default in this layer");'

    # --- skipping fields of other-layer types ----------------------------------------------------

    def skip(self, t, layer, types):
        """A statement reading and discarding a value of other-layer type `t`."""
        if self.known(t):
            return f"(void){self.gen.codec(t)}::Fetch(in);"
        if t.element is not None:
            inner = self.skip(t.element, layer, types)
            head = "" if t.bare else \
                "if (in.Uint32() != kVectorId && in.ok()) in.Fail(DecodeError::kUnexpectedConstructor); "
            return f"{{ {head}const uint32_t n = in.Count(4); for (uint32_t i = 0; i < n && in.ok(); ++i) {{ {inner} }} }}"
        if t.bare or t.name not in types:
            return "in.Fail(DecodeError::kUnknownConstructor);"
        return f"{self.skip_function(t.name, layer, types)}(in);"

    def skip_function(self, type_name, layer, types):
        key = (layer, type_name)
        if key in self.skips:
            return self.skips[key]
        name = f"Skip{layer}_{cpp_name(type_name)}"
        self.skips[key] = name
        body = [f"// Reads and discards a layer-{layer} {type_name} (a type layer 223 lacks).",
                f"void {name}(Reader& in) {{", "  const uint32_t id = in.Uint32();",
                "  if (!in.Enter()) return;", "  switch (id) {"]
        for c in types[type_name]:
            body.append(f"    case 0x{c.id:08x}: {{")
            body += ["      " + s for s in self.read_fields(c, None, layer, types)]
            body.append("      break;")
            body.append("    }")
        body += ["    default:", "      in.Fail(DecodeError::kUnknownConstructor, id);", "  }",
                 "  in.Leave();", "}", ""]
        self.out += [f"void {name}(Reader& in);"]  # declared first: skips may recurse
        self.pending_skips.append(body)
        return name

    def read_fields(self, old, fields, layer, types):
        """Statements reading `old`'s fields; mapped ones into v->member (fields: name → arg)."""
        out = []
        for a in old.args:
            b = fields.get(a.name) if fields else None
            if a.is_flags:
                out.append(f"[[maybe_unused]] const uint32_t f_{a.name} = in.Uint32();")
                continue
            cond = f"if (f_{a.flag_word} & (1u << {a.flag_bit})) " if a.is_optional else ""
            if a.is_true_flag:
                if b is not None:
                    out.append(f"v->{cpp_name(b.name)} = (f_{a.flag_word} & (1u << {a.flag_bit})) != 0;")
                continue
            if b is not None:
                out.append(f"{cond}v->{cpp_name(b.name)} = {self.gen.codec(b.type)}::Fetch(in);")
            else:
                out.append(f"{cond}{self.skip(a.type, layer, types)}")
        return out

    # --- store and fetch ----------------------------------------------------------------------

    def store(self, old, cur, layer):
        fields = self.mapping(old, cur, layer)
        cname = cpp_name(cur.name)
        body = [f"// {cur.name} as layer {layer}'s {old.name}#{old.id:08x}",
                f"void Store_{old.id:08x}(const Object& object, Writer& out) {{",
                f"  [[maybe_unused]] const auto& v = static_cast<const {API}::{cname}&>(object);",
                f"  out.Uint32(0x{old.id:08x});"]
        for a in old.args:
            b = fields.get(a.name)
            if a.is_flags:
                body.append(f"  uint32_t f_{a.name} = 0;")
                for x in old.args:
                    bx = fields.get(x.name)
                    if x.flag_word == a.name and bx is not None:
                        presence = self.gen.presence(bx, "v.") if bx.is_optional else \
                            f"v.{cpp_name(bx.name)} != nullptr" if self.is_pointer(bx) else "true"
                        body.append(f"  if ({presence}) f_{a.name} |= 1u << {x.flag_bit};")
                body.append(f"  out.Uint32(f_{a.name});")
                continue
            if a.is_true_flag:
                continue
            what = f"layer {layer} {old.name}.{a.name}"
            if b is not None and b.is_optional and a.is_optional and not any(
                    x is not a and x.flag_word == a.flag_word and x.flag_bit == a.flag_bit
                    for x in old.args):
                # The bit is this field's presence alone.
                body.append(f"  if (f_{a.flag_word} & (1u << {a.flag_bit})) "
                            f"{self.gen.codec(b.type)}::Store(out, {self.gen.deref(b, 'v.')});")
                continue
            default = self.store_default(a.type, what)
            if b is None:
                value = default
            else:
                codec = self.gen.codec(b.type)
                if b.is_optional or self.is_pointer(b):
                    presence = self.gen.presence(b, "v.") if b.is_optional else f"v.{cpp_name(b.name)} != nullptr"
                    value = f"if ({presence}) {codec}::Store(out, {self.gen.deref(b, 'v.')}); else {{ {default} }}"
                else:
                    value = f"{codec}::Store(out, v.{cpp_name(b.name)});"
            if a.is_optional:
                # Every field under a set bit is written: a sibling on that bit may have set it.
                body.append(f"  if (f_{a.flag_word} & (1u << {a.flag_bit})) {{ {value} }}")
            else:
                body.append(f"  {value}")
        body += ["}", ""]
        return body

    def is_pointer(self, arg):
        return not arg.is_true_flag and self.gen.codec(arg.type).startswith(("BoxedC", "BareC"))

    def fetch(self, old, cur, layer, types):
        fields = {k: v for k, v in self.mapping(old, cur, layer).items() if v is not None}
        cname = cpp_name(cur.name)
        body = [f"// layer {layer}'s {old.name}#{old.id:08x} into {cur.name}",
                f"ObjectPtr<Object> Fetch_{old.id:08x}(Reader& in) {{",
                f"  auto v = std::make_unique<{API}::{cname}>();"]
        body += ["  " + s for s in self.read_fields(old, fields, layer, types)]
        filled = {b.name for a, b in ((a, fields.get(a.name)) for a in old.args)
                  if b is not None and not a.is_optional}
        for b in Generator.members(cur):
            if b.is_optional or b.name in filled or not self.is_pointer(b) or b.type.bare:
                continue
            fn = self.default_object(b.type.name)
            if fn:
                body.append(f"  if (v->{cpp_name(b.name)} == nullptr) v->{cpp_name(b.name)} = {fn}();")
        body += ["  if (!in.ok()) return nullptr;", "  return v;", "}", ""]
        return body

    # --- files --------------------------------------------------------------------------------

    def source(self):
        self.pending_skips = []
        adapters = {}   # layer → [(current id, old id)]
        compat = {}     # old id → (old, cur)
        functions = []
        stored = set()
        for layer, combinators in self.layers:
            types = tl_schema.constructors_by_type([c for c in combinators if not c.is_function
                                                    and (c.name, False) not in self.current])
            rows = []
            for old in combinators:
                cur = self.current.get((old.name, old.is_function))
                if cur is None or cur.id == old.id:
                    continue
                if old.id in self.current_ids:
                    sys.exit(f"layer {layer}: {old.name}#{old.id:08x} collides with a layer-223 id")
                if not old.is_function:
                    rows.append((cur.id, old.id))
                    if old.id not in stored:
                        stored.add(old.id)
                        functions += self.store(old, cur, layer)
                if old.id not in compat:
                    compat[old.id] = (old, cur)
                    functions += self.fetch(old, cur, layer, types)
            adapters[layer] = sorted(rows)

        out = ["// Generated by mtproto/tl/generator/gen_layers.py from mtproto/schema/layers/. Do not edit.",
               '#include "mtproto/tl/api_layers.h"', "", "#include <memory>", "",
               '#include "mtproto/tl/api.h"', "", "namespace mtproto::tl::api {", "namespace {", "",
               "using namespace ::mtproto::tl;  // codecs", ""]
        if self.unmapped:
            out.append("// Fields whose TL type differs between layers: treated as absent on both sides.")
            out += [f"//   {line}" for line in sorted(self.unmapped)]
            out.append("")
        out += self.out
        for body in self.pending_skips:
            out += body
        out += functions
        for layer, rows in adapters.items():
            out.append(f"constexpr LayerConstructor kLayer{layer}[] = {{")
            out += [f"    {{0x{cur:08x}, &Store_{old:08x}}}," for cur, old in rows]
            out += ["};", ""]
        out.append("constexpr ConstructorInfo kCompatConstructors[] = {")
        for old_id in sorted(compat):
            old, cur = compat[old_id]
            type_ = "Schema::kFunctionType" if cur.is_function else str(self.gen.type_index[cur.result.name])
            out.append(f'    {{0x{old_id:08x}, {type_}, "{old.name}", &Fetch_{old_id:08x}}},')
        out += ["};", "", "}  // namespace", ""]
        for layer in adapters:
            out.append(f"const LayerAdapter kAdapter{layer}{{{layer}, kLayer{layer}}};")
        # Compat rows carry layer 223's type indexes; type_names is left empty (nothing reads it).
        out += ['const Schema kCompatSchema{"api-compat", 0, kCompatConstructors, {}};', ""]
        known = sorted(adapters)
        out += ["const LayerAdapter* LayerAdapterFor(int layer) {",
                f"  if (layer == kLayer) return nullptr;",
                "  // The nearest known layer; a tie goes to the newer one.",
                "  const LayerAdapter* best = nullptr;", "  int best_distance = 0;",
                "  for (const LayerAdapter* a : {" + ", ".join(f"&kAdapter{l}" for l in known) + "}) {",
                "    const int distance = a->layer > layer ? a->layer - layer : layer - a->layer;",
                "    if (best == nullptr || distance <= best_distance) {",
                "      best = a;", "      best_distance = distance;", "    }", "  }",
                "  // Closer to layer 223 itself than to any table: answer in 223.",
                "  const int own = layer > kLayer ? layer - kLayer : kLayer - layer;",
                "  return own < best_distance ? nullptr : best;", "}", "",
                "}  // namespace mtproto::tl::api", ""]
        return "\n".join(out), known

    def header(self, known):
        return "\n".join([
            "// Generated by mtproto/tl/generator/gen_layers.py from mtproto/schema/layers/. Do not edit.",
            "// Other API layers' constructors, for peers that declared them in invokeWithLayer.",
            "#pragma once", "", '#include "mtproto/tl/object.h"', "",
            "namespace mtproto::tl::api {", "",
            "// The layers with generated tables.",
            "inline constexpr int kOtherLayers[] = {" + ", ".join(map(str, known)) + "};", "",
            "// How to encode answers for a peer of `layer` (set it on the Writer): the table of the",
            "// nearest known layer (ties go to the newer one), or null for layer 223 and layers nearer",
            "// to 223 than to any table.",
            "const ::mtproto::tl::LayerAdapter* LayerAdapterFor(int layer);", "",
            "// Every known other-layer constructor and function, decoding into layer 223's structs",
            "// (set it on the Reader with set_compat). One schema serves all layers: ids are unique.",
            "extern const ::mtproto::tl::Schema kCompatSchema;", "",
            "}  // namespace mtproto::tl::api", ""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--layers", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.schema) as f:
        current = tl_schema.parse(f.read(), args.schema)
    layers = []
    for path in sorted(args.layers, key=layer_of):
        with open(path) as f:
            layers.append((layer_of(path), tl_schema.parse(f.read(), path)))
    gen = LayerGen(current, layers)
    source, known = gen.source()
    out_dir = os.path.join(args.out, "mtproto", "tl")
    os.makedirs(out_dir, exist_ok=True)
    write_if_changed(os.path.join(out_dir, "api_layers.h"), gen.header(known))
    write_if_changed(os.path.join(out_dir, "api_layers.cc"), source)


if __name__ == "__main__":
    main()

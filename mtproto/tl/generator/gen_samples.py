#!/usr/bin/env python3
"""Writes test samples for a TL schema: the wire bytes of every constructor and function, once
with every optional field absent ("min") and once with every optional field present ("max").

  gen_samples.py --schema api.tl --out api_samples.txt

Each line is `<name> <variant> <hex>`. The bytes come from this independent encoder, not from the
generated C++, so the codec test checks the C++ against it: decode, re-encode, compare.
"""

import argparse
import struct

import tl_schema

VECTOR_ID = 0x1cb5c415
BOOL_TRUE, BOOL_FALSE = 0x997275b5, 0xbc799737
MAX_DEPTH = 3  # below this, nested objects take their shallowest constructor with no options


class SampleEncoder:
    def __init__(self, combinators):
        self.by_type = tl_schema.constructors_by_type(combinators)
        self.by_name = {c.name: c for c in combinators if not c.is_function}
        self.functions = [c for c in combinators if c.is_function]
        self.counter = 0
        self.turn = {}  # type → next constructor to use, so nesting covers every constructor
        self.shallow = self.shallowest_constructors()

    def shallowest_constructors(self):
        """For each type, a constructor whose required fields nest the least (fixpoint)."""
        depth = {}
        changed = True
        while changed:
            changed = False
            for type_, ctors in self.by_type.items():
                for c in ctors:
                    d = 1 + max([self.required_depth(a.type, depth) for a in c.args
                                 if not a.is_flags and not a.is_optional] or [0])
                    if d < depth.get(type_, (1e9,))[0]:
                        depth[type_] = (d, c)
                        changed = True
        return {t: c for t, (d, c) in depth.items()}

    def required_depth(self, t, depth):
        if t.element is not None:
            return 0  # an empty vector nests nothing
        if t.name in tl_schema.BUILTIN_TYPES or t.name == "Object" or t.generic:
            return 0
        if t.bare:
            return 1
        return depth.get(t.name, (1e9,))[0]

    def next_int(self):
        self.counter += 1
        return self.counter

    def value(self, t, depth, full):
        name = t.name
        if t.element is not None:
            count = 2 if depth < MAX_DEPTH else 0
            body = struct.pack("<I", count) + b"".join(
                self.value(t.element, depth + 1, full) for _ in range(count))
            return body if t.bare else struct.pack("<I", VECTOR_ID) + body
        if t.generic:
            return self.function_sample(depth + 1)
        if name == "int":
            return struct.pack("<i", self.next_int() * 7919 % 2**31)
        if name == "long":
            return struct.pack("<q", self.next_int() * 0x9e3779b97f4a7c15 % 2**63)
        if name == "double":
            return struct.pack("<d", self.next_int() / 8)
        if name in ("string", "bytes"):
            n = self.next_int()
            length = 300 if n % 11 == 0 else n % 40  # some exercise the long length form
            return tl_bytes(bytes((n + i) % 256 if name == "bytes" else 97 + (n + i) % 26
                                  for i in range(length)))
        if name == "int128":
            return bytes((self.next_int() + i) % 256 for i in range(16))
        if name == "int256":
            return bytes((self.next_int() + i) % 256 for i in range(32))
        if name == "Bool":
            return struct.pack("<I", BOOL_TRUE if self.next_int() % 2 else BOOL_FALSE)
        if name == "Object":
            return struct.pack("<IQQ", 0x347773c5, 1, 2)  # a boxed pong
        if t.bare:
            ctor = self.by_name.get(name) or self.by_type[name][0]
            return self.encode(ctor, depth + 1, full)
        ctor = self.pick(name, depth)
        return struct.pack("<I", ctor.id) + self.encode(ctor, depth + 1, full and depth < MAX_DEPTH)

    def pick(self, type_, depth):
        if depth >= MAX_DEPTH:
            return self.shallow[type_]
        ctors = self.by_type[type_]
        i = self.turn.get(type_, 0)
        self.turn[type_] = i + 1
        return ctors[i % len(ctors)]

    def function_sample(self, depth):
        # A query without arguments, like a real initConnection(help.getConfig()).
        simple = next(f for f in self.functions if not f.args)
        return struct.pack("<I", simple.id) + self.encode(simple, depth, False)

    def encode(self, c, depth, full):
        """The bare form of constructor c; `full` sets every optional field."""
        out = b""
        values = {}
        for a in c.args:
            if not a.is_flags and not (a.is_optional and not full):
                if not a.is_true_flag:
                    values[a.name] = self.value(a.type, depth, full)
        for i, a in enumerate(c.args):
            if a.is_flags:
                word = 0
                if full:
                    for b in c.args:
                        if b.flag_word == a.name:
                            word |= 1 << b.flag_bit
                out += struct.pack("<I", word)
            elif a.is_true_flag or (a.is_optional and not full):
                continue
            elif i + 1 < len(c.args) and c.args[i + 1].type is not None \
                    and c.args[i + 1].type.name == "Object" and a.type.name == "int":
                out += struct.pack("<i", len(values[c.args[i + 1].name]))
            else:
                out += values[a.name]
        return out


def tl_bytes(data):
    header = bytes([len(data)]) if len(data) < 254 else b"\xfe" + len(data).to_bytes(3, "little")
    out = header + data
    return out + b"\0" * (-len(out) % 4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.schema) as f:
        combinators = tl_schema.parse(f.read(), args.schema)
    encoder = SampleEncoder(combinators)
    lines = []
    for c in combinators:
        for variant, full in (("min", False), ("max", True)):
            data = struct.pack("<I", c.id) + encoder.encode(c, 0, full)
            lines.append(f"{c.name} {variant} {data.hex()}")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

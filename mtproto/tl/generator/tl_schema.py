"""Parses TL schema text (https://core.telegram.org/mtproto/TL) into combinators.

Used by the C++ generator and the test-sample generator. Built-in types (int, long, double,
string, bytes, int128, int256, Bool, true, Vector) are not combinators here: they are mapped
directly to runtime codecs.
"""

import re
import zlib
from dataclasses import dataclass, field

BUILTIN_TYPES = {"int", "long", "double", "string", "bytes", "int128", "int256", "Bool", "true"}
# Constructors that the runtime implements itself (Bool, true and Vector).
BUILTIN_CONSTRUCTORS = {"boolFalse", "boolTrue", "true", "vector"}

_LINE = re.compile(
    r"^(?P<name>[\w.]+)(?:#(?P<id>[0-9a-fA-F]+))?\s*"
    r"(?P<generics>(?:\{[^}]*\}\s*)*)(?P<args>.*?)\s*=\s*(?P<result>[^;]+?)\s*;$")
_FLAG = re.compile(r"^(?P<word>\w+)\.(?P<bit>\d+)\?(?P<type>.+)$")


@dataclass
class TypeRef:
    """A field's type: a name, optionally with an element type (Vector<T>, vector<T>)."""
    name: str
    element: "TypeRef | None" = None
    bare: bool = False          # %T, a lowercase constructor name, or vector<T>
    generic: bool = False       # !X: any function of the generic parameter X

    def __str__(self):
        if self.element:
            return f"{self.name}<{self.element}>"
        return ("!" if self.generic else "%" if self.bare and self.name[0].isupper() else "") + self.name


@dataclass
class Arg:
    name: str
    type: TypeRef | None         # None for a flags word (`#`)
    flag_word: str | None = None  # the flags field this one depends on
    flag_bit: int = 0

    @property
    def is_flags(self):
        return self.type is None

    @property
    def is_optional(self):
        return self.flag_word is not None

    @property
    def is_true_flag(self):
        return self.is_optional and self.type.name == "true"


@dataclass
class Combinator:
    name: str                    # TL name, e.g. messages.exportChatInvite
    id: int
    args: list
    result: TypeRef
    is_function: bool
    generic_params: list = field(default_factory=list)


def parse_type(text, generic_params=()):
    text = text.strip()
    if text.startswith("!"):
        return TypeRef(text[1:], generic=True)
    if text.startswith("%"):
        return TypeRef(text[1:], bare=True)
    m = re.match(r"^([\w.]+)<(.+)>$", text)
    if m:
        return TypeRef(m.group(1), parse_type(m.group(2), generic_params), bare=m.group(1) == "vector")
    if text in generic_params:
        return TypeRef(text, generic=True)
    last = text.split(".")[-1]
    bare = text not in BUILTIN_TYPES and last[:1].islower()
    return TypeRef(text, bare=bare)


def normalized_line(text):
    """The line as CRC32 sees it: no id, no `flags.N?true` fields, no angle or curly brackets."""
    text = re.sub(r"#[0-9a-fA-F]+", "", text, count=1)
    text = re.sub(r"\s\w+:flags\d*\.\d+\?true(?=\s|$)", "", text)
    text = text.replace(":bytes", ":string").replace("?bytes", "?string")
    text = text.replace("<", " ").replace(">", "").replace("{", "").replace("}", "")
    return " ".join(text.replace(";", "").split())


def parse(text, source="schema"):
    """Returns the combinators of a schema text. Raises ValueError on a malformed line or a
    constructor id that is not the CRC32 of its line."""
    combinators = []
    is_function = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if line == "---functions---":
            is_function = True
            continue
        if line == "---types---":
            is_function = False
            continue
        m = _LINE.match(line)
        if not m:
            raise ValueError(f"{source}:{number}: cannot parse: {raw}")
        name = m.group("name")
        args_text = m.group("args").split()
        if name in BUILTIN_CONSTRUCTORS or "?" in args_text or any("[" in a for a in args_text):
            continue  # built-in: int ? = Int; int128 4*[ int ] = Int128; vector ...
        generics = re.findall(r"\{(\w+):Type\}", m.group("generics"))
        args = []
        for arg in args_text:
            arg_name, _, arg_type = arg.partition(":")
            if arg_type == "#":
                args.append(Arg(arg_name, None))
                continue
            flag = _FLAG.match(arg_type)
            if flag:
                args.append(Arg(arg_name, parse_type(flag.group("type"), generics),
                                flag.group("word"), int(flag.group("bit"))))
            else:
                args.append(Arg(arg_name, parse_type(arg_type, generics)))
        crc = zlib.crc32(normalized_line(line).encode())
        declared = int(m.group("id"), 16) if m.group("id") else crc
        if declared != crc:
            raise ValueError(f"{source}:{number}: id {declared:08x} is not the line's CRC32 {crc:08x}")
        result = parse_type(m.group("result"), generics)
        combinators.append(Combinator(name, declared, args, result, is_function, generics))
    return combinators


def constructors_by_type(combinators):
    """Maps each abstract type name to its constructors, in schema order."""
    types = {}
    for c in combinators:
        if not c.is_function:
            types.setdefault(c.result.name, []).append(c)
    return types

"""Value modifiers: turn ``field|mod|mod: values`` into a compiled ``Item``.

Modifiers apply left to right as the Sigma spec says. Errors are returned as messages (the caller adds
``file:line:col``) so that every problem of a rule is reported at once.
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from secops.detect.sigma import patterns as pt
from secops.detect.sigma.matchers import (
    COMPARATORS,
    TIME_PARTS,
    BoolValue,
    CidrValue,
    CompareValue,
    FieldRefValue,
    Item,
    NumValue,
    RegexValue,
    StrValue,
    TimePartValue,
    ValueMatcher,
)
from secops.detect.sigma.regexlit import regex_literal

SHAPES = {"contains": (True, True), "startswith": (False, True), "endswith": (True, False)}
ENCODERS = {"base64", "base64offset", "utf16", "utf16le", "utf16be", "wide", "windash"}
RE_FLAGS = {"i": "i", "ignorecase": "i", "m": "m", "multiline": "m", "s": "s", "dotall": "s"}
FLAGS = {"all", "cased", "neq", "expand"}
TYPES = {"re", "cidr", "exists", "fieldref", *COMPARATORS}
KNOWN = sorted({*SHAPES, *ENCODERS, *RE_FLAGS, *FLAGS, *TYPES, *TIME_PARTS})
MIN_LITERAL = 3
WINDASH = ("-", "/", "\u2013", "\u2014", "\u2015")
MAX_WINDASH_POSITIONS = 4
_PLACEHOLDER = re.compile(r"(?<!\\)%([A-Za-z0-9_.-]+)%")


class ItemError(Exception):
    """A detection item cannot be compiled; the message says why."""


@dataclass(frozen=True, slots=True)
class SValue:
    """A Sigma string on its way through the modifier chain. ``encoded``: chars stand for bytes."""

    pattern: pt.Pattern
    encoded: bool = False


@dataclass(slots=True)
class Chain:
    mods: list[str]
    link_all: bool = False
    cased: bool = False
    negate: bool = False
    re_flags: str = ""
    time_part: str = ""
    kind: str = "string"  # string, re, cidr, compare, fieldref, exists
    op: str = ""
    issues: list[str] = field(default_factory=list)


def split_key(key: str) -> tuple[str | None, list[str]]:
    """``field|mod|mod`` -> (field or None for keywords, modifiers)."""
    name, *mods = key.split("|")
    return (name or None), mods


STRINGY = set(SHAPES) | ENCODERS | {"cased", "expand"}
LINKABLE = {"contains", "startswith", "endswith", "re", "cidr", "fieldref", "windash"}

# (applies?, message) pairs over the set of modifiers of one item: pySigma's combination checks and more
_COMBINATIONS: list[tuple[Callable[[set[str]], bool], str]] = [
    (lambda s: "base64offset" in s and "contains" not in s, "base64offset requires contains (base64offset|contains)"),
    (lambda s: {"windash", "all"} <= s, "windash cannot be combined with all"),
    (lambda s: len(s & TYPES) > 1 and not s & TYPES <= set(COMPARATORS),
     "modifiers re, cidr, exists, fieldref and lt/lte/gt/gte exclude each other"),
    (lambda s: len(s & set(COMPARATORS)) > 1, "only one of lt, lte, gt, gte per item"),
    (lambda s: "re" in s and bool(s & STRINGY), "re cannot be combined with string or encoding modifiers"),
    (lambda s: bool(s & set(RE_FLAGS)) and "re" not in s, "regex flags i/m/s need the re modifier"),
    (lambda s: bool(s & {"cidr", "exists", *COMPARATORS}) and bool(s & STRINGY),
     "cidr, exists and lt/lte/gt/gte take no string modifiers"),
    (lambda s: "fieldref" in s and bool(s & (ENCODERS | {"expand"})),
     "fieldref cannot be combined with encoding modifiers"),
    (lambda s: "exists" in s and len(s) > 1, "exists cannot be combined with other modifiers"),
]


def check_modifiers(mods: Sequence[str], *, keyword: bool = False) -> list[str]:
    """Unknown, repeated and invalid combinations of modifiers (pySigma's validators and more)."""
    out = [f"unknown modifier {m!r}; valid modifiers: {', '.join(KNOWN)}" for m in mods if m not in KNOWN]
    dupes = sorted({m for m in mods if mods.count(m) > 1})
    if dupes:
        out.append(f"modifier(s) applied twice: {', '.join(dupes)}")
    s = set(mods)
    out.extend(message for applies, message in _COMBINATIONS if applies(s))
    if "all" in s and not keyword and not s & LINKABLE:
        out.append("field|all without contains/startswith/endswith/re matches nothing; add contains")
    for part in s & set(TIME_PARTS):
        if mods[0] != part:
            out.append(f"time modifier {part} must come first")
        if s - {part, "neq", "all", *COMPARATORS}:
            out.append(f"time modifier {part} combines only with lt/lte/gt/gte/neq")
    return out


def _chain(mods: list[str]) -> Chain:
    chain = Chain(mods)
    s = set(mods)
    chain.link_all = "all" in s
    chain.cased = "cased" in s
    chain.negate = "neq" in s
    chain.re_flags = "".join(sorted({RE_FLAGS[m] for m in s if m in RE_FLAGS}))
    chain.time_part = next((m for m in mods if m in TIME_PARTS), "")
    for kind in ("re", "cidr", "exists", "fieldref"):
        if kind in s:
            chain.kind = kind
    ops = [m for m in mods if m in COMPARATORS]
    if ops:
        chain.kind, chain.op = "compare", ops[0]
    return chain


def expand_placeholders(text: str, expand: Mapping[str, Sequence[str]]) -> list[str]:
    """Every combination of the config values of ``%name%`` placeholders; ``\\%`` stays a percent sign."""
    names = _PLACEHOLDER.findall(text)
    missing = sorted({n for n in names if n not in expand})
    if missing:
        raise ItemError(f"placeholder(s) {', '.join('%' + n + '%' for n in missing)} have no value in config "
                        "(rules.expand); a rule with unresolved placeholders is rejected")
    pieces = _PLACEHOLDER.split(text)
    options: list[Sequence[str]] = []
    for i, piece in enumerate(pieces):
        options.append(list(expand[piece]) if i % 2 else [piece.replace("\\%", "%")])
    return ["".join(combo) for combo in itertools.product(*options)]


def _windash(value: SValue) -> list[SValue]:
    chars: list[str] = []
    for part in value.pattern:
        chars.extend([part] if part in pt.WILDCARDS else list(part))
    slots = [
        i for i, c in enumerate(chars)
        if c in "-/" and (i == 0 or not _word(chars[i - 1])) and i + 1 < len(chars) and _word(chars[i + 1])
    ]
    if len(slots) > MAX_WINDASH_POSITIONS:
        raise ItemError(f"windash on more than {MAX_WINDASH_POSITIONS} dashes would need too many variants")
    out = []
    for dashes in itertools.product(WINDASH, repeat=len(slots)):
        variant = list(chars)
        for i, d in zip(slots, dashes, strict=True):
            variant[i] = d
        out.append(SValue(pt.normalize(tuple(variant)), value.encoded))
    return out


def _word(c: str) -> bool:
    return c not in pt.WILDCARDS and (c.isalnum() or c == "_")


def _utf16(value: SValue, mod: str) -> SValue:
    codec = "utf-16-be" if mod == "utf16be" else "utf-16-le"
    parts = tuple(p if p in pt.WILDCARDS else p.encode(codec).decode("latin-1") for p in value.pattern)
    if mod == "utf16":
        parts = ("\xff\xfe", *parts)
    return SValue(pt.normalize(parts), True)


def _bytes(value: SValue, mod: str) -> bytes:
    if pt.has_wildcards(value.pattern):
        raise ItemError(f"{mod} cannot encode wildcards; apply contains/startswith/endswith after {mod}")
    text = pt.plain_text(value.pattern)
    return text.encode("latin-1") if value.encoded else text.encode("utf-8")


def _base64offset(value: SValue) -> list[SValue]:
    data = _bytes(value, "base64offset")
    starts, ends = (0, 2, 3), (None, -3, -2)
    out = []
    for i in range(3):
        encoded = base64.b64encode(i * b" " + data)[starts[i]: ends[(len(data) + i) % 3]].decode()
        out.append(SValue(pt.literal(encoded)))
    return out


def _apply(values: list[SValue], mod: str) -> list[SValue]:
    if mod in SHAPES:
        head, tail = SHAPES[mod]
        return [SValue(pt.wrap(v.pattern, head=head, tail=tail), v.encoded) for v in values]
    if mod == "windash":
        return [w for v in values for w in _windash(v)]
    if mod in ("utf16", "utf16le", "utf16be", "wide"):
        return [_utf16(v, mod) for v in values]
    if mod == "base64":
        return [SValue(pt.literal(base64.b64encode(_bytes(v, mod)).decode())) for v in values]
    if mod == "base64offset":
        return [w for v in values for w in _base64offset(v)]
    return values


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ItemError(f"expected a string or number, got {type(value).__name__}")


def _string_matchers(chain: Chain, raw_values: list[Any], expand: Mapping[str, Sequence[str]],
                     keyword: bool) -> tuple[list[ValueMatcher], tuple[str, ...] | None]:
    plain = not (set(chain.mods) & (set(SHAPES) | ENCODERS | {"expand"})) and not keyword
    matchers: list[ValueMatcher] = []
    lits: list[str] | None = []
    for raw in raw_values:
        if plain and isinstance(raw, bool):
            matchers.append(BoolValue(raw))
            lits = None
            continue
        if plain and isinstance(raw, (int, float)):
            matchers.append(NumValue(float(raw)))
            lits = None
            continue
        texts = expand_placeholders(_as_text(raw), expand) if "expand" in chain.mods else [_as_text(raw)]
        values = [SValue(pt.parse_wildcards(t)) for t in texts]
        for mod in chain.mods:
            values = _apply(values, mod)
        if keyword:
            values = [SValue(pt.wrap(v.pattern, head=True, tail=True), v.encoded) for v in values]
        cased = chain.cased or any(m in chain.mods for m in ("base64", "base64offset"))
        for v in values:
            matchers.append(StrValue(pt.compile_string(v.pattern, cased=cased)))
            if lits is not None:
                lits.append(pt.required_literal(v.pattern).lower())
    return matchers, _usable(lits, chain.link_all)


def _usable(lits: list[str] | None, link_all: bool) -> tuple[str, ...] | None:
    if lits is None:
        return None
    good = [lit for lit in lits if len(lit) >= MIN_LITERAL and lit.isascii() and "\x1f" not in lit]
    if link_all:
        return (max(good, key=len),) if good else None
    return tuple(sorted(set(lits))) if lits and len(good) == len(lits) else None


def _regex(chain: Chain, raw: Any) -> tuple[ValueMatcher, str]:
    if not isinstance(raw, str):
        raise ItemError("re needs a string value")
    options = re2.Options()
    options.log_errors = False
    source = f"(?{chain.re_flags}){raw}" if chain.re_flags else raw
    try:
        compiled = re2.compile(source, options=options)
    except re2.error as err:
        detail = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
        raise ItemError(f"regex {raw!r} refused: not linear-time safe or not supported by RE2 "
                        f"(backreferences and lookaround are not allowed): {detail}") from err
    return RegexValue(compiled), regex_literal(raw).lower()


def _typed_matcher(chain: Chain, raw: Any) -> ValueMatcher:
    if chain.kind == "cidr":
        try:
            return CidrValue(ipaddress.ip_network(str(raw), strict=False))
        except ValueError as err:
            raise ItemError(f"invalid CIDR {raw!r}: {err}") from err
    if chain.kind == "compare":
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ItemError(f"{chain.op} needs a number")
        try:
            return CompareValue(chain.op, float(raw))
        except ValueError as err:
            raise ItemError(f"{chain.op} needs a number, got {raw!r}") from err
    if not isinstance(raw, str):
        raise ItemError("fieldref needs a field name")
    kind = "eq"
    for mod, name in (("contains", "contains"), ("startswith", "prefix"), ("endswith", "suffix")):
        if mod in chain.mods:
            kind = name
    return FieldRefValue(raw, kind, chain.cased)


def build_item(field_name: str | None, mods: list[str], value: Any, *,
               expand: Mapping[str, Sequence[str]] | None = None) -> Item:
    """Compile one detection item. Raises ItemError with a message on any problem."""
    problems = check_modifiers(mods, keyword=field_name is None)
    if problems:
        raise ItemError("; ".join(problems))
    chain = _chain(mods)
    raw_values = list(value) if isinstance(value, list) else [value]
    if chain.kind == "exists":
        if not isinstance(value, bool):
            raise ItemError("exists takes true or false")
        return Item(field_name, kind="exists", exists=value)
    if any(v is None for v in raw_values):
        if len(raw_values) > 1 or mods not in ([], ["neq"]):
            raise ItemError("null must stand alone: no list and no modifiers (negate it in the condition)")
        return Item(field_name, kind="null", negate=chain.negate)
    if not raw_values:
        raise ItemError("empty value list")
    if chain.link_all and len(raw_values) < 2:
        raise ItemError("all on a single value is not allowed")
    if any(isinstance(v, (dict, list)) for v in raw_values):
        raise ItemError("values must be strings, numbers, booleans or null")
    return _finish(field_name, chain, raw_values, expand or {})


def _finish(field_name: str | None, chain: Chain, raw_values: list[Any],
            expand: Mapping[str, Sequence[str]]) -> Item:
    lits: tuple[str, ...] | None = None
    if chain.kind == "string":
        matchers, lits = _string_matchers(chain, raw_values, expand, field_name is None)
    elif chain.kind == "re":
        compiled = [_regex(chain, raw) for raw in raw_values]
        matchers = [m for m, _ in compiled]
        lits = _usable([lit for _, lit in compiled], chain.link_all)
    else:
        matchers = [_typed_matcher(chain, raw) for raw in raw_values]
    if chain.time_part:
        matchers = [TimePartValue(chain.time_part, m) for m in matchers]
        lits = None
    if field_name is None and chain.kind != "string":
        raise ItemError("keyword lists take string modifiers only")
    return Item(field_name, tuple(matchers), link_all=chain.link_all, negate=chain.negate,
                literals=None if chain.negate else lits)

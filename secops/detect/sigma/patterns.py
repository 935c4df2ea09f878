"""Sigma strings: wildcards, escapes and the compiled string matchers built from them.

A Sigma string is parsed once into parts: literal text and the wildcards ``*`` (any run) and ``?`` (one
character). A backslash escapes ``*``, ``?`` and itself; before any other character it is a literal
backslash. Matchers compare lower-cased text unless the value is ``cased``; wildcard patterns compile to
RE2 (linear time), plain ones to ``==``, ``in``, ``startswith`` or ``endswith``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import re2

STAR: Final = "\x00*"
ONE: Final = "\x00?"
WILDCARDS: Final = (STAR, ONE)

Part = str  # a literal chunk, or STAR / ONE
Pattern = tuple[Part, ...]


def parse_wildcards(text: str) -> Pattern:
    """Split a Sigma string into literal chunks and wildcards, honouring backslash escapes."""
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "*?\\":
            buf.append(text[i + 1])
            i += 2
            continue
        if c in "*?":
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(STAR if c == "*" else ONE)
        else:
            buf.append(c)
        i += 1
    if buf:
        parts.append("".join(buf))
    return tuple(parts)


def literal(text: str) -> Pattern:
    return (text,) if text else ()


def has_wildcards(pattern: Pattern) -> bool:
    return any(p in WILDCARDS for p in pattern)


def plain_text(pattern: Pattern) -> str:
    """The text of a wildcard-free pattern."""
    return "".join(pattern)


def normalize(pattern: Pattern) -> Pattern:
    """Merge adjacent literals and collapse runs of ``*``."""
    out: list[str] = []
    for part in pattern:
        if not part:
            continue
        if part == STAR and out and out[-1] == STAR:
            continue
        if part not in WILDCARDS and out and out[-1] not in WILDCARDS:
            out[-1] = out[-1] + part
            continue
        out.append(part)
    return tuple(out)


def wrap(pattern: Pattern, *, head: bool, tail: bool) -> Pattern:
    """Add a leading and/or trailing ``*`` (contains, endswith, startswith)."""
    return normalize(((STAR,) if head else ()) + pattern + ((STAR,) if tail else ()))


def literal_runs(pattern: Pattern) -> list[str]:
    return [p for p in pattern if p not in WILDCARDS]


def to_display(pattern: Pattern) -> str:
    out = []
    for part in pattern:
        if part == STAR:
            out.append("*")
        elif part == ONE:
            out.append("?")
        else:
            out.append(part.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"))
    return "".join(out)


def _regex_of(pattern: Pattern) -> str:
    out = []
    for part in pattern:
        if part == STAR:
            out.append(".*")
        elif part == ONE:
            out.append(".")
        else:
            out.append(re2.escape(part))
    return "(?s)^" + "".join(out) + "$"


@dataclass(frozen=True, slots=True)
class StringMatcher:
    """Match one text value against a compiled Sigma string.

    ``kind`` is one of eq, contains, prefix, suffix, glob; ``text`` is already lower-cased unless
    ``cased``. ``glob`` uses an RE2 full match.
    """

    kind: str
    text: str
    cased: bool
    regex: object = None

    def __call__(self, text: str, low: str) -> bool:
        subject = text if self.cased else low
        kind = self.kind
        if kind == "contains":
            return self.text in subject
        if kind == "eq":
            return subject == self.text
        if kind == "prefix":
            return subject.startswith(self.text)
        if kind == "suffix":
            return subject.endswith(self.text)
        return self.regex.search(subject) is not None  # type: ignore[attr-defined]


def compile_string(pattern: Pattern, *, cased: bool) -> StringMatcher:
    """Pick the cheapest matcher that is exact for ``pattern``."""
    pat = normalize(pattern if cased else tuple(p if p in WILDCARDS else p.lower() for p in pattern))
    inner = pat
    head = bool(inner) and inner[0] == STAR
    tail = len(inner) > int(head) and inner[-1] == STAR
    core = inner[int(head): len(inner) - int(tail)]
    if not has_wildcards(core):
        text = plain_text(core)
        if head and tail:
            return StringMatcher("contains", text, cased)
        if head:
            return StringMatcher("suffix", text, cased)
        if tail:
            return StringMatcher("prefix", text, cased)
        return StringMatcher("eq", text, cased)
    return StringMatcher("glob", "", cased, re2.compile(_regex_of(pat)))


def required_literal(pattern: Pattern) -> str:
    """The longest literal chunk every match must contain (empty if none)."""
    runs = literal_runs(pattern)
    return max(runs, key=len) if runs else ""

"""Literal text every match of a regular expression must contain (for the prefilter index).

Conservative by design: it only reports a run of plain characters at the top level that no quantifier
makes optional, and gives up (empty string) on a top-level alternation.
"""

from __future__ import annotations

_CLASS_ESCAPES = set("dDwWsSbBAzZpPQE0123456789xucntrfvae")


def _skip_group(src: str, i: int) -> int:
    """Index after the ``)`` closing the group that starts at ``src[i] == '('``."""
    depth = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _skip_class(src, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _skip_class(src: str, i: int) -> int:
    i += 1
    if i < len(src) and src[i] == "^":
        i += 1
    if i < len(src) and src[i] == "]":
        i += 1
    while i < len(src) and src[i] != "]":
        i += 2 if src[i] == "\\" else 1
    return i + 1


def _has_top_alternation(src: str) -> bool:
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i = _skip_class(src, i)
        elif c == "(":
            i = _skip_group(src, i)
        elif c == "|":
            return True
        else:
            i += 1
    return False


class _Runs:
    def __init__(self) -> None:
        self.runs: list[str] = []
        self.cur: list[str] = []

    def end(self) -> None:
        if self.cur:
            self.runs.append("".join(self.cur))
        self.cur = []


def _escape(src: str, i: int, acc: _Runs) -> int:
    nxt = src[i + 1]
    optional = i + 2 < len(src) and src[i + 2] in "*?{"
    if nxt in _CLASS_ESCAPES or nxt.isalnum() or optional:
        acc.end()
    else:
        acc.cur.append(nxt)
    return i + 2


def _special(src: str, i: int, acc: _Runs) -> int:
    c = src[i]
    if c in "*?{":
        if acc.cur:
            acc.cur.pop()
        acc.end()
        return src.find("}", i) + 1 if c == "{" and "}" in src[i:] else i + 1
    acc.end()
    if c == "(":
        return _skip_group(src, i)
    if c == "[":
        return _skip_class(src, i)
    return i + 1


def regex_literal(src: str) -> str:
    """The longest mandatory literal run of ``src`` (may be empty)."""
    if _has_top_alternation(src):
        return ""
    acc = _Runs()
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\" and i + 1 < len(src):
            i = _escape(src, i, acc)
        elif c in "*?{([.^$+)":
            i = _special(src, i, acc)
        else:
            acc.cur.append(c)
            i += 1
    acc.end()
    return max(acc.runs, key=len) if acc.runs else ""

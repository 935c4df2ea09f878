"""The Sigma condition grammar: parse once into a small AST, then compile to a closure.

Precedence from loose to tight: ``or`` < ``and`` < ``not`` < ``x of`` < brackets. ``them`` and patterns
that do not start with ``_`` leave out identifiers starting with ``_``. A ``|`` (a v1 aggregation) is
refused with the correlation rule that replaces it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from secops.detect.sigma.matchers import EventView

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9_*.\-]+|\S)")
KEYWORDS = {"and", "or", "not", "of"}


class ConditionError(Exception):
    """The condition string is malformed."""


@dataclass(frozen=True, slots=True)
class Ident:
    name: str


@dataclass(frozen=True, slots=True)
class Selector:
    quantifier: str  # "1" or "all"
    pattern: str  # "them" or a wildcard pattern


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


Node = Ident | Selector | Not | And | Or


def _v1_message(text: str) -> str:
    agg = text.split("|", 1)[1].strip()
    m = re.match(r"count\(\s*([\w.\-]*)\s*\)\s*(?:by\s+([\w.\-]+)\s*)?([<>=!]+)\s*(\d+)", agg)
    ops = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "=": "eq", "==": "eq", "!=": "neq"}
    if m:
        field, group, op, n = m.groups()
        kind = "value_count" if field else "event_count"
        parts = [f"type: {kind}"]
        if group:
            parts.append(f"group-by: [{group}]")
        parts.append(f"condition: {{{ops.get(op, 'gte')}: {n}" + (f", field: {field}" if field else "") + "}")
        hint = "a correlation rule with " + ", ".join(parts) + " and a timespan"
    else:
        hint = "a correlation rule (event_count, value_count, value_sum, value_avg, temporal ...)"
    return f"obsolete Sigma v1 aggregation {agg!r} in condition; write {hint} instead"


def _tokens(text: str) -> list[str]:
    if "|" in text:
        raise ConditionError(_v1_message(text))
    if re.search(r"\bnear\b", text):
        raise ConditionError("obsolete Sigma v1 'near' in condition; write a temporal correlation rule instead")
    return [m.group(1) for m in _TOKEN.finditer(text) if m.group(1).strip()]


class _Parser:
    def __init__(self, tokens: list[str], ignore_case: bool) -> None:
        self.tokens = tokens
        self.pos = 0
        self.ignore_case = ignore_case

    def peek(self) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        return tok.lower() if self.ignore_case and tok.lower() in KEYWORDS else tok

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ConditionError("unexpected end of condition")
        self.pos += 1
        return tok

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()!r} at token {self.pos + 1}")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.peek() == "and":
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.peek() == "not":
            self.take()
            return Not(self.not_expr())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok == "(":
            node = self.or_expr()
            if self.take() != ")":
                raise ConditionError("missing ')'")
            return node
        if tok in (")", "and", "or", "of") or not re.fullmatch(r"[A-Za-z0-9_*.\-]+", tok):
            raise ConditionError(f"unexpected {tok!r} at token {self.pos}")
        if tok in ("1", "all", "any") and self.peek() == "of":
            self.take()
            target = self.take()
            if target in ("(", ")", "and", "or", "not", "of"):
                raise ConditionError(f"expected 'them' or a pattern after '{tok} of'")
            return Selector("all" if tok == "all" else "1", target)
        if "*" in tok:
            raise ConditionError(f"wildcard {tok!r} is only allowed after '1 of' or 'all of'")
        return Ident(tok)


@lru_cache(maxsize=2048)
def parse_condition(text: str, ignore_case: bool = False) -> Node:
    """Parse (cached: conditions repeat across rules). Raises ConditionError."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition")
    return _Parser(_tokens(text), ignore_case).parse()


def resolve_selector(sel: Selector, names: list[str]) -> list[str]:
    if sel.pattern == "them":
        return [n for n in names if not n.startswith("_")]
    hidden_ok = sel.pattern.startswith("_")
    return [n for n in names if fnmatch.fnmatchcase(n, sel.pattern) and (hidden_ok or not n.startswith("_"))]


def referenced(node: Node, names: list[str]) -> set[str]:
    """Identifiers a condition uses (selectors resolved against ``names``)."""
    if isinstance(node, Ident):
        return {node.name}
    if isinstance(node, Selector):
        return set(resolve_selector(node, names))
    if isinstance(node, Not):
        return referenced(node.operand, names)
    return set().union(*(referenced(o, names) for o in node.operands))


Check = Callable[[EventView], bool]


def compile_condition(node: Node, idents: Mapping[str, Check]) -> Check:
    """A closure evaluating ``node``; every identifier must be in ``idents`` (checked by the caller)."""
    if isinstance(node, Ident):
        return idents[node.name]
    if isinstance(node, Selector):
        checks = [idents[n] for n in resolve_selector(node, sorted(idents))]
        if node.quantifier == "all":
            return lambda v: all(c(v) for c in checks)
        return lambda v: any(c(v) for c in checks)
    if isinstance(node, Not):
        inner = compile_condition(node.operand, idents)
        return lambda v: not inner(v)
    parts = [compile_condition(o, idents) for o in node.operands]
    if isinstance(node, And):
        return lambda v: all(p(v) for p in parts)
    return lambda v: any(p(v) for p in parts)


def required_literals(node: Node, lits: Mapping[str, frozenset[str] | None],
                      names: list[str]) -> frozenset[str] | None:
    """Literals of which at least one must occur for ``node`` to be true (None: cannot tell)."""
    if isinstance(node, Ident):
        return lits.get(node.name)
    if isinstance(node, Not):
        return None
    if isinstance(node, Selector):
        kids: list[frozenset[str] | None] = [lits.get(n) for n in resolve_selector(node, names)]
        return _best(kids) if node.quantifier == "all" else _union(kids)
    kids = [required_literals(o, lits, names) for o in node.operands]
    return _best(kids) if isinstance(node, And) else _union(kids)


def _union(kids: list[frozenset[str] | None]) -> frozenset[str] | None:
    if not kids or any(k is None for k in kids):
        return None
    return frozenset().union(*(k for k in kids if k is not None))


def _best(kids: list[frozenset[str] | None]) -> frozenset[str] | None:
    """For an AND: the child whose literals are most selective (longest shortest literal)."""
    usable = [k for k in kids if k]
    if not usable:
        return None
    return max(usable, key=lambda k: (min(len(x) for x in k), -len(k)))

"""Rule conditions: YAML data compiled into closures over one event's findings, fields and windows.

Each condition is a one-key mapping (``detector``, ``category``, ``sensitive``, ``subjects``, ``derived``,
``field``, ``sql``, ``events``) or a combinator (``all``, ``any``, ``not``). Problems are collected as
Issues at the condition's ``file:line:col``; compilation never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from secops.classify.types import Hit
from secops.classify.windows import WindowSlot, WindowStore
from secops.errors import Issue
from secops.yamlio import Document

Loc = tuple[str | int, ...]


@dataclass(slots=True)
class EventCtx:
    hits: list[Hit]  # raw values
    masked: list[Hit]  # already-masked values
    fields: Mapping[str, Any]
    timestamp: float | None
    now: float  # event time, or the injected clock when the event has none
    hmac_key: bytes
    by_detector: dict[str, int]
    window: dict[int, tuple[int, int]] = field(default_factory=dict)  # slot id -> (subjects, events)

    def hashes(self, identities: set[str]) -> set[bytes]:
        return {hmac.new(self.hmac_key, i.encode(), hashlib.sha256).digest()[:16] for i in identities}


Cond = Callable[[EventCtx], bool]


def category_matches(patterns: Sequence[str], category: str) -> bool:
    for p in patterns:
        if p.endswith(".*"):
            if category.startswith(p[:-1]) or category == p[:-2]:
                return True
        elif category == p or category.startswith(p + "."):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Selector:
    """Which findings name the people counted by a ``subjects`` condition."""

    categories: tuple[str, ...] = ()
    sensitive: bool | None = None
    ranks: Mapping[str, int] = field(default_factory=dict)  # detector -> subject rank

    def identities(self, hits: Sequence[Hit]) -> set[str]:
        """Distinct people: values of the highest-ranked identifying detector present (an event with an ID
        and a mobile of one person counts one person, not two)."""
        best = 0
        chosen: set[str] = set()
        for h in hits:
            rank = self.ranks.get(h.detector, 0)
            if rank == 0 or not h.identity or rank < best:
                continue
            if self.categories and not category_matches(self.categories, h.category):
                continue
            if self.sensitive is not None and h.sensitive != self.sensitive:
                continue
            if rank > best:
                best, chosen = rank, set()
            chosen.add(h.identity)
        return chosen


@dataclass(slots=True)
class WindowUse:
    slot_id: int
    slot: WindowSlot
    selector: Selector | None  # None: an ``events`` count


@dataclass(slots=True)
class Env:
    doc: Document
    rule_id: str
    detectors: frozenset[str]
    categories: frozenset[str]
    catalogs: Mapping[str, frozenset[str]]
    ranks: Mapping[str, int]
    store: WindowStore | None = None  # set for windowed rules
    window_seconds: float | None = None
    timezone: str = "Asia/Shanghai"
    max_keys: int = 10000
    issues: list[Issue] = field(default_factory=list)
    windows: list[WindowUse] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)  # detectors / category patterns the rule looks at
    uses_catalog: bool = False
    uses_fields: bool = False  # field / sql conditions: the rule can match an event without findings
    derived: list[Callable[[Hit, float], bool]] = field(default_factory=list)  # per-hit facts rules test

    def error(self, loc: Loc, message: str) -> None:
        self.issues.append(self.doc.issue(loc, f"rule {self.rule_id}: {message}"))


def compile_cond(node: Any, loc: Loc, env: Env) -> Cond | None:
    if not isinstance(node, Mapping) or len(node) != 1:
        env.error(loc, f"a condition is a mapping with exactly one key, one of: {', '.join(sorted(_KINDS))}")
        return None
    kind, arg = next(iter(node.items()))
    builder = _KINDS.get(kind)
    if builder is None:
        env.error((*loc, kind), f"unknown condition {kind!r}; valid: {', '.join(sorted(_KINDS))}")
        return None
    return builder(arg, (*loc, kind), env)


def _list(arg: Any, loc: Loc, env: Env) -> list[Cond] | None:
    if not isinstance(arg, list) or not arg:
        env.error(loc, "expected a non-empty list of conditions")
        return None
    parts = [compile_cond(item, (*loc, i), env) for i, item in enumerate(arg)]
    return [p for p in parts if p is not None] if all(p is not None for p in parts) else None


def _all(arg: Any, loc: Loc, env: Env) -> Cond | None:
    parts = _list(arg, loc, env)
    return None if parts is None else (lambda ctx: all(p(ctx) for p in parts))


def _any(arg: Any, loc: Loc, env: Env) -> Cond | None:
    parts = _list(arg, loc, env)
    return None if parts is None else (lambda ctx: any(p(ctx) for p in parts))


def _not(arg: Any, loc: Loc, env: Env) -> Cond | None:
    inner = compile_cond(arg, loc, env)
    return None if inner is None else (lambda ctx: not inner(ctx))


def _options(arg: Any, loc: Loc, env: Env, allowed: Mapping[str, type | tuple[type, ...]]) -> dict[str, Any] | None:
    if not isinstance(arg, Mapping):
        env.error(loc, f"expected a mapping with keys {', '.join(allowed)}")
        return None
    out = {}
    for key, value in arg.items():
        if key not in allowed:
            env.error((*loc, key), f"unknown option {key!r}; valid: {', '.join(allowed)}")
            return None
        if not isinstance(value, allowed[key]) or (isinstance(value, bool) and allowed[key] is int):
            env.error((*loc, key), f"{key}: expected {_type_name(allowed[key])}")
            return None
        out[key] = value
    return out


def _type_name(t: type | tuple[type, ...]) -> str:
    return " or ".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__


def _names(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _detector(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = {"names": arg} if _names(arg) is not None else _options(
        arg, loc, env, {"names": (str, list), "min_count": int, "masked": bool})
    if opts is None:
        return None
    names = _names(opts.get("names", "any")) or []
    unknown = [n for n in names if n != "any" and n not in env.detectors]
    if unknown:
        env.error(loc, f"unknown detector {', '.join(unknown)}; valid: {', '.join(sorted(env.detectors))}")
        return None
    every = "any" in names
    wanted = frozenset(names)
    env.referenced.update(env.detectors if every else wanted)
    need = int(opts.get("min_count", 1))
    masked = bool(opts.get("masked", False))

    def cond(ctx: EventCtx) -> bool:
        pool = ctx.masked if masked else ctx.hits
        return sum(1 for h in pool if every or h.detector in wanted) >= need

    return cond


def _category(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = {"in": arg} if _names(arg) is not None else _options(
        arg, loc, env, {"in": (str, list), "min_count": int, "masked": bool})
    if opts is None:
        return None
    patterns = tuple(_names(opts.get("in")) or [])
    for p in patterns:
        base = p[:-2] if p.endswith(".*") else p
        if base not in env.categories:
            env.error(loc, f"undefined category {p!r}")
            return None
    env.referenced.update(f"category:{p}" for p in patterns)
    need = int(opts.get("min_count", 1))
    masked = bool(opts.get("masked", False))

    def cond(ctx: EventCtx) -> bool:
        pool = ctx.masked if masked else ctx.hits
        return sum(1 for h in pool if category_matches(patterns, h.category)) >= need

    return cond


def _sensitive(arg: Any, loc: Loc, env: Env) -> Cond | None:
    if not isinstance(arg, bool):
        env.error(loc, "sensitive: expected true or false")
        return None
    env.referenced.add("sensitive")
    return lambda ctx: any(h.sensitive for h in ctx.hits) == arg


def _subjects(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = _options(arg, loc, env, {"gte": int, "categories": list, "sensitive": bool})
    if opts is None or "gte" not in opts:
        if opts is not None:
            env.error(loc, "subjects: 'gte' (a number of distinct people) is required")
        return None
    categories = tuple(opts.get("categories", []))
    for c in categories:
        if (c[:-2] if c.endswith(".*") else c) not in env.categories:
            env.error((*loc, "categories"), f"undefined category {c!r}")
            return None
    selector = Selector(categories, opts.get("sensitive"), env.ranks)
    env.referenced.update(name for name, rank in env.ranks.items() if rank > 0)
    gte = int(opts["gte"])
    if env.store is None:
        return lambda ctx: len(selector.identities(ctx.hits)) >= gte
    use = _window_use(env, selector, gte)
    return lambda ctx: ctx.window.get(use.slot_id, (0, 0))[0] >= gte


def _events(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = _options(arg, loc, env, {"gte": int})
    if opts is None or "gte" not in opts:
        if opts is not None:
            env.error(loc, "events: 'gte' is required")
        return None
    if env.store is None:
        env.error(loc, "events: counts events in a window; give the rule a scope")
        return None
    gte = int(opts["gte"])
    use = _window_use(env, None, gte)
    return lambda ctx: ctx.window.get(use.slot_id, (0, 0))[1] >= gte


def _window_use(env: Env, selector: Selector | None, cap: int) -> WindowUse:
    assert env.store is not None
    slot_id = len(env.windows)
    slot = env.store.slot(env.rule_id, f"w{slot_id}", seconds=env.window_seconds, timezone=env.timezone,
                          cap=cap, max_keys=env.max_keys)
    use = WindowUse(slot_id, slot, selector)
    env.windows.append(use)
    return use


def age_years(birth_ordinal: int, now: float) -> float:
    return (now / 86400.0 + 719163 - birth_ordinal) / 365.2425


def _derived(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = _options(arg, loc, env, {"age_years_lt": int, "age_years_gte": int, "region_prefix_in": list})
    if not opts:
        if opts is not None:
            env.error(loc, "derived: expected age_years_lt, age_years_gte or region_prefix_in")
        return None
    lt = opts.get("age_years_lt")
    gte = opts.get("age_years_gte")
    prefixes = tuple(str(p) for p in opts.get("region_prefix_in", []))
    env.referenced.update({"cn_resident_id", "cn_resident_id15"})

    def one(h: Hit, now: float) -> bool:
        if prefixes and not h.region.startswith(prefixes):
            return False
        if lt is None and gte is None:
            return bool(h.region)
        if h.birth is None:
            return False
        age = age_years(h.birth.toordinal(), now)
        return age >= 0 and (lt is None or age < lt) and (gte is None or age >= gte)

    env.derived.append(one)
    return lambda ctx: any(one(h, ctx.now) for h in ctx.hits if h.birth is not None)


def _field(arg: Any, loc: Loc, env: Env) -> Cond | None:
    opts = _options(arg, loc, env, {"name": str, "equals": (str, int, float), "in": list, "contains": str,
                                    "prefix": str, "exists": bool, "cidr": list, "in_catalog": str,
                                    "gte": (int, float), "lte": (int, float)})
    if opts is None or "name" not in opts or len(opts) != 2:
        if opts is not None:
            env.error(loc, "field: expected 'name' and exactly one test (equals, in, contains, prefix, exists, "
                           "cidr, in_catalog, gte, lte)")
        return None
    name = opts.pop("name")
    env.uses_fields = True
    test, value = next(iter(opts.items()))
    check = _FIELD_TESTS[test](value, loc, env)
    if check is None:
        return None

    def cond(ctx: EventCtx) -> bool:
        got = ctx.fields.get(name)
        return check(got)

    return cond


def _as_texts(got: Any) -> list[str]:
    if got is None:
        return []
    if isinstance(got, list | tuple | set | frozenset):
        return [str(g) for g in got]
    return [str(got)]


def _test_in(value: Any, loc: Loc, env: Env) -> Callable[[Any], bool] | None:
    wanted = frozenset(str(v) for v in value)
    return lambda got: any(t in wanted for t in _as_texts(got))


def _test_catalog(value: Any, loc: Loc, env: Env) -> Callable[[Any], bool] | None:
    if value not in env.catalogs:
        env.error(loc, f"undefined catalog {value!r}; defined: {', '.join(sorted(env.catalogs)) or '(none)'}")
        return None
    env.uses_catalog = True
    return _test_in(sorted(env.catalogs[value]), loc, env)


def _test_cidr(value: Any, loc: Loc, env: Env) -> Callable[[Any], bool] | None:
    try:
        nets = [ipaddress.ip_network(str(v), strict=False) for v in value]
    except ValueError as err:
        env.error(loc, f"cidr: {err}")
        return None

    def check(got: Any) -> bool:
        for t in _as_texts(got):
            try:
                ip = ipaddress.ip_address(t)
            except ValueError:
                continue
            if any(ip.version == n.version and ip in n for n in nets):
                return True
        return False

    return check


def _number(got: Any) -> float | None:
    try:
        return float(got)
    except (TypeError, ValueError):
        return None


def _test_equals(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    want = str(v)
    return lambda got: want in _as_texts(got)


def _test_contains(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    return lambda got: any(v in t for t in _as_texts(got))


def _test_prefix(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    return lambda got: any(t.startswith(v) for t in _as_texts(got))


def _test_exists(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    return lambda got: (got not in (None, "", [])) == v


def _test_gte(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    return lambda got: (n := _number(got)) is not None and n >= v


def _test_lte(v: Any, loc: Loc, env: Env) -> Callable[[Any], bool]:
    return lambda got: (n := _number(got)) is not None and n <= v


_FIELD_TESTS: dict[str, Callable[[Any, Loc, Env], Callable[[Any], bool] | None]] = {
    "equals": _test_equals, "in": _test_in, "contains": _test_contains, "prefix": _test_prefix,
    "exists": _test_exists, "cidr": _test_cidr, "in_catalog": _test_catalog, "gte": _test_gte, "lte": _test_lte,
}

_SELECT = re.compile(r"(?is)\bselect\s+(?P<cols>.+?)\s+from\b")


def _sql(arg: Any, loc: Loc, env: Env) -> Cond | None:
    """DB-audit lines without values: classify by the selected column names x rows returned."""
    opts = _options(arg, loc, env, {"columns_any": list, "min_columns": int, "statement_field": str,
                                    "rows_field": str, "rows_gte": int})
    if opts is None or "columns_any" not in opts:
        if opts is not None:
            env.error(loc, "sql: 'columns_any' (column names) is required")
        return None
    env.uses_fields = True
    columns = frozenset(str(c).lower() for c in opts["columns_any"])
    need = int(opts.get("min_columns", 1))
    statement_field = str(opts.get("statement_field", "db.statement"))
    rows_field = str(opts.get("rows_field", "db.rows_returned"))
    rows_gte = int(opts.get("rows_gte", 0))

    def cond(ctx: EventCtx) -> bool:
        statement = ctx.fields.get(statement_field)
        m = _SELECT.search(statement) if isinstance(statement, str) else None
        if m is None:
            return False
        names = {c.strip().split(".")[-1].split()[-1].strip('`"[]').lower() for c in m.group("cols").split(",")}
        rows = _number(ctx.fields.get(rows_field))
        return len(names & columns) >= need and (rows_gte == 0 or (rows is not None and rows >= rows_gte))

    return cond


_KINDS: dict[str, Callable[[Any, Loc, Env], Cond | None]] = {
    "all": _all, "any": _any, "not": _not, "detector": _detector, "category": _category,
    "sensitive": _sensitive, "subjects": _subjects, "events": _events, "derived": _derived,
    "field": _field, "sql": _sql,
}

"""Correlation state: sliding event-time windows per correlation rule and group.

Semantics we settled where the spec is loose (docs/detection.md says the same):
- Conditions with only lower bounds (gt, gte, eq, neq) are checked after every match over the window
  ``[t - timespan, t]``; on firing the group's window is emptied, so the next alert needs fresh events.
- Conditions with an upper bound (lt, lte) are checked when the watermark moves, over the window ending at
  the watermark, once the group has been known for a full timespan; they fire once and re-arm on the next
  match ("gone silent"). ``secops.expected_groups`` seeds groups that never sent anything.
- ``temporal_ordered`` needs the rules in the given order; an extended condition with ``not`` opens a
  window at the first positive match and is decided when the watermark passes its end.
- ``value_percentile``: the ``percentile`` (default 95) of the field's numeric values in the window.
- Every window entry keeps its event id, and an id already in the window is not counted again, so a
  redelivered event after a restart does not count twice.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secops.detect.rules import CorrelationRule
from secops.detect.sigma.conditions import And, Ident, Node, Not, Or, Selector, resolve_selector

GRADES = ("", "L1", "L2", "L3", "L4", "IMP", "CORE")
MAX_GROUPS = 100_000
_CMP = {"gt": float.__gt__, "gte": float.__ge__, "lt": float.__lt__, "lte": float.__le__,
        "eq": float.__eq__, "neq": float.__ne__}


def grade_max(a: str, b: str) -> str:
    return a if GRADES.index(a if a in GRADES else "") >= GRADES.index(b if b in GRADES else "") else b


@dataclass(slots=True)
class Entry:
    ts: float
    eid: str
    rule: str = ""
    value: Any = None
    grade: str = ""

    def dump(self) -> list[Any]:
        return [self.ts, self.eid, self.rule, self.value, self.grade]


def _ts(entry: Entry) -> float:
    return entry.ts


@dataclass(slots=True)
class Group:
    """Entries in event-time order; ``ids`` mirrors their event ids so a redelivered event is seen in O(1)."""

    entries: list[Entry] = field(default_factory=list)
    first_seen: float = 0.0
    last_seen: float = 0.0
    fired: bool = False  # latch of deferred (upper-bound) conditions
    window_start: float | None = None  # open absence window
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.entries):
            self.ids = {e.eid for e in self.entries}

    def add(self, entry: Entry) -> bool:
        if entry.eid in self.ids:
            return False
        if not self.entries or self.entries[-1].ts <= entry.ts:
            self.entries.append(entry)  # the common case: events arrive in time order
        else:
            bisect.insort_right(self.entries, entry, key=_ts)
        self.ids.add(entry.eid)
        self.last_seen = max(self.last_seen, entry.ts)
        return True

    def prune(self, before: float) -> None:
        if self.entries and self.entries[0].ts < before:
            self.drop(bisect.bisect_left(self.entries, before, key=_ts))

    def keep_latest(self, count: int) -> None:
        if len(self.entries) > count:
            self.drop(len(self.entries) - count)

    def drop(self, count: int) -> None:
        """Forget the ``count`` oldest entries."""
        for e in self.entries[:count]:
            self.ids.discard(e.eid)
        del self.entries[:count]

    def clear(self) -> None:
        self.entries = []
        self.ids = set()


@dataclass(frozen=True, slots=True)
class Firing:
    corr: CorrelationRule
    group: tuple[tuple[str, str], ...]
    timestamp: float
    event_ids: tuple[str, ...]
    value: float
    grade: str


def _holds(ops: tuple[tuple[str, float], ...], value: float) -> bool:
    return all(_CMP[op](value, n) for op, n in ops)


def _evaluate(node: Node, present: set[str], names: list[str]) -> bool:
    if isinstance(node, Ident):
        return node.name in present
    if isinstance(node, Not):
        return not _evaluate(node.operand, present, names)
    if isinstance(node, Selector):
        hits = [n in present for n in resolve_selector(node, names)]
        return all(hits) if node.quantifier == "all" else any(hits)
    results = (_evaluate(o, present, names) for o in node.operands)
    return all(results) if isinstance(node, And) else any(results)


def _has_not(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, And | Or):
        return any(_has_not(o) for o in node.operands)
    return False


def _positive(node: Node, negated: bool = False) -> set[str]:
    if isinstance(node, Ident):
        return set() if negated else {node.name}
    if isinstance(node, Not):
        return _positive(node.operand, not negated)
    if isinstance(node, And | Or):
        return set().union(*(_positive(o, negated) for o in node.operands))
    return set()


def _count_cap(corr: CorrelationRule) -> int | None:
    """For an ``event_count`` whose condition has only upper bounds (``lt N``, ``lte N``), the latest K
    entries decide every window: a window is a suffix in time, and the count of a suffix capped at K
    is the count of the latest K entries in it. K = N for ``lt N`` and N + 1 for ``lte N`` ("source gone
    silent" keeps one entry per source instead of fifteen minutes of events)."""
    ops = corr.condition.ops
    if corr.type != "event_count" or not ops or any(op not in ("lt", "lte") for op, _ in ops):
        return None
    caps = [math.ceil(n) if op == "lt" else math.floor(n) + 1 for op, n in ops]
    return max(1, max(caps))


def _in_order(entries: list[Entry], order: tuple[str, ...]) -> bool:
    idx = 0
    for e in entries:
        if idx < len(order) and e.rule == order[idx]:
            idx += 1
    return idx == len(order)


class CorrelationState:
    """Windows of one correlation rule, keyed by group values."""

    def __init__(self, corr: CorrelationRule, lateness: float) -> None:
        self.corr = corr
        self.lateness = lateness
        self.groups: dict[tuple[str, ...], Group] = {}
        cond = corr.condition
        self.expr = cond.expr
        self.absence = self.expr is not None and _has_not(self.expr)
        self.positive = _positive(self.expr) if self.expr is not None else set(corr.rules)
        self.deferred = any(op in ("lt", "lte") for op, _ in cond.ops) and corr.type not in (
            "temporal", "temporal_ordered")
        self.cap = _count_cap(corr)

    # -- feeding ----------------------------------------------------------------------------------
    def key_fields(self, ref: str) -> list[str]:
        aliases = self.corr.aliases
        return [aliases[g].get(ref, g) if g in aliases else g for g in self.corr.group_by]

    def feed(self, ref: str, key: tuple[str, ...], entry: Entry) -> Firing | None:
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                oldest = min(self.groups, key=lambda k: self.groups[k].last_seen)
                del self.groups[oldest]
            group = self.groups[key] = Group(first_seen=entry.ts, last_seen=entry.ts)
        entry.rule = ref
        if not group.add(entry):
            return None
        group.fired = False
        if self.absence:
            if group.window_start is None and ref in self.positive:
                group.window_start = entry.ts
            return None
        if self.deferred:
            group.prune(entry.ts - self.corr.timespan - self.lateness)
            if self.cap is not None:
                group.keep_latest(self.cap)
            return None
        group.prune(entry.ts - self.corr.timespan)
        return self._check_now(key, group, entry.ts)

    def _metric(self, entries: list[Entry]) -> float | None:
        ctype = self.corr.type
        if ctype == "event_count":
            return float(len(entries))
        values = [e.value for e in entries if e.value is not None]
        if ctype == "value_count":
            return float(len(set(values)))
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not numbers:
            return None
        if ctype == "value_sum":
            return float(sum(numbers))
        if ctype == "value_avg":
            return float(statistics.fmean(numbers))
        ordered = sorted(numbers)
        rank = max(0, min(len(ordered) - 1, round(self.corr.condition.percentile / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    def _temporal_ok(self, entries: list[Entry]) -> tuple[bool, float]:
        present = {e.rule for e in entries}
        names = list(self.corr.rules)
        if self.expr is not None:
            ok = _evaluate(self.expr, present, names)
        elif self.corr.condition.ops:
            ok = _holds(self.corr.condition.ops, float(len(present & set(names))))
        else:
            ok = set(names) <= present
        if ok and self.corr.type == "temporal_ordered":
            order = tuple(n for n in names if n in present) if self.expr is not None else tuple(names)
            ok = _in_order(entries, order)
        return ok, float(len(present & set(names)))

    def _check_now(self, key: tuple[str, ...], group: Group, ts: float) -> Firing | None:
        entries = group.entries
        if self.corr.type in ("temporal", "temporal_ordered"):
            ok, value = self._temporal_ok(entries)
        else:
            metric = self._metric(entries)
            ok, value = (metric is not None and _holds(self.corr.condition.ops, metric)), metric or 0.0
        if not ok:
            return None
        firing = self._firing(key, entries, ts, value)
        group.clear()
        return firing

    def _firing(self, key: tuple[str, ...], entries: list[Entry], ts: float, value: float) -> Firing:
        grade = ""
        for e in entries:
            grade = grade_max(grade, e.grade)
        group = tuple(zip(self.corr.group_by, key, strict=True))
        return Firing(self.corr, group, ts, tuple(e.eid for e in entries[-20:]), value, grade)

    # -- watermark --------------------------------------------------------------------------------
    def advance(self, watermark: float) -> list[Firing]:
        if self.absence:
            return self._advance_absence(watermark)
        if not self.deferred:
            horizon = watermark - self.corr.timespan - self.lateness
            for key in [k for k, g in self.groups.items() if g.last_seen < horizon]:
                del self.groups[key]
            return []
        return self._advance_deferred(watermark)

    def _advance_deferred(self, watermark: float) -> list[Firing]:
        out = []
        span = self.corr.timespan
        for key, group in sorted(self.groups.items()):
            if group.fired or watermark - group.first_seen < span:
                continue
            group.prune(watermark - span - self.lateness)
            window = [e for e in group.entries if e.ts > watermark - span]
            metric = self._metric(window) if window or self.corr.type == "event_count" else 0.0
            if metric is not None and _holds(self.corr.condition.ops, metric):
                group.fired = True
                out.append(self._firing(key, window, watermark, metric))
        return out

    def _advance_absence(self, watermark: float) -> list[Firing]:
        out = []
        span = self.corr.timespan
        ordered = self.corr.type == "temporal_ordered"
        for key, group in sorted(self.groups.items()):
            start = group.window_start
            if start is None or watermark < start + span:
                continue
            lo = start if ordered else start - span
            window = [e for e in group.entries if lo <= e.ts <= start + span]
            if self.expr is not None and _evaluate(self.expr, {e.rule for e in window}, list(self.corr.rules)):
                out.append(self._firing(key, [e for e in window if e.rule in self.positive], start + span, 1.0))
            group.prune(start + span if ordered else start)
            nxt = [e.ts for e in group.entries if e.rule in self.positive and e.ts > start]
            group.window_start = nxt[0] if nxt else None
            if not group.entries and group.window_start is None:
                del self.groups[key]
        return out

    def seed(self, keys: list[tuple[str, ...]], ts: float) -> None:
        for key in keys:
            self.groups.setdefault(key, Group(first_seen=ts, last_seen=ts))

    # -- persistence ------------------------------------------------------------------------------
    def dump(self) -> list[Any]:
        return [[list(k), [e.dump() for e in g.entries], g.first_seen, g.last_seen, g.fired, g.window_start]
                for k, g in self.groups.items()]

    def load(self, items: list[Any]) -> None:
        self.groups = {}
        for key, entries, first, last, fired, start in items:
            group = Group([Entry(*e) for e in entries], float(first), float(last), bool(fired), start)
            self.groups[tuple(str(k) for k in key)] = group


def state_signature(corr: CorrelationRule) -> list[Any]:
    """What must be unchanged for a window to carry over a reload."""
    return [corr.type, list(corr.rules), list(corr.group_by), corr.timespan]


def group_key(fields: Mapping[str, Any], names: list[str]) -> tuple[str, ...]:
    from secops.detect.sigma.matchers import to_text

    out = []
    for name in names:
        value = fields.get(name)
        out.append("" if value is None else to_text(value))
    return tuple(out)

"""From text to findings: normalize, one multi-pattern scan per batch, validators on candidates only,
field hints and context words for confidence, overlap resolution."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from secops.classify.detectors.base import (
    ANTI_HINT_PENALTY,
    CONTEXT_BONUS,
    HINT_BONUS,
    Detector,
    Params,
    Shape,
    Verdict,
)
from secops.classify.hints import HintIndex, key_before_utf8
from secops.classify.normalize import normalize
from secops.classify.scanner import Scanner
from secops.classify.types import Hit


@dataclass(frozen=True, slots=True)
class Active:
    """A detector with the settings a rule pack gave it."""

    detector: Detector
    category: str
    variants: Mapping[str, str] = field(default_factory=dict)  # variant -> category
    hints: frozenset[str] = frozenset()
    anti_hints: frozenset[str] = frozenset()
    context: tuple[str, ...] = ()
    context_window_chars: int = 24
    min_confidence: float = 0.5
    params: Params = field(default_factory=dict)
    sensitive: Mapping[str, bool] = field(default_factory=dict)  # category -> sensitive-PI flag

    @property
    def name(self) -> str:
        return self.detector.name



_LAST_VALUE: Final = re.compile(r"[=:\"' \t]")
_SCANNERS: dict[tuple[tuple[Shape, ...], str], Scanner] = {}


def scanner_for(shapes: tuple[Shape, ...], engine: str) -> Scanner:
    """Compiling a hyperscan database takes seconds; identical shape sets share one (bounded cache)."""
    key = (shapes, engine)
    if key not in _SCANNERS:
        if len(_SCANNERS) >= 8:
            _SCANNERS.pop(next(iter(_SCANNERS)))
        _SCANNERS[key] = Scanner(shapes, engine=engine)
    return _SCANNERS[key]


class _Plan:
    """Everything the hot loop needs about one shape, looked up once per candidate (a plain class: compiled
    by mypyc, its attributes are struct fields)."""

    def __init__(self, shape: Shape, active: Active) -> None:
        detector = active.detector
        self.shape = shape
        self.active = active
        self.validate: Callable[[str, Params], Verdict | None] = detector.validate
        self.params = active.params
        self.extend_left = shape.extend_left.encode()
        self.masked = shape.masked
        self.exclusive = shape.exclusive
        self.min_confidence = active.min_confidence
        self.check_evidence = bool(active.anti_hints)  # anti-hints present: look at the key even when confident
        self.priority = detector.priority
        self.name = active.name
        self.category = active.category
        self.variants: dict[str, str] = dict(active.variants)  # plain dicts: compiled, .get is a direct call
        self.sensitive: dict[str, bool] = dict(active.sensitive)
        self.category_sensitive = active.sensitive.get(active.category, False)


class _Item:
    """A validated candidate and where it sits (a plain class: built by a direct call, read as struct fields)."""

    __slots__ = ("end", "exclusive", "hit", "priority", "start")

    def __init__(self, priority: int, hit: Hit, start: int, end: int, exclusive: bool) -> None:
        self.priority = priority
        self.hit = hit
        self.start = start
        self.end = end
        self.exclusive = exclusive


class Extractor:
    def __init__(self, active: Sequence[Active], *, engine: str = "auto") -> None:
        self.active = tuple(active)
        # one plan per scanner shape, in the scanner's shape order (its match ids index this list)
        self._plans = [_Plan(shape, a) for a in self.active for shape in a.detector.shapes_for(a.hints, a.context)]
        self.scanner = scanner_for(tuple(p.shape for p in self._plans), engine)
        self.hint_index = HintIndex({a.name: a.hints for a in self.active},
                                    {a.name: a.anti_hints for a in self.active})

    def extract(self, texts: Sequence[str]) -> list[list[Hit]]:
        encoded = [normalize(t).encode("utf-8", "replace") for t in texts]
        out: list[list[Hit]] = []
        plans = self._plans
        for buf, spans in zip(encoded, self.scanner.spans(encoded), strict=True):
            if not spans:
                out.append([])
                continue
            items = [found for sid, start, end in spans
                     if (found := self._candidate(buf, plans[sid], start, end)) is not None]
            out.append(_resolve(items) if len(items) > 1 else [items[0].hit] if items else [])
        return out

    def _candidate(self, buf: bytes, p: _Plan, start: int, end: int) -> _Item | None:
        if p.extend_left:
            start = _extend_left(buf, start, p.extend_left)
        raw = buf[start:end]
        try:
            value = raw.decode()
        except UnicodeDecodeError:  # a byte-mode shape ended inside a multi-byte character
            value = raw.decode("utf-8", "ignore")
        if p.masked or (p.extend_left and p.active.detector.validate_masked(value)):
            return self._masked(p, value, start, end)
        verdict = p.validate(value, p.params)
        if verdict is None:
            return None
        confidence = verdict.confidence
        if confidence < p.min_confidence or p.check_evidence:
            confidence = self._with_evidence(buf, start, p.active, confidence)
            if confidence < p.min_confidence:
                return None
        variant = verdict.variant
        if variant:
            category = p.variants.get(variant, p.category)
            sensitive = p.sensitive.get(category, False)
        else:
            category = p.category
            sensitive = p.category_sensitive
        hit = Hit(p.name, category, verdict.value, confidence, False, verdict.identity, verdict.birth, verdict.region,
                  sensitive)
        return _Item(p.priority, hit, start, end, p.exclusive)

    @staticmethod
    def _masked(p: _Plan, value: str, start: int, end: int) -> _Item | None:
        if not p.active.detector.validate_masked(value):
            return None
        if not p.exclusive:  # key-led shape: show the value, not the key
            value = _LAST_VALUE.split(value)[-1]
        hit = Hit(p.name, p.category, value, 1.0, masked=True, sensitive=p.sensitive.get(p.category, False))
        return _Item(p.priority, hit, start, end, p.exclusive)

    def _with_evidence(self, buf: bytes, start: int, a: Active, confidence: float) -> float:
        # the field name right before the value (only when a separator sits within 4 bytes of it), read off
        # the bytes: a hint raises confidence, an anti-hint (``version=1.2.3.4``) rejects
        key = key_before_utf8(buf, start, 3)
        if key:
            pro, con = self.hint_index.lookup(key)
            if a.name in pro:
                confidence += HINT_BONUS
            elif a.name in con:
                return confidence - ANTI_HINT_PENALTY
        if confidence < a.min_confidence and a.context:
            window = buf[max(0, start - 3 * a.context_window_chars):start].decode("utf-8", "ignore")
            window = window[-a.context_window_chars:].lower()
            if any(word in window for word in a.context):
                confidence += CONTEXT_BONUS
        return min(confidence, 1.0)


def _extend_left(buf: bytes, start: int, chars: bytes, limit: int = 64) -> int:
    lowest = max(0, start - limit - 1)
    while start > lowest and buf[start - 1] in chars:
        start -= 1
    return start


def _resolve(items: list[_Item]) -> list[Hit]:
    """Overlapping values of exclusive shapes: the higher-priority detector keeps the span. Key-led shapes
    (which contain their key) never conflict. Clusters of overlapping spans are resolved one by one."""
    if _disjoint(items):
        return [item.hit for item in items]
    out = [item.hit for item in items if not item.exclusive]
    spans = sorted((x for x in items if x.exclusive), key=_item_start)
    cluster: list[_Item] = []
    cluster_end = -1
    for item in spans:
        if cluster and item.start >= cluster_end:
            out.extend(_pick(cluster))
            cluster = []
        cluster.append(item)
        cluster_end = max(cluster_end, item.end) if len(cluster) > 1 else item.end
    out.extend(_pick(cluster))
    return out


def _item_start(item: _Item) -> int:
    return item.start


def _disjoint(items: list[_Item]) -> bool:
    """The common case: matches come sorted by start and no exclusive spans overlap."""
    end = -1
    for item in items:
        if item.exclusive:
            if item.start < end:
                return False
            end = max(end, item.end)
    return True


def _pick(cluster: list[_Item]) -> list[Hit]:
    if len(cluster) < 2:
        return [item.hit for item in cluster]
    kept: list[tuple[int, int]] = []
    out: list[Hit] = []
    for item in sorted(cluster, key=_by_priority):
        start, stop = item.start, item.end
        if not any(start < e and s < stop for s, e in kept):
            kept.append((start, stop))
            out.append(item.hit)
    return out


def _by_priority(item: _Item) -> tuple[int, int]:
    return -item.priority, item.start


def default_active() -> list[Active]:
    """Every registered detector with its built-in settings (no rule pack)."""
    from secops.classify.detectors import DETECTORS

    out = []
    for name in DETECTORS:
        d = DETECTORS.get(name)
        out.append(Active(d, d.category, hints=d.hints, anti_hints=d.anti_hints, context=d.context,
                          min_confidence=d.min_confidence, params={**d.params, "hints": d.hints}))
    return out

"""From text to findings: normalize, one multi-pattern scan per batch, validators on candidates only,
field hints and context words for confidence, overlap resolution."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from secops.classify.detectors.base import (
    ANTI_HINT_PENALTY,
    CONTEXT_BONUS,
    HINT_BONUS,
    Detector,
    Params,
    Shape,
)
from secops.classify.hints import HintIndex, key_before
from secops.classify.normalize import normalize
from secops.classify.scanner import Match, Scanner
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
    # anti-hints as one literal alternation: a cheap pre-test before looking for the key token
    anti_literals: re.Pattern[bytes] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.anti_hints:
            words = sorted((re.escape(w.lower().encode()) for w in self.anti_hints), key=len, reverse=True)
            object.__setattr__(self, "anti_literals", re.compile(b"|".join(words)))

    @property
    def name(self) -> str:
        return self.detector.name



_SEPARATORS = frozenset(b"=:>")
_LAST_VALUE = re.compile(r"[=:\"' \t]")
_SCANNERS: dict[tuple[tuple[Shape, ...], str], Scanner] = {}


def scanner_for(shapes: tuple[Shape, ...], engine: str) -> Scanner:
    """Compiling a hyperscan database takes seconds; identical shape sets share one (bounded cache)."""
    key = (shapes, engine)
    if key not in _SCANNERS:
        if len(_SCANNERS) >= 8:
            _SCANNERS.pop(next(iter(_SCANNERS)))
        _SCANNERS[key] = Scanner(shapes, engine=engine)
    return _SCANNERS[key]


class Extractor:
    def __init__(self, active: Sequence[Active], *, engine: str = "auto") -> None:
        self.active = tuple(active)
        shapes: list[Shape] = []
        self._owner: list[int] = []
        for index, a in enumerate(self.active):
            for shape in a.detector.shapes_for(a.hints, a.context):
                shapes.append(shape)
                self._owner.append(index)
        self.scanner = scanner_for(tuple(shapes), engine)
        self._by_shape = [(shape, self.active[owner], self.active[owner].detector)
                          for shape, owner in zip(shapes, self._owner, strict=True)]
        self.hint_index = HintIndex({a.name: a.hints for a in self.active},
                                    {a.name: a.anti_hints for a in self.active})

    def extract(self, texts: Sequence[str]) -> list[list[Hit]]:
        encoded = [normalize(t).encode("utf-8", "replace") for t in texts]
        out: list[list[Hit]] = []
        candidate = self._candidate
        for buf, matches in zip(encoded, self.scanner.scan_grouped(encoded), strict=True):
            if not matches:
                out.append([])
            elif len(matches) == 1:
                found = candidate(buf, matches[0])
                out.append([found[1]] if found is not None else [])
            else:
                items = [found for m in matches if (found := candidate(buf, m)) is not None]
                out.append(_resolve(items))
        return out

    def _candidate(self, buf: bytes, m: Match) -> tuple[int, Hit, Match] | None:
        shape, a, detector = self._by_shape[m.shape]
        start = m.start
        if shape.extend_left:
            start = _extend_left(buf, start, shape.extend_left.encode())
            m = Match(m.shape, m.text, start, m.end, m.exclusive)
        value = buf[start:m.end].decode("utf-8", "ignore")
        if shape.masked or (shape.extend_left and detector.validate_masked(value)):
            return self._masked(shape, a, value, m)
        verdict = detector.validate(value, a.params)
        if verdict is None:
            return None
        confidence = verdict.confidence
        if confidence < a.min_confidence or a.anti_hints:
            confidence = self._with_evidence(buf, m.start, a, confidence)
            if confidence < a.min_confidence:
                return None
        category = a.variants.get(verdict.variant, a.category) if verdict.variant else a.category
        hit = Hit(a.name, category, verdict.value, confidence, False, verdict.identity, verdict.birth, verdict.region,
                  a.sensitive.get(category, False))
        return detector.priority, hit, m

    @staticmethod
    def _masked(shape: Shape, a: Active, value: str, m: Match) -> tuple[int, Hit, Match] | None:
        if not a.detector.validate_masked(value):
            return None
        if not shape.exclusive:  # key-led shape: show the value, not the key
            value = _LAST_VALUE.split(value)[-1]
        hit = Hit(a.name, a.category, value, 1.0, masked=True, sensitive=a.sensitive.get(a.category, False))
        return a.detector.priority, hit, m

    def _with_evidence(self, buf: bytes, start: int, a: Active, confidence: float) -> float:
        # when only an anti-hint can change the outcome, a literal pre-test decides whether to look further
        if confidence >= a.min_confidence and (
                a.anti_literals is None or a.anti_literals.search(buf[max(0, start - 64):start].lower()) is None):
            return confidence
        # a key can only precede the value when a separator sits just before it (cheap byte test first)
        if _SEPARATORS.intersection(buf[max(0, start - 4):start]):
            before = buf[max(0, start - 96):start].decode("utf-8", "ignore")
            pro, con = self.hint_index.lookup(key_before(before, len(before)))
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


def _resolve(items: list[tuple[int, Hit, Match]]) -> list[Hit]:
    """Overlapping values of exclusive shapes: the higher-priority detector keeps the span. Key-led shapes
    (which contain their key) never conflict. Clusters of overlapping spans are resolved one by one."""
    if _disjoint(items):
        return [hit for _, hit, _ in items]
    out = [hit for _, hit, m in items if not m.exclusive]
    spans = sorted((x for x in items if x[2].exclusive), key=lambda x: x[2].start)
    cluster: list[tuple[int, Hit, Match]] = []
    cluster_end = -1
    for item in spans:
        if cluster and item[2].start >= cluster_end:
            out.extend(_pick(cluster))
            cluster = []
        cluster.append(item)
        cluster_end = max(cluster_end, item[2].end) if len(cluster) > 1 else item[2].end
    out.extend(_pick(cluster))
    return out


def _disjoint(items: list[tuple[int, Hit, Match]]) -> bool:
    """The common case: matches come sorted by start and no exclusive spans overlap."""
    end = -1
    for _, _, m in items:
        if m.exclusive:
            if m.start < end:
                return False
            end = max(end, m.end)
    return True


def _pick(cluster: list[tuple[int, Hit, Match]]) -> list[Hit]:
    if len(cluster) < 2:
        return [hit for _, hit, _ in cluster]
    kept: list[tuple[int, int]] = []
    out: list[Hit] = []
    for _, hit, m in sorted(cluster, key=lambda x: (-x[0], x[2].start)):
        if not any(m.start < e and s < m.end for s, e in kept):
            kept.append((m.start, m.end))
            out.append(hit)
    return out


def default_active() -> list[Active]:
    """Every registered detector with its built-in settings (no rule pack)."""
    from secops.classify.detectors import DETECTORS

    out = []
    for name in DETECTORS:
        d = DETECTORS.get(name)
        out.append(Active(d, d.category, hints=d.hints, anti_hints=d.anti_hints, context=d.context,
                          min_confidence=d.min_confidence, params={**d.params, "hints": d.hints}))
    return out

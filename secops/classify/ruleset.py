"""A compiled rule pack and its evaluation: findings + fields + event time -> grade (highest wins)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Final

from secops.classify.conditions import Cond, EventCtx, WindowUse, category_matches
from secops.classify.extract import Extractor
from secops.classify.masking import mask
from secops.classify.pack import RuleTest
from secops.classify.types import Classification, Hit
from secops.classify.windows import WindowStore
from secops.yamlio import Document

FROM_CATEGORY: Final = "from_category"
MAX_SAMPLES: Final = 3
# verdicts by findings shape (about 1 KiB each); when full, the older half goes. Real logs repeat a few hundred
# shapes; the synthetic 200k-line dense corpus of bench/ has ~9k, its realistic one ~2k.
MEMO_SIZE: Final = 16384


@dataclass(frozen=True, slots=True)
class Grade:
    id: str
    rank: int
    zh: str
    en: str
    auto_assign: bool = True


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    zh: str
    floor: str | None
    sensitive: bool
    basis: str
    depth: int


@dataclass(slots=True)
class CompiledRule:
    id: str
    title: str
    basis: str
    explain: str
    grade: str
    category: str | None
    tags: tuple[str, ...]
    when: Cond | None
    filter: Cond | None
    key: tuple[str, ...]
    windows: list[WindowUse]
    referenced: frozenset[str]
    tests: list[RuleTest]
    doc: Document
    index: int
    triggers: frozenset[str] | None = None  # detectors one of which must be present (None: always evaluate)
    # ``referenced`` split once: detector names, and the category patterns of "category:<pattern>" entries
    ref_categories: tuple[str, ...] = field(init=False, default=())
    windowed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.ref_categories = tuple(r[9:] for r in sorted(self.referenced) if r.startswith("category:"))
        self.windowed = bool(self.windows)


class Contribution:
    """One rule's say on an event (a plain class: mypyc builds it by a direct call; one per matching rule on a
    memo miss, and for every event that carries fields)."""

    __slots__ = ("category", "depth", "detectors", "grade", "rank", "rule")

    def __init__(self, rank: int, grade: str, category: str | None, depth: int, rule: CompiledRule,
                 detectors: frozenset[str]) -> None:
        self.rank = rank
        self.grade = grade
        self.category = category
        self.depth = depth
        self.rule = rule
        self.detectors = detectors


@dataclass(slots=True)
class RuleSet:
    grades: dict[str, Grade]
    ladder: list[str]  # grade ids by rank, lowest first
    default_grade: str
    categories: dict[str, Category]
    extractor: Extractor
    rules: list[CompiledRule]
    windows: WindowStore
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    subject_ranks: Mapping[str, int] = field(default_factory=dict)
    empty_safe: bool = True
    derived: tuple[Callable[[Hit, float], bool], ...] = ()  # per-hit derived facts the rules test
    # verdicts of events without fields or time depend only on the findings' shape (never on raw values):
    # memoized by that shape, bounded
    _memo: dict[tuple[Any, ...], _Verdict] = field(default_factory=dict)
    memo_size: int = MEMO_SIZE
    _default: Classification = field(init=False)
    _order: dict[str, int] = field(init=False)  # category id -> position in the pack (ties between categories)
    # category id -> (rank, depth, grade) of its floor grade, for raw and for already-masked findings
    _floor_raw: dict[str, tuple[int, int, str]] = field(init=False)
    _floor_masked: dict[str, tuple[int, int, str]] = field(init=False)

    def __post_init__(self) -> None:
        self._default = Classification(self.default_grade, None)
        self._order = {cid: i for i, cid in enumerate(self.categories)}
        self._floor_raw = {}
        self._floor_masked = {}
        for cid, cat in self.categories.items():
            if cat.floor is not None:
                self._floor_raw[cid] = (self.rank(cat.floor), cat.depth, cat.floor)
                masked = self.lower(cat.floor)  # a desensitised value is graded one step lower
                self._floor_masked[cid] = (self.rank(masked), cat.depth, masked)

    def reset_windows(self) -> None:
        for rule in self.rules:
            for use in rule.windows:
                use.slot.clear()

    def rank(self, grade: str) -> int:
        return self.grades[grade].rank

    def lower(self, grade: str) -> str:
        i = self.ladder.index(grade)
        return self.ladder[max(0, i - 1)]

    def grade_name(self, grade: str, alias_set: str | None = None) -> str:
        if alias_set and grade in self.aliases.get(alias_set, {}):
            return self.aliases[alias_set][grade]
        return self.grades[grade].zh

    def evaluate(self, hits: Sequence[Hit], fields: Mapping[str, Any], timestamp: float | None, now: float,
                 hmac_key: bytes) -> Classification:
        if not hits and not fields and self.empty_safe:
            return self._default
        if fields or timestamp is not None:
            return self._assemble(hits, self._verdict(self._ctx(hits, fields, timestamp, now, hmac_key)))
        # no fields, no time: rules see only the findings' shape, so verdicts are memoized by that shape
        if len(hits) == 1:
            return self._one(hits[0], now, hmac_key)
        tally = _tally(hits)
        # verdicts do not depend on the order of findings (ties go to the category declared first), nor does the key
        shape = tuple(sorted(self._shape(hits, now)))
        key = (int(now // 86400), shape, tuple(sorted([(d, len(v)) for d, v in tally[3].items()])))
        return self._classification(self._memoized(key, hits, now, hmac_key), tally)

    def _memoized(self, key: tuple[Any, ...], hits: Sequence[Hit], now: float, hmac_key: bytes) -> _Verdict:
        verdict = self._memo.get(key)
        if verdict is None:
            verdict = self._verdict(self._ctx(hits, {}, None, now, hmac_key))
            if len(self._memo) >= self.memo_size:
                for old in list(islice(self._memo, self.memo_size // 2)):  # insertion order: the oldest first
                    del self._memo[old]
            self._memo[key] = verdict
        return verdict

    def _one(self, h: Hit, now: float, hmac_key: bytes) -> Classification:
        """``evaluate`` of an event with a single finding and no fields or time (most lines): the same key
        and result as the general path, without its per-detector tallies."""
        detector = h.detector
        counted = not h.masked
        people = ((detector, 1),) if counted and h.identity else ()
        shape = (detector, h.category, h.masked, h.sensitive,
                 () if h.birth is None else tuple([p(h, now) for p in self.derived]))
        v = self._memoized((int(now // 86400), (shape,), people), (h,), now, hmac_key)
        if counted:
            subjects = 1 if people and self.subject_ranks.get(detector, 0) > 0 else 0
            sample = (mask(detector, h.value),)
            return _new_tuple(Classification, (v.grade, v.category, {detector: 1}, {detector: sample}, {}, subjects,
                                               v.rules, v.matched_rules, v.detectors, v.tags, v.explanation))
        return _new_tuple(Classification, (v.grade, v.category, {}, {}, {detector: 1}, 0, v.rules, v.matched_rules,
                                           v.detectors, v.tags, v.explanation))

    def _shape(self, hits: Sequence[Hit], now: float) -> tuple[Any, ...]:
        """What rule evaluation can see of the findings of an event without fields or time: detectors,
        categories, masking and the derived facts rules test (age, region; not the birth date or region code
        themselves). The number of distinct people per detector completes the memo key."""
        derived = self.derived
        if len(hits) == 1:  # the common case, without a comprehension
            h = hits[0]
            return ((h.detector, h.category, h.masked, h.sensitive,
                     () if h.birth is None else tuple([p(h, now) for p in derived])),)
        return tuple([(h.detector, h.category, h.masked, h.sensitive,
                       () if h.birth is None else tuple([p(h, now) for p in derived])) for h in hits])

    @staticmethod
    def _ctx(hits: Sequence[Hit], fields: Mapping[str, Any], timestamp: float | None, now: float,
             hmac_key: bytes) -> EventCtx:
        raw = [h for h in hits if not h.masked]
        masked = [h for h in hits if h.masked]
        counts: dict[str, int] = {}
        for h in raw:
            counts[h.detector] = counts.get(h.detector, 0) + 1
        return EventCtx(raw, masked, fields, timestamp, now if timestamp is None else timestamp, hmac_key, counts)

    def _verdict(self, ctx: EventCtx) -> _Verdict:
        contributions = [c for rule in self.rules if (c := self._apply(rule, ctx)) is not None]
        if not contributions:
            return _Verdict(self.default_grade, None)
        # highest grade wins; ties go to the deepest category, then to a rule that names its category
        top = max(contributions, key=lambda c: (c.rank, c.depth, c.rule.category is not None))
        deciders = [c for c in contributions if c.rank == top.rank]
        return _Verdict(
            top.grade, top.category, tuple(c.rule.id for c in deciders), tuple(c.rule.id for c in contributions),
            tuple(sorted({d for c in deciders for d in c.detectors})),
            tuple(sorted({t for c in contributions for t in c.rule.tags})),
            "; ".join(_explain(c) for c in deciders))

    def _apply(self, rule: CompiledRule, ctx: EventCtx) -> Contribution | None:
        if rule.triggers is not None and rule.triggers.isdisjoint(ctx.by_detector) and (
                not ctx.masked or rule.triggers.isdisjoint({h.detector for h in ctx.masked})):
            return None
        if rule.windowed and not self._feed_windows(rule, ctx):
            return None
        if rule.when is not None and not rule.when(ctx):
            return None
        if rule.grade == FROM_CATEGORY:
            return self._from_category(rule, ctx)
        category = rule.category or self._top_category(ctx)
        present = {h.detector for h in ctx.hits}
        deciding = {d for d in present if d in rule.referenced}
        if rule.ref_categories:
            deciding.update(h.detector for h in ctx.hits if category_matches(rule.ref_categories, h.category))
        depth = self.categories[category].depth if category in self.categories else 0
        return Contribution(self.rank(rule.grade), rule.grade, category, depth, rule,
                            frozenset(deciding or present))

    def _feed_windows(self, rule: CompiledRule, ctx: EventCtx) -> bool:
        """Add the event to the rule's windows (event time only); False when it does not take part."""
        if ctx.timestamp is None or (rule.filter is not None and not rule.filter(ctx)):
            return False
        key = tuple(str(ctx.fields.get(k, "")) for k in rule.key)
        ctx.window = {}
        counted_people = False
        for use in rule.windows:
            hashes = ctx.hashes(use.selector.identities(ctx.hits)) if use.selector is not None else set()
            counted_people = counted_people or bool(hashes)
            ctx.window[use.slot_id] = use.slot.add(key, ctx.timestamp, hashes)
        return counted_people or all(use.selector is None for use in rule.windows)

    def _floor(self, h: Hit) -> tuple[int, int, str] | None:
        """(rank, depth, grade) of the floor grade of a finding's category, one step lower when masked."""
        return (self._floor_masked if h.masked else self._floor_raw).get(h.category)

    def _from_category(self, rule: CompiledRule, ctx: EventCtx) -> Contribution | None:
        best_rank = best_depth = 0
        best_grade = best_category = ""  # "": nothing graded yet
        deciding: set[str] = set()
        for pool in (ctx.hits, ctx.masked):
            for h in pool:
                floor = self._floor(h)
                if floor is None:
                    continue
                rank, depth, grade = floor
                if not best_grade or rank > best_rank or (rank == best_rank and depth > best_depth):
                    best_rank, best_depth, best_grade, best_category = rank, depth, grade, h.category
                    deciding = {h.detector}
                elif rank == best_rank and depth == best_depth:
                    deciding.add(h.detector)
                    if self._order[h.category] < self._order[best_category]:  # a tie: the category declared first
                        best_grade, best_category = grade, h.category
        if not best_grade:
            return None
        return Contribution(best_rank, best_grade, best_category, best_depth, rule, frozenset(deciding))

    def _top_category(self, ctx: EventCtx) -> str | None:
        best: tuple[int, int] | None = None
        top = None
        for h in ctx.hits:
            floor = self._floor(h)
            if floor is None:
                continue
            key = (floor[0], floor[1])
            # a tie goes to the category declared first in the pack, whatever the order of findings
            if best is None or key > best or (key == best and top is not None
                                              and self._order[h.category] < self._order[top]):
                best, top = key, h.category
        return top

    def _assemble(self, hits: Sequence[Hit], v: _Verdict) -> Classification:
        return self._classification(v, _tally(hits))

    def _classification(self, v: _Verdict, tally: _Tally) -> Classification:
        counts, samples, already, people = tally
        subjects = _subjects(people, self.subject_ranks) if people else 0
        return _new_tuple(Classification, (v.grade, v.category, counts, samples, already, subjects, v.rules,
                                           v.matched_rules, v.detectors, v.tags, v.explanation))


class _Verdict:
    """The part of a classification that rules decide (memoizable; a plain class, built by a direct call)."""

    __slots__ = ("category", "detectors", "explanation", "grade", "matched_rules", "rules", "tags")

    def __init__(self, grade: str, category: str | None, rules: tuple[str, ...] = (),
                 matched_rules: tuple[str, ...] = (), detectors: tuple[str, ...] = (), tags: tuple[str, ...] = (),
                 explanation: str = "") -> None:
        self.grade = grade
        self.category = category
        self.rules = rules
        self.matched_rules = matched_rules
        self.detectors = detectors
        self.tags = tags
        self.explanation = explanation


_new_tuple: Final = tuple.__new__  # a NamedTuple without its Python-level __new__ (hot path; every field given)


def _explain(c: Contribution) -> str:
    text = c.rule.explain or c.rule.title or c.rule.id
    return f"{c.rule.id}: {text}" + (f" [{c.rule.basis}]" if c.rule.basis else "")


_Tally = tuple[dict[str, int], dict[str, tuple[str, ...]], dict[str, int], dict[str, set[str]]]


def _tally(hits: Sequence[Hit]) -> _Tally:
    """Raw values per detector, up to MAX_SAMPLES distinct masked samples per detector, already-masked
    values per detector, and the distinct identities per detector (one pass)."""
    counts: dict[str, int] = {}
    samples: dict[str, tuple[str, ...]] = {}  # as the Classification holds them (one sample, nearly always)
    already: dict[str, int] = {}
    people: dict[str, set[str]] = {}
    for h in hits:
        detector = h.detector
        if h.masked:
            already[detector] = already.get(detector, 0) + 1
            continue
        counts[detector] = counts.get(detector, 0) + 1
        seen = samples.get(detector)
        if seen is None:
            samples[detector] = (mask(detector, h.value),)
        elif len(seen) < MAX_SAMPLES and (shown := mask(detector, h.value)) not in seen:
            samples[detector] = (*seen, shown)
        if h.identity:
            ids = people.get(detector)
            if ids is None:
                people[detector] = {h.identity}
            else:
                ids.add(h.identity)
    return counts, samples, already, people


def _subjects(people: Mapping[str, set[str]], ranks: Mapping[str, int]) -> int:
    """Distinct people named by the highest-ranked identifying detector(s) present."""
    best = 0
    chosen: set[str] = set()
    for detector, ids in people.items():
        rank = ranks.get(detector, 0)
        if rank == 0 or rank < best:
            continue
        if rank > best:
            best, chosen = rank, set()
        chosen |= ids
    return len(chosen)

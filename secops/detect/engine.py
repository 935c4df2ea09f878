"""The detection engine: prefiltered rule evaluation, correlations in event time, snapshot and reload.

``process`` is a pure function of the event and the engine's window state (event time only);
``advance`` moves the event-time watermark, expiring windows and deciding upper-bound and absence
conditions. ``snapshot``/``restore`` carry the window state across a restart, ``reload`` swaps the rules
and keeps the windows of correlations whose shape did not change.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from secops.detect.correlation import CorrelationState, Entry, Firing, state_signature
from secops.detect.index import PrefilterIndex
from secops.detect.loader import load_rules
from secops.detect.metrics import DetectMetrics, detect_metrics
from secops.detect.output import LabelMasker, event_grade, make_detection
from secops.detect.rules import CorrelationRule, RuleSet, SigmaRule
from secops.detect.sigma.matchers import EventView, to_text
from secops.errors import ConfigError, Issue
from secops.model.alert import Detection
from secops.model.event import Event
from secops.telemetry.metrics import Metrics

SNAPSHOT_VERSION = 1
DEFAULT_LATENESS_SECONDS = 60.0
Getter = Callable[[str], Any]


@dataclass(slots=True)
class _Compiled:
    ruleset: RuleSet
    index: PrefilterIndex
    states: dict[str, CorrelationState]
    consumers: dict[str, list[tuple[CorrelationState, str]]] = field(default_factory=dict)
    standalone: set[str] = field(default_factory=set)
    closers: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _compile(ruleset: RuleSet, lateness: float) -> _Compiled:
    states = {c.id: CorrelationState(c, c.ext.lateness_seconds if c.ext.lateness_seconds is not None
                                     else lateness) for c in ruleset.correlations}
    compiled = _Compiled(ruleset, PrefilterIndex(ruleset.rules), states)
    refs = ruleset.by_ref()
    referenced: dict[str, bool] = {}
    for corr in ruleset.correlations:
        for name in corr.rules:
            target = refs[name]
            compiled.consumers.setdefault(target.id, []).append((states[corr.id], name))
            referenced[target.id] = referenced.get(target.id, False) or corr.generate
    every: list[SigmaRule | CorrelationRule] = [*ruleset.rules, *ruleset.correlations]
    compiled.standalone = {r.id for r in every if referenced.get(r.id, True)}
    closers: dict[str, list[str]] = {}
    for rule in every:
        for ref in rule.ext.resolve.closing_rule:
            closers.setdefault(refs[ref].id, []).append(rule.id)
    compiled.closers = {k: tuple(v) for k, v in closers.items()}
    return compiled


class DetectionEngine:
    def __init__(self, ruleset: RuleSet, *, metrics: Metrics | None = None,
                 lateness_seconds: float = DEFAULT_LATENESS_SECONDS, prefilter: bool = True,
                 mask_key: bytes = b"secops-detect-labels") -> None:
        self.issues = list(ruleset.issues)
        self._lateness = lateness_seconds
        self._prefilter = prefilter
        self._mask = LabelMasker(mask_key)
        self._dm: DetectMetrics | None = detect_metrics(metrics) if metrics is not None else None
        self._c = _compile(ruleset, lateness_seconds)
        self._watermark = float("-inf")
        self._seeded: set[str] = set()
        self._sources: tuple[Sequence[Path], Sequence[Path], Mapping[str, Sequence[str]]] = ((), (), {})
        self._count_loaded()

    @classmethod
    def load(cls, paths: Sequence[Path], *, local_paths: Sequence[Path] = (),
             expand: Mapping[str, Sequence[str]] | None = None, metrics: Metrics | None = None,
             **options: Any) -> DetectionEngine:
        """Load and compile every rule; raise ConfigError naming every error as file:line:col."""
        ruleset = load_rules(paths, local_paths=local_paths, expand=expand or {})
        if ruleset.errors:
            raise ConfigError(ruleset.errors)
        engine = cls(ruleset, metrics=metrics, **options)
        engine._sources = (tuple(paths), tuple(local_paths), dict(expand or {}))
        return engine

    @property
    def rules(self) -> list[SigmaRule]:
        return self._c.ruleset.rules

    @property
    def correlations(self) -> list[CorrelationRule]:
        return self._c.ruleset.correlations

    @property
    def watermark(self) -> float:
        return self._watermark

    # -- matching ---------------------------------------------------------------------------------
    def _candidates(self, view: EventView) -> Sequence[int]:
        if not self._prefilter:
            return range(len(self._c.ruleset.rules))
        return self._c.index.candidates(view.fields, view.source)

    def _match(self, view: EventView) -> list[SigmaRule]:
        rules = self._c.ruleset.rules
        dm = self._dm
        out: list[SigmaRule] = []
        if dm is None:
            for i in self._candidates(view):
                if rules[i].matches(view):
                    out.append(rules[i])
            return out
        dm.event()
        for i in self._candidates(view):
            rule = rules[i]
            started = time.perf_counter()
            hit = rule.matches(view)
            dm.evaluated(rule.id, time.perf_counter() - started)
            if hit:
                dm.matches.labels(rule.id).inc()
                out.append(rule)
        return out

    def matched_rules(self, event: Event) -> list[str]:
        """Ids of the rules (not correlations) the event matches; no window state changes."""
        view = EventView(event.fields, timestamp=event.timestamp, source=event.source)
        return [r.id for r in self._match(view)]

    def process(self, event: Event) -> list[Detection]:
        view = EventView(event.fields, timestamp=event.timestamp, source=event.source)
        grade = event_grade(event.fields)
        late = event.timestamp < self._watermark - self._lateness
        if late and self._dm is not None:
            self._dm.late.inc()
        out: list[Detection] = []
        for rule in self._match(view):
            if rule.id in self._c.standalone:
                out.append(make_detection(rule, timestamp=event.timestamp, grade=grade, event_ids=(event.id,),
                                          samples=event.fields.get("data.samples"),
                                          category=str(event.fields.get("data.category") or ""),
                                          closes=self._c.closers.get(rule.id, ())))
            if not late:
                out.extend(self._feed(rule.id, view.raw, event.timestamp, event.id, grade))
        return out

    # -- correlations -----------------------------------------------------------------------------
    def _feed(self, target: str, get: Getter, ts: float, eid: str, grade: str) -> list[Detection]:
        out: list[Detection] = []
        for state, name in self._c.consumers.get(target, ()):
            key = tuple("" if get(f) is None else to_text(get(f)) for f in state.key_fields(name))
            fields = state.corr.condition.field
            value = None
            if fields:
                parts = [get(f) for f in fields]
                value = parts[0] if len(parts) == 1 else "\x1f".join("" if p is None else to_text(p) for p in parts)
            firing = state.feed(name, key, Entry(ts, eid, value=value, grade=grade))
            if firing is not None:
                out.extend(self._fired(firing))
        return out

    def _fired(self, firing: Firing) -> list[Detection]:
        corr = firing.corr
        out: list[Detection] = []
        if self._dm is not None:
            self._dm.matches.labels(corr.id).inc()
        if corr.id in self._c.standalone:
            group = tuple((_label(k), self._mask(k, v)) for k, v in firing.group)
            out.append(make_detection(corr, timestamp=firing.timestamp, grade=firing.grade,
                                      event_ids=firing.event_ids, group=group, count=firing.value,
                                      closes=self._c.closers.get(corr.id, ())))
        values = dict(firing.group)
        eid = hashlib.blake2b(orjson.dumps([corr.id, firing.group, firing.timestamp]), digest_size=16).hexdigest()
        out.extend(self._feed(corr.id, values.get, firing.timestamp, eid, firing.grade))
        return out

    def advance(self, watermark: float) -> list[Detection]:
        """Move event time to ``watermark``: expire windows, decide upper-bound and absence conditions."""
        if watermark < self._watermark:
            return []
        self._watermark = watermark
        out: list[Detection] = []
        for corr_id, state in self._c.states.items():
            if corr_id not in self._seeded:
                self._seeded.add(corr_id)
                state.seed([tuple(g[k] for k in state.corr.group_by) for g in state.corr.ext.expected_groups],
                           watermark)
            for firing in state.advance(watermark):
                out.extend(self._fired(firing))
        if self._dm is not None:
            self._dm.flush()
        return out

    # -- persistence and reload -------------------------------------------------------------------
    def snapshot(self) -> bytes:
        states = {cid: {"sig": state_signature(s.corr), "groups": s.dump()} for cid, s in self._c.states.items()}
        watermark = None if self._watermark == float("-inf") else self._watermark
        return orjson.dumps({"version": SNAPSHOT_VERSION, "watermark": watermark,
                             "seeded": sorted(self._seeded), "states": states})

    def restore(self, blob: bytes) -> None:
        try:
            data = orjson.loads(blob)
            if data.get("version") != SNAPSHOT_VERSION:
                raise ValueError(f"snapshot version {data.get('version')!r}")
            for cid, saved in data["states"].items():
                state = self._c.states.get(cid)
                if state is not None and saved["sig"] == state_signature(state.corr):
                    state.load(saved["groups"])
            self._watermark = float("-inf") if data["watermark"] is None else float(data["watermark"])
            self._seeded = {s for s in data["seeded"] if s in self._c.states}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise ConfigError([Issue("<snapshot>", 0, 0, f"detection state snapshot unreadable: {err}")]) from err

    def reload(self, paths: Sequence[Path] | None = None, *, local_paths: Sequence[Path] | None = None,
               expand: Mapping[str, Sequence[str]] | None = None) -> list[Issue]:
        """Swap in freshly loaded rules keeping window state; on any error keep the old rules.

        Returns every issue found (errors mean nothing changed).
        """
        old_paths, old_local, old_expand = self._sources
        paths = tuple(paths) if paths is not None else old_paths
        local = tuple(local_paths) if local_paths is not None else old_local
        expand = dict(expand) if expand is not None else old_expand
        ruleset = load_rules(paths, local_paths=local, expand=expand)
        outcome = "error" if ruleset.errors else "success"
        if self._dm is not None:
            self._dm.base.rules_reload_total.labels(outcome).inc()
        if ruleset.errors:
            return ruleset.issues
        blob = self.snapshot()
        self._c = _compile(ruleset, self._lateness)
        self._sources = (paths, local, expand)
        self.issues = list(ruleset.issues)
        self.restore(blob)
        self._count_loaded()
        return ruleset.issues

    def _count_loaded(self) -> None:
        if self._dm is None:
            return
        gauge = self._dm.base.rules_loaded
        gauge.labels("detection").set(len(self._c.ruleset.rules))
        gauge.labels("correlation").set(len(self._c.ruleset.correlations))

    def flush_metrics(self) -> None:
        if self._dm is not None:
            self._dm.flush()


def _label(name: str) -> str:
    """Prometheus label names allow [a-zA-Z0-9_] only."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)

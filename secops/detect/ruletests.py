"""``secops test`` for detection rules: each rule's ``secops.tests`` (events in, expected detections out)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secops.detect.engine import DetectionEngine
from secops.detect.extensions import RuleTestSpec
from secops.detect.loader import load_rules
from secops.detect.rules import CorrelationRule, RuleSet, SigmaRule
from secops.detect.sigma.matchers import parse_datetime
from secops.model.alert import Detection
from secops.model.event import Event


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    rule_id: str
    name: str
    path: str
    line: int
    passed: bool
    message: str = ""

    def __str__(self) -> str:
        status = "ok" if self.passed else "FAIL"
        return f"{self.path}:{self.line}: {status}: {self.rule_id}: {self.name}" + (
            f": {self.message}" if self.message else "")


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings -> flat dotted keys (as the parsers produce)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _events(test: RuleTestSpec) -> list[Event]:
    start = parse_datetime(test.start)
    t0 = start.timestamp() if start is not None else 0.0
    events = []
    for i, raw in enumerate(test.events):
        fields = flatten(raw)
        stamp = parse_datetime(fields["@timestamp"]) if "@timestamp" in fields else None
        ts = stamp.timestamp() if stamp is not None else t0 + i * test.step_seconds
        fields.setdefault("@timestamp", ts)
        source = str(fields.pop("secops.source", "test"))
        ident = hashlib.blake2b(f"{test.name}:{i}".encode(), digest_size=16).hexdigest()
        events.append(Event(id=ident, source=source, timestamp=ts, received_at=ts, fields=fields))
    return events


def _check(rule_id: str, test: RuleTestSpec, found: list[Detection], engine: DetectionEngine) -> str:
    mine = [d for d in found if d.rule_id == rule_id]
    exp = test.expect
    if len(mine) != exp.count:
        others = sorted({d.rule_id for d in found if d.rule_id != rule_id})
        return f"expected {exp.count} detection(s), got {len(mine)}" + (f" (others: {others})" if others else "")
    for d in mine:
        if exp.severity is not None and d.severity.value != exp.severity:
            return f"expected severity {exp.severity}, got {d.severity.value}"
        if exp.data_grade is not None and d.data_grade != exp.data_grade:
            return f"expected data_grade {exp.data_grade!r}, got {d.data_grade!r}"
        if exp.group is not None and dict(d.group) != exp.group:
            return f"expected group {exp.group}, got {dict(d.group)}"
    return ""


def _run_one(ruleset: RuleSet, rule: SigmaRule | CorrelationRule, index: int,
             test: RuleTestSpec) -> RuleTestResult:
    engine = DetectionEngine(ruleset)
    found: list[Detection] = []
    events = _events(test)
    for event in events:
        found.extend(engine.process(event))
        found.extend(engine.advance(event.timestamp))
    if events and test.advance_seconds:
        found.extend(engine.advance(events[-1].timestamp + test.advance_seconds))
    message = _check(rule.id, test, found, engine)
    line = rule.doc.mark(("secops", "tests", index))[0]
    return RuleTestResult(rule.id, test.name, rule.path, line, not message, message)


def run_rule_tests(paths: Sequence[Path], *, local_paths: Sequence[Path] = (),
                   expand: Mapping[str, Sequence[str]] | None = None) -> list[RuleTestResult]:
    """Run every rule's tests; rules that fail to load are reported as failures with their issue."""
    ruleset = load_rules(paths, local_paths=local_paths, expand=expand or {})
    results = [RuleTestResult("", "load", i.path, i.line, False, i.message) for i in ruleset.errors]
    every: list[SigmaRule | CorrelationRule] = [*ruleset.rules, *ruleset.correlations]
    for rule in every:
        for index, test in enumerate(rule.ext.tests):
            results.append(_run_one(ruleset, rule, index, test))
    return results

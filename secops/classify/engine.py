"""The classifier: findings from one multi-pattern scan, graded by the rule pack (highest grade wins).

``Classifier.classify(event)`` writes ``data.*`` fields into the event; ``classify_text`` serves offline
use (``secops scan``, rule tests). Windows run on event time. Rules can be swapped at run time with
``reload``; window state of unchanged rules carries over, and a broken pack is refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from secops.classify.compile import build
from secops.classify.ruleset import RuleSet
from secops.classify.types import Classification, Hit
from secops.clock import Clock, SystemClock
from secops.errors import ConfigError, Issue
from secops.model.event import Event
from secops.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

# fields never scanned when an event has no raw text (classification output, ids)
_SKIP_PREFIXES = ("data.", "event.id", "@timestamp")
TEXT_FIELDS = ("event.original", "message")
_NO_FIELDS: Final[Mapping[str, Any]] = MappingProxyType({})  # shared: not a new dict per line


def event_text(fields: Mapping[str, Any]) -> str:
    """The text one scan covers: the original record when kept, else ``key=value`` pairs so field-name
    hints still apply."""
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value:
            if name == "event.original":
                return value
            rest = [f"{k}={v}" for k, v in fields.items() if k != name and _scannable(k, v)]
            return value + (" " + " ".join(rest) if rest else "")
    return " ".join(f"{k}={v}" for k, v in fields.items() if _scannable(k, v))


def _scannable(key: str, value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and not key.startswith(_SKIP_PREFIXES)


class Classifier:
    def __init__(self, ruleset: RuleSet, *, hmac_key: bytes, metrics: Metrics | None = None,
                 clock: Clock | None = None, alias_set: str | None = None) -> None:
        if len(hmac_key) < 16:
            raise ConfigError([Issue("<classification>", 0, 0, "hmac_key must be at least 16 bytes")])
        self._ruleset = ruleset
        self._key = hmac_key
        self.metrics = metrics
        self.clock: Clock = clock or SystemClock()
        self.alias_set = alias_set
        self._lock = threading.Lock()
        self._paths: list[Path] = []
        self._engine = ruleset.extractor.scanner.engine
        self._publish_rule_count()

    @classmethod
    def load(cls, paths: Sequence[Path], *, hmac_key: bytes, metrics: Metrics | None = None,
             clock: Clock | None = None, alias_set: str | None = None, engine: str = "auto") -> Classifier:
        """Load every rule file under ``paths``; ConfigError lists every problem as ``file:line:col``."""
        ruleset, issues = build([Path(p) for p in paths], engine=engine)
        errors = [i for i in issues if i.level == "error"]
        if ruleset is None or errors:
            raise ConfigError(errors or issues)
        classifier = cls(ruleset, hmac_key=hmac_key, metrics=metrics, clock=clock, alias_set=alias_set)
        classifier._paths = [Path(p) for p in paths]
        classifier._engine = engine
        return classifier

    @property
    def ruleset(self) -> RuleSet:
        return self._ruleset

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    def reload(self, paths: Sequence[Path] | None = None) -> list[Issue]:
        """Validate and swap in new rules, keeping window state of unchanged rules. On any error the old
        rules stay in force; the issues are returned (empty list: success)."""
        target = [Path(p) for p in paths] if paths is not None else self._paths
        ruleset, issues = build(target, previous=self._ruleset.windows, engine=self._engine)
        errors = [i for i in issues if i.level == "error"]
        outcome = "error" if ruleset is None or errors else "success"
        if self.metrics is not None:
            self.metrics.rules_reload_total.labels(outcome=outcome).inc()
        if ruleset is None or errors:
            log.warning("classification rules reload refused (%d problems); previous rules stay in force: %s",
                        len(errors or issues), "; ".join(str(i) for i in (errors or issues)[:5]))
            return errors or issues
        with self._lock:
            self._ruleset = ruleset
            self._paths = target
        self._publish_rule_count()
        log.info("classification rules reloaded: %d rules", len(ruleset.rules))
        return []

    def swap(self, ruleset: RuleSet) -> None:
        with self._lock:
            self._ruleset = ruleset
        self._publish_rule_count()

    def _publish_rule_count(self) -> None:
        if self.metrics is not None:
            self.metrics.rules_loaded.labels(kind="classification").set(len(self._ruleset.rules))

    def classify_batch(self, items: Sequence[tuple[str, Mapping[str, Any] | None, float | None]], *,
                       hits_out: list[list[Hit]] | None = None) -> list[Classification]:
        """(text, fields, event time) per event; one scan for the whole batch. ``hits_out`` receives each
        item's findings (raw values: for masking the event, never for output)."""
        ruleset = self._ruleset
        all_hits = ruleset.extractor.extract([text for text, _, _ in items])
        if hits_out is not None:
            hits_out.extend(all_hits)
        now = self.clock.now()
        with self._lock:  # windows are shared state; rule evaluation is cheap next to the scan
            out = [ruleset.evaluate(hits, fields or _NO_FIELDS, ts, now, self._key)
                   for hits, (_, fields, ts) in zip(all_hits, items, strict=True)]
        if self.metrics is not None:
            self._count(out)
        return out

    def classify_text(self, text: str, fields: Mapping[str, Any] | None = None, *,
                      timestamp: float | None = None) -> Classification:
        return self.classify_batch([(text, fields, timestamp)])[0]

    def classify(self, event: Event) -> Classification:
        return self.classify_events([event])[0]

    def classify_events(self, events: Sequence[Event], *,
                        hits_out: list[list[Hit]] | None = None) -> list[Classification]:
        """Classify a batch of events and write ``data.*`` into each event's fields."""
        results = self.classify_batch([(event_text(e.fields), e.fields, e.timestamp) for e in events],
                                      hits_out=hits_out)
        for event, result in zip(events, results, strict=True):
            self.annotate(event.fields, result)
        return results

    def annotate(self, fields: dict[str, Any], result: Classification) -> None:
        fields["data.grade"] = result.grade
        fields["data.grade_name"] = self._ruleset.grade_name(result.grade, self.alias_set)
        fields["data.category"] = result.category
        for detector, count in result.findings.items():
            fields[f"data.findings.{detector}"] = count
        for detector, count in result.already_masked.items():
            fields[f"data.masked.{detector}"] = count
        fields["data.subjects"] = result.subjects
        fields["data.samples"] = {k: list(v) for k, v in result.masked_findings.items()}
        fields["data.rules"] = list(result.rules)
        fields["data.detectors"] = list(result.detectors)
        if result.tags:
            fields["data.tags"] = list(result.tags)
        if result.explanation:
            fields["data.explanation"] = result.explanation

    def _count(self, results: Sequence[Classification]) -> None:
        assert self.metrics is not None
        for r in results:
            self.metrics.events_graded_total.labels(grade=r.grade).inc()
            for detector, count in r.findings.items():
                self.metrics.findings_total.labels(detector=detector).inc(count)

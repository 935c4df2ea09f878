"""Per-rule detection metrics on the injected registry (label values: rule ids from the rule packs)."""

from __future__ import annotations

import weakref

from prometheus_client import Counter

from secops.telemetry.metrics import Metrics

FLUSH_EVERY = 256


class DetectMetrics:
    def __init__(self, metrics: Metrics) -> None:
        r = metrics.registry
        self.base = metrics
        self.matches = Counter("secops_rule_matches_total", "Events (or windows) a rule matched", ["rule"],
                               registry=r)
        self.evaluations = Counter("secops_rule_evaluations_total",
                                   "Times a rule was evaluated (prefilter candidates)", ["rule"], registry=r)
        self.seconds = Counter("secops_rule_evaluation_seconds_total", "Time spent evaluating a rule",
                               ["rule"], registry=r)
        self.events = Counter("secops_detect_events_total", "Events through detection", registry=r)
        self.late = Counter("secops_detect_late_events_total",
                            "Events older than watermark minus allowed lateness, left out of windows", registry=r)
        self._pending_evals: dict[str, int] = {}
        self._pending_seconds: dict[str, float] = {}
        self._pending_events = 0

    def evaluated(self, rule: str, seconds: float) -> None:
        self._pending_evals[rule] = self._pending_evals.get(rule, 0) + 1
        self._pending_seconds[rule] = self._pending_seconds.get(rule, 0.0) + seconds

    def event(self) -> None:
        self._pending_events += 1
        if self._pending_events >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        for rule, n in self._pending_evals.items():
            self.evaluations.labels(rule).inc(n)
            self.seconds.labels(rule).inc(self._pending_seconds[rule])
        if self._pending_events:
            self.events.inc(self._pending_events)
        self._pending_evals.clear()
        self._pending_seconds.clear()
        self._pending_events = 0


_BY_METRICS: weakref.WeakKeyDictionary[Metrics, DetectMetrics] = weakref.WeakKeyDictionary()


def detect_metrics(metrics: Metrics) -> DetectMetrics:
    """One DetectMetrics per Metrics (registering twice on one registry is an error)."""
    found = _BY_METRICS.get(metrics)
    if found is None:
        found = _BY_METRICS[metrics] = DetectMetrics(metrics)
    return found

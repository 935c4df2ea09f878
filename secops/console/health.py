"""Pipeline health for the console: source heartbeats (blind spots), store and queue, robot budgets and
throttles, notification failures and rule-reload errors — read from the metrics and readiness the daemon
already keeps, so the console shows exactly what Prometheus sees."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import Counter, Gauge

from secops.api.health import Readiness
from secops.telemetry.metrics import Metrics

FAILED_OUTCOMES = ("failed", "dead", "throttled", "retry")


def _samples(metric: Counter | Gauge, suffix: str = "") -> list[tuple[dict[str, str], float]]:
    out = []
    for family in metric.collect():
        for s in family.samples:
            if not suffix or s.name.endswith(suffix):
                out.append((dict(s.labels), float(s.value)))
    return out


def sources(metrics: Metrics, keys: Iterable[str], checks: dict[str, dict[str, object]], *, now: float,
            silent_after: float) -> list[dict[str, Any]]:
    last = {labels.get("source", ""): value for labels, value in _samples(metrics.source_last_event_timestamp_seconds)}
    up = {labels.get("source", ""): value for labels, value in _samples(metrics.source_up)}
    out = []
    for key in keys:
        seen = last.get(key) or None
        quiet = None if seen is None else max(0.0, now - seen)
        out.append({"source": key, "ready": bool(checks.get(f"source:{key}", {}).get("ok", False)),
                    "up": bool(up.get(key, 0)), "last_event_at": seen, "quiet_seconds": quiet,
                    "blind": seen is None or (quiet is not None and quiet > silent_after)})
    return out


def notifications(metrics: Metrics) -> list[dict[str, Any]]:
    by_channel: dict[str, dict[str, float]] = {}
    for labels, value in _samples(metrics.notifications_total, "_total"):
        by_channel.setdefault(labels.get("channel", ""), {})[labels.get("outcome", "")] = value
    return [{"channel": ch, "outcomes": outcomes,
             "failures": sum(outcomes.get(o, 0.0) for o in FAILED_OUTCOMES)}
            for ch, outcomes in sorted(by_channel.items())]


def rules(metrics: Metrics) -> dict[str, Any]:
    reloads = {labels.get("outcome", ""): value for labels, value in _samples(metrics.rules_reload_total, "_total")}
    loaded = {labels.get("kind", ""): value for labels, value in _samples(metrics.rules_loaded)}
    return {"reload_errors": reloads.get("error", 0.0), "reloads": reloads, "loaded": loaded}


def pipeline_health(*, metrics: Metrics, readiness: Callable[[], Readiness] | None, source_keys: Iterable[str],
                    robots: list[dict[str, Any]], outbox: list[dict[str, Any]], now: float,
                    silent_after: float) -> dict[str, Any]:
    ready = readiness() if readiness is not None else Readiness(True, {})
    checks = ready.checks
    retrying = [d for d in outbox if d.get("attempt", 0) > 0]
    return {
        "ready": ready.ready,
        "sources": sources(metrics, source_keys, checks, now=now, silent_after=silent_after),
        "pipeline": dict(checks.get("pipeline", {})),
        "store": dict(checks.get("store", {})),
        "robots": robots,
        "notifications": notifications(metrics),
        "retrying": [{"channel": d["channel"], "kind": d["kind"], "attempt": d["attempt"],
                      "next_at": d["next_at"], "detail": str(d.get("detail", ""))[:160]} for d in retrying[:50]],
        "outbox": len(outbox),
        "rules": rules(metrics),
    }

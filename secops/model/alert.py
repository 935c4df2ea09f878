"""Detections (a rule matched) and alerts (the lifecycle built from detections).

Alert identity is the label set: ``alertname``, ``rule_id``, ``severity``, ``data_grade`` and the rule's
group-by values. Everything else is an annotation. Label values never hold raw identifiers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Detection:
    """One rule (or correlation) match, in event time. Pure output of the detection engine."""

    rule_id: str
    alertname: str
    severity: Severity
    timestamp: float  # event time of the event that completed the match
    group: tuple[tuple[str, str], ...] = ()  # group-by label values, already masked where sensitive
    data_grade: str = ""
    event_ids: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    rule_hash: str = ""
    quiet_seconds: float = 300.0  # resolve after this long without a new match
    closes: tuple[str, ...] = ()  # alert rule ids this detection resolves (closing rule)

    def labels(self) -> dict[str, str]:
        labels = {
            "alertname": self.alertname,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "data_grade": self.data_grade,
        }
        labels.update(self.group)
        return labels


def fingerprint(labels: Mapping[str, str]) -> str:
    """Stable hash of a label set (order-independent)."""
    h = hashlib.sha256()
    for key in sorted(labels):
        h.update(key.encode())
        h.update(b"\x00")
        h.update(labels[key].encode())
        h.update(b"\x01")
    return h.hexdigest()[:16]


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert instance: a fingerprint from ``starts_at`` until it resolves.

    ``id`` is derived from fingerprint and start time, so a replay of the same input gives the same ids.
    """

    id: str
    fingerprint: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    status: AlertStatus
    starts_at: float
    last_seen: float
    ends_at: float | None = None
    count: int = 1
    event_ids: tuple[str, ...] = ()


def alert_id(fp: str, starts_at: float) -> str:
    return hashlib.sha256(f"{fp}:{starts_at:.6f}".encode()).hexdigest()[:20]


class ChangeKind(StrEnum):
    FIRED = "fired"
    UPDATED = "updated"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertChange:
    kind: ChangeKind
    alert: Alert

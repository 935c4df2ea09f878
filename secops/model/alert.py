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


# -- plain-data form (snapshots, stores, the HTTP API) ------------------------------------------------------


def alert_to_dict(alert: Alert) -> dict[str, object]:
    """A JSON-ready mapping of ``alert``; ``alert_from_dict`` reverses it exactly."""
    return {
        "id": alert.id,
        "fingerprint": alert.fingerprint,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "status": alert.status.value,
        "starts_at": alert.starts_at,
        "last_seen": alert.last_seen,
        "ends_at": alert.ends_at,
        "count": alert.count,
        "event_ids": list(alert.event_ids),
    }


def _str_map(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{name}: expected a mapping of strings")
    return dict(value)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number")
    return float(value)


def alert_from_dict(data: Mapping[str, object]) -> Alert:
    """Rebuild an Alert from ``alert_to_dict`` output; raises ValueError naming the bad field."""
    try:
        ident, fp, status = data["id"], data["fingerprint"], data["status"]
        event_ids, count, ends_at = data.get("event_ids", []), data.get("count", 1), data.get("ends_at")
    except KeyError as err:
        raise ValueError(f"missing field {err.args[0]}") from err
    if not isinstance(ident, str) or not isinstance(fp, str):
        raise ValueError("id and fingerprint must be strings")
    if not isinstance(event_ids, list) or not all(isinstance(e, str) for e in event_ids):
        raise ValueError("event_ids: expected a list of strings")
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError("count: expected an integer")
    return Alert(
        id=ident,
        fingerprint=fp,
        labels=_str_map(data.get("labels"), "labels"),
        annotations=_str_map(data.get("annotations", {}), "annotations"),
        status=AlertStatus(str(status)),
        starts_at=_number(data.get("starts_at"), "starts_at"),
        last_seen=_number(data.get("last_seen"), "last_seen"),
        ends_at=None if ends_at is None else _number(ends_at, "ends_at"),
        count=count,
        event_ids=tuple(event_ids),
    )

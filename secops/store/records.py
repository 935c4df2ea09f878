"""Values the store keeps besides events and alert changes. Text fields hold masked values only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INCIDENT_STATES = ("firing", "acknowledged", "resolved")


@dataclass(frozen=True, slots=True)
class NotificationAttempt:
    alert_id: str
    channel: str  # wecom, dingtalk, feishu, sms, email, webhook, mqtt
    target: str  # masked recipient (``138****8000``) or a roster name
    outcome: str  # sent, failed, retry, suppressed
    attempt: int
    at: float
    detail: str = ""

    def payload(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "channel": self.channel, "target": self.target,
                "outcome": self.outcome, "attempt": self.attempt, "at": self.at, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Ack:
    alert_id: str
    principal: str  # token name from the auth config
    at: float
    comment: str = ""

    def payload(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "principal": self.principal, "at": self.at, "comment": self.comment}


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: tuple[tuple[str, str], ...]  # label equality matchers
    starts_at: float
    ends_at: float
    created_by: str
    reason: str
    created_at: float

    def payload(self) -> dict[str, Any]:
        return {"silence_id": self.id, "matchers": dict(self.matchers), "starts_at": self.starts_at,
                "ends_at": self.ends_at, "created_by": self.created_by, "reason": self.reason,
                "created_at": self.created_at}

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.matchers)


@dataclass(frozen=True, slots=True)
class ClassificationSummary:
    """Counts per time bucket; ``distinct_subjects`` counts keyed hashes of people, never the values."""

    bucket_start: float
    source: str
    grade: str
    category: str
    events: int
    findings: int
    distinct_subjects: int


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """Filters of ``GET /api/v1/incidents``; ``start``/``end`` bound the alert's start time."""

    start: float | None = None
    end: float | None = None
    grades: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    limit: int = 100
    cursor: str = ""  # opaque: returned as ``next_cursor`` by the previous page


@dataclass(frozen=True, slots=True)
class Incident:
    """An alert and its current state; the history comes from ``incident_history``."""

    id: str
    fingerprint: str
    rule_id: str
    alertname: str
    severity: str
    grade: str
    state: str
    starts_at: float
    last_seen: float
    ends_at: float | None
    count: int
    labels: dict[str, str]
    annotations: dict[str, str]
    acked_by: str | None = None
    acked_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "fingerprint": self.fingerprint, "rule_id": self.rule_id,
            "alertname": self.alertname, "severity": self.severity, "grade": self.grade,
            "state": self.state, "starts_at": self.starts_at, "last_seen": self.last_seen,
            "ends_at": self.ends_at, "count": self.count, "labels": self.labels,
            "annotations": self.annotations, "acked_by": self.acked_by, "acked_at": self.acked_at,
        }


@dataclass(frozen=True, slots=True)
class IncidentPage:
    items: list[Incident] = field(default_factory=list)
    next_cursor: str = ""  # empty on the last page


@dataclass(frozen=True, slots=True)
class PurgeResult:
    cutoff: float
    ledger_records: int
    events: int
    alerts: int
    anchor_seq: int
    anchor_hash: str

    def payload(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff, "ledger_records": self.ledger_records, "events": self.events,
                "alerts": self.alerts, "anchor_seq": self.anchor_seq, "anchor_hash": self.anchor_hash}

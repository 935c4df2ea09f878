"""Durable runner state, kept in the store's key-value namespaces (JSON values).

Namespaces: ``pb.group`` (incident -> GroupState), ``pb.open`` (group key -> incident),
``pb.alert`` (alert id -> incident), ``pb.outbox`` (idempotency key -> Delivery), ``pb.sent``
(idempotency key -> outcome; a key found here is never sent again), ``pb.dead`` (dead letters),
``pb.silence``, ``pb.acklink`` (used nonces), ``pb.budget`` (robot windows and penalties).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

NS_GROUP = "pb.group"
NS_OPEN = "pb.open"
NS_ALERT = "pb.alert"
NS_OUTBOX = "pb.outbox"
NS_SENT = "pb.sent"
NS_DEAD = "pb.dead"
NS_SILENCE = "pb.silence"
NS_ACKLINK = "pb.acklink"
NS_BUDGET = "pb.budget"

OPEN_PHASES = ("pending", "active", "exhausted", "acked")


@dataclass(slots=True)
class AlertEntry:
    id: str
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    status: str
    starts_at: float
    last_seen: float
    ends_at: float | None = None
    count: int = 1


@dataclass(slots=True)
class AckInfo:
    person: str
    at: float
    comment: str
    alert_id: str
    via: str


@dataclass(slots=True)
class GroupState:
    incident: str
    playbook: str
    key: str
    group_labels: dict[str, str]
    created_at: float
    alerts: dict[str, AlertEntry] = field(default_factory=dict)
    phase: str = "pending"  # pending, active, exhausted, acked, resolved
    step: int = 0
    iteration: int = 0
    waiting: bool = False
    next_at: float | None = None
    ack: AckInfo | None = None
    paged: list[list[str]] = field(default_factory=list)  # [person, channel]; person "" for group channels
    notified: list[str] = field(default_factory=list)  # alert ids already in a notification
    last_notify_at: float = 0.0
    flap: dict[str, list[float]] = field(default_factory=dict)
    flapping: bool = False
    resolved_at: float | None = None
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)  # channel -> last outcome
    timeline: list[list[Any]] = field(default_factory=list)  # [at, event, detail]

    def firing(self) -> list[AlertEntry]:
        return [a for a in self.alerts.values() if a.status == "firing"]

    def note(self, at: float, event: str, detail: str = "") -> None:
        self.timeline.append([at, event, detail])
        del self.timeline[:-50]

    def add_paged(self, person: str, channel: str) -> None:
        if [person, channel] not in self.paged:
            self.paged.append([person, channel])

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> GroupState:
        data = orjson.loads(raw)
        data["alerts"] = {k: AlertEntry(**v) for k, v in data["alerts"].items()}
        data["ack"] = AckInfo(**data["ack"]) if data.get("ack") else None
        return cls(**data)


@dataclass(slots=True)
class Delivery:
    """One queued notification: rendered once, retried as is, sent at most once per key."""

    key: str
    incident: str
    playbook: str
    channel: str
    kind: str
    persons: list[str]
    created_at: float
    next_at: float
    message: dict[str, Any]
    attempt: int = 0
    failover_from: str = ""
    last_detail: str = ""

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> Delivery:
        return cls(**orjson.loads(raw))

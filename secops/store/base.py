"""The store protocol every backend implements (SQLite default, Elasticsearch at scale).

Writes are idempotent by id: at-least-once delivery upstream means the same event or change may arrive
twice, and the store keeps one. Every method raises ``StoreUnavailable`` when the backend cannot take the
call right now, so callers can spool and retry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from secops.model.alert import AlertChange
from secops.model.event import Event
from secops.store.ledger import ChainAnchor, Checkpoint, LedgerRecord, Signer
from secops.store.records import (
    Ack,
    ClassificationSummary,
    IncidentPage,
    IncidentQuery,
    NotificationAttempt,
    PurgeResult,
    Silence,
)


class EventStore(Protocol):
    async def write_events(self, events: Sequence[Event]) -> None:
        """Store (masked) events; an id already stored is ignored."""
        ...

    async def count_events(self) -> int: ...

    async def event_ids(self) -> set[str]: ...


class AlertStore(Protocol):
    async def write_alert_changes(self, changes: Sequence[AlertChange]) -> None: ...


class LedgerStore(Protocol):
    async def ledger_append(self, kind: str, payload: Mapping[str, Any]) -> int:
        """Append one record to the hash-chained ledger; return its seq. Payload holds masked values only."""
        ...


class KeyValueStore(Protocol):
    """Small durable state (escalation timers, idempotency keys, window snapshots), by namespace."""

    async def kv_get(self, namespace: str, key: str) -> bytes | None: ...

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None: ...

    async def kv_delete(self, namespace: str, key: str) -> None: ...

    async def kv_scan(self, namespace: str) -> list[tuple[str, bytes]]: ...


class Store(EventStore, AlertStore, LedgerStore, KeyValueStore, Protocol):
    async def ping(self) -> bool:
        """True when the backend takes writes."""
        ...

    async def close(self) -> None: ...


class IncidentStore(Protocol):
    """Incidents (an alert and its history) and what operators did about them; each is ledgered."""

    async def record_notification(self, attempt: NotificationAttempt) -> int: ...

    async def record_ack(self, ack: Ack) -> int: ...

    async def record_silence(self, silence: Silence) -> int: ...

    async def active_silences(self, at: float) -> list[Silence]: ...

    async def write_classification_summaries(self, summaries: Sequence[ClassificationSummary]) -> None: ...

    async def classification_summaries(self, start: float, end: float) -> list[ClassificationSummary]: ...

    async def query_incidents(self, query: IncidentQuery) -> IncidentPage:
        """Raise ValueError on a cursor the store did not hand out."""
        ...

    async def incident_history(self, alert_id: str) -> list[dict[str, Any]]: ...


class AuditStore(Protocol):
    """Reading the ledger back for export and verification; checkpoints and retention."""

    signer: Signer | None

    async def ledger_state(self) -> tuple[ChainAnchor, ChainAnchor, list[Checkpoint]]:
        """(anchor before the oldest kept record, head, every checkpoint known)."""
        ...

    async def ledger_seq_range(self, start_ts: float, end_ts: float) -> tuple[int, int] | None: ...

    async def ledger_records(self, *, start_ts: float | None = None, end_ts: float | None = None,
                             after_seq: int = 0, limit: int = 5000) -> list[LedgerRecord]: ...

    async def checkpoint(self) -> Checkpoint | None: ...

    async def purge_expired(self) -> PurgeResult: ...


class FullStore(Store, IncidentStore, AuditStore, Protocol):
    """What ``open_store`` returns: every backend implements all of it."""

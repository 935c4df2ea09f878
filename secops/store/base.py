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

"""The store as the pipeline sees it: writes never get lost while the backend is unavailable.

A write goes to the backend; if the backend raises ``StoreUnavailable`` the write goes to the on-disk
journal instead (and returns once it is fsynced, so the caller may acknowledge upstream). From then on
every write goes to the journal, behind the ones already there, until a drain task has replayed the
journal in order. When the journal holds ``max_bytes``, writers wait (backpressure) instead of dropping.

``healthy`` and ``backlog`` feed ``/readyz``; ``secops_store_up`` and ``secops_store_backlog`` show the
same on ``/metrics``. Ledger appends, acks, notifications and silences taken by the journal return seq 0:
their seq is assigned when they are replayed.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from secops.errors import StoreUnavailable
from secops.model.alert import AlertChange
from secops.model.event import Event
from secops.store import codec
from secops.store.base import FullStore
from secops.store.journal import Entry, Journal
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
from secops.telemetry.metrics import Metrics

_KV_DELETED = b""


class ResilientStore:
    """Wraps a backend with the journal. Use ``async with`` or ``await start()`` / ``await close()``."""

    def __init__(self, inner: FullStore, journal_dir: Path, max_bytes: int, *, metrics: Metrics | None = None,
                 retry_initial_seconds: float = 0.2, retry_max_seconds: float = 5.0) -> None:
        self.inner = inner
        self._journal = Journal(journal_dir)
        self._max_bytes = max_bytes
        self._metrics = metrics
        self._retry = (retry_initial_seconds, retry_max_seconds)
        self._lock = asyncio.Lock()
        self._space = asyncio.Event()
        self._spooling = not self._journal.empty
        self._drainer: asyncio.Task[None] | None = None
        self._kv_overlay: dict[tuple[str, str], bytes | None] = {}
        self._closed = False
        self._publish()

    async def start(self) -> None:
        """Replay a journal left by a previous run."""
        if self._spooling:
            self._start_drain()

    async def __aenter__(self) -> ResilientStore:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- health --------------------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """False while writes go to the journal instead of the store."""
        return not self._spooling

    @property
    def backlog(self) -> int:
        """Records waiting in the journal."""
        return self._journal.pending_records

    @property
    def journal_bytes(self) -> int:
        """Bytes of journal waiting to be replayed (writers block at ``max_bytes``)."""
        return self._journal.pending_bytes

    @property
    def signer(self) -> Signer | None:
        return self.inner.signer

    def _publish(self) -> None:
        if self._metrics is not None:
            self._metrics.store_backlog.set(self._journal.pending_records)
            self._metrics.store_up.set(0 if self._spooling else 1)

    # --- the write path ------------------------------------------------------------------------------

    async def _submit(self, op: str, data: Any, records: int, direct: Callable[[], Awaitable[Any]]) -> Any:
        for _ in range(1_000_000):  # bounded: each turn either returns or waits for the drain to free space
            async with self._lock:
                if not self._spooling:
                    try:
                        return await direct()
                    except StoreUnavailable:
                        self._spooling = True
                        self._publish()
                        self._start_drain()
                if self._journal.empty or self._journal.pending_bytes < self._max_bytes:
                    await asyncio.to_thread(self._journal.append, op, data, records)
                    self._publish()
                    return None
                self._space.clear()
            await self._space.wait()
        raise StoreUnavailable("journal full and not draining")

    async def write_events(self, events: Sequence[Event]) -> None:
        if events:
            await self._submit("events", [codec.event_to_dict(e) for e in events], len(events),
                               lambda: self.inner.write_events(events))

    async def write_alert_changes(self, changes: Sequence[AlertChange]) -> None:
        if changes:
            await self._submit("alert_changes", [codec.change_to_dict(c) for c in changes], len(changes),
                               lambda: self.inner.write_alert_changes(changes))

    async def ledger_append(self, kind: str, payload: Mapping[str, Any]) -> int:
        seq = await self._submit("ledger", {"kind": kind, "payload": dict(payload)}, 1,
                                 lambda: self.inner.ledger_append(kind, payload))
        return int(seq or 0)

    async def record_notification(self, attempt: NotificationAttempt) -> int:
        seq = await self._submit("notification", attempt.payload(), 1,
                                 lambda: self.inner.record_notification(attempt))
        return int(seq or 0)

    async def record_ack(self, ack: Ack) -> int:
        seq = await self._submit("ack", ack.payload(), 1, lambda: self.inner.record_ack(ack))
        return int(seq or 0)

    async def record_silence(self, silence: Silence) -> int:
        data = {**silence.payload(), "matchers": [list(m) for m in silence.matchers]}
        seq = await self._submit("silence", data, 1, lambda: self.inner.record_silence(silence))
        return int(seq or 0)

    async def write_classification_summaries(self, summaries: Sequence[ClassificationSummary]) -> None:
        if summaries:
            data = [[s.bucket_start, s.source, s.grade, s.category, s.events, s.findings, s.distinct_subjects]
                    for s in summaries]
            await self._submit("summaries", data, len(summaries),
                               lambda: self.inner.write_classification_summaries(summaries))

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        await self._submit("kv_put", [namespace, key, value.hex()], 1,
                           lambda: self.inner.kv_put(namespace, key, value))
        if self._spooling:
            self._kv_overlay[(namespace, key)] = value

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self._submit("kv_delete", [namespace, key], 1, lambda: self.inner.kv_delete(namespace, key))
        if self._spooling:
            self._kv_overlay[(namespace, key)] = None

    # --- the drain -----------------------------------------------------------------------------------

    def _start_drain(self) -> None:
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="store-journal-drain")

    async def _drain(self) -> None:
        delay = self._retry[0]
        while not self._closed:
            entry = await asyncio.to_thread(self._journal.peek)
            if entry is None:
                async with self._lock:
                    if await asyncio.to_thread(self._journal.peek) is None:
                        self._spooling = False
                        self._kv_overlay.clear()
                        self._publish()
                        self._space.set()
                        return
                continue
            try:
                await self._replay(entry)
            except StoreUnavailable:
                await asyncio.sleep(delay * (0.5 + random.random() / 2))  # capped jittered backoff
                delay = min(delay * 2, self._retry[1])
                continue
            delay = self._retry[0]
            await asyncio.to_thread(self._journal.advance, entry)
            self._publish()
            self._space.set()

    async def _replay(self, entry: Entry) -> None:
        d = entry.data
        handlers: dict[str, Callable[[], Awaitable[Any]]] = {
            "events": lambda: self.inner.write_events([codec.event_from_dict(e) for e in d]),
            "alert_changes": lambda: self.inner.write_alert_changes([codec.change_from_dict(c) for c in d]),
            "ledger": lambda: self.inner.ledger_append(d["kind"], d["payload"]),
            "notification": lambda: self.inner.record_notification(NotificationAttempt(**d)),
            "ack": lambda: self.inner.record_ack(Ack(**d)),
            "silence": lambda: self.inner.record_silence(_silence(d)),
            "summaries": lambda: self.inner.write_classification_summaries([ClassificationSummary(*r) for r in d]),
            "kv_put": lambda: self.inner.kv_put(d[0], d[1], bytes.fromhex(d[2])),
            "kv_delete": lambda: self.inner.kv_delete(d[0], d[1]),
        }
        await handlers[entry.op]()

    # --- reads (through to the backend) --------------------------------------------------------------

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        if (namespace, key) in self._kv_overlay:
            return self._kv_overlay[(namespace, key)]
        return await self.inner.kv_get(namespace, key)

    async def kv_scan(self, namespace: str) -> list[tuple[str, bytes]]:
        items = dict(await self.inner.kv_scan(namespace))
        for (ns, key), value in self._kv_overlay.items():
            if ns == namespace:
                if value is None:
                    items.pop(key, None)
                else:
                    items[key] = value
        return sorted(items.items())

    async def count_events(self) -> int:
        return await self.inner.count_events()

    async def event_ids(self) -> set[str]:
        return await self.inner.event_ids()

    async def active_silences(self, at: float) -> list[Silence]:
        return await self.inner.active_silences(at)

    async def classification_summaries(self, start: float, end: float) -> list[ClassificationSummary]:
        return await self.inner.classification_summaries(start, end)

    async def query_incidents(self, query: IncidentQuery) -> IncidentPage:
        return await self.inner.query_incidents(query)

    async def incident_history(self, alert_id: str) -> list[dict[str, Any]]:
        return await self.inner.incident_history(alert_id)

    async def ledger_state(self) -> tuple[ChainAnchor, ChainAnchor, list[Checkpoint]]:
        return await self.inner.ledger_state()

    async def ledger_seq_range(self, start_ts: float, end_ts: float) -> tuple[int, int] | None:
        return await self.inner.ledger_seq_range(start_ts, end_ts)

    async def ledger_records(self, *, start_ts: float | None = None, end_ts: float | None = None,
                             after_seq: int = 0, limit: int = 5000) -> list[LedgerRecord]:
        return await self.inner.ledger_records(start_ts=start_ts, end_ts=end_ts, after_seq=after_seq,
                                               limit=limit)

    async def checkpoint(self) -> Checkpoint | None:
        return await self.inner.checkpoint()

    async def purge_expired(self) -> PurgeResult:
        return await self.inner.purge_expired()

    async def ping(self) -> bool:
        return self.healthy and await self.inner.ping()

    async def close(self) -> None:
        """Stop draining (what is left stays on disk for the next start) and close the backend."""
        self._closed = True
        if self._drainer is not None:
            self._drainer.cancel()
            try:
                await self._drainer
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
        self._journal.close()
        await self.inner.close()


def _silence(d: Mapping[str, Any]) -> Silence:
    return Silence(str(d["silence_id"]), tuple((str(k), str(v)) for k, v in d["matchers"]),
                   float(d["starts_at"]), float(d["ends_at"]), str(d["created_by"]), str(d["reason"]),
                   float(d["created_at"]))

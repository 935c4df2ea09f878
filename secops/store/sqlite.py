"""The embedded store: one SQLite file in WAL mode, driven from one dedicated database thread.

Every call runs on that thread (``sqlite3`` via an executor of one worker), so the connection is never
shared between threads and writes are serialized. Batches go in with ``executemany`` in one transaction.
``sqlite3.OperationalError`` (database locked, disk full, I/O error) becomes ``StoreUnavailable``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from secops.clock import Clock
from secops.errors import StoreUnavailable
from secops.model.alert import AlertChange
from secops.model.event import Event
from secops.store import sqlite_incidents as inc
from secops.store import sqlite_ledger as led
from secops.store.config import SqliteStoreSettings
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
from secops.store.sqlite_schema import DDL, PRAGMAS
from secops.telemetry.metrics import Metrics

T = TypeVar("T")
DAY_SECONDS = 86400.0


class SqliteStore:
    """Store protocol on SQLite. Create with ``await SqliteStore.open(settings, clock=...)``."""

    def __init__(self, settings: SqliteStoreSettings, *, clock: Clock, metrics: Metrics | None = None,
                 signer: Signer | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._metrics = metrics
        self.signer = signer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secops-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._ledger: led.LedgerWriter | None = None
        self._closed = False

    @classmethod
    async def open(cls, settings: SqliteStoreSettings, *, clock: Clock, metrics: Metrics | None = None,
                   signer: Signer | None = None) -> SqliteStore:
        store = cls(settings, clock=clock, metrics=metrics, signer=signer)
        try:
            await store._run(store._connect)
        except BaseException:
            store._executor.shutdown(wait=False)
            raise
        return store

    @property
    def sidecar_path(self) -> Path | None:
        if self.settings.path == ":memory:":
            return None
        return Path(self.settings.path + ".checkpoints.jsonl")

    # --- plumbing ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self.settings.path != ":memory:":
            Path(self.settings.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.settings.path, timeout=self.settings.busy_timeout_seconds,
                               isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            conn.execute(pragma)
        conn.executescript(DDL)
        self._conn = conn
        self._ledger = led.LedgerWriter(conn, sidecar=self.sidecar_path, signer=self.signer,
                                        checkpoint_every=self.settings.checkpoint_every_records)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable("store is closed")
        return self._conn

    def _lw(self) -> led.LedgerWriter:
        if self._ledger is None:
            raise StoreUnavailable("store is closed")
        return self._ledger

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreUnavailable("store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.OperationalError as err:
            raise StoreUnavailable(f"sqlite: {err}") from err

    def _tx(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``body`` in one IMMEDIATE transaction; the ledger head follows commit or rollback."""
        conn, lw = self._db(), self._lw()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = body(conn)
            lw.write_head()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            lw.rolled_back()
            raise
        lw.committed(self._clock.now())
        return result

    # --- events ---------------------------------------------------------------------------------------

    async def write_events(self, events: Sequence[Event]) -> None:
        if not events:
            return
        dumps = orjson.dumps
        rows = [(e.id, e.source, e.timestamp, e.received_at, dumps(e.fields)) for e in events]
        await self._run(self._tx, lambda c: c.executemany(
            "INSERT OR IGNORE INTO events (id, source, timestamp, received_at, fields) VALUES (?, ?, ?, ?, ?)",
            rows))

    async def count_events(self) -> int:
        return await self._run(lambda: int(self._db().execute("SELECT COUNT(*) FROM events").fetchone()[0]))

    async def event_ids(self) -> set[str]:
        return await self._run(lambda: {r[0] for r in self._db().execute("SELECT id FROM events")})

    # --- key/value ------------------------------------------------------------------------------------

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        def get() -> bytes | None:
            row = self._db().execute("SELECT value FROM kv WHERE namespace = ? AND key = ?",
                                     (namespace, key)).fetchone()
            return None if row is None else bytes(row[0])
        return await self._run(get)

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        await self._run(self._tx, lambda c: c.execute(
            "INSERT OR REPLACE INTO kv (namespace, key, value) VALUES (?, ?, ?)", (namespace, key, value)))

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self._run(self._tx, lambda c: c.execute(
            "DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key)))

    async def kv_scan(self, namespace: str) -> list[tuple[str, bytes]]:
        def scan() -> list[tuple[str, bytes]]:
            rows = self._db().execute("SELECT key, value FROM kv WHERE namespace = ? ORDER BY key", (namespace,))
            return [(str(k), bytes(v)) for k, v in rows]
        return await self._run(scan)

    # --- ledger ---------------------------------------------------------------------------------------

    async def ledger_append(self, kind: str, payload: Mapping[str, Any]) -> int:
        now = self._clock.now()
        return await self._run(self._tx, lambda c: self._lw().stage(now, kind, payload).seq)

    async def checkpoint(self) -> Checkpoint | None:
        """Record (and sign, with a key) the current head; the daemon calls this on a timer too."""
        now = self._clock.now()
        return await self._run(lambda: self._lw().checkpoint(now))

    async def ledger_state(self) -> tuple[ChainAnchor, ChainAnchor, list[Checkpoint]]:
        """(anchor, head, checkpoints from the table and the sidecar file) for verification."""
        def state() -> tuple[ChainAnchor, ChainAnchor, list[Checkpoint]]:
            conn = self._db()
            cps = {c.seq: c for c in led.checkpoints(conn)}
            side = self.sidecar_path
            for c in led.sidecar_checkpoints(side) if side is not None else []:
                cps.setdefault(c.seq, c)
            return led.anchor(conn), led.head(conn), sorted(cps.values(), key=lambda c: c.seq)
        return await self._run(state)

    async def ledger_seq_range(self, start_ts: float, end_ts: float) -> tuple[int, int] | None:
        """First and last seq of the contiguous slice from the first record at or after ``start_ts`` to
        the last one before ``end_ts``; None when the range holds no record."""
        def rng() -> tuple[int, int] | None:
            conn = self._db()
            first = conn.execute("SELECT MIN(seq) FROM ledger WHERE ts >= ? AND ts < ?",
                                 (start_ts, end_ts)).fetchone()[0]
            last = conn.execute("SELECT MAX(seq) FROM ledger WHERE ts >= ? AND ts < ?",
                                (start_ts, end_ts)).fetchone()[0]
            return None if first is None else (int(first), int(last))
        return await self._run(rng)

    async def ledger_records(self, *, start_ts: float | None = None, end_ts: float | None = None,
                             after_seq: int = 0, limit: int = 5000) -> list[LedgerRecord]:
        """One page of records in seq order; page on with ``after_seq`` = last seq returned."""
        def page() -> list[LedgerRecord]:
            it = led.iter_records(self._db(), start_ts=start_ts, end_ts=end_ts, after_seq=after_seq,
                                  batch=limit)
            out = []
            for rec in it:
                out.append(rec)
                if len(out) >= limit:
                    break
            return out
        return await self._run(page)

    # --- alerts and incidents -------------------------------------------------------------------------

    async def write_alert_changes(self, changes: Sequence[AlertChange]) -> None:
        if not changes:
            return
        now = self._clock.now()
        await self._run(self._tx, lambda c: inc.write_changes(c, self._lw(), changes, now))

    async def record_notification(self, attempt: NotificationAttempt) -> int:
        return await self._run(self._tx, lambda c: inc.record_notification(c, self._lw(), attempt))

    async def record_ack(self, ack: Ack) -> int:
        return await self._run(self._tx, lambda c: inc.record_ack(c, self._lw(), ack))

    async def record_silence(self, silence: Silence) -> int:
        return await self._run(self._tx, lambda c: inc.record_silence(c, self._lw(), silence))

    async def active_silences(self, at: float) -> list[Silence]:
        return await self._run(lambda: inc.active_silences(self._db(), at))

    async def write_classification_summaries(self, summaries: Sequence[ClassificationSummary]) -> None:
        if summaries:
            await self._run(self._tx, lambda c: inc.write_summaries(c, summaries))

    async def classification_summaries(self, start: float, end: float) -> list[ClassificationSummary]:
        return await self._run(lambda: inc.summaries(self._db(), start, end))

    async def query_incidents(self, query: IncidentQuery) -> IncidentPage:
        return await self._run(lambda: inc.query_incidents(self._db(), query))

    async def incident_history(self, alert_id: str) -> list[dict[str, Any]]:
        return await self._run(lambda: inc.history(self._db(), alert_id))

    # --- retention ------------------------------------------------------------------------------------

    async def purge_expired(self) -> PurgeResult:
        """Delete what is older than the retention settings; the chain stays verifiable from the anchor."""
        now = self._clock.now()
        cutoff = now - self.settings.retention_days * DAY_SECONDS
        event_cutoff = now - self.settings.events_retention_days * DAY_SECONDS

        def purge(c: sqlite3.Connection) -> PurgeResult:
            anchor, n_ledger = led.purge_before(c, cutoff)
            n_events = c.execute("DELETE FROM events WHERE received_at < ?", (event_cutoff,)).rowcount
            n_alerts = inc.purge_before(c, cutoff)
            result = PurgeResult(cutoff, n_ledger, n_events, n_alerts, anchor.seq, anchor.hash)
            if n_ledger or n_events or n_alerts:
                self._lw().stage(now, "retention", result.payload())
            return result

        await self._run(lambda: self._lw().checkpoint(now))
        return await self._run(self._tx, purge)

    # --- lifecycle ------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        try:
            await self._run(lambda: self._db().execute("SELECT 1").fetchone())
        except StoreUnavailable:
            return False
        return True

    async def close(self) -> None:
        if self._closed:
            return

        def shut() -> None:
            if self._conn is not None:
                if self._ledger is not None:
                    self._ledger.checkpoint(self._clock.now())
                self._conn.close()
                self._conn = None

        try:
            await self._run(shut)
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)

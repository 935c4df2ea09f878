"""Store outages: writes spool to the journal, drain in order, and the writer blocks when it is full."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from secops.clock import FakeClock
from secops.store.config import SqliteStoreSettings
from secops.store.resilient import ResilientStore
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_store
from secops.telemetry.metrics import Metrics
from tests.store.store_factories import event

BATCH = 100


async def _until(cond: Callable[[], bool | Awaitable[bool]], deadline_seconds: float = 30.0) -> None:
    """Poll ``cond`` until it holds; fail after ``deadline_seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_seconds
    while loop.time() < deadline:
        result = cond()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached before the deadline")


async def _open(tmp_path: Path, clock: FakeClock, metrics: Metrics | None = None,
                max_bytes: int = 64 * 1024 * 1024) -> ResilientStore:
    settings = SqliteStoreSettings(path=str(tmp_path / "r.db"), busy_timeout_seconds=0.01)
    inner = await SqliteStore.open(settings, clock=clock)
    store = ResilientStore(inner, tmp_path / "journal", max_bytes, metrics=metrics,
                           retry_initial_seconds=0.05, retry_max_seconds=0.2)
    await store.start()
    return store


def _lock(path: Path) -> sqlite3.Connection:
    """Another process holding the write lock: the store's writes fail with 'database is locked'."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


async def test_outage_under_load_loses_nothing_keeps_order_and_reports_backlog(tmp_path: Path) -> None:
    clock, metrics = FakeClock(), Metrics()
    store = await _open(tmp_path, clock, metrics)
    produced: list[int] = []
    stop = asyncio.Event()

    async def producer() -> None:
        n = 0
        while not stop.is_set() and n < 200_000:
            batch = [event(n + i) for i in range(BATCH)]
            await store.write_events(batch)
            await store.ledger_append("handover", {"n": n})
            produced.append(n)
            n += BATCH
            await asyncio.sleep(0.01)  # pace: about 10k events/s of steady load

    task = asyncio.create_task(producer(), name="producer")
    await _until(lambda: len(produced) > 20)
    holder = _lock(tmp_path / "r.db")
    outage_started = asyncio.get_running_loop().time()
    await _until(lambda: not store.healthy and store.backlog > 500)
    assert metrics.registry.get_sample_value("secops_store_up") == 0.0
    assert (metrics.registry.get_sample_value("secops_store_backlog") or 0) > 500
    await _until(lambda: asyncio.get_running_loop().time() - outage_started >= 5.0, deadline_seconds=10)
    assert not store.healthy  # still down while the lock is held
    holder.execute("ROLLBACK")
    holder.close()
    await _until(lambda: store.healthy and store.backlog == 0)
    stop.set()
    await task
    assert metrics.registry.get_sample_value("secops_store_up") == 1.0
    assert metrics.registry.get_sample_value("secops_store_backlog") == 0.0
    expected = {f"ev-{n + i:08d}" for n in produced for i in range(BATCH)}
    assert await store.event_ids() == expected
    recs = await store.ledger_records(limit=1_000_000)
    assert [r.payload()["n"] for r in recs] == produced  # order kept across the outage
    assert (await verify_store(store)).ok
    await store.close()


async def test_full_journal_blocks_writer_until_drained(tmp_path: Path) -> None:
    store = await _open(tmp_path, FakeClock(), max_bytes=20_000)
    holder = _lock(tmp_path / "r.db")
    for i in range(0, 200, 20):
        await store.write_events([event(j) for j in range(i, i + 20)])
        if store.journal_bytes >= 20_000:
            break
    blocked = asyncio.create_task(store.write_events([event(10_000)]), name="blocked-writer")
    done, _ = await asyncio.wait({blocked}, timeout=0.5)
    assert not done  # backpressure: the writer waits instead of dropping
    holder.execute("ROLLBACK")
    holder.close()
    await asyncio.wait_for(blocked, timeout=30)
    await _until(lambda: store.healthy)
    assert "ev-00010000" in await store.event_ids()
    await store.close()


async def test_journal_left_by_a_crash_is_replayed_on_start(tmp_path: Path) -> None:
    clock = FakeClock()
    store = await _open(tmp_path, clock)
    holder = _lock(tmp_path / "r.db")
    await store.write_events([event(i) for i in range(50)])
    await store.kv_put("esc", "a1", b"step=2")
    assert await store.kv_get("esc", "a1") == b"step=2"  # read through the spool
    assert store.backlog == 51
    await store.close()  # what is left stays on disk
    holder.execute("ROLLBACK")
    holder.close()
    again = await _open(tmp_path, clock)
    await _until(lambda: again.healthy)
    assert await again.count_events() == 50
    assert await again.kv_get("esc", "a1") == b"step=2"
    await again.close()

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from secops.clock import FakeClock
from secops.errors import StoreUnavailable
from secops.store.config import SqliteStoreSettings
from secops.store.factory import open_store
from secops.store.sqlite import SqliteStore
from secops.telemetry.metrics import Metrics
from tests.store.store_factories import event


async def test_write_events_is_idempotent_by_id(store: SqliteStore) -> None:
    await store.write_events([event(i) for i in range(10)])
    await store.write_events([event(i) for i in range(5, 15)])
    assert await store.count_events() == 15
    assert await store.event_ids() == {f"ev-{i:08d}" for i in range(15)}


async def test_events_keep_fields_as_json(store: SqliteStore, sqlite_settings: SqliteStoreSettings) -> None:
    await store.write_events([event(1)])
    conn = sqlite3.connect(sqlite_settings.path)
    (fields,) = conn.execute("SELECT fields FROM events").fetchone()
    conn.close()
    assert isinstance(fields, bytes)
    assert "用户 张** 登录失败 #1" in fields.decode()


async def test_database_runs_in_wal_mode(store: SqliteStore, sqlite_settings: SqliteStoreSettings) -> None:
    conn = sqlite3.connect(sqlite_settings.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_kv_put_get_scan_delete(store: SqliteStore) -> None:
    await store.kv_put("escalation", "a1", b"step=2")
    await store.kv_put("escalation", "a0", b"step=1")
    await store.kv_put("other", "a0", b"x")
    await store.kv_put("escalation", "a1", b"step=3")
    assert await store.kv_get("escalation", "a1") == b"step=3"
    assert await store.kv_get("escalation", "missing") is None
    assert await store.kv_scan("escalation") == [("a0", b"step=1"), ("a1", b"step=3")]
    await store.kv_delete("escalation", "a0")
    assert await store.kv_scan("escalation") == [("a1", b"step=3")]


async def test_data_survives_reopen(sqlite_settings: SqliteStoreSettings, clock: FakeClock) -> None:
    s = await SqliteStore.open(sqlite_settings, clock=clock)
    await s.write_events([event(1)])
    await s.kv_put("n", "k", b"v")
    await s.close()
    s2 = await SqliteStore.open(sqlite_settings, clock=clock)
    assert await s2.count_events() == 1
    assert await s2.kv_get("n", "k") == b"v"
    await s2.close()


async def test_locked_database_raises_store_unavailable(tmp_path: Path, clock: FakeClock) -> None:
    settings = SqliteStoreSettings(path=str(tmp_path / "s.db"), busy_timeout_seconds=0.0)
    s = await SqliteStore.open(settings, clock=clock)
    other = sqlite3.connect(settings.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable, match="locked"):
            await s.write_events([event(1)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    await s.write_events([event(1)])
    assert await s.count_events() == 1
    await s.close()


async def test_closed_store_refuses_calls_and_ping_is_false(store: SqliteStore) -> None:
    assert await store.ping() is True
    await store.close()
    assert await store.ping() is False
    with pytest.raises(StoreUnavailable):
        await store.write_events([event(1)])


async def test_open_store_factory_builds_sqlite_and_sets_store_up(tmp_path: Path, clock: FakeClock) -> None:
    metrics = Metrics()
    s = await open_store(SqliteStoreSettings(path=str(tmp_path / "f.db")), clock=clock, metrics=metrics)
    await s.write_events([event(1)])
    assert await s.count_events() == 1
    assert metrics.registry.get_sample_value("secops_store_up") == 1.0
    await s.close()

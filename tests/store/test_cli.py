"""run_export / run_verify as the `secops export` and `secops verify` commands call them."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from secops.clock import SystemClock
from secops.store.cli import run_export, run_verify
from secops.store.config import SqliteStoreSettings
from secops.store.sqlite import SqliteStore
from tests.store.store_factories import fired


def _seed(settings: SqliteStoreSettings) -> None:
    async def seed() -> None:
        s = await SqliteStore.open(settings, clock=SystemClock())
        await s.write_alert_changes([fired(i) for i in range(30)])
        await s.close()
    asyncio.run(seed())


@pytest.fixture
def settings(tmp_path: Path) -> SqliteStoreSettings:
    s = SqliteStoreSettings(path=str(tmp_path / "c.db"))
    _seed(s)
    return s


def test_export_then_verify_bundle_and_store(settings: SqliteStoreSettings, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bundle"
    assert run_export(settings, start="2000-01-01", end="2100-01-01", fmt="jsonl", out_dir=out, progress=True) == 0
    assert "exported 30 records (seq 1..30)" in capsys.readouterr().out
    assert run_verify(out, settings=settings, store=True) == 0
    text = capsys.readouterr().out
    assert "OK: bundle verified, 30 records" in text
    assert "ledger: OK: 31 records verified" in text


def test_verify_store_prints_first_bad_seq(settings: SqliteStoreSettings,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(settings.path, isolation_level=None)
    conn.execute("DELETE FROM ledger WHERE seq = 17")
    conn.close()
    assert run_verify(None, settings=settings, store=True) == 1
    assert "FAILED at seq 17" in capsys.readouterr().out


def test_export_bad_time_is_an_error_not_a_crash(settings: SqliteStoreSettings, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export(settings, start="last week", end="2100-01-01", fmt="csv", out_dir=tmp_path / "o",
                      progress=False) == 1
    assert "error: invalid time 'last week'" in capsys.readouterr().err


def test_verify_needs_a_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_verify(None, settings=None, store=False) == 1
    assert "--store" in capsys.readouterr().err

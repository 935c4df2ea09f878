"""Shared fixtures for store tests: a real SQLite store in a temporary directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from secops.clock import FakeClock
from secops.store.config import SqliteStoreSettings
from secops.store.sqlite import SqliteStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> SqliteStoreSettings:
    return SqliteStoreSettings(path=str(tmp_path / "secops.db"), checkpoint_every_records=50)


@pytest.fixture
async def store(sqlite_settings: SqliteStoreSettings, clock: FakeClock) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(sqlite_settings, clock=clock)
    yield s
    await s.close()

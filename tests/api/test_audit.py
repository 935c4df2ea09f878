"""GET /api/v1/audit/export: auditor only, streams a tar bundle that verifies, and is ledgered."""

from __future__ import annotations

import csv
import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from secops.api import audit
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.clock import FakeClock
from secops.store.config import SqliteStoreSettings
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_bundle, verify_store
from secops.telemetry.metrics import Metrics

TOKENS = {"operator": "sct_op", "auditor": "sct_au"}


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, SqliteStore]]:
    clock = FakeClock()
    store = await SqliteStore.open(SqliteStoreSettings(path=str(tmp_path / "s.db")), clock=clock)
    for i in range(25):
        clock.advance(60)
        await store.ledger_append("ack", {"alert_id": f"a{i}", "principal": "值班员", "summary": f"处置完成{i}"})
    tokens = TokenBook([TokenEntry(f"{role}-desk", hash_token(tok), (role,)) for role, tok in TOKENS.items()])
    app = build_app(state={"metrics": Metrics(), "store": store, "clock": clock}, tokens=tokens,
                    extra_routes=audit.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c, store
    await store.close()


def _auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("operator", 403), ("auditor", 200)])
async def test_export_roles(env: tuple[httpx.AsyncClient, SqliteStore], role: str | None, status: int) -> None:
    client, _ = env
    r = await client.get("/api/v1/audit/export", params={"from": "2026-01-01", "to": "2026-01-02"},
                         headers=_auth(role) if role else {})
    assert r.status_code == status


async def test_export_streams_tar_bundle_that_verifies_and_is_ledgered(
        env: tuple[httpx.AsyncClient, SqliteStore], tmp_path: Path) -> None:
    client, store = env
    r = await client.get("/api/v1/audit/export", params={"from": "2026-01-01", "to": "2026-01-02",
                                                         "format": "csv"}, headers=_auth("auditor"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(r.content)) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    (bundle,) = list((tmp_path / "x").iterdir())
    report = verify_bundle(bundle)
    assert report.ok, str(report)
    assert report.records == 25
    with (bundle / "incidents.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[3]["summary"] == "处置完成3"
    last = (await store.ledger_records(after_seq=25))[-1]
    assert last.kind == "export"
    assert last.payload()["principal"] == "auditor-desk"
    assert (await verify_store(store)).ok


@pytest.mark.parametrize(("params", "needle"), [
    ({"from": "2026-01-01"}, "required"),
    ({"from": "2026-01-01", "to": "2026-01-02", "format": "xlsx"}, "format"),
    ({"from": "2026-01-02", "to": "2026-01-01"}, "must be after"),
])
async def test_export_bad_parameters_are_400(env: tuple[httpx.AsyncClient, SqliteStore],
                                             params: dict[str, str], needle: str) -> None:
    client, _ = env
    r = await client.get("/api/v1/audit/export", params=params, headers=_auth("auditor"))
    assert r.status_code == 400
    assert needle in r.json()["error"]

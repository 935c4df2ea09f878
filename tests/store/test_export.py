"""Auditor export: bundle contents, 100k incidents round trip, Excel-friendly CSV, signing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secops.clock import FakeClock
from secops.errors import SecopsError
from secops.store.config import SqliteStoreSettings
from secops.store.export import export_bundle
from secops.store.ledger import Signer
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_bundle
from tests.store.store_factories import fired

T0 = 1_767_225_600.0


async def test_export_100k_incidents_verifies_and_csv_keeps_chinese(
        store: SqliteStore, clock: FakeClock, tmp_path: Path) -> None:
    await store.write_alert_changes([fired(i) for i in range(100_000)])
    calls: list[tuple[int, int]] = []
    clock.advance(10)
    result = await export_bundle(store, start=T0 - 1, end=clock.now(), fmt="csv", out_dir=tmp_path / "b",
                                 clock=clock, progress=lambda done, total: calls.append((done, total)))
    assert result.records == 100_000
    assert calls[-1] == (100_000, 100_000)
    report = verify_bundle(tmp_path / "b")
    assert report.ok, str(report)
    assert report.records == 100_000
    raw = (tmp_path / "b" / "incidents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "b" / "incidents.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 100_000
    assert rows[0]["seq"] == "1"
    assert rows[99_999]["summary"] == "检测到居民身份证号 4601**********123X 外发（第99999次）"
    assert rows[5]["data_grade"] in {"L2", "L3", "L4", "IMP"}
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["records"] == 100_000
    assert manifest["chain"]["first_seq"] == 1
    assert manifest["chain"]["last_seq"] == 100_000
    # the export is itself in the ledger
    last = (await store.ledger_records(after_seq=100_000))[-1]
    assert last.kind == "export"
    assert last.payload()["records"] == 100_000


async def test_export_jsonl_range_is_a_slice_of_the_chain(store: SqliteStore, clock: FakeClock,
                                                         tmp_path: Path) -> None:
    for i in range(30):
        clock.advance(60)
        await store.write_alert_changes([fired(i)])
    start, end = T0 + 60 * 10, T0 + 60 * 20  # records 10..19 (ts at minutes 10..19)
    result = await export_bundle(store, start=start, end=end, fmt="jsonl", out_dir=tmp_path / "j", clock=clock)
    assert result.manifest["chain"]["first_seq"] == 10
    assert result.manifest["chain"]["last_seq"] == 19
    lines = (tmp_path / "j" / "incidents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    assert json.loads(lines[0])["kind"] == "alert"
    assert verify_bundle(tmp_path / "j").ok


async def test_export_of_empty_range_verifies(store: SqliteStore, clock: FakeClock, tmp_path: Path) -> None:
    result = await export_bundle(store, start=T0, end=T0 + 1, fmt="csv", out_dir=tmp_path / "e", clock=clock)
    assert result.records == 0
    assert verify_bundle(tmp_path / "e").ok


async def test_export_refuses_bad_format_range_and_existing_bundle(store: SqliteStore, clock: FakeClock,
                                                                   tmp_path: Path) -> None:
    with pytest.raises(SecopsError, match="unknown export format 'xlsx'"):
        await export_bundle(store, start=T0, end=T0 + 1, fmt="xlsx", out_dir=tmp_path / "x", clock=clock)
    with pytest.raises(SecopsError, match="must be after"):
        await export_bundle(store, start=T0, end=T0, fmt="csv", out_dir=tmp_path / "x", clock=clock)
    await export_bundle(store, start=T0, end=T0 + 1, fmt="csv", out_dir=tmp_path / "x", clock=clock)
    with pytest.raises(SecopsError, match="already holds a bundle"):
        await export_bundle(store, start=T0, end=T0 + 1, fmt="csv", out_dir=tmp_path / "x", clock=clock)


async def test_signed_manifest_verifies_only_with_its_key(tmp_path: Path, clock: FakeClock) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    s = await SqliteStore.open(SqliteStoreSettings(path=str(tmp_path / "s.db")), clock=clock, signer=signer)
    await s.write_alert_changes([fired(i) for i in range(5)])
    clock.advance(10)
    result = await export_bundle(s, start=T0 - 1, end=clock.now(), fmt="csv", out_dir=tmp_path / "b",
                                 clock=clock)
    await s.close()
    assert result.manifest["signature"]["public_key"] == signer.public_hex
    assert verify_bundle(tmp_path / "b", public_key=signer.public_hex).ok
    other = Signer(Ed25519PrivateKey.generate())
    report = verify_bundle(tmp_path / "b", public_key=other.public_hex)
    assert not report.ok
    assert "different key" in str(report)

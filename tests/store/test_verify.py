"""Bundle tamper tests: a changed cell, a removed line, swapped lines, an edited manifest all fail."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from secops.clock import FakeClock
from secops.store.export import export_bundle
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_bundle
from tests.store.store_factories import fired

T0 = 1_767_225_600.0


async def _bundle(store: SqliteStore, clock: FakeClock, out: Path, fmt: str) -> Path:
    await store.write_alert_changes([fired(i) for i in range(40)])
    clock.advance(10)
    await export_bundle(store, start=T0 - 1, end=clock.now(), fmt=fmt, out_dir=out, clock=clock)
    return out


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_untouched_bundle_verifies(store: SqliteStore, clock: FakeClock, tmp_path: Path, fmt: str) -> None:
    b = await _bundle(store, clock, tmp_path / "b", fmt)
    report = verify_bundle(b)
    assert report.ok, str(report)
    assert report.records == 40


async def test_changed_csv_cell_names_its_seq(store: SqliteStore, clock: FakeClock, tmp_path: Path) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "csv")
    lines = _lines(b / "incidents.csv")
    lines[13] = lines[13].replace("第12次".encode(), "第21次".encode(), 1)  # line 14 = seq 13 (header first)
    (b / "incidents.csv").write_bytes(b"".join(lines))
    report = verify_bundle(b)
    assert not report.ok
    assert report.first_bad_seq == 13
    assert "incidents.csv: SHA-256 differs" in str(report)


@pytest.mark.parametrize("column", [2, 4, 10, 11])  # kind, rule_id, body, hash
async def test_changed_byte_in_any_column_names_its_seq(store: SqliteStore, clock: FakeClock, tmp_path: Path,
                                                        column: int) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "csv")
    text = (b / "incidents.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cell = rows[20][column]
    rows[20][column] = cell[:-3] + ("x" if cell[-3] != "x" else "y") + cell[-2:]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    (b / "incidents.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    report = verify_bundle(b)
    assert (report.ok, report.first_bad_seq) == (False, 20)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_removed_line_names_missing_seq(store: SqliteStore, clock: FakeClock, tmp_path: Path,
                                              fmt: str) -> None:
    b = await _bundle(store, clock, tmp_path / "b", fmt)
    name = f"incidents.{fmt}"
    lines = _lines(b / name)
    offset = 1 if fmt == "csv" else 0  # the CSV header
    del lines[7 - 1 + offset]  # seq 7
    (b / name).write_bytes(b"".join(lines))
    report = verify_bundle(b)
    assert (report.ok, report.first_bad_seq) == (False, 7)


async def test_swapped_lines_name_first_swapped_seq(store: SqliteStore, clock: FakeClock, tmp_path: Path) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "jsonl")
    lines = _lines(b / "incidents.jsonl")
    lines[4], lines[9] = lines[9], lines[4]  # seq 5 and 10
    (b / "incidents.jsonl").write_bytes(b"".join(lines))
    report = verify_bundle(b)
    assert (report.ok, report.first_bad_seq) == (False, 5)


async def test_truncated_data_file_names_first_missing_seq(store: SqliteStore, clock: FakeClock,
                                                           tmp_path: Path) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "jsonl")
    lines = _lines(b / "incidents.jsonl")
    (b / "incidents.jsonl").write_bytes(b"".join(lines[:30]))
    report = verify_bundle(b)
    assert (report.ok, report.first_bad_seq) == (False, 31)


@pytest.mark.parametrize(("path", "value"), [
    (("counts", "records"), 39),
    (("range", "from"), "2025-01-01T00:00:00.000000Z"),
    (("created_at",), "2020-01-01T00:00:00.000000Z"),
])
async def test_edited_manifest_fails(store: SqliteStore, clock: FakeClock, tmp_path: Path,
                                     path: tuple[str, ...], value: object) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "csv")
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (b / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    report = verify_bundle(b)
    assert not report.ok
    assert "manifest" in str(report)


async def test_edited_manifest_chain_end_names_seq(store: SqliteStore, clock: FakeClock, tmp_path: Path) -> None:
    b = await _bundle(store, clock, tmp_path / "b", "csv")
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    manifest["chain"]["last_seq"] = 45
    (b / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_bundle(b)
    assert (report.ok, report.first_bad_seq) == (False, 41)


def test_missing_manifest_is_reported(tmp_path: Path) -> None:
    report = verify_bundle(tmp_path)
    assert not report.ok
    assert "unreadable manifest" in str(report)

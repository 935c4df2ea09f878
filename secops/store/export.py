"""Auditor export: a bundle of the ledger records in a time range plus a manifest that proves them.

The records exported are the contiguous seq slice from the first record at or after ``start`` to the last
one before ``end``. The data file is written as it is read (a page at a time), hashed on the fly, and the
export itself is written to the ledger afterwards (kind ``export``, with the manifest's SHA-256).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import secops
from secops.clock import Clock
from secops.errors import SecopsError
from secops.store.base import AuditStore, LedgerStore
from secops.store.bundle import (
    CSV_HEADER,
    DATA_FILES,
    FORMAT_VERSION,
    MANIFEST,
    csv_row,
    iso_utc,
    jsonl_line,
    manifest_message,
)
from secops.store.codec import dumps
from secops.store.ledger import LedgerKind, LedgerRecord, Signer

Progress = Callable[[int, int], None]  # (records written, records in range)
PAGE = 5000


class ExportStore(AuditStore, LedgerStore, Protocol):
    """What the exporter needs of a store."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    out_dir: Path
    manifest: dict[str, Any]
    records: int
    ledger_seq: int  # seq of the ``export`` ledger record


class _HashingWriter:
    """Counts and hashes the bytes written to a binary file."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._f.write(data)
        self.sha.update(data)
        self.size += len(data)


def _csv_chunk(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _write_page(out: _HashingWriter, fmt: str, page: list[LedgerRecord]) -> None:
    if fmt == "csv":
        out.write(_csv_chunk([csv_row(r) for r in page]))
    else:
        out.write(b"".join(jsonl_line(r) for r in page))


async def _write_data(store: ExportStore, fmt: str, path: Path, seqs: tuple[int, int] | None,
                      progress: Progress | None) -> tuple[_HashingWriter, list[LedgerRecord], Counter[str]]:
    """Write the data file; return the writer, [first, last] records and counts by kind."""
    ends: list[LedgerRecord] = []
    kinds: Counter[str] = Counter()
    with path.open("wb") as f:
        out = _HashingWriter(f)
        if fmt == "csv":
            out.write(b"\xef\xbb\xbf" + _csv_chunk([CSV_HEADER]))  # BOM: Excel reads the file as UTF-8
        if seqs is None:
            return out, ends, kinds
        first, last = seqs
        total, after = last - first + 1, first - 1
        while after < last:
            page = [r for r in await store.ledger_records(after_seq=after, limit=PAGE) if r.seq <= last]
            if not page:
                break
            await asyncio.to_thread(_write_page, out, fmt, page)
            kinds.update(r.kind for r in page)
            ends = [ends[0] if ends else page[0], page[-1]]
            after = page[-1].seq
            if progress is not None:
                progress(after - first + 1, total)
    return out, ends, kinds


def _prepare_dir(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    if (out_dir / MANIFEST).exists():
        raise SecopsError(f"{out_dir} already holds a bundle; choose an empty directory")


def _chain(ends: list[LedgerRecord], checkpoints: list[dict[str, Any]]) -> dict[str, Any]:
    if not ends:
        return {"first_seq": None, "last_seq": None, "prev_hash": None, "first_hash": None, "last_hash": None,
                "checkpoints": []}
    first, last = ends
    return {"first_seq": first.seq, "last_seq": last.seq, "prev_hash": first.prev, "first_hash": first.hash,
            "last_hash": last.hash, "checkpoints": checkpoints}


async def export_bundle(store: ExportStore, *, start: float, end: float, fmt: str, out_dir: Path,
                        clock: Clock, principal: str = "cli", progress: Progress | None = None) -> ExportResult:
    """Write ``out_dir/incidents.<fmt>`` and ``out_dir/manifest.json``; ledger the export."""
    if fmt not in DATA_FILES:
        raise SecopsError(f"unknown export format {fmt!r}; valid formats: csv, jsonl")
    if end <= start:
        raise SecopsError(f"empty export range: --to ({iso_utc(end)}) must be after --from ({iso_utc(start)})")
    await asyncio.to_thread(_prepare_dir, out_dir)
    await store.checkpoint()
    seqs = await store.ledger_seq_range(start, end)
    name = DATA_FILES[fmt]
    out, ends, kinds = await _write_data(store, fmt, out_dir / name, seqs, progress)
    _, _, cps = await store.ledger_state()
    covered = [] if seqs is None else [
        {"seq": c.seq, "hash": c.hash, "ts": c.ts, "signature": c.signature}
        for c in cps if seqs[0] <= c.seq <= seqs[1]]
    records = sum(kinds.values())
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generator": f"secops {secops.__version__}",
        "created_at": iso_utc(clock.now()),
        "range": {"from": iso_utc(start), "to": iso_utc(end), "from_ts": start, "to_ts": end},
        "format": fmt,
        "files": [{"name": name, "sha256": out.sha.hexdigest(), "bytes": out.size, "records": records}],
        "counts": {"records": records, "by_kind": dict(sorted(kinds.items()))},
        "chain": _chain(ends, covered),
    }
    manifest = sign_manifest(manifest, store.signer)
    text = dumps(manifest)
    await asyncio.to_thread((out_dir / MANIFEST).write_bytes, text + b"\n")
    seq = await store.ledger_append(LedgerKind.EXPORT, {
        "principal": principal, "format": fmt, "from": start, "to": end, "records": records,
        "first_seq": manifest["chain"]["first_seq"], "last_seq": manifest["chain"]["last_seq"],
        "manifest_sha256": hashlib.sha256(text + b"\n").hexdigest()})
    return ExportResult(out_dir, manifest, records, seq)


def sign_manifest(manifest: dict[str, Any], signer: Signer | None) -> dict[str, Any]:
    """Add ``digest`` (SHA-256, catches accidental edits) and, with a key, an Ed25519 ``signature``."""
    message = manifest_message(manifest)
    out = dict(manifest)
    out["digest"] = hashlib.sha256(message).hexdigest()
    if signer is not None:
        out["signature"] = {"algorithm": "ed25519", "public_key": signer.public_hex,
                            "value": signer.sign(message)}
    return out

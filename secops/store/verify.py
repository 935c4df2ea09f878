"""Verify the live ledger or an exported bundle; a failure names the first bad seq.

Without a signing key, a bundle's manifest carries a SHA-256 ``digest`` of itself: it catches an edited
manifest, but someone who rewrites the whole bundle can recompute it. With a key configured, the manifest
and the checkpoints are Ed25519-signed and the verifier checks them against the configured public key.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secops.store.base import AuditStore
from secops.store.bundle import (
    CSV_HEADER,
    DATA_FILES,
    MANIFEST,
    csv_row,
    jsonl_line,
    manifest_message,
    record_from_body,
)
from secops.store.codec import loads
from secops.store.ledger import (
    ChainAnchor,
    ChainVerifier,
    Checkpoint,
    LedgerRecord,
    VerifyReport,
    bad_checkpoint_signatures,
    verify_signature,
)

PAGE = 5000


async def verify_store(store: AuditStore) -> VerifyReport:
    """Walk the live ledger from its anchor against its head and every checkpoint."""
    anchor, head, cps = await store.ledger_state()
    if store.signer is not None:
        bad = bad_checkpoint_signatures([c for c in cps if c.seq > anchor.seq], store.signer.public_hex)
        if bad:
            return VerifyReport(False, 0, bad[0], "checkpoint signature does not verify with the configured key")
    v = ChainVerifier(anchor=anchor, checkpoints=[c for c in cps if c.seq > anchor.seq])
    after = anchor.seq
    while True:
        page = await store.ledger_records(after_seq=after, limit=PAGE)
        for rec in page:
            failed = v.feed(rec)
            if failed is not None:
                return failed
        if len(page) < PAGE:
            break
        after = page[-1].seq
    return v.finish(head)


@dataclass(slots=True)
class BundleReport:
    records: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"OK: bundle verified, {self.records} records"
        where = f"first bad seq {self.first_bad_seq}: " if self.first_bad_seq is not None else ""
        return "FAILED: " + where + "; ".join(self.problems)


def _rows(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed row) of the data file, header excluded."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header != CSV_HEADER:
                yield 1, None
            for row in reader:
                yield reader.line_num, row
        return
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            try:
                yield n, loads(line)
            except ValueError:
                yield n, None


_BODY, _HASH = CSV_HEADER.index("body"), CSV_HEADER.index("hash")


def _row_record(fmt: str, row: Any) -> tuple[LedgerRecord, dict[str, Any]] | None:
    """The ledger record a row carries (and its parsed body), if every readable column matches it."""
    try:
        if fmt == "csv":
            rec, body = record_from_body(row[_BODY], row[_HASH])
            return (rec, body) if csv_row(rec, body) == row else None
        rec, body = record_from_body(row["body"], row["hash"])
        return (rec, body) if loads(jsonl_line(rec, body)) == row else None
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _check_rows(bundle: Path, fmt: str, chain: dict[str, Any], report: BundleReport) -> None:
    first = chain.get("first_seq")
    anchor = ChainAnchor(int(first) - 1, str(chain["prev_hash"])) if first is not None else ChainAnchor()
    cps = [Checkpoint(int(c["seq"]), str(c["hash"]), float(c["ts"]), str(c["signature"]))
           for c in chain.get("checkpoints", [])]
    v = ChainVerifier(anchor=anchor, checkpoints=cps)
    for line, row in _rows(bundle / DATA_FILES[fmt], fmt):
        found = _row_record(fmt, row) if row is not None else None
        if found is None:
            report.first_bad_seq = v.expect
            report.problems.append(f"line {line}: row does not match its ledger record (altered cell or line)")
            return
        failed = v.feed(*found)
        if failed is not None:
            report.first_bad_seq = failed.first_bad_seq
            report.problems.append(f"line {line}: {failed.problem}")
            return
        report.records += 1
    last = chain.get("last_seq")
    head = ChainAnchor(int(last), str(chain["last_hash"])) if last is not None else None
    end = v.finish(head)
    if not end.ok:
        report.first_bad_seq = end.first_bad_seq
        report.problems.append(end.problem)


def _check_manifest(bundle: Path, manifest: dict[str, Any], public_key: str | None,
                    report: BundleReport) -> None:
    message = manifest_message(manifest)
    if manifest.get("digest") != hashlib.sha256(message).hexdigest():
        report.problems.append("manifest: digest does not match its content (manifest edited)")
    sig = manifest.get("signature")
    if public_key is not None and not isinstance(sig, dict):
        report.problems.append("manifest: not signed, but a signing key is configured")
    if isinstance(sig, dict):
        key = public_key or str(sig.get("public_key", ""))
        if public_key is not None and sig.get("public_key") != public_key:
            report.problems.append("manifest: signed with a different key than the one configured")
        if not verify_signature(key, message, str(sig.get("value", ""))):
            report.problems.append("manifest: signature does not verify")
    for f in manifest.get("files", []):
        path = bundle / str(f["name"])
        if not path.is_file():
            report.problems.append(f"{f['name']}: missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != f["sha256"] or len(data) != f["bytes"]:
            report.problems.append(f"{f['name']}: SHA-256 differs from the manifest")


def verify_bundle(bundle: Path, *, public_key: str | None = None) -> BundleReport:
    """Check the manifest (digest, signature, file hashes) and every row and chain link of the data file."""
    report = BundleReport()
    try:
        manifest = loads((bundle / MANIFEST).read_bytes())
        fmt, chain = str(manifest["format"]), dict(manifest["chain"])
        expected = int(manifest["counts"]["records"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        report.problems.append(f"{bundle / MANIFEST}: unreadable manifest: {err}")
        return report
    if fmt not in DATA_FILES:
        report.problems.append(f"manifest: unknown format {fmt!r}")
        return report
    _check_rows(bundle, fmt, chain, report)
    if report.ok and report.records != expected:
        report.problems.append(f"manifest: counts {expected} records, the data file holds {report.records}")
    _check_manifest(bundle, manifest, public_key, report)
    return report


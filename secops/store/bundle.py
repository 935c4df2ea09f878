"""The auditor bundle's file formats, shared by the exporter and the verifier.

A bundle is a directory with one data file (``incidents.csv`` or ``incidents.jsonl``) and ``manifest.json``.
Each data row is one ledger record: readable columns derived from the record, the record's canonical JSON
``body`` (the bytes that were hashed) and its ``hash``. The verifier recomputes every readable column
from ``body``, so a changed cell anywhere in a row names that row's seq.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from secops.store.codec import dumps, loads
from secops.store.ledger import LedgerRecord

MANIFEST = "manifest.json"
DATA_FILES = {"csv": "incidents.csv", "jsonl": "incidents.jsonl"}
FORMAT_VERSION = 1
CSV_HEADER = ["seq", "time_utc", "kind", "alert_id", "rule_id", "severity", "data_grade", "state", "actor",
              "summary", "body", "hash"]


def iso_utc(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_time(text: str) -> float:
    """ISO 8601 (a date, or a date and time; no zone means UTC) or epoch seconds -> epoch seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError(f"invalid time {text!r}: expected ISO 8601 (2026-01-31 or "
                         "2026-01-31T08:00:00+08:00) or epoch seconds") from err
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _state(kind: str, p: dict[str, Any]) -> str:
    if kind == "alert":
        return str(p.get("change", ""))
    if kind == "notification":
        return str(p.get("outcome", ""))
    return ""


def _actor(p: dict[str, Any]) -> str:
    for key in ("principal", "created_by", "channel"):
        if key in p:
            return str(p[key])
    return ""


def readable(rec: LedgerRecord, body: dict[str, Any] | None = None) -> list[str]:
    """The derived columns of one record (everything but ``body`` and ``hash``)."""
    p = (body if body is not None else loads(rec.body)).get("payload", {})
    if not isinstance(p, dict):
        p = {}
    return [str(rec.seq), iso_utc(rec.ts), rec.kind, str(p.get("alert_id", "")), str(p.get("rule_id", "")),
            str(p.get("severity", "")), str(p.get("data_grade", "")), _state(rec.kind, p), _actor(p),
            str(p.get("summary", p.get("reason", "")))]


def csv_row(rec: LedgerRecord, body: dict[str, Any] | None = None) -> list[str]:
    return [*readable(rec, body), rec.body.decode(), rec.hash]


def jsonl_line(rec: LedgerRecord, body: dict[str, Any] | None = None) -> bytes:
    cols = dict(zip(CSV_HEADER, readable(rec, body), strict=False))
    cols["seq"] = rec.seq  # type: ignore[assignment]
    cols["body"] = rec.body.decode()
    cols["hash"] = rec.hash
    return dumps(cols) + b"\n"


def record_from_body(body: str, hash_: str) -> tuple[LedgerRecord, dict[str, Any]]:
    """Rebuild a record (and its parsed body) from a bundle row; ValueError when it is not a record."""
    raw = body.encode()
    d = loads(raw)
    if not isinstance(d, dict):
        raise ValueError("body is not a JSON object")
    return LedgerRecord(int(d["seq"]), float(d["ts"]), str(d["kind"]), raw, hash_), d


def manifest_message(manifest: dict[str, Any]) -> bytes:
    """The signed (and digested) bytes: the manifest without its ``signature`` and ``digest``."""
    return dumps({k: v for k, v in manifest.items() if k not in ("signature", "digest")})

"""Ledger operations on an open SQLite connection; run on the store's one database thread.

The head (last seq and hash) lives in ``meta`` and changes in the same transaction as the records, so a
deleted tail shows up against it. Checkpoints go to the ``checkpoints`` table and to a sidecar file next to
the database (``<db>.checkpoints.jsonl``), signed when a key is configured.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from secops.store.codec import dumps, loads
from secops.store.ledger import (
    GENESIS,
    ChainAnchor,
    Checkpoint,
    LedgerRecord,
    Signer,
    check_kind,
    make_record,
)

_HEAD = "ledger_head"
_ANCHOR = "ledger_anchor"


def _read_anchor(conn: sqlite3.Connection, key: str) -> ChainAnchor | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    d = loads(row[0])
    return ChainAnchor(int(d["seq"]), str(d["hash"]))


def _write_anchor(conn: sqlite3.Connection, key: str, anchor: ChainAnchor) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                 (key, dumps({"seq": anchor.seq, "hash": anchor.hash}).decode()))


class LedgerWriter:
    """Stages records inside the caller's transaction; ``committed``/``rolled_back`` settle the head."""

    def __init__(self, conn: sqlite3.Connection, *, sidecar: Path | None, signer: Signer | None,
                 checkpoint_every: int) -> None:
        self._conn = conn
        self._sidecar = sidecar
        self._signer = signer
        self._every = checkpoint_every
        self.head = _read_anchor(conn, _HEAD) or ChainAnchor(0, GENESIS)
        self._staged = self.head
        self._since_checkpoint = 0

    @property
    def next_seq(self) -> int:
        return self._staged.seq + 1

    def stage(self, ts: float, kind: str, payload: Mapping[str, Any]) -> LedgerRecord:
        rec = make_record(self._staged.seq + 1, ts, check_kind(kind), payload, self._staged.hash)
        self._conn.execute("INSERT INTO ledger (seq, ts, kind, body, hash) VALUES (?, ?, ?, ?, ?)",
                           (rec.seq, rec.ts, rec.kind, rec.body, rec.hash))
        self._staged = ChainAnchor(rec.seq, rec.hash)
        return rec

    def stage_many(self, ts: float, kind: str, payloads: list[Mapping[str, Any]]) -> list[LedgerRecord]:
        """Stage several records of one kind in one ``executemany``."""
        check_kind(kind)
        prev, seq, records = self._staged.hash, self._staged.seq, []
        for payload in payloads:
            seq += 1
            rec = make_record(seq, ts, kind, payload, prev)
            records.append(rec)
            prev = rec.hash
        self._conn.executemany("INSERT INTO ledger (seq, ts, kind, body, hash) VALUES (?, ?, ?, ?, ?)",
                               [(r.seq, r.ts, r.kind, r.body, r.hash) for r in records])
        if records:
            self._staged = ChainAnchor(records[-1].seq, records[-1].hash)
        return records

    def write_head(self) -> None:
        """Call inside the transaction after the last ``stage``."""
        if self._staged != self.head:
            _write_anchor(self._conn, _HEAD, self._staged)

    def committed(self, now: float) -> None:
        self._since_checkpoint += self._staged.seq - self.head.seq
        self.head = self._staged
        if self._since_checkpoint >= self._every:
            self.checkpoint(now)

    def rolled_back(self) -> None:
        self._staged = self.head

    def checkpoint(self, now: float) -> Checkpoint | None:
        """Record (and sign) the current head; None when the ledger is empty or already checkpointed."""
        self._since_checkpoint = 0
        head = self.head
        if head.seq == 0:
            return None
        if self._signer is not None:
            cp = self._signer.sign_checkpoint(head.seq, head.hash, now)
        else:
            cp = Checkpoint(head.seq, head.hash, now)
        # autocommit: never called inside an open transaction
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO checkpoints (seq, hash, ts, signature) VALUES (?, ?, ?, ?)",
            (cp.seq, cp.hash, cp.ts, cp.signature))
        if cur.rowcount == 0:
            return None
        if self._sidecar is not None:
            line = dumps({"seq": cp.seq, "hash": cp.hash, "ts": cp.ts, "signature": cp.signature}) + b"\n"
            with self._sidecar.open("ab") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        return cp


def anchor(conn: sqlite3.Connection) -> ChainAnchor:
    """The record before the oldest one kept (retention purges move it forward)."""
    return _read_anchor(conn, _ANCHOR) or ChainAnchor(0, GENESIS)


def head(conn: sqlite3.Connection) -> ChainAnchor:
    return _read_anchor(conn, _HEAD) or ChainAnchor(0, GENESIS)


def iter_records(conn: sqlite3.Connection, *, start_ts: float | None = None, end_ts: float | None = None,
                 after_seq: int = 0, batch: int = 5000) -> Iterator[LedgerRecord]:
    """Records in seq order (optionally with ``start_ts <= ts < end_ts``), fetched in batches."""
    where, args = ["seq > ?"], []
    if start_ts is not None:
        where.append("ts >= ?")
        args.append(start_ts)
    if end_ts is not None:
        where.append("ts < ?")
        args.append(end_ts)
    sql = f"SELECT seq, ts, kind, body, hash FROM ledger WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?"
    last = after_seq
    while True:
        rows = conn.execute(sql, (last, *args, batch)).fetchall()
        for seq, ts, kind, body, hash_ in rows:
            yield LedgerRecord(int(seq), float(ts), str(kind), bytes(body), str(hash_))
        if len(rows) < batch:
            return
        last = int(rows[-1][0])


def checkpoints(conn: sqlite3.Connection) -> list[Checkpoint]:
    rows = conn.execute("SELECT seq, hash, ts, signature FROM checkpoints ORDER BY seq").fetchall()
    return [Checkpoint(int(s), str(h), float(t), str(sig)) for s, h, t, sig in rows]


def sidecar_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from the sidecar file; a torn last line (crash mid-write) is ignored."""
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        try:
            d = loads(line)
            out.append(Checkpoint(int(d["seq"]), str(d["hash"]), float(d["ts"]), str(d["signature"])))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def purge_before(conn: sqlite3.Connection, cutoff_ts: float) -> tuple[ChainAnchor, int]:
    """Delete records older than ``cutoff_ts`` (a prefix of the chain); keep their last hash as the anchor.

    Runs inside the caller's transaction. Returns the new anchor and the number of records removed.
    """
    keep = conn.execute("SELECT MIN(seq) FROM ledger WHERE ts >= ?", (cutoff_ts,)).fetchone()[0]
    if keep is None:
        keep = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM ledger").fetchone()[0]) + 1
    last = int(keep) - 1
    if last <= anchor(conn).seq:
        return anchor(conn), 0
    hrow = conn.execute("SELECT hash FROM ledger WHERE seq = ?", (last,)).fetchone()
    new_anchor = ChainAnchor(last, str(hrow[0]))
    cur = conn.execute("DELETE FROM ledger WHERE seq <= ?", (last,))
    _write_anchor(conn, _ANCHOR, new_anchor)
    return new_anchor, cur.rowcount

"""A bounded local spool of store writes, kept on disk while the store is unavailable.

Entries are appended to segment files (``seg-<n>.jsonl``, one JSON line each) and fsynced before the
append returns, so a write the journal took survives a crash. Entries are read back in the order they were
written; ``cursor.json`` records how far replay got. A crash between replaying an entry and saving the
cursor replays that entry again: event and alert-change writes are idempotent, a ledger record would be
appended twice (the chain stays valid; the duplicate is visible).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

SEGMENT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Entry:
    op: str
    data: Any
    records: int  # how many records the entry holds (events in a batch, 1 otherwise)
    size: int  # bytes on disk, newline included
    segment: int
    end_offset: int


class Journal:
    """Single-owner, synchronous; the resilient store calls it from worker threads one call at a time."""

    def __init__(self, directory: Path, *, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self._segment_bytes = segment_bytes
        self._cursor = self._load_cursor()  # (segment, offset) of the next entry to replay
        self._writer: IO[bytes] | None = None
        self._reader: IO[bytes] | None = None
        self._reader_seg = -1
        self._mutex = threading.Lock()  # append (writers) and peek/advance (the drain) run in different threads
        self._closed = False
        self.pending_bytes = 0
        self.pending_records = 0
        self._scan()

    # --- state ---------------------------------------------------------------------------------------

    def _segments(self) -> list[int]:
        return sorted(int(p.stem[4:]) for p in self.dir.glob("seg-*.jsonl"))

    def _path(self, seg: int) -> Path:
        return self.dir / f"seg-{seg:012d}.jsonl"

    def _load_cursor(self) -> tuple[int, int]:
        try:
            d = orjson.loads((self.dir / "cursor.json").read_bytes())
            return int(d["segment"]), int(d["offset"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0

    def _save_cursor(self) -> None:
        tmp = self.dir / "cursor.json.tmp"
        tmp.write_bytes(orjson.dumps({"segment": self._cursor[0], "offset": self._cursor[1]}))
        os.replace(tmp, self.dir / "cursor.json")

    def _scan(self) -> None:
        """Count what is left to replay (after a restart)."""
        seg0, off0 = self._cursor
        for seg in self._segments():
            if seg < seg0:
                self._path(seg).unlink(missing_ok=True)
                continue
            with self._path(seg).open("rb") as f:
                if seg == seg0:
                    f.seek(off0)
                for line in f:
                    if not line.endswith(b"\n"):
                        break  # torn write at a crash: never acknowledged, ignore
                    self.pending_bytes += len(line)
                    self.pending_records += int(orjson.loads(line).get("n", 1))

    @property
    def empty(self) -> bool:
        return self.pending_records == 0 and self.pending_bytes == 0

    # --- writing -------------------------------------------------------------------------------------

    def append(self, op: str, data: Any, records: int) -> int:
        """Append one entry durably; return its size in bytes."""
        line = orjson.dumps({"op": op, "n": records, "data": data}) + b"\n"
        with self._mutex:
            w = self._open_writer(len(line))
            w.write(line)
            w.flush()
            os.fsync(w.fileno())
            self.pending_bytes += len(line)
            self.pending_records += records
        return len(line)

    def _open_writer(self, need: int) -> IO[bytes]:
        if self._writer is not None and self._writer.tell() + need > self._segment_bytes:
            self._writer.close()
            self._writer = None
        if self._writer is None:
            segs = self._segments()
            seg = max(segs[-1] + 1 if segs else 0, self._cursor[0])
            if segs and segs[-1] >= self._cursor[0] and self._path(segs[-1]).stat().st_size + need <= \
                    self._segment_bytes:
                seg = segs[-1]
            self._writer = self._path(seg).open("ab")
        return self._writer

    # --- replay --------------------------------------------------------------------------------------

    def peek(self) -> Entry | None:
        """The next entry to replay, or None when everything written has been replayed."""
        with self._mutex:
            return self._peek()

    def _peek(self) -> Entry | None:
        if self._closed:  # a replay thread still running after close() must not reopen a segment
            return None
        for seg in self._segments():
            if seg < self._cursor[0]:
                continue
            offset = self._cursor[1] if seg == self._cursor[0] else 0
            entry = self._read_at(seg, offset)
            if entry is not None:
                return entry
        return None

    def _read_at(self, seg: int, offset: int) -> Entry | None:
        if self._reader is None or self._reader_seg != seg:
            if self._reader is not None:
                self._reader.close()
            self._reader, self._reader_seg = self._path(seg).open("rb"), seg
        self._reader.seek(offset)
        line = self._reader.readline()
        if not line.endswith(b"\n"):
            return None
        d = orjson.loads(line)
        return Entry(str(d["op"]), d["data"], int(d.get("n", 1)), len(line), seg, offset + len(line))

    def advance(self, entry: Entry) -> None:
        """Mark ``entry`` replayed. Once everything is replayed the segment files are removed."""
        with self._mutex:
            self._advance(entry)

    def _advance(self, entry: Entry) -> None:
        self._cursor = (entry.segment, entry.end_offset)
        self.pending_bytes -= entry.size
        self.pending_records -= entry.records
        if self.pending_bytes == 0:
            self._drop_all()
        self._save_cursor()

    def _drop_all(self) -> None:
        self._close_files()
        segs = self._segments()
        for s in segs:
            self._path(s).unlink(missing_ok=True)
        self._cursor = ((segs[-1] + 1) if segs else self._cursor[0], 0)

    def close(self) -> None:
        with self._mutex:
            self._closed = True
            self._close_files()

    def _close_files(self) -> None:
        for f in (self._writer, self._reader):
            if f is not None:
                f.close()
        self._writer = self._reader = None

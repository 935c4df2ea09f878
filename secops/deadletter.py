"""Dead letter: every rejected record is kept with its reason and raw bytes, one JSONL file per source."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True, slots=True)
class Rejected:
    source: str
    reason: str  # bounded vocabulary: it is also a metric label
    detail: str
    raw: bytes
    received_at: float
    position: str = ""


class DeadLetter:
    """Appends rejected records to ``<dir>/<source>.jsonl`` (mode 0600: raw bytes may be sensitive)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def write(self, records: Sequence[Rejected], *, sync: bool = True) -> None:
        if not records:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        by_source: dict[str, list[bytes]] = {}
        for r in records:
            line = orjson.dumps(
                {
                    "received_at": r.received_at,
                    "source": r.source,
                    "reason": r.reason,
                    "detail": r.detail[:500],
                    "position": r.position,
                    "raw_b64": base64.b64encode(r.raw).decode(),
                }
            )
            by_source.setdefault(r.source, []).append(line + b"\n")
        for source, lines in by_source.items():
            path = self.directory / f"{_safe(source)}.jsonl"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, b"".join(lines))
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)

    def read(self, source: str) -> list[dict[str, object]]:
        path = self.directory / f"{_safe(source)}.jsonl"
        if not path.exists():
            return []
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "_"

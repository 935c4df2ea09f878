"""File source: tail glob paths, follow rename and copytruncate rotation, resume from committed offsets.

A line's offset is committed only when the pipeline reports it handled, and committed offsets are saved
atomically under ``<state_dir>/offsets/<source>.json`` keyed by device and inode. After a restart each
file resumes at its committed offset, so a line is handled at least once; its stable id
(``path:inode:offset``) removes the duplicate downstream. A file renamed away while the daemon was down is
found again by inode in the same directory and read to its end first.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from secops.model.event import RawEvent, Ticket
from secops.pipeline import ShuttingDown
from secops.sources.base import SOURCES, SourceContext, SourceTelemetry
from secops.sources.config import FileSource

log = logging.getLogger("secops.sources.file")


@dataclass(slots=True)
class Tailed:
    """One open file we read from."""

    path: str
    fd: int
    ident: str  # "dev:inode"
    position: int  # next byte to read
    pending: bytes = b""
    committed: int = 0
    rotated: bool = False  # the path now names another file; finish this one and forget it
    skipping: bool = False  # inside an oversized line, discarding up to the next LF
    submitted: int = 0  # end offset of the last line handed to the pipeline
    generation: int = 0  # bumped on truncation, so late commits for the old content are ignored


@dataclass(slots=True)
class Offsets:
    path: Path
    by_ident: dict[str, dict[str, object]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, path: Path) -> Offsets:
        try:
            return cls(path, orjson.loads(path.read_bytes()))
        except FileNotFoundError:
            return cls(path)
        except (OSError, orjson.JSONDecodeError) as err:
            log.error("cannot read offsets %s (%s); starting from configured start_at", path, err)
            return cls(path)

    def commit(self, ident: str, file_path: str, offset: int) -> None:
        self.by_ident[ident] = {"path": file_path, "offset": offset}
        self.dirty = True

    def forget(self, ident: str) -> None:
        if self.by_ident.pop(ident, None) is not None:
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(orjson.dumps(self.by_ident))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self.dirty = False


def _ident(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


class FileIngest:
    def __init__(self, key: str, settings: FileSource, ctx: SourceContext) -> None:
        self.key = key
        self.settings = settings
        self._ctx = ctx
        self._telemetry = SourceTelemetry(key, ctx)
        self._offsets = Offsets.load(ctx.state_dir / "offsets" / f"{key}.json")
        self._open: dict[str, Tailed] = {}  # by ident
        self._by_path: dict[str, str] = {}  # path -> ident currently behind it
        self._accepting = True
        self._running = False
        self._closing = asyncio.Event()
        self._first_scan = True

    @property
    def ready(self) -> bool:
        return self._running

    def stop_intake(self) -> None:
        self._accepting = False

    async def close(self) -> None:
        self._accepting = False
        self._closing.set()

    async def run(self) -> None:
        self._running = True
        self._telemetry.up(True)
        try:
            while not self._closing.is_set():
                if self._accepting:
                    self._discover()
                    for tailed in list(self._open.values()):
                        await self._read(tailed)
                self._offsets.save()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self.settings.poll_interval_seconds)
        except ShuttingDown:
            pass
        finally:
            self._offsets.save()
            for tailed in self._open.values():
                os.close(tailed.fd)
            self._open.clear()
            self._running = False
            self._telemetry.up(False)

    # -- discovery and rotation ----------------------------------------------------------------------
    def _discover(self) -> None:
        for pattern in self.settings.paths:
            for path in sorted(glob.glob(pattern)):
                self._track(path)
        if self._first_scan:
            self._resume_renamed()
            self._first_scan = False

    def _track(self, path: str) -> None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return
        ident = _ident(st)
        previous = self._by_path.get(path)
        if previous == ident:
            tailed = self._open[ident]
            if st.st_size < tailed.position:  # copytruncate: the same file was emptied
                log.info("file source %s: %s truncated; reading from the start", self.key, path)
                tailed.position = tailed.committed = tailed.submitted = 0
                tailed.pending = b""
                tailed.generation += 1
                self._offsets.commit(ident, path, 0)
            return
        if previous is not None and previous in self._open:
            self._open[previous].rotated = True  # renamed away: read it to the end, then drop it
        if ident in self._open:  # a file we already read moved to this path
            self._by_path[path] = ident
            return
        self._open_file(path, ident, st.st_size)

    def _open_file(self, path: str, ident: str, size: int) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as err:
            log.warning("file source %s: cannot open %s: %s", self.key, path, err)
            return
        saved = self._offsets.by_ident.get(ident)
        if saved is not None:
            start = int(str(saved["offset"]))
            start = start if start <= size else 0
        elif self._first_scan and self.settings.start_at == "end":
            start = size
        else:
            start = 0
        self._open[ident] = Tailed(path, fd, ident, start, committed=start, submitted=start)
        self._by_path[path] = ident

    def _resume_renamed(self) -> None:
        """Files we had offsets for that no longer sit behind a watched path (renamed while we were down)."""
        for ident, saved in list(self._offsets.by_ident.items()):
            if ident in self._open:
                continue
            directory = os.path.dirname(str(saved["path"])) or "."
            found = self._find_inode(directory, ident)
            if found is None:
                self._offsets.forget(ident)
                continue
            path, size = found
            self._open_file(path, ident, size)
            self._open[ident].rotated = True
            self._by_path.pop(path, None)

    @staticmethod
    def _find_inode(directory: str, ident: str) -> tuple[str, int] | None:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return None
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if entry.is_file() and _ident(st) == ident:
                return entry.path, st.st_size
        return None

    # -- reading ---------------------------------------------------------------------------------------
    async def _read(self, tailed: Tailed) -> None:
        while self._accepting:
            chunk = os.pread(tailed.fd, self.settings.read_chunk_bytes, tailed.position)
            if not chunk:
                break
            base = tailed.position - len(tailed.pending)
            tailed.position += len(chunk)
            await self._lines(tailed, tailed.pending + chunk, base)
        if tailed.rotated and tailed.position >= os.fstat(tailed.fd).st_size:
            await self._finish_rotated(tailed)

    async def _lines(self, tailed: Tailed, data: bytes, base: int) -> None:
        start = 0
        limit = self.settings.max_record_bytes
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            line = data[start:end].rstrip(b"\r")
            if tailed.skipping:
                tailed.skipping = False
            elif len(line) > limit:
                self._too_long(tailed, line, base + start)
            elif line:
                await self._submit(tailed, line, base + start, base + end + 1)
            start = end + 1
        rest = data[start:]
        if len(rest) > limit and not tailed.skipping:
            self._too_long(tailed, rest, base + start)
            tailed.skipping = True
        tailed.pending = b"" if tailed.skipping else rest

    def _too_long(self, tailed: Tailed, line: bytes, offset: int) -> None:
        self._telemetry.received()
        limit = self.settings.max_record_bytes
        self._telemetry.reject("too_long", f"line over {limit} bytes", line[:256], f"{tailed.path}:{offset}")

    async def _submit(self, tailed: Tailed, line: bytes, offset: int, end: int) -> None:
        ident = tailed.ident
        generation = tailed.generation
        tailed.submitted = end

        def committed() -> None:
            if generation != tailed.generation:
                return
            tailed.committed = end
            if ident in self._open:
                self._offsets.commit(ident, tailed.path, end)

        self._telemetry.received()
        raw = RawEvent(self.key, line, self._ctx.clock.now(), position=f"{tailed.path}:{ident}:{offset}",
                       meta={"path": tailed.path}, ticket=Ticket(committed))
        await self._ctx.pipeline.submit(raw)

    async def _finish_rotated(self, tailed: Tailed) -> None:
        if tailed.pending and not tailed.skipping:  # a last line without LF in a file that will not grow
            end = tailed.position
            await self._submit(tailed, tailed.pending.rstrip(b"\r"), end - len(tailed.pending), end)
            tailed.pending = b""
        if tailed.committed < tailed.submitted:
            return  # not all handled yet: keep its offsets and look again on the next poll
        os.close(tailed.fd)
        del self._open[tailed.ident]
        self._offsets.forget(tailed.ident)
        for path, ident in list(self._by_path.items()):
            if ident == tailed.ident:
                del self._by_path[path]


SOURCES.add("file", FileIngest)

"""What ``secops export`` and ``secops verify`` run; secops/cli.py parses arguments and calls these.

Both return the process exit code (0 ok, 1 failure) and print errors as ``error: ...`` on stderr.
"""

from __future__ import annotations

import asyncio
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import TextIO

from secops.clock import SystemClock
from secops.errors import SecopsError
from secops.store.bundle import parse_time
from secops.store.config import ElasticsearchStoreSettings, SqliteStoreSettings
from secops.store.export import export_bundle
from secops.store.factory import load_signer, open_store
from secops.store.verify import verify_bundle, verify_store

Settings = SqliteStoreSettings | ElasticsearchStoreSettings


class _Bar:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled and stream.isatty()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total <= 0:
            return
        pct = done * 100 // total
        if pct != self._last:
            self._last = pct
            filled = pct * 30 // 100
            self._stream.write(f"\rexporting [{'#' * filled}{'.' * (30 - filled)}] {pct:3d}% {done}/{total}")
            if done >= total:
                self._stream.write("\n")
            self._stream.flush()


async def _export(settings: Settings, start: float, end: float, fmt: str, out_dir: Path, progress: bool) -> int:
    store = await open_store(settings, clock=SystemClock())
    try:
        result = await export_bundle(store, start=start, end=end, fmt=fmt, out_dir=out_dir, clock=SystemClock(),
                                     principal="cli", progress=_Bar(sys.stderr, progress))
    finally:
        await store.close()
    chain = result.manifest["chain"]
    print(f"exported {result.records} records (seq {chain['first_seq']}..{chain['last_seq']}) to {out_dir}; "
          f"export recorded in the ledger as seq {result.ledger_seq}")
    return 0


def run_export(settings: Settings, *, start: str, end: str, fmt: str, out_dir: Path, progress: bool) -> int:
    """``secops export --from T --to T --format csv|jsonl -o DIR``."""
    try:
        return asyncio.run(_export(settings, parse_time(start), parse_time(end), fmt, out_dir, progress))
    except (SecopsError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


async def _verify_live(settings: Settings) -> int:
    store = await open_store(settings, clock=SystemClock())
    try:
        report = await verify_store(store)
    finally:
        await store.close()
    print(f"ledger: {report}")
    return 0 if report.ok else 1


def _verify_path(path: Path, public_key: str | None) -> int:
    if path.is_file() and tarfile.is_tarfile(path):
        with tempfile.TemporaryDirectory(prefix="secops-verify-") as tmp, tarfile.open(path) as tar:
            tar.extractall(tmp, filter="data")
            dirs = [p for p in Path(tmp).iterdir() if p.is_dir()]
            return _verify_path(dirs[0] if len(dirs) == 1 else Path(tmp), public_key)
    report = verify_bundle(path, public_key=public_key)
    print(f"{path}: {report}")
    return 0 if report.ok else 1


def run_verify(path: Path | None, *, settings: Settings | None, store: bool) -> int:
    """``secops verify DIR|FILE.tar`` checks a bundle; ``--store`` checks the live ledger. Prints the first
    bad seq on failure. With a signing key in the settings, bundle signatures must match that key."""
    if path is None and not store:
        print("error: give a bundle directory (or .tar) to verify, or --store for the live ledger",
              file=sys.stderr)
        return 1
    try:
        signer = load_signer(settings) if settings is not None else None
        code = 0
        if path is not None:
            code |= _verify_path(path, signer.public_hex if signer is not None else None)
        if store:
            if settings is None:
                raise SecopsError("--store needs the store settings (-c FILE)")
            code |= asyncio.run(_verify_live(settings))
        return code
    except (SecopsError, OSError, tarfile.TarError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

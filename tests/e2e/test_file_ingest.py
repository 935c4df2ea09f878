"""File tail end to end: rename and copytruncate rotation, and resuming from committed offsets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest

from tests.support.daemon import DaemonProcess
from tests.support.net import wait_until

pytestmark = pytest.mark.e2e


def line(n: int) -> bytes:
    return orjson.dumps({"n": n, "message": f"gateway request {n}"}) + b"\n"


def append(path: Path, start: int, stop: int) -> None:
    with open(path, "ab") as f:
        f.write(b"".join(line(n) for n in range(start, stop)))


def stored_ns(daemon: DaemonProcess) -> list[int]:
    return sorted(int(e["fields"]["n"]) for e in daemon.stored_events())


def file_daemon(tmp_path: Path, logs: Path) -> DaemonProcess:
    config = {"sources": {"gateway": {"type": "file", "paths": [str(logs / "*.log")], "format": "json",
                                      "poll_interval_seconds": 0.05}}}
    return DaemonProcess(tmp_path, config)


def test_rename_rotation_reads_both_files_to_the_end(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    current = logs / "app.log"
    append(current, 0, 500)
    daemon = file_daemon(tmp_path, logs).start(wait_ready=True)
    try:
        wait_until(lambda: len(stored_ns(daemon)) >= 500, message="first 500 lines")
        append(current, 500, 600)  # written just before rotation
        os.rename(current, logs / "app.log.1")  # .1 is outside the glob: only the inode finds it
        append(current, 600, 700)  # the application reopened app.log
        append(logs / "app.log.1", 700, 710)  # a late write to the old file before it is closed
        wait_until(lambda: len(stored_ns(daemon)) >= 710, timeout=20, message="every line after rotation")
        assert stored_ns(daemon) == list(range(710))
    finally:
        assert daemon.stop() == 0


def test_copytruncate_rotation_starts_over(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    current = logs / "app.log"
    append(current, 0, 300)
    daemon = file_daemon(tmp_path, logs).start(wait_ready=True)
    try:
        wait_until(lambda: len(stored_ns(daemon)) >= 300, message="first 300 lines")
        shutil.copy(current, logs / "app.log.1")
        with open(current, "r+b") as f:
            f.truncate(0)
        append(current, 300, 350)
        wait_until(lambda: len(stored_ns(daemon)) >= 350, timeout=20, message="lines after truncation")
        assert stored_ns(daemon) == list(range(350))
    finally:
        assert daemon.stop() == 0


def test_restart_resumes_from_committed_offset(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    current = logs / "app.log"
    append(current, 0, 1000)
    daemon = file_daemon(tmp_path, logs).start(wait_ready=True)
    wait_until(lambda: len(stored_ns(daemon)) >= 1000, message="first 1000 lines")
    assert daemon.stop() == 0
    append(current, 1000, 1500)  # written while secops was stopped
    os.rename(current, logs / "app.log.1")
    append(current, 1500, 1600)
    daemon.start(wait_ready=True)
    try:
        wait_until(lambda: len(stored_ns(daemon)) >= 1600, timeout=20, message="lines written while stopped")
        assert stored_ns(daemon) == list(range(1600)), "resumed without re-reading or skipping"
    finally:
        assert daemon.stop() == 0


def test_sigkill_then_restart_handles_every_line_once_in_the_store(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    current = logs / "app.log"
    append(current, 0, 20_000)
    daemon = file_daemon(tmp_path, logs).start(wait_ready=True)
    wait_until(lambda: daemon.stored_count() >= 2_000, timeout=30, message="reading under way")
    daemon.kill()
    daemon.start(wait_ready=True)
    try:
        wait_until(lambda: daemon.stored_count() >= 20_000, timeout=60, message="all lines after SIGKILL")
        assert stored_ns(daemon) == list(range(20_000)), "redelivered lines kept one copy each (same id)"
    finally:
        assert daemon.stop() == 0

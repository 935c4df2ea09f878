"""The README's first command: `make run` starts the daemon on the embedded default."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.net import port_open, wait_until

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_make_run_serves_healthz_on_the_embedded_default(tmp_path: Path) -> None:
    if port_open(8080) or port_open(5514):
        raise AssertionError("127.0.0.1:8080 or :5514 is taken; the embedded default needs them")
    log = tmp_path / "make-run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["make", "-s", "run"], cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
    try:
        wait_until(lambda: proc.poll() is None and httpx.get("http://127.0.0.1:8080/healthz").status_code == 200,
                   timeout=60, message=f"make run to answer /healthz ({log})")
        ready = httpx.get("http://127.0.0.1:8080/readyz").json()
        assert ready["checks"]["source:syslog"]["ok"] is True
        assert port_open(5514), "syslog TCP listens on 127.0.0.1:5514"
    finally:
        for child in children(proc.pid):  # the daemon, which make started; SIGTERM drains it and make exits 0
            os.kill(child, signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, log.read_text(errors="replace")[-2000:]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found

"""Bad input never stops the daemon: each kind is counted by reason and kept in the dead letter."""

from __future__ import annotations

import base64
import socket
from pathlib import Path

import orjson
import pytest

from tests.support.daemon import DaemonProcess
from tests.support.net import free_port, wait_until

pytestmark = pytest.mark.e2e

BAD_LINES = {
    "invalid_json": b'{"n": 1, "message": "unterminated',
    "binary": b"\x00\x01\x02\x03\xff\xfe\x00\x00garbage\x00\x10\x11",
    "json_too_deep": b"[" * 60_000,  # under the 64 KiB line limit, so the parser sees it
    "too_long": b'{"pad":"' + b"x" * 70_000 + b'"}',
}


def test_every_kind_of_bad_input_is_counted_and_dead_lettered(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    cef_port = free_port()
    config = {"sources": {
        "app": {"type": "file", "paths": [str(logs / "*.log")], "format": "json", "poll_interval_seconds": 0.05},
        "firewall": {"type": "syslog", "mode": "tcp", "address": f"127.0.0.1:{cef_port}", "format": "cef"},
    }}
    daemon = DaemonProcess(tmp_path, config).start(wait_ready=True)
    try:
        good = [orjson.dumps({"n": n, "message": "ok"}) for n in range(3)]
        latin = b'{"n": 100, "message": "caf\xe9 \xff"}'  # not UTF-8: replaced and flagged, still stored
        body = [good[0], *BAD_LINES.values(), good[1], latin, good[2]]
        (logs / "app.log").write_bytes(b"\n".join(body) + b"\n")
        with socket.create_connection(("127.0.0.1", cef_port)) as conn:
            conn.sendall(b"CEF:0|Huawei|USG6000|V500|1|missing fields\n"
                         b"CEF:0|Hillstone|SG-6000|5.5|100|Traffic|3|src=10.1.1.1 dst=8.8.8.8 act=permit\n")

        wait_until(lambda: daemon.stored_count() >= 5, timeout=20, message="good events stored")
        for reason in BAD_LINES:
            wait_until(lambda r=reason: daemon.metric("secops_events_rejected_total", source="app", reason=r) == 1,
                       timeout=10, message=f"{reason} counted")
        wait_until(lambda: daemon.metric("secops_events_rejected_total", source="firewall", reason="invalid_cef") == 1,
                   timeout=10, message="malformed CEF counted")

        dead = [orjson.loads(x) for x in (tmp_path / "var/deadletter/app.jsonl").read_bytes().splitlines()]
        by_reason = {d["reason"]: d for d in dead}
        assert set(by_reason) == set(BAD_LINES)
        assert base64.b64decode(by_reason["invalid_json"]["raw_b64"]) == BAD_LINES["invalid_json"]
        assert base64.b64decode(by_reason["binary"]["raw_b64"]) == BAD_LINES["binary"]
        assert (tmp_path / "var/deadletter/app.jsonl").stat().st_mode & 0o077 == 0, "dead letter is private"

        stored = {int(e["fields"]["n"]): e for e in daemon.stored_events() if "n" in e["fields"]}
        assert set(stored) == {0, 1, 2, 100}
        assert "\ufffd" in stored[100]["fields"]["message"]
        assert daemon.get("/healthz").status_code == 200
    finally:
        assert daemon.stop() == 0

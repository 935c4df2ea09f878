"""`secops alerts list|ack|resolve|silence` against the running daemon, as an operator at a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from secops.api.auth import hash_token
from tests.support.daemon import ROOT, DaemonProcess
from tests.support.net import wait_until

pytestmark = pytest.mark.e2e
OPERATOR = "sct_cli_operator"


def secops(daemon: DaemonProcess, *args: str, token: str | None = OPERATOR) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SECOPS_TOKEN"}
    if token is not None:
        env["SECOPS_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "secops", "alerts", *args, "-c", str(daemon.config_path)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_operator_lists_acks_silences_and_resolves_from_the_terminal(tmp_path: Path) -> None:
    config = {"sources": {"api": {"type": "http", "format": "access_log"}},
              "playbooks": {"paths": [str(ROOT / "playbooks")]},
              "auth": {"tokens": [{"name": "feeder", "sha256": hash_token("sct_cli_ingest"), "roles": ["ingest"]},
                                  {"name": "zhang_san", "sha256": hash_token(OPERATOR), "roles": ["operator"]}]}}
    daemon = DaemonProcess(tmp_path, config).start(wait_ready=True)
    try:
        now = datetime.now(timezone(timedelta(hours=8))).strftime("%d/%b/%Y:%H:%M:%S %z")
        line = f'203.0.113.5 - - [{now}] "GET /a.php?id=1%27%20union%20select%201,2-- HTTP/1.1" 200 5 "-" "curl/8"'
        httpx.post(daemon.base_url + "/api/v1/events", content=line.encode(), timeout=30,
                   headers={"Authorization": "Bearer sct_cli_ingest"}).raise_for_status()
        listed = wait_until(lambda: "WebSqlInjection" in (r := secops(daemon, "list")).stdout and r, timeout=30,
                            message="the alert in `secops alerts list`")
        row = next(r for r in listed.stdout.splitlines() if "WebSqlInjection" in r)  # type: ignore[union-attr]
        alert_id = row.split()[0]

        acked = secops(daemon, "ack", alert_id, "--comment", "checking the WAF")
        assert acked.returncode == 0, acked.stderr
        assert f"acknowledged {alert_id} by zhang_san" in acked.stdout
        assert "zhang_san" in next(r for r in secops(daemon, "list").stdout.splitlines() if alert_id in r)

        silenced = secops(daemon, "silence", 'alertname="WebSqlInjection"', "--reason", "pen test", "--duration", "1h")
        assert silenced.returncode == 0, silenced.stderr
        assert "silence" in silenced.stdout

        resolved = secops(daemon, "resolve", alert_id, "--comment", "blocked at the WAF")
        assert resolved.returncode == 0, resolved.stderr

        missing = secops(daemon, "ack", "no-such-alert")
        assert missing.returncode == 1
        assert "404" in missing.stderr
        no_token = secops(daemon, "list", token=None)
        assert no_token.returncode == 1
        assert "SECOPS_TOKEN" in no_token.stderr
    finally:
        assert daemon.stop() == 0

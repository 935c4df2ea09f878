"""Real loopback peers for alerting tests: a Debian prometheus-alertmanager and a webhook receiver.

Both listen on 127.0.0.1 only; Alertmanager runs without clustering and is stopped by pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.support.net import free_port, wait_until

ALERTMANAGER_BIN = Path("/usr/bin/prometheus-alertmanager")
AMTOOL_BIN = Path("/usr/bin/amtool")

TEST_CONFIG = """\
route:
  receiver: webhook
  group_by: ['alertname', 'rule_id']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


class WebhookReceiver:
    """A tiny HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                with receiver._lock:
                    receiver._bodies.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alertmanager"
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._bodies)


class Alertmanager:
    """``prometheus-alertmanager`` on a free loopback port with its own storage dir; stopped by pid."""

    def __init__(self, directory: Path, config_text: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = directory / "alertmanager.yml"
        self.log = directory / "alertmanager.log"
        self.config_text = config_text
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Alertmanager:
        if not ALERTMANAGER_BIN.exists():
            raise AssertionError(f"{ALERTMANAGER_BIN} is missing: install the Debian package prometheus-alertmanager")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self.config_text, encoding="utf-8")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(ALERTMANAGER_BIN), f"--config.file={self.config}",
                 f"--storage.path={self.directory / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
                stdout=log, stderr=subprocess.STDOUT,
            )
        wait_until(self._ready, timeout=20, message=f"alertmanager ready on 127.0.0.1:{self.port}")
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"alertmanager exited: {self.log.read_text(errors='replace')[-2000:]}")
        return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

"""Peers for the browser tests: a loopback webhook receiver standing in for the duty and lead channels, the
playbook folder that pages through it, the daemon config, and a Chromium launcher (Debian's chromium)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from secops.api.auth import hash_token
from tests.playbooks.helpers import write_dir

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKENS = {"ingest-token": ("feeder", ["ingest"]), "zs-token": ("zhang_san", ["operator"]),
          "ls-token": ("li_si", ["operator"]), "aud-token": ("auditor", ["auditor"])}
ACK_WAIT_SECONDS = 8
HANDOVER_WAIT_SECONDS = 4

ONCALL = """
people:
  zhang_san: {name: 张三, contacts: [{channel: duty_hook, mention: zs}]}
  li_si: {name: 李四, contacts: [{channel: duty_hook, mention: ls}]}
  wang_wu: {name: 王五（值班长）, contacts: [{channel: lead_hook, mention: ww}]}
oncall:
  time_zone: Asia/Shanghai
  tiers:
    - id: duty
      name: 值班员
      rotation: {type: daily, handoff: "09:00", start: 2026-01-01, members: [zhang_san, li_si]}
    - {id: lead, name: 值班长, members: [wang_wu]}
"""
PLAYBOOKS = """
channels:
  duty_hook: {type: webhook, url: "http://127.0.0.1:%(port)d/duty", retry: {attempts: 1}}
  lead_hook: {type: webhook, url: "http://127.0.0.1:%(port)d/lead", retry: {attempts: 1}}
playbooks:
  - id: shift-handover
    name: 交接班未确认
    match: ['alertname="ShiftHandoverUnconfirmed"']
    group_by: [alertname]
    group_wait_seconds: %(handover)d
    steps:
      - escalate: {tier: lead, channels: [lead_hook]}
  - id: main
    name: 告警
    group_by: [alertname, data_grade]
    steps:
      - notify: {tier: duty, channels: [duty_hook]}
      - wait_for_ack: {timeout_seconds: %(ack)d}
      - escalate: {tier: lead, channels: [lead_hook]}
"""


class WebhookReceiver:
    """Records every POST (path, JSON body) on 127.0.0.1; answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.received.append((self.path, json.loads(body or b"{}")))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def pages(self, path: str, alertname: str) -> list[str]:
        """Kinds of the messages sent to ``path`` that carry an alert named ``alertname``."""
        with self._lock:
            items = list(self.received)
        return [body.get("kind", "") for p, body in items
                if p == path and any(a.get("labels", {}).get("alertname") == alertname for a in body.get("alerts", []))]


def daemon_config(tmp: Path, receiver: WebhookReceiver) -> dict[str, Any]:
    text = PLAYBOOKS % {"port": receiver.port, "handover": HANDOVER_WAIT_SECONDS, "ack": ACK_WAIT_SECONDS}
    pb = write_dir(tmp, ("oncall.yaml", ONCALL), ("pb.yaml", text))
    return {
        "sources": {"http": {"type": "http"}},
        "auth": {"tokens": [{"name": n, "sha256": hash_token(t), "roles": r} for t, (n, r) in TOKENS.items()]},
        "playbooks": {"paths": [str(pb)], "tick_interval_seconds": 0.5},
    }

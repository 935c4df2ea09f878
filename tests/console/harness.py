"""An in-process console: a real PlaybookRunner on a FakeClock with recording channels, the real app,
auth middleware, role table, security middleware and console service (no network, no browser)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from secops.api import alerts, console
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.api.hub import Hub
from secops.clock import FakeClock
from secops.console.config import ConsoleSettings
from secops.console.service import ConsoleService
from secops.model.alert import Alert
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore, Sent, recording_actions
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import fired, load, make_alert

ONCALL = """
people:
  zhang_san: {name: 张三, contacts: [{channel: pager, to: zs-pager}]}
  li_si: {name: 李四, contacts: [{channel: pager, to: ls-pager}]}
  wang_wu: {name: 王五, contacts: [{channel: pager, to: ww-pager}]}
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
  pager: {type: sms, url: "http://127.0.0.1:9/sms"}
playbooks:
  - id: shift-handover
    match: ['alertname="ShiftHandoverUnconfirmed"']
    group_by: [alertname]
    group_wait_seconds: 900
    steps:
      - escalate: {tier: lead, channels: [pager]}
  - id: main
    group_by: [alertname, data_grade]
    steps:
      - notify: {tier: duty, channels: [pager]}
      - wait_for_ack: {timeout_seconds: 600}
      - escalate: {tier: lead, channels: [pager]}
"""
# 08:30 in Shanghai on 2 January 2026: zhang_san is on duty until the 09:00 hand-off to li_si
BEFORE_HANDOFF = datetime(2026, 1, 2, 0, 30, tzinfo=UTC).timestamp()
TOKENS = {"zs": ("zhang_san", ["operator"]), "ls": ("li_si", ["operator"]), "ing": ("feeder", ["ingest"]),
          "aud": ("auditor", ["auditor"])}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}-token"}


class Harness:
    def __init__(self, runner: PlaybookRunner, service: ConsoleService, client: httpx.AsyncClient, clock: FakeClock,
                 store: MemoryStore, sent: list[Sent]) -> None:
        self.runner, self.service, self.client, self.clock = runner, service, client, clock
        self.store, self.sent = store, sent

    async def fire(self, **kwargs: object) -> Alert:
        a = make_alert(self.clock, **kwargs)  # type: ignore[arg-type]
        await self.runner.handle([fired(a)])
        await self.runner.tick()
        return a

    def ledger(self, kind: str) -> list[dict[str, object]]:
        return [payload for k, payload in self.store.ledger if k == kind]

    async def login(self, key: str) -> str:
        """Sign in with a bearer token; the client keeps the cookie. Returns the CSRF token."""
        resp = await self.client.post("/api/v1/console/login", headers=bearer(key))
        assert resp.status_code == 200, resp.text
        return str(resp.json()["csrf"])


@asynccontextmanager
async def harness(tmp_path: Path, *, start: float = BEFORE_HANDOFF) -> AsyncIterator[Harness]:
    pset = load(tmp_path, ("oncall.yaml", ONCALL), ("pb.yaml", PLAYBOOKS))
    clock, sent, store = FakeClock(start), [], MemoryStore()  # type: ignore[var-annotated]
    async with httpx.AsyncClient() as http:
        runner = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=Metrics(),
                                actions=recording_actions(pset, clock, sent))
        hub, metrics = Hub(), Metrics()
        service = console.build_service(state_dir=tmp_path / "var", clock=clock, hub=hub, metrics=metrics,
                                        runner=runner, book=None, store=store, readiness=None,
                                        source_keys=["http"], settings=ConsoleSettings())
        book = TokenBook([TokenEntry(n, hash_token(f"{k}-token"), tuple(r)) for k, (n, r) in TOKENS.items()])
        app = build_app(state={"playbooks": runner, "version": "test", "console": service, "store": store,
                               "hub": hub, "metrics": metrics}, tokens=book,
                        extra_routes=[*alerts.routes(), *console.routes()], session=console.session_principal)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Harness(runner, service, client, clock, store, sent)

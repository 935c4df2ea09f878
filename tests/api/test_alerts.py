"""The alert, silence and ack-link endpoints through the real app, auth middleware and role table."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from secops.api import alerts
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.clock import FakeClock
from secops.playbooks.config import PlaybookSettings, SecretRef
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore, Sent, recording_actions
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import ONCALL, fired, load, make_alert

PLAYBOOK = """
channels:
  pager: {type: sms, url: "http://127.0.0.1:9/sms"}
  mail: {type: email, host: 127.0.0.1, port: 25, starttls: false, sender: secops@example.gov.cn}
playbooks:
  - id: p
    steps:
      - notify: {tier: duty, channels: [pager]}
      - wait_for_ack: {timeout_seconds: 600}
      - escalate: {tier: lead, channels: [pager]}
"""
TOKENS = {"op": ("duty-desk", ["operator"]), "op2": ("second-desk", ["operator"]), "aud": ("auditor", ["auditor"])}


class Env:
    def __init__(self, runner: PlaybookRunner, client: httpx.AsyncClient, clock: FakeClock, sent: list[Sent]) -> None:
        self.runner, self.client, self.clock, self.sent = runner, client, clock, sent

    async def fire(self) -> str:
        a = make_alert(self.clock, annotations={"summary": "x", "samples": "138****8000"})
        await self.runner.handle([fired(a)])
        self.clock.advance(1)
        await self.runner.tick()
        return a.id

    def link(self) -> str:
        page = next(s for s in self.sent if s.kind == "page")
        (_, url), = page.message.ack_links
        return "/" + url.split("/", 3)[3]


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}-token"}


@pytest.fixture
async def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Env]:
    monkeypatch.setenv("T_ACK", "ack-secret")
    pset = load(tmp_path, ("oncall.yaml", ONCALL), ("pb.yaml", PLAYBOOK))
    clock, sent = FakeClock(), []  # type: ignore[var-annotated]
    settings = PlaybookSettings(ack_link_secret=SecretRef(env="T_ACK"), public_base_url="https://soc.example",
                                ack_link_ttl_seconds=900)
    async with httpx.AsyncClient() as http:
        runner = PlaybookRunner(pset, store=MemoryStore(), clock=clock, http=http, metrics=Metrics(),
                                settings=settings, actions=recording_actions(pset, clock, sent))
        book = TokenBook([TokenEntry(n, hash_token(f"{k}-token"), tuple(r)) for k, (n, r) in TOKENS.items()])
        app = build_app(state={"playbooks": runner, "version": "test"}, tokens=book, extra_routes=alerts.routes())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Env(runner, client, clock, sent)


async def test_list_needs_token_and_shows_alert(env: Env) -> None:
    alert_id = await env.fire()
    assert (await env.client.get("/api/v1/alerts")).status_code == 401
    resp = await env.client.get("/api/v1/alerts", headers=auth("aud"))
    assert resp.status_code == 200
    (item,) = resp.json()["alerts"]
    assert item["id"] == alert_id
    assert item["escalation"]["kind"] == "wait_for_ack"
    assert item["deliveries"]["pager"]["outcome"] == "sent"


async def test_ack_requires_operator_and_records_owner(env: Env) -> None:
    alert_id = await env.fire()
    assert (await env.client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth("aud"))).status_code == 403
    resp = await env.client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth("op"),
                                 json={"comment": "已处理 13800138000"})
    assert resp.status_code == 200
    assert resp.json()["person"] == "duty-desk"
    assert resp.json()["comment"] == "已处理 138****8000"  # a raw number typed in a comment is masked
    status = (await env.client.get(f"/api/v1/alerts/{alert_id}", headers=auth("op"))).json()
    assert status["ack"]["person"] == "duty-desk"
    assert status["phase"] == "acked"


async def test_ack_unknown_alert_is_404(env: Env) -> None:
    resp = await env.client.post("/api/v1/alerts/nope/ack", headers=auth("op"))
    assert resp.status_code == 404


async def test_ack_link_acks_once_for_bound_person(env: Env) -> None:
    alert_id = await env.fire()
    link = env.link()
    page = await env.client.get(link)
    assert page.status_code == 200
    assert "alice" in page.text
    assert env.runner.alert_status(alert_id)["ack"] is None  # GET (link preview) does not ack
    first = await env.client.post(link)
    assert first.status_code == 200
    assert env.runner.alert_status(alert_id)["ack"]["person"] == "alice"
    assert env.runner.alert_status(alert_id)["ack"]["via"] == "link"
    again = await env.client.post(link)
    assert again.status_code == 410


async def test_ack_link_refused_after_expiry(env: Env) -> None:
    alert_id = await env.fire()
    link = env.link()
    env.clock.advance(901)
    resp = await env.client.post(link)
    assert resp.status_code == 410
    assert env.runner.alert_status(alert_id)["ack"] is None


async def test_ack_link_for_other_person_cannot_be_forged(env: Env) -> None:
    await env.fire()
    link = env.link()
    payload, mac = link.removeprefix("/ack/").split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(b'"alice"', b'"carol"')
    forged = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    resp = await env.client.post(f"/ack/{forged}.{mac}")
    assert resp.status_code == 403


async def test_silence_on_imp_needs_second_operator(env: Env) -> None:
    body = {"matchers": ['alertname="批量身份证号外发"'], "reason": "变更窗口", "ends_at": env.clock.now() + 3600}
    created = await env.client.post("/api/v1/silences", headers=auth("op"), json=body)
    assert created.status_code == 202
    sid = created.json()["id"]
    assert created.json()["status"] == "pending_approval"
    same = await env.client.post(f"/api/v1/silences/{sid}/approve", headers=auth("op"))
    assert same.status_code == 403
    other = await env.client.post(f"/api/v1/silences/{sid}/approve", headers=auth("op2"))
    assert other.status_code == 200
    assert other.json()["status"] == "active"


async def test_silence_needs_reason_and_valid_matchers(env: Env) -> None:
    bad = await env.client.post("/api/v1/silences", headers=auth("op"),
                                json={"matchers": ["alertname=~\"(\""], "reason": "x", "ends_at": 9e9})
    assert bad.status_code == 400
    no_reason = await env.client.post("/api/v1/silences", headers=auth("op"),
                                      json={"matchers": ['data_grade="L1"'], "reason": " ",
                                            "ends_at": env.clock.now() + 60})
    assert no_reason.status_code == 400


async def test_resolve_sends_notice_to_paged(env: Env) -> None:
    alert_id = await env.fire()
    resp = await env.client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=auth("op"), json={"comment": "ok"})
    assert resp.status_code == 200
    env.clock.advance(1)
    await env.runner.tick()
    assert [(s.channel, s.persons) for s in env.sent if s.kind == "resolved"] == [("pager", ("alice",))]


async def test_oncall_and_status(env: Env) -> None:
    tiers = (await env.client.get("/api/v1/oncall", headers=auth("op"))).json()["tiers"]
    assert [(t["tier"], [p["id"] for p in t["people"]]) for t in tiers] == [("duty", ["alice"]), ("lead", ["bob"])]
    status = await env.client.get("/api/v1/status", headers=auth("aud"))
    assert status.status_code == 200
    assert status.json()["outbox"] == []

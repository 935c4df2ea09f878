"""Escalation, ack, resolve, grouping, flapping and silences on a fake clock (recording channels)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from secops.clock import FakeClock
from secops.playbooks.runner import AckRefused, PlaybookRunner
from secops.playbooks.silences import SilenceError
from secops.playbooks.simulate import MemoryStore, Sent, recording_actions
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import ONCALL, fired, load, make_alert, resolved

CHANNELS = """
channels:
  pager: {type: sms, url: "http://127.0.0.1:9/sms"}
  mail: {type: email, host: 127.0.0.1, port: 25, starttls: false, sender: secops@example.gov.cn}
  wall: {type: webhook, url: "http://127.0.0.1:9/wall"}
"""

PLAYBOOK = """
playbooks:
  - id: imp
    match: ['data_grade=~"IMP|CORE"']
    group_by: [alertname]
    group_wait_seconds: 30
    group_interval_seconds: 300
    steps:
      - notify: {tier: duty, channels: [pager]}
      - wait_for_ack: {timeout_seconds: 600}
      - escalate: {tier: lead, channels: [pager]}
      - wait_for_ack: {timeout_seconds: 600}
      - repeat: {every_seconds: 60, times: 1}
    flapping: {transitions: 4, window_seconds: 600}
"""


class World:
    def __init__(self, tmp: Path, playbook: str = PLAYBOOK) -> None:
        self.pset = load(tmp, ("oncall.yaml", ONCALL), ("channels.yaml", CHANNELS), ("pb.yaml", playbook))
        self.clock = FakeClock()
        self.store = MemoryStore()
        self.sent: list[Sent] = []
        self.metrics = Metrics()

    def runner(self, http: httpx.AsyncClient) -> PlaybookRunner:
        return PlaybookRunner(self.pset, store=self.store, clock=self.clock, http=http, metrics=self.metrics,
                              actions=recording_actions(self.pset, self.clock, self.sent))

    async def run_for(self, runner: PlaybookRunner, seconds: float, step: float = 10.0) -> None:
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            self.clock.advance(step)
            await runner.tick()

    def who(self, kind: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(s.channel, s.persons) for s in self.sent if s.kind == kind]


@pytest.fixture
async def http() -> httpx.AsyncClient:
    async with httpx.AsyncClient() as client:
        yield client


async def test_escalation_no_ack_pages_tier_two(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    await r.handle([fired(make_alert(w.clock))])
    await w.run_for(r, 60)
    assert w.who("page") == [("pager", ("alice",))]
    assert w.who("escalation") == []
    await w.run_for(r, 600)
    assert w.who("escalation") == [("pager", ("bob",))]
    assert any(kind == "escalation" for kind, _ in w.store.ledger)


async def test_ack_before_timeout_stops_escalation(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    a = make_alert(w.clock)
    await r.handle([fired(a)])
    await w.run_for(r, 120)
    result = await r.ack(a.id, person="alice", comment="处理中")
    assert (result.person, result.comment, result.already) == ("alice", "处理中", False)
    await w.run_for(r, 3600, step=60)
    assert w.who("escalation") == []
    assert r.alert_status(a.id)["ack"]["person"] == "alice"
    again = await r.ack(a.id, person="bob")
    assert again.already
    assert again.person == "alice"
    assert next(p for k, p in w.store.ledger if k == "ack")["principal"] == "alice"


async def test_resolve_notifies_everyone_paged_and_only_them(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    a = make_alert(w.clock)
    await r.handle([fired(a)])
    await w.run_for(r, 700)  # alice paged, then bob (escalation)
    await r.handle([resolved(a, w.clock.now())])
    await w.run_for(r, 30)
    assert sorted(w.who("resolved")) == [("pager", ("alice",)), ("pager", ("bob",))]
    assert not any(s.kind == "resolved" and "carol" in s.persons for s in w.sent)


async def test_resolve_before_anyone_paged_sends_nothing(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    a = make_alert(w.clock)
    await r.handle([fired(a)])
    w.clock.advance(5)  # inside group_wait
    await r.handle([resolved(a, w.clock.now())])
    await w.run_for(r, 120)
    assert w.sent == []


async def test_grouping_sends_one_page_with_counts(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    await r.handle([fired(make_alert(w.clock, extra={"host": f"h{i}"})) for i in range(3)])
    await w.run_for(r, 40)
    pages = [s for s in w.sent if s.kind == "page"]
    assert len(pages) == 1
    assert "3" in pages[0].message.text
    assert len(pages[0].message.alerts) == 3


async def test_new_alert_in_group_sends_update_after_group_interval(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    await r.handle([fired(make_alert(w.clock, extra={"host": "h1"}))])
    await w.run_for(r, 40)
    await r.handle([fired(make_alert(w.clock, extra={"host": "h2"}))])
    await w.run_for(r, 100)
    assert w.who("update") == []  # group_interval (300 s) not over yet
    await w.run_for(r, 300)
    assert w.who("update") == [("pager", ("alice",))]


async def test_flapping_collapses_into_one_notice(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    a = make_alert(w.clock)
    await r.handle([fired(a)])
    await w.run_for(r, 40)
    for _ in range(4):
        await r.handle([resolved(a, w.clock.now())])
        await w.run_for(r, 20)
        a = make_alert(w.clock)
        await r.handle([fired(a)])
        await w.run_for(r, 20)
    assert len(w.who("flapping")) == 1
    assert w.who("flapping")[0] == ("pager", ("alice",))
    assert len(w.who("page")) == 1
    assert len(w.who("resolved")) == 1
    assert any(p.get("event") == "flapping" for k, p in w.store.ledger if k == "playbook")


async def test_restart_resumes_timer_without_repaging(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    await r.handle([fired(make_alert(w.clock))])
    await w.run_for(r, 100)
    r2 = w.runner(http)  # a new process on the same store
    await w.run_for(r2, 600)
    assert w.who("page") == [("pager", ("alice",))]
    assert w.who("escalation") == [("pager", ("bob",))]


async def test_ack_of_resolved_alert_is_refused(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    a = make_alert(w.clock)
    await r.handle([fired(a)])
    await w.run_for(r, 40)
    await r.handle([resolved(a, w.clock.now())])
    with pytest.raises(AckRefused):
        await r.ack(a.id, person="alice")


async def test_silence_on_imp_needs_second_operator(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    s = await r.silence(matchers=['alertname="批量身份证号外发"'], owner="alice", reason="变更窗口",
                        ends_at=w.clock.now() + 3600)
    assert s.status == "pending_approval"
    await r.handle([fired(make_alert(w.clock))])
    await w.run_for(r, 40)
    assert len(w.who("page")) == 1  # not silenced until approved
    with pytest.raises(SilenceError):
        await r.approve_silence(s.id, approver="alice")
    approved = await r.approve_silence(s.id, approver="bob")
    assert approved.status == "active"


async def test_silence_holds_pages_and_reminds_owner(tmp_path: Path, http: httpx.AsyncClient) -> None:
    w = World(tmp_path)
    r = w.runner(http)
    s = await r.silence(matchers=['data_grade="L2"'], owner="alice", reason="演练", ends_at=w.clock.now() + 1200,
                        remind_before_seconds=600)
    assert s.status == "active"
    await r.handle([fired(make_alert(w.clock, grade="L2", name="x"))])
    pb_default = w.sent[:]
    await w.run_for(r, 700)
    assert [x for x in w.sent if x.kind == "page"] == [x for x in pb_default if x.kind == "page"]
    reminders = [x for x in w.sent if x.kind == "reminder"]
    assert sorted((x.channel, x.message.recipients) for x in reminders) == [
        ("mail", ("alice@example.gov.cn",)), ("pager", ("alice-pager",))]
    kinds = [p.get("event") for k, p in w.store.ledger if k == "silence"]
    assert kinds[:2] == ["created", "reminder"]

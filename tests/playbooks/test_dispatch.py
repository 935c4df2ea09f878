"""The outbox against failing and throttling loopback receivers: retries, dead letters, fallback, restart,
vendor budgets and digests."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import orjson
import pytest

from secops.clock import FakeClock
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore
from secops.playbooks.state import NS_DEAD
from secops.store.config import SqliteStoreSettings
from secops.store.sqlite import SqliteStore
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import fired, load, make_alert
from tests.playbooks.peers import HttpReceiver, Reply
from tests.support.net import free_port

PEOPLE = """
people:
  alice: {name: 张三, contacts: [{channel: ding, mention: "13800000001"}]}
oncall:
  tiers: [{id: duty, members: [alice]}]
"""


def count(metrics: Metrics, channel: str, outcome: str) -> float:
    value = metrics.registry.get_sample_value("secops_notifications_total", {"channel": channel, "outcome": outcome})
    return value or 0.0


async def _tick_for(runner: PlaybookRunner, clock: FakeClock, seconds: float, step: float = 1.0) -> None:
    for _ in range(int(seconds / step)):
        clock.advance(step)
        await runner.tick()


async def test_failing_receiver_retries_dead_letters_falls_back_across_restart(
        tmp_path: Path, receiver: HttpReceiver, http: httpx.AsyncClient) -> None:
    port = free_port()
    primary = HttpReceiver(port=port)
    primary.script["/hook"] = [Reply(503)]
    primary.start()
    pset = load(tmp_path, ("pb.yaml", f"""
        channels:
          hook:
            type: webhook
            url: "http://127.0.0.1:{port}/hook"
            timeout_seconds: 0.5
            retry: {{attempts: 3, initial_backoff_seconds: 2, max_backoff_seconds: 10}}
            fallback: backup
          backup: {{type: webhook, url: "{receiver.url('/backup')}"}}
        playbooks:
          - id: p
            steps:
              - notify: {{channels: [hook]}}
              - wait_for_ack: {{timeout_seconds: 3600}}
        """))
    clock = FakeClock()
    store = await SqliteStore.open(SqliteStoreSettings(path=str(tmp_path / "secops.db")), clock=clock)
    metrics = Metrics()
    try:
        first = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=metrics)
        await first.handle([fired(make_alert(clock))])
        await first.tick()  # attempt 1: HTTP 503
        assert len(primary.requests("/hook")) == 1
        assert count(metrics, "hook", "retry") == 1
        primary.stop()  # attempt 2 will be refused

        second = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=metrics)  # a restart
        await second.start()
        (pending,) = second.pending_deliveries()
        assert pending["attempt"] == 1
        assert "503" in pending["detail"]
        await _tick_for(second, clock, 3)  # backoff ~2 s (+-20 %)
        assert second.pending_deliveries()[0]["attempt"] == 2
        slow = HttpReceiver(port=port, default=Reply(200, b"{}", delay_seconds=2.0)).start()
        try:
            await _tick_for(second, clock, 6)  # attempt 3: timeout -> dead letter -> fallback queued and sent
            await _tick_for(second, clock, 60, step=5)
        finally:
            slow.stop()
        assert len(slow.requests("/hook")) == 1  # the timed-out try, and nothing after it
        assert len(receiver.requests("/backup")) == 1
        assert count(metrics, "hook", "failed") == 1
        assert count(metrics, "backup", "sent") == 1
        dead = await store.kv_scan(NS_DEAD)
        assert len(dead) == 1
        assert orjson.loads(dead[0][1])["attempt"] == 3

        third = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=metrics)  # another restart
        await _tick_for(third, clock, 120, step=10)
        assert len(receiver.requests("/backup")) == 1
        assert len(slow.requests("/hook")) == 1
        events = [orjson.loads(r.body)["payload"].get("event") for r in await store.ledger_records()
                  if r.kind == "notification"]
        assert events.count("attempt") == 4
        assert "dead_letter" in events
        assert "failover" in events
    finally:
        await store.close()


async def test_client_error_is_not_retried(tmp_path: Path, receiver: HttpReceiver, http: httpx.AsyncClient,
                                           caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_WC", receiver.url("/cgi-bin/webhook/send?key=SECRET-KEY-123"))
    receiver.script["/cgi-bin/webhook/send"] = [Reply(400, b'{"errcode":93000}')]
    pset = load(tmp_path, ("pb.yaml", """
        channels:
          wc: {type: wecom, robots: [{url: {env: T_WC}}]}
        playbooks:
          - id: p
            steps: [{notify: {channels: [wc]}}]
        """))
    clock, metrics = FakeClock(), Metrics()
    runner = PlaybookRunner(pset, store=MemoryStore(), clock=clock, http=http, metrics=metrics)
    with caplog.at_level(logging.DEBUG):
        await runner.handle([fired(make_alert(clock))])
        await _tick_for(runner, clock, 60, step=5)
    assert len(receiver.requests("/cgi-bin/webhook/send")) == 1
    assert count(metrics, "wc", "failed") == 1
    assert count(metrics, "wc", "retry") == 0
    assert "SECRET-KEY-123" not in caplog.text
    assert "dead-lettered" in caplog.text


async def test_throttle_code_fails_over_to_next_robot_then_fallback(
        tmp_path: Path, receiver: HttpReceiver, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_D1", receiver.url("/r1"))
    monkeypatch.setenv("T_D2", receiver.url("/r2"))
    throttled = Reply(200, b'{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}')
    receiver.script["/r1"] = [throttled]
    receiver.script["/r2"] = [throttled]
    pset = load(tmp_path, ("pb.yaml", f"""
        channels:
          ding: {{type: dingtalk, robots: [{{url: {{env: T_D1}}}}, {{url: {{env: T_D2}}}}], fallback: sms}}
          sms: {{type: sms, url: "{receiver.url('/sms')}"}}
        people:
          alice:
            name: 张三
            contacts: [{{channel: ding, mention: "13800000001"}}, {{channel: sms, to: "13800000001"}}]
        oncall:
          tiers: [{{id: duty, members: [alice]}}]
        playbooks:
          - id: p
            steps: [{{notify: {{tier: duty, channels: [ding]}}}}]
        """))
    clock, metrics = FakeClock(), Metrics()
    runner = PlaybookRunner(pset, store=MemoryStore(), clock=clock, http=http, metrics=metrics)
    await runner.handle([fired(make_alert(clock))])
    await _tick_for(runner, clock, 5)
    assert [len(receiver.requests(p)) for p in ("/r1", "/r2", "/sms")] == [1, 1, 1]
    robots = runner.robot_status()
    assert all(r["throttled"] for r in robots)
    assert robots[0]["blocked_until"] >= clock.now() + 590
    throttled_gauge = metrics.registry.get_sample_value("secops_notification_robot_throttled",
                                                        {"channel": "ding", "robot": "0"})
    assert throttled_gauge == 1.0
    assert count(metrics, "ding", "throttled") == 3


async def test_storm_of_100_alerts_stays_in_dingtalk_budget(
        tmp_path: Path, receiver: HttpReceiver, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_D", receiver.url("/robot/send?access_token=t"))
    monkeypatch.setenv("T_DS", "SECstorm")
    pset = load(tmp_path, ("pb.yaml", """
        channels:
          ding: {type: dingtalk, robots: [{url: {env: T_D}, secret: {env: T_DS}}]}
        playbooks:
          - id: storm
            group_by: [alertname]
            steps: [{notify: {channels: [ding]}}]
        """))
    clock = FakeClock()
    runner = PlaybookRunner(pset, store=MemoryStore(), clock=clock, http=http, metrics=Metrics())
    names = [f"storm-{i:03d}" for i in range(100)]
    for name in names:  # 100 alerts within one minute
        await runner.handle([fired(make_alert(clock, name=name))])
        await runner.tick()
        clock.advance(0.6)
    await _tick_for(runner, clock, 240)
    assert runner.pending_deliveries() == []
    requests = receiver.requests("/robot/send")
    times = sorted(int(r.query["timestamp"][0]) / 1000 for r in requests)
    assert max(sum(1 for t in times if start <= t < start + 60) for start in times) <= 20
    assert all(len(r.body) <= 20000 for r in requests)
    texts = [orjson.loads(r.body)["markdown"]["text"] for r in requests]
    assert all(any(name in t for t in texts) for name in names)
    assert any("汇总" in orjson.loads(r.body)["markdown"]["title"] for r in requests)  # a digest went out
    assert len(requests) < 100

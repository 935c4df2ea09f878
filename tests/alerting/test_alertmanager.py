"""AlertmanagerClient: v2 payload, resend cadence, endsAt, resolve, every peer, backoff; real Alertmanager."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from secops.alerting.alertmanager import AlertmanagerClient, build_client, label_name, rfc3339
from secops.alerting.config import AlertmanagerSettings
from secops.alerting.state import AlertBook
from secops.clock import FakeClock, SystemClock
from secops.model.alert import AlertChange, ChangeKind, Detection, Severity
from secops.telemetry.metrics import Metrics
from tests.support.alertmanager import Alertmanager, WebhookReceiver

PEERS = ["http://am-a:9093", "http://am-b:9093/prefix/"]


def detection(t: float, *, src: str = "10.1.*.*", grade: str = "L4") -> Detection:
    return Detection(
        rule_id="exfil-core",
        alertname="DataExfiltration",
        severity=Severity.CRITICAL,
        timestamp=t,
        group=(("source.ip", src),),
        data_grade=grade,
        annotations={"summary": "重要数据外发", "sample": "4601**********123X"},
    )


class Recorder:
    """An httpx.MockTransport handler that records posts and answers with scripted status codes."""

    def __init__(self, clock: FakeClock, statuses: dict[str, list[int]] | None = None) -> None:
        self.clock = clock
        self.statuses = statuses or {}
        self.posts: list[tuple[str, float, list[dict[str, Any]]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.posts.append((f"{host}{request.url.path}", self.clock.now(), json.loads(request.content)))
        scripted = self.statuses.get(host)
        return httpx.Response(scripted.pop(0) if scripted else 200)

    def to(self, host: str) -> list[tuple[float, list[dict[str, Any]]]]:
        return [(t, body) for dest, t, body in self.posts if dest.startswith(host)]


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def make_client(
    clock: FakeClock, recorder: Recorder, urls: list[str] = PEERS, **kwargs: Any
) -> tuple[AlertmanagerClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    return AlertmanagerClient(urls, client=http, clock=clock, **kwargs), http


def fire(book: AlertBook, t: float, **kwargs: Any) -> list[AlertChange]:
    return book.observe([detection(t, **kwargs)], t)


async def test_firing_alert_posts_v2_payload_to_every_peer() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    client, http = make_client(clock, recorder, generator_url="https://secops.example/?alert={alert_id}")
    book = AlertBook()
    changes = fire(book, clock.now() - 5)
    client.update(changes)
    assert await client.send_pending()
    assert sorted(dest for dest, _, _ in recorder.posts) == ["am-a/api/v2/alerts", "am-b/prefix/api/v2/alerts"]
    (alert,) = recorder.posts[0][2]
    assert alert["labels"] == {
        "alertname": "DataExfiltration", "rule_id": "exfil-core", "severity": "critical", "data_grade": "L4",
        "source_ip": "10.1.*.*",
    }
    assert alert["annotations"]["summary"] == "重要数据外发"
    assert alert["annotations"]["sample"] == "4601**********123X"
    assert alert["annotations"]["alert_id"] == changes[0].alert.id
    assert alert["annotations"]["count"] == "1"
    assert epoch(alert["startsAt"]) == clock.now() - 5
    assert epoch(alert["endsAt"]) == clock.now() + 4 * 60
    assert alert["generatorURL"] == f"https://secops.example/?alert={changes[0].alert.id}"
    await http.aclose()


async def test_firing_alert_resent_every_interval_with_fresh_ends_at() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    client, http = make_client(clock, recorder)
    client.update(fire(AlertBook(), clock.now()))
    sent_at = []
    for _ in range(20):  # 20 x 15 s of virtual time
        await client.send_pending()
        clock.advance(15)
    for t, body in recorder.to("am-a"):
        sent_at.append(t)
        assert epoch(body[0]["endsAt"]) == t + 240
    start = sent_at[0]
    assert [t - start for t in sent_at] == [0, 60, 120, 180, 240]
    await http.aclose()


async def test_update_sends_only_the_changed_alert_before_the_next_full_resend() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    client, http = make_client(clock, recorder)
    book = AlertBook()
    client.update(fire(book, clock.now(), src="a"))
    await client.send_pending()
    clock.advance(10)
    client.update(fire(book, clock.now(), src="b"))
    await client.send_pending()
    clock.advance(50)
    await client.send_pending()
    sources = [[a["labels"]["source_ip"] for a in body] for _, body in recorder.to("am-a")]
    assert sources == [["a"], ["b"], ["a", "b"]]
    await http.aclose()


async def test_resolved_alert_sent_with_past_ends_at_and_resent_for_five_minutes() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    client, http = make_client(clock, recorder)
    book = AlertBook()
    t0 = clock.now()
    client.update(fire(book, t0))
    await client.send_pending()
    clock.advance(30)
    (alert,) = book.active()
    resolved = book.resolve(alert.id, clock.now())
    assert resolved is not None
    client.update([resolved])
    for _ in range(40):  # 10 minutes in 15 s steps
        await client.send_pending()
        clock.advance(15)
    posts = recorder.to("am-a")[1:]
    # sent at once on the resolve (t0 + 30), then with every full resend until 5 minutes have passed
    assert [t - t0 for t, _ in posts] == [30, 60, 120, 180, 240, 300]
    for t, body in posts:
        assert epoch(body[0]["endsAt"]) == t0 + 30 <= t
        assert epoch(body[0]["startsAt"]) == t0
    assert client.tracked() == []
    await http.aclose()


async def test_failing_peer_is_retried_with_capped_jittered_backoff_and_others_unaffected() -> None:
    clock = FakeClock()
    recorder = Recorder(clock, {"am-a": [503, 503, 503, 503, 503]})
    delays: list[float] = []
    sent = asyncio.Event()

    async def fake_sleep(seconds: float) -> None:
        task = asyncio.current_task()
        if task is not None and task.get_name() == f"alertmanager-push {PEERS[0]}":
            delays.append(seconds)  # backoff sleeps run in the peer's own task
        clock.advance(seconds)
        await asyncio.sleep(0)
        if len(recorder.to("am-a")) >= 6:
            sent.set()
            await asyncio.Event().wait()  # park this peer: the test is over

    metrics = Metrics(CollectorRegistry())
    client, http = make_client(
        clock, recorder, backoff_initial_seconds=1, backoff_max_seconds=8, metrics=metrics,
        sleep=fake_sleep, rng=random.Random(7),
    )
    client.update(fire(AlertBook(), clock.now()))
    task = asyncio.create_task(client.run(), name="am-run")
    await asyncio.wait_for(sent.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    a_posts = recorder.to("am-a")
    assert len(a_posts) == 6  # five failures, then the retry that succeeded
    backoffs = delays
    assert len(backoffs) == 5
    for attempt, delay in enumerate(backoffs, start=1):
        ceiling = min(8, 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len(recorder.to("am-b")) >= 1
    reg = metrics.registry
    assert reg.get_sample_value("secops_notifications_total", {"channel": "alertmanager", "outcome": "failed"}) == 5
    assert reg.get_sample_value("secops_notifications_total", {"channel": "alertmanager", "outcome": "sent"}) >= 2
    await http.aclose()


async def test_run_in_virtual_time_resends_every_interval() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    enough = asyncio.Event()

    async def fake_sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)
        if len(recorder.posts) >= 8:
            enough.set()
            await asyncio.Event().wait()

    client, http = make_client(clock, recorder, PEERS[:1], sleep=fake_sleep)  # one peer: one virtual clock
    client.update(fire(AlertBook(), clock.now()))
    task = asyncio.create_task(client.run(), name="am-run")
    await asyncio.wait_for(enough.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    times = [t for t, _ in recorder.to("am-a")]
    assert [round(t - times[0]) for t in times] == [60 * i for i in range(len(times))]
    await http.aclose()


async def test_update_wakes_a_waiting_peer_at_once() -> None:
    clock = FakeClock()
    recorder = Recorder(clock)
    client, http = make_client(clock, recorder)  # real asyncio.sleep: the 60 s wait must be cut short
    book = AlertBook()
    client.update(fire(book, clock.now(), src="a"))
    task = asyncio.create_task(client.run(), name="am-run")
    await _until(lambda: len(recorder.posts) == 2, "first posts")
    client.update(fire(book, clock.now(), src="b"))
    await _until(lambda: len(recorder.posts) == 4, "posts after update")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [a["labels"]["source_ip"] for a in recorder.to("am-a")[1][1]] == ["b"]
    await http.aclose()


async def _until(condition: Callable[[], bool], what: str, deadline_seconds: float = 10) -> None:
    deadline = time.monotonic() + deadline_seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {deadline_seconds}s waiting for {what}")
        await asyncio.sleep(0.02)


def test_label_names_are_made_valid() -> None:
    assert label_name("source.ip") == "source_ip"
    assert label_name("data-grade") == "data_grade"
    assert label_name("9x") == "_9x"


def test_rfc3339_is_utc_with_milliseconds() -> None:
    assert rfc3339(1_767_225_600.25) == "2026-01-01T00:00:00.250+00:00"


async def test_build_client_from_settings_uses_public_url() -> None:
    settings = AlertmanagerSettings(urls=["http://127.0.0.1:9093"], resend_interval_seconds=30)
    clock = FakeClock()
    recorder = Recorder(clock)
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    client = build_client(settings, client=http, clock=clock, public_url="https://soc.example.gov.cn/")
    client.update(fire(AlertBook(), clock.now()))
    await client.send_pending()
    body = recorder.posts[0][2][0]
    assert body["generatorURL"].startswith("https://soc.example.gov.cn/?alert=")
    assert epoch(body["endsAt"]) == clock.now() + 120
    await http.aclose()


async def test_bad_generator_url_template_is_refused() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as http:
        with pytest.raises(ValueError, match="generator_url"):
            AlertmanagerClient(["http://127.0.0.1:9093"], client=http, clock=FakeClock(), generator_url="{host}/x")


# -- against a real Debian prometheus-alertmanager -------------------------------------------------------


async def _webhook_alert(webhook: WebhookReceiver, status: str, deadline_seconds: float = 20) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def seen() -> bool:
        found[:] = [a for body in webhook.bodies() for a in body["alerts"] if a["status"] == status]
        return bool(found)

    await _until(seen, f"a {status} notification at the webhook", deadline_seconds)
    return found[0]


async def _with_client(peer: Alertmanager, body: Callable[[AlertmanagerClient], Awaitable[None]]) -> None:
    async with httpx.AsyncClient() as http:
        client = AlertmanagerClient([peer.url], client=http, clock=SystemClock())
        task = asyncio.create_task(client.run(), name="am-run")
        try:
            await body(client)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task


async def test_real_alertmanager_notifies_firing_then_resolved(
    alertmanager: Alertmanager, webhook: WebhookReceiver
) -> None:
    book = AlertBook()
    clock = SystemClock()

    async def scenario(client: AlertmanagerClient) -> None:
        changes = fire(book, clock.now())
        client.update(changes)
        firing = await _webhook_alert(webhook, "firing")
        assert firing["labels"] == {
            "alertname": "DataExfiltration", "rule_id": "exfil-core", "severity": "critical",
            "data_grade": "L4", "source_ip": "10.1.*.*",
        }
        assert firing["annotations"]["summary"] == "重要数据外发"
        assert firing["annotations"]["alert_id"] == changes[0].alert.id
        resolved = book.resolve(changes[0].alert.id, clock.now())
        assert resolved is not None
        client.update([resolved])
        done = await _webhook_alert(webhook, "resolved")
        assert done["labels"] == firing["labels"]
        assert epoch(done["endsAt"]) == pytest.approx(resolved.alert.ends_at, abs=0.001)

    await _with_client(alertmanager, scenario)
    statuses = [body["status"] for body in webhook.bodies()]
    assert statuses.index("firing") < statuses.index("resolved")


async def test_restart_resends_the_alert_without_a_second_page(
    alertmanager: Alertmanager, webhook: WebhookReceiver
) -> None:
    clock = SystemClock()
    book = AlertBook()
    changes = fire(book, clock.now())

    async def first_run(client: AlertmanagerClient) -> None:
        client.update(changes)
        await _webhook_alert(webhook, "firing")

    await _with_client(alertmanager, first_run)
    blob = book.snapshot()

    restarted = AlertBook()
    restarted.restore(blob)
    async with httpx.AsyncClient() as http:
        before = await _am_alert(http, alertmanager)
        client = AlertmanagerClient([alertmanager.url], client=http, clock=clock)
        client.update([AlertChange(ChangeKind.UPDATED, a) for a in restarted.active()])
        assert await client.send_pending()
        after = await _am_alert(http, alertmanager)
    assert after["startsAt"] == before["startsAt"]  # the same alert, not a new one
    assert after["endsAt"] > before["endsAt"]  # kept alive by the resend
    # Absence check: three group_interval periods (1 s each) pass without a second notification.
    def firing_count() -> int:
        return len([a for body in webhook.bodies() for a in body["alerts"] if a["status"] == "firing"])

    for _ in range(30):  # 30 x 0.1 s, leaving early if a second page arrives
        if firing_count() != 1:
            break
        await asyncio.sleep(0.1)
    assert firing_count() == 1


async def _am_alert(http: httpx.AsyncClient, peer: Alertmanager) -> dict[str, Any]:
    response = await http.get(f"{peer.url}/api/v2/alerts")
    response.raise_for_status()
    (alert,) = response.json()
    return dict(alert)

"""Console rows: masked values only, state counters, why a quiet alert is quiet, samples as lines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from secops.console import views
from secops.model.alert import Alert, AlertStatus
from tests.console.harness import Harness, harness

RAW_ID = "11010519491231002X"


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as h:
        yield h


async def test_raw_identifier_in_annotation_never_reaches_a_row(env: Harness) -> None:
    samples = orjson.dumps({"cn_resident_id": [RAW_ID]}).decode()
    await env.fire(annotations={"summary": f"外发 {RAW_ID}", "samples": samples})
    text = orjson.dumps(env.service.rows()).decode()
    assert RAW_ID not in text
    assert "1101**********002X" in text


def test_samples_become_detector_lines() -> None:
    raw = orjson.dumps({"cn_mobile": ["138****8000"], "ipv4": ["10.1.*.*"]}).decode()
    assert views.samples_list(raw) == ["cn_mobile: 138****8000", "ipv4: 10.1.*.*"]


async def test_counters_split_by_state(env: Harness) -> None:
    one = await env.fire(name="一")
    await env.fire(name="二")
    await env.runner.ack(one.id, person="zhang_san", comment="")
    assert views.counters(env.service.rows()) == {"unacked": 1, "acked": 1, "silenced": 0, "resolved": 0}


async def test_silenced_alert_says_which_silence(env: Harness) -> None:
    a = await env.fire(grade="L3")
    s = await env.runner.silence(matchers=['data_grade="L3"'], owner="zhang_san", reason="维护",
                                 ends_at=env.clock.now() + 600)
    (row,) = env.service.rows()
    assert (row["id"], row["quiet"]) == (a.id, {"reason": "silenced", "silence": s.id})


async def test_acked_alert_is_quiet_because_acked(env: Harness) -> None:
    a = await env.fire()
    await env.runner.ack(a.id, person="li_si", comment="看了")
    (row,) = env.service.rows()
    assert (row["quiet"], row["ack"]["name"], row["ack"]["comment"]) == ({"reason": "acked"}, "李四", "看了")


async def test_unrouted_book_alert_is_shown_as_unrouted() -> None:
    a = Alert("a1", "f1", {"alertname": "X", "data_grade": "L4", "severity": "high", "rule_id": "r"}, {},
              AlertStatus.FIRING, 1.0, 1.0)
    row = views.book_row(a)
    assert (row["phase"], row["quiet"], row["grade"]) == ("unrouted", {"reason": "unrouted"}, "L4")


async def test_row_shows_escalation_step_and_delivery(env: Harness) -> None:
    await env.fire()
    (row,) = env.service.rows()
    assert (row["escalation"]["kind"], row["deliveries"]["pager"]["outcome"]) == ("wait_for_ack", "sent")

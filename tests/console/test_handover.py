"""Shift handover: a sheet at the hand-off, the outgoing operator held on duty, confirmation by the incoming
operator, and the 值班长 paged through the handover playbook when nobody confirms (FakeClock, no network)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from secops.console.handover import Handover, HandoverError
from tests.console.harness import Harness, harness


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as h:
        yield h


async def _hand_off(env: Harness) -> Handover:
    ho = env.service.handover
    assert ho is not None
    await env.runner.tick()  # 08:30: the console learns who is on duty
    env.clock.advance(1800 + 1)  # 09:00:01: the rotation moves to li_si
    await env.runner.tick()
    return ho


def _lead_pages(env: Harness) -> list[str]:
    return [s.kind for s in env.sent if "wang_wu" in s.persons]


async def test_handoff_writes_sheet_with_open_alerts(env: Harness) -> None:
    await env.fire(annotations={"summary": "身份证号外发", "samples": "4601**********123X"})
    ho = await _hand_off(env)
    sheet = ho.open_sheet()
    assert sheet is not None
    assert (sheet.outgoing, sheet.incoming) == (["zhang_san"], ["li_si"])
    assert [a["summary"] for a in sheet.content["open"]] == ["身份证号外发"]


async def test_handoff_sheet_goes_to_ledger(env: Harness) -> None:
    await _hand_off(env)
    (entry,) = env.ledger("handover")
    assert entry["event"] == "sheet"
    assert entry["incoming"] == ["li_si"]


async def test_outgoing_stays_on_duty_until_confirmed(env: Harness) -> None:
    await _hand_off(env)
    assert env.runner.pset.oncall.who("duty", env.clock.now()) == ("zhang_san",)


async def test_incoming_confirmation_closes_sheet_and_hands_duty_over(env: Harness) -> None:
    ho = await _hand_off(env)
    sheet = ho.open_sheet()
    assert sheet is not None
    await ho.confirm(sheet.id, person="li_si", comment="已接班")
    assert (sheet.status, sheet.by_incoming) == ("confirmed", True)
    assert env.runner.pset.oncall.who("duty", env.clock.now()) == ("li_si",)


async def test_confirmed_handover_pages_nobody(env: Harness) -> None:
    ho = await _hand_off(env)
    sheet = ho.open_sheet()
    assert sheet is not None
    await ho.confirm(sheet.id, person="li_si")
    env.clock.advance(901)
    await env.runner.tick()
    assert _lead_pages(env) == []


async def test_unconfirmed_handover_pages_the_lead(env: Harness) -> None:
    await _hand_off(env)
    env.clock.advance(901)  # the handover playbook's group_wait (N minutes) passes
    await env.runner.tick()
    assert _lead_pages(env) == ["escalation"]


async def test_outgoing_operator_cannot_confirm(env: Harness) -> None:
    ho = await _hand_off(env)
    sheet = ho.open_sheet()
    assert sheet is not None
    with pytest.raises(HandoverError) as err:
        await ho.confirm(sheet.id, person="zhang_san")
    assert err.value.reason == "same_person"


async def test_confirmation_goes_to_ledger_with_operator(env: Harness) -> None:
    ho = await _hand_off(env)
    sheet = ho.open_sheet()
    assert sheet is not None
    await ho.confirm(sheet.id, person="li_si", comment="收到")
    confirmed = [e for e in env.ledger("handover") if e["event"] == "confirmed"]
    assert [(e["principal"], e["comment"]) for e in confirmed] == [("li_si", "收到")]


async def test_restart_keeps_open_sheet_and_hold(env: Harness) -> None:
    ho = await _hand_off(env)
    again = Handover(runner=env.runner, store=env.store, clock=env.clock, settings=ho.settings,
                     content=lambda: {}, publish=lambda kind, data: None)
    again.base_oncall = ho.base_oncall
    env.runner.set_oncall(ho.base_oncall)  # what a fresh process starts with
    await again.tick(env.clock.now())
    assert [s.status for s in again.sheets.values()] == ["open"]
    assert env.runner.pset.oncall.who("duty", env.clock.now()) == ("zhang_san",)


async def test_manual_handover_goes_to_next_on_rotation(env: Harness) -> None:
    ho = env.service.handover
    assert ho is not None
    sheet = await ho.start(env.clock.now(), by="zhang_san")
    assert (sheet.outgoing, sheet.incoming) == (["zhang_san"], ["li_si"])


async def test_early_confirmed_handover_is_not_repeated_at_rotation(env: Harness) -> None:
    ho = env.service.handover
    assert ho is not None
    await env.runner.tick()
    sheet = await ho.start(env.clock.now(), by="zhang_san")
    await ho.confirm(sheet.id, person="li_si")
    env.clock.advance(1801)
    await env.runner.tick()
    assert ho.open_sheet() is None

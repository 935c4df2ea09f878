"""``secops test`` for playbooks: an alert in, the expected notifications out, over simulated time.

Each test runs a real PlaybookRunner on a FakeClock with an in-memory store and recording channels (no
network), so holiday calendars, rotations, waits, escalation, ack and resolve behave exactly as live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from secops.clock import FakeClock
from secops.errors import ConfigError, Issue
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, fingerprint
from secops.playbooks.actions.base import ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.loader import PlaybookSet, load_playbooks
from secops.playbooks.model import PlaybookTestModel
from secops.playbooks.runner import PlaybookRunner
from secops.telemetry.metrics import Metrics

TOLERANCE_SECONDS = 2.0
MAX_TICKS = 20000


class MemoryStore:
    """Key-value and ledger parts of the Store protocol, in memory (for simulations)."""

    def __init__(self) -> None:
        self.kv: dict[tuple[str, str], bytes] = {}
        self.ledger: list[tuple[str, dict[str, Any]]] = []

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        return self.kv.get((namespace, key))

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        self.kv[(namespace, key)] = value

    async def kv_delete(self, namespace: str, key: str) -> None:
        self.kv.pop((namespace, key), None)

    async def kv_scan(self, namespace: str) -> list[tuple[str, bytes]]:
        return sorted((k, v) for (ns, k), v in self.kv.items() if ns == namespace)

    async def ledger_append(self, kind: str, payload: Mapping[str, Any]) -> int:
        self.ledger.append((kind, dict(payload)))
        return len(self.ledger)

    async def write_events(self, events: Sequence[Any]) -> None:
        return None

    async def count_events(self) -> int:
        return 0

    async def event_ids(self) -> set[str]:
        return set()

    async def write_alert_changes(self, changes: Sequence[AlertChange]) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Sent:
    at: float
    channel: str
    kind: str
    persons: tuple[str, ...]
    message: Message


@dataclass(slots=True)
class RecordingAction:
    """A channel that records what it is asked to send and always succeeds."""

    channel: str
    model: ChannelModel
    type_name: str
    per_person: bool
    clock: FakeClock
    sent: list[Sent]
    limits: VendorLimits | None = None
    robot_count: int = 0

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        parts = message.idempotency_key.split(":")
        persons = tuple(p for p in parts[2].split("+") if p and p != "-") if len(parts) >= 4 else ()
        self.sent.append(Sent(self.clock.now(), self.channel, message.kind, persons, message))
        return SendResult(Outcome.SENT)


@dataclass(slots=True)
class PlaybookTestResult:
    file: str
    name: str
    passed: bool
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.file}: {self.name}"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def recording_actions(pset: PlaybookSet, clock: FakeClock, sent: list[Sent]) -> dict[str, RecordingAction]:
    return {cid: RecordingAction(cid, model, model.type, pset.channel_types[cid].per_person, clock, sent)
            for cid, model in pset.channels.items()}


def run_playbook_tests(paths: Sequence[str | Path]) -> list[PlaybookTestResult]:
    """Run every ``tests:`` entry of the playbook files; a load error is one failed result per issue."""
    try:
        pset = load_playbooks(paths)
    except ConfigError as err:
        return [PlaybookTestResult(i.path, "load", False, [str(i)]) for i in err.issues]
    return [asyncio.run(_run_one(pset, path, test)) for path, test in pset.tests]


async def run_playbook_tests_async(pset: PlaybookSet) -> list[PlaybookTestResult]:
    return [await _run_one(pset, path, test) for path, test in pset.tests]


async def _run_one(pset: PlaybookSet, path: str, test: PlaybookTestModel) -> PlaybookTestResult:
    start = test.at.timestamp()
    clock = FakeClock(start)
    sent: list[Sent] = []
    store = MemoryStore()
    async with httpx.AsyncClient() as http:
        runner = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=Metrics(),
                                actions=recording_actions(pset, clock, sent))
        await _simulate(runner, clock, test, start)
    records = [(s.at - start, s.channel, s.kind, p) for s in sent for p in (s.persons or ("",))]
    problems = _compare(test, records)
    return PlaybookTestResult(path, test.name, not problems, problems)


def _alert(test: PlaybookTestModel, starts_at: float, now: float, resolved: bool) -> Alert:
    labels = dict(test.alert.labels)
    fp = fingerprint(labels)
    status = AlertStatus.RESOLVED if resolved else AlertStatus.FIRING
    return Alert(alert_id(fp, starts_at), fp, labels, dict(test.alert.annotations), status, starts_at, now,
                 ends_at=now if resolved else None)


async def _simulate(runner: PlaybookRunner, clock: FakeClock, test: PlaybookTestModel, start: float) -> None:
    events = sorted(test.events, key=lambda e: e.after_seconds)
    starts_at = start
    end = start + test.run_seconds
    for _ in range(MAX_TICKS):
        now = clock.now()
        while events and start + events[0].after_seconds <= now:
            e = events.pop(0)
            if e.fire:
                starts_at = now
                await runner.handle([AlertChange(ChangeKind.FIRED, _alert(test, starts_at, now, False))])
            elif e.resolve:
                await runner.handle([AlertChange(ChangeKind.RESOLVED, _alert(test, starts_at, now, True))])
            elif e.ack is not None:
                await runner.ack(_alert(test, starts_at, now, False).id, person=e.ack, comment="test")
        await runner.tick()
        if now >= end:
            return
        clock.set(_next_time(runner, now, events, start, end))


def _next_time(runner: PlaybookRunner, now: float, events: list[Any], start: float, end: float) -> float:
    candidates = [now + 60.0, end]
    if events:
        candidates.append(start + events[0].after_seconds)
    candidates += [g.next_at for g in runner.groups.values() if g.next_at is not None]
    due = runner.dispatcher.next_due()
    if due is not None:
        candidates.append(due)
    return max(now + 0.001, min(c for c in candidates if c > now) if any(c > now for c in candidates) else now + 1)


def _compare(test: PlaybookTestModel, records: list[tuple[float, str, str, str]]) -> list[str]:
    problems = []
    left = list(records)
    for e in test.expect:
        hit = next((r for r in left if r[1] == e.channel and r[2] == e.kind and r[3] == e.person
                    and abs(r[0] - e.after_seconds) <= TOLERANCE_SECONDS), None)
        if hit is None:
            problems.append(f"expected {e.kind} on {e.channel} to {e.person or '(group)'} at +{e.after_seconds:g}s; "
                            "not sent")
        else:
            left.remove(hit)
    if test.expect_exactly:
        problems += [f"unexpected {k} on {c} to {p or '(group)'} at +{t:g}s" for t, c, k, p in left]
    return problems


__all__ = ["Issue", "MemoryStore", "PlaybookTestResult", "run_playbook_tests"]

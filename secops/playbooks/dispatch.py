"""The outbox: sends queued deliveries with vendor budgets, retries, dead letters, digests and failover.

Every delivery has an idempotency key (incident + step + person + channel). A key recorded in
``pb.sent`` is never sent again, so a restart (which reloads the outbox from the store) cannot page twice.
Outcomes: 2xx -> sent; 5xx, timeout, refused -> retry with exponential backoff and jitter; 4xx or a
permanent vendor error -> dead letter; a vendor throttle code -> the next robot of the pool, then the
channel's fallback. Above a robot's budget the due deliveries of a channel go out as one digest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Gauge

from secops.clock import Clock
from secops.playbooks.actions.base import Action, Message, Outcome, SendResult
from secops.playbooks.budget import RobotBudget
from secops.playbooks.compose import message_from_dict
from secops.playbooks.state import NS_BUDGET, NS_DEAD, NS_OUTBOX, NS_SENT, Delivery
from secops.store.base import KeyValueStore
from secops.telemetry.metrics import Metrics

log = logging.getLogger(__name__)
PAGE_KINDS = frozenset({"page", "escalation", "update", "flapping"})
MAX_DUE_PER_TICK = 500

Ledger = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclasses.dataclass(slots=True)
class Hooks:
    """What the dispatcher asks of the runner."""

    cancelled: Callable[[Delivery], bool]  # ack / resolve / silence re-checked before every send
    delivered: Callable[[Delivery, str, str], None]  # (delivery, outcome, detail)
    digest: Callable[[str, Sequence[Delivery]], Message]  # one message for many deliveries on a channel
    fallback: Callable[[Delivery, str], list[Delivery]]  # the same notification for another channel
    rate_ok: Callable[[Delivery, float], float | None]  # None: allowed now; else retry at that time


class Dispatcher:
    def __init__(
        self, *, actions: Mapping[str, Action], kv: KeyValueStore, clock: Clock, metrics: Metrics,
        ledger: Ledger, hooks: Hooks, rng: random.Random | None = None, max_concurrent: int = 8,
    ) -> None:
        self.actions = actions
        self.kv = kv
        self.clock = clock
        self.metrics = metrics
        self.ledger = ledger
        self.hooks = hooks
        self.rng = rng or random.Random()
        self.outbox: dict[str, Delivery] = {}
        self.budgets: dict[tuple[str, int], RobotBudget] = {}
        self._sem = asyncio.Semaphore(max_concurrent)
        for name, action in actions.items():
            if action.limits is not None:
                for i in range(action.robot_count):
                    self.budgets[(name, i)] = RobotBudget(action.limits)

    async def load(self) -> None:
        for key, raw in await self.kv.kv_scan(NS_OUTBOX):
            self.outbox[key] = Delivery.from_json(raw)
        for key, raw in await self.kv.kv_scan(NS_BUDGET):
            channel, _, index = key.rpartition("/")
            budget = self.budgets.get((channel, int(index))) if index.isdigit() else None
            if budget is not None:
                budget.restore(orjson.loads(raw))

    async def enqueue(self, d: Delivery) -> bool:
        """Queue ``d`` unless its key was queued or sent before (the idempotency check)."""
        if d.key in self.outbox or await self.kv.kv_get(NS_SENT, d.key) is not None:
            return False
        await self.kv.kv_put(NS_OUTBOX, d.key, d.to_json())
        self.outbox[d.key] = d
        return True

    def next_due(self) -> float | None:
        return min((d.next_at for d in self.outbox.values()), default=None)

    async def dispatch(self) -> int:
        """Send what is due now; returns how many deliveries were settled."""
        now = self.clock.now()
        due = sorted((d for d in self.outbox.values() if d.next_at <= now), key=lambda d: (d.created_at, d.key))
        by_channel: dict[str, list[Delivery]] = {}
        for d in due[:MAX_DUE_PER_TICK]:
            by_channel.setdefault(d.channel, []).append(d)
        async with asyncio.TaskGroup() as tg:
            for channel, items in by_channel.items():
                tg.create_task(self._channel(channel, items, now), name=f"dispatch-{channel}")
        self._update_gauges(now)
        return len(due)

    async def _channel(self, channel: str, items: list[Delivery], now: float) -> None:
        action = self.actions.get(channel)
        ready = []
        for d in items:
            if action is None:
                await self._dead(d, SendResult(Outcome.FAILED, "channel no longer configured"), now)
            elif d.kind in PAGE_KINDS and self.hooks.cancelled(d):
                await self._finish(d, "cancelled", "acknowledged, resolved or silenced before sending")
            elif d.kind in PAGE_KINDS and (later := self.hooks.rate_ok(d, now)) is not None:
                await self._defer(d, later, "playbook rate limit")
            else:
                ready.append(d)
        if not ready or action is None:
            return
        if action.robot_count and action.limits is not None:
            await self._robots(action, ready, now)
            return
        for d in ready:
            async with self._sem:
                result = await self._send(action, message_from_dict(d.message), None)
            await self._settle([d], result, now)

    async def _robots(self, action: Action, ready: list[Delivery], now: float) -> None:
        budgets = [self.budgets[(action.channel, i)] for i in range(action.robot_count)]
        available = sum(b.available(now) for b in budgets)
        if available == 0:
            later = min(b.next_free(now) for b in budgets)
            for d in ready:
                await self._defer(d, later, "robot budget exhausted")
            return
        if len(ready) > available:
            digest = self.hooks.digest(action.channel, ready)
            await self.ledger("notification", {"event": "digest", "channel": action.channel, "count": len(ready),
                                                      "keys": [d.key for d in ready]})
            await self._settle(ready, await self._send(action, digest, budgets), now)
            return
        for d in ready:
            await self._settle([d], await self._send(action, message_from_dict(d.message), budgets), now)

    async def _send(self, action: Action, message: Message, budgets: list[RobotBudget] | None) -> SendResult:
        message = dataclasses.replace(message, sent_at=self.clock.now())
        if budgets is None:
            return await self._call(action, message, 0)
        result = SendResult(Outcome.THROTTLED, "no robot with budget left")
        for index, budget in enumerate(budgets):
            now = self.clock.now()
            if budget.available(now) <= 0:
                continue
            budget.consume(now)
            result = await self._call(action, message, index)
            if result.outcome is Outcome.THROTTLED:
                budget.penalize(self.clock.now())
                self.metrics.notifications_total.labels(action.channel, "throttled").inc()
            await self.kv.kv_put(NS_BUDGET, f"{action.channel}/{index}", orjson.dumps(budget.snapshot()))
            if result.outcome is not Outcome.THROTTLED:
                return result
        return result

    async def _call(self, action: Action, message: Message, robot: int) -> SendResult:
        try:
            async with asyncio.timeout(action.model.timeout_seconds + 5.0):
                return await action.send(message, robot=robot)
        except TimeoutError:
            return SendResult(Outcome.RETRY, "timeout")

    async def _settle(self, ds: list[Delivery], result: SendResult, now: float) -> None:
        for d in ds:
            d.attempt += 1
            d.last_detail = result.detail
            await self.ledger("notification", _record(d, result, "attempt"))
            if result.outcome is Outcome.SENT:
                await self._finish(d, "sent", "")
            elif result.outcome is Outcome.RETRY and d.attempt < self._attempts(d):
                self.metrics.notifications_total.labels(d.channel, "retry").inc()
                await self._defer(d, now + self._backoff(d), result.detail)
            elif result.outcome is Outcome.THROTTLED and d.attempt < self._attempts(d):
                await self._throttled(d, now, result)
            else:
                await self._dead(d, result, now)

    async def _throttled(self, d: Delivery, now: float, result: SendResult) -> None:
        fallback = self.actions[d.channel].model.fallback
        if fallback and fallback in self.actions:
            await self._failover(d, fallback, "throttled")
            await self._finish(d, "throttled", result.detail)
            return
        budgets = [b for (c, _), b in self.budgets.items() if c == d.channel]
        later = min((b.next_free(now) for b in budgets), default=now + self._backoff(d))
        await self._defer(d, max(later, now + 1.0), result.detail)

    def _attempts(self, d: Delivery) -> int:
        action = self.actions.get(d.channel)
        return action.model.retry.attempts if action else 1

    def _backoff(self, d: Delivery) -> float:
        retry = self.actions[d.channel].model.retry
        base = min(retry.max_backoff_seconds, retry.initial_backoff_seconds * 2.0 ** max(0, d.attempt - 1))
        return base * self.rng.uniform(0.8, 1.2)

    async def _defer(self, d: Delivery, at: float, detail: str) -> None:
        d.next_at = at
        d.last_detail = detail
        await self.kv.kv_put(NS_OUTBOX, d.key, d.to_json())

    async def _dead(self, d: Delivery, result: SendResult, now: float) -> None:
        payload = {**_record(d, result, "dead_letter"), "at": now}
        await self.kv.kv_put(NS_DEAD, d.key, orjson.dumps(payload))
        await self.ledger("notification", payload)
        log.warning("notification dead-lettered channel=%s kind=%s attempts=%d reason=%s",
                    d.channel, d.kind, d.attempt, result.detail)
        await self._finish(d, "failed", result.detail)
        action = self.actions.get(d.channel)
        fallback = action.model.fallback if action else None
        if fallback and fallback in self.actions:
            await self._failover(d, fallback, "dead_letter")

    async def _failover(self, d: Delivery, fallback: str, why: str) -> None:
        for new in self.hooks.fallback(d, fallback):
            if await self.enqueue(new):
                await self.ledger("notification", {"event": "failover", "key": d.key, "from": d.channel, "to": fallback,
                                                            "reason": why, "new_key": new.key})

    async def _finish(self, d: Delivery, outcome: str, detail: str) -> None:
        self.metrics.notifications_total.labels(d.channel, outcome).inc()
        if outcome == "sent":
            await self.kv.kv_put(NS_SENT, d.key, orjson.dumps({"outcome": outcome, "at": self.clock.now()}))
        elif outcome == "cancelled":
            record = _record(d, SendResult(Outcome.FAILED, detail), "cancelled")
            await self.ledger("notification", {**record, "outcome": "cancelled"})
        await self.kv.kv_delete(NS_OUTBOX, d.key)
        self.outbox.pop(d.key, None)
        self.hooks.delivered(d, outcome, detail)

    def robot_status(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [
            {"channel": c, "robot": i, "remaining": b.available(now), "blocked_until": b.blocked_until or None,
             "throttled": b.blocked_until > now, "next_free": b.next_free(now)}
            for (c, i), b in sorted(self.budgets.items())
        ]

    def _update_gauges(self, now: float) -> None:
        gauges = robot_gauges(self.metrics)
        for (channel, index), budget in self.budgets.items():
            gauges[0].labels(channel, str(index)).set(budget.available(now))
            gauges[1].labels(channel, str(index)).set(1.0 if budget.blocked_until > now else 0.0)


def _record(d: Delivery, result: SendResult, event: str) -> dict[str, Any]:
    alert_ids = [str(a.get("id", "")) for a in d.message.get("alerts", [])]
    return {"event": event, "alert_id": alert_ids[0] if alert_ids else "", "alert_ids": alert_ids, "key": d.key,
            "incident": d.incident, "playbook": d.playbook, "channel": d.channel, "kind": d.kind,
            "persons": list(d.persons), "attempt": d.attempt, "outcome": result.outcome.value,
            "detail": result.detail, "status": result.status, "vendor_code": result.vendor_code}


_GAUGES: weakref.WeakKeyDictionary[CollectorRegistry, tuple[Gauge, Gauge]]
_GAUGES = weakref.WeakKeyDictionary()


def robot_gauges(metrics: Metrics) -> tuple[Gauge, Gauge]:
    """Throttle-state gauges, registered once per registry (until the lead adds them to Metrics)."""
    key = metrics.registry
    if key not in _GAUGES:
        _GAUGES[key] = (
            Gauge("secops_notification_robot_budget_remaining", "Messages a robot may still send this minute",
                  ["channel", "robot"], registry=metrics.registry),
            Gauge("secops_notification_robot_throttled", "1 while a robot is blocked after a throttle code",
                  ["channel", "robot"], registry=metrics.registry),
        )
    return _GAUGES[key]

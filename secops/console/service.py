"""The console's server side: what one screen shows (rows, duty header, silences, health, handover), the
live update stream, and the actions that are not plain alert endpoints (bulk, handover, sign-in audit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from secops.alerting.state import AlertBook
from secops.api.auth import Principal
from secops.api.health import Readiness
from secops.api.hub import Hub, Update
from secops.clock import Clock
from secops.console import health as health_view
from secops.console import views
from secops.console.config import HANDOVER_ALERTNAME, ConsoleSettings
from secops.console.handover import Handover
from secops.console.session import SessionCodec
from secops.errors import StoreUnavailable
from secops.playbooks.matchers import match_all, parse_matchers
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.state import AlertEntry, GroupState
from secops.playbooks.views import person_name
from secops.store.base import Store
from secops.telemetry.metrics import Metrics

log = logging.getLogger(__name__)
COALESCE_SECONDS = 0.15
PING_SECONDS = 5.0
STREAM_QUEUE = 5000
GAPS_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class ConsoleService:
    settings: ConsoleSettings
    codec: SessionCodec
    clock: Clock
    hub: Hub
    metrics: Metrics
    runner: PlaybookRunner | None = None
    book: AlertBook | None = None
    lifecycle: Any = None  # the daemon's alert lifecycle: ``await resolve(id, principal=, comment=)``
    store: Store | None = None
    readiness: Callable[[], Readiness] | None = None
    source_keys: tuple[str, ...] = ()
    stopping: asyncio.Event | None = None
    secure_cookie: bool = False
    handover: Handover | None = None
    _gaps: tuple[float, list[dict[str, Any]]] = (0.0, [])
    _pbs: dict[str, Any] = field(default_factory=dict)

    def attach(self) -> None:
        """Hook into the runner: changes go to the hub, the handover timer runs with the runner's ticks."""
        if self.runner is None or self.store is None:
            return
        self._pbs = {pb.id: pb for pb in self.runner.pset.playbooks}
        self.runner.watchers.append(lambda kind, key: self.hub.publish(kind, {"key": key}))
        self.handover = Handover(runner=self.runner, store=self.store, clock=self.clock, settings=self.settings,
                                 content=self.handover_content, publish=self.hub.publish)
        self.runner.tick_hooks.append(self._tick)

    async def _tick(self, now: float) -> None:
        if self.handover is not None:
            try:
                await self.handover.tick(now)
            except StoreUnavailable as err:
                log.warning("handover check postponed: %s", err)

    # ---- rows ----------------------------------------------------------------------------------------
    def rows(self, *, include_resolved: bool = True, groups: dict[str, dict[str, Any]] | None = None
             ) -> list[dict[str, Any]]:
        """Every row on the screen; with ``groups``, group fields go there once per group instead."""
        now = self.clock.now()
        out: dict[str, dict[str, Any]] = {}
        if self.runner is not None:
            for g in sorted(self.runner.groups.values(), key=lambda g: g.created_at):
                part = self._part(g, now)
                if groups is not None:
                    groups[g.incident] = part.fields
                for a in g.alerts.values():
                    out[a.id] = self._group_row(part, a, now, shared=groups is None)
        for alert in self.book.active() if self.book is not None else []:
            if alert.id not in out:
                out[alert.id] = views.book_row(alert)
        window = self.settings.resolved_window_seconds
        return [r for r in out.values()
                if views.visible(r, now, window) and (include_resolved or r["status"] == "firing")]

    def _part(self, g: GroupState, now: float) -> views.GroupPart:
        assert self.runner is not None
        return views.group_part(g, self._pbs.get(g.playbook), self.runner.pset, now)

    def _group_row(self, part: views.GroupPart, a: AlertEntry, now: float, *, shared: bool = True) -> dict[str, Any]:
        assert self.runner is not None
        silence = None
        if a.status == "firing" and self._has_silences():
            silence = self.runner.silences.matching(a.labels, now)
        return views.group_row(part, a, silence, shared=shared)

    def _has_silences(self) -> bool:
        return self.runner is not None and any(s.status == "active" for s in self.runner.silences.items.values())

    def rows_for(self, *, alert_ids: Iterable[str] = (), incidents: Iterable[str] = (),
                 silences: Iterable[str] = ()) -> list[dict[str, Any]]:
        """The current rows of some alerts (for live updates)."""
        ids, incs = set(alert_ids), set(incidents)
        now = self.clock.now()
        out: dict[str, dict[str, Any]] = {}
        matchers = self._silence_matchers(silences)
        if self.runner is not None:
            for g in self.runner.groups.values():
                part: views.GroupPart | None = None
                for a in g.alerts.values():
                    if a.id in ids or g.incident in incs or any(match_all(m, a.labels) for m in matchers):
                        part = part or self._part(g, now)
                        out[a.id] = self._group_row(part, a, now)
        for aid in ids - set(out):
            alert = self.book.get(aid) if self.book is not None else None
            if alert is not None:
                out[aid] = views.book_row(alert)
        return list(out.values())

    def _silence_matchers(self, silence_ids: Iterable[str]) -> list[Any]:
        if self.runner is None:
            return []
        items = self.runner.silences.items
        return [parse_matchers(items[s].matchers) for s in silence_ids if s in items]

    # ---- header, silences, health --------------------------------------------------------------------
    def duty(self) -> dict[str, Any]:
        if self.runner is None:
            return {"tiers": [], "gaps": [], "handover": None}
        now = self.clock.now()
        sheet = self.handover.open_sheet() if self.handover is not None else None
        tiers = self.runner.oncall_now()
        for tier in tiers:
            tier["role"] = ("handover" if tier["tier"] == self.settings.handover_tier else
                            "supervisor" if tier["tier"] == self.settings.supervisor_tier else "other")
        return {"tiers": tiers, "gaps": self._coverage_gaps(now),
                "handover": self.handover.view(sheet) if sheet is not None and self.handover else None}

    def _coverage_gaps(self, now: float) -> list[dict[str, Any]]:
        if self.runner is None or now - self._gaps[0] < GAPS_CACHE_SECONDS:
            return self._gaps[1]
        oncall = self.handover.base_oncall if self.handover is not None else self.runner.pset.oncall
        gaps = []
        for tier in (self.settings.handover_tier, self.settings.supervisor_tier):
            for start, end in oncall.gaps(tier, now, days=self.settings.coverage_days)[:10]:
                gaps.append({"tier": tier, "start": start, "end": end})
        self._gaps = (now, gaps)
        return gaps

    def silences(self) -> list[dict[str, Any]]:
        if self.runner is None:
            return []
        now = self.clock.now()
        recent = now - self.settings.resolved_window_seconds
        items = [s for s in self.runner.silences.items.values() if s.status != "expired" or s.ends_at >= recent]
        return [views.silence_view(s, self.runner.pset) for s in sorted(items, key=lambda s: s.ends_at)]

    def health(self) -> dict[str, Any]:
        robots = self.runner.robot_status() if self.runner is not None else []
        outbox = self.runner.pending_deliveries() if self.runner is not None else []
        out = health_view.pipeline_health(metrics=self.metrics, readiness=self.readiness, source_keys=self.source_keys,
                                          robots=robots, outbox=outbox, now=self.clock.now(),
                                          silent_after=self.settings.silent_source_seconds)
        out["playbooks"] = self.runner is not None
        out["handover_playbook"] = self._handover_route()
        return out

    def _handover_route(self) -> str | None:
        if self.runner is None:
            return None
        for pb in self.runner.pset.playbooks:
            if pb.matchers and all(m.matches({"alertname": HANDOVER_ALERTNAME, "tier": self.settings.handover_tier,
                                              "severity": "high", "data_grade": ""}) for m in pb.matchers):
                return pb.id
        return None

    def me(self, principal: Principal) -> dict[str, Any]:
        name = principal.name
        if self.runner is not None:
            name = person_name(self.runner.pset, principal.name)
        return {"name": principal.name, "display_name": name, "roles": sorted(principal.roles)}

    def meta(self) -> dict[str, Any]:
        return {"now": self.clock.now(), "duty": self.duty(), "silences": self.silences(), "health": self.health()}

    def snapshot(self, principal: Principal) -> dict[str, Any]:
        """The whole screen; rows of a playbook group share that group's fields (``groups[incident]``)."""
        groups: dict[str, dict[str, Any]] = {}
        rows = self.rows(groups=groups)
        return {**self.meta(), "me": self.me(principal), "groups": groups, "rows": rows}

    def handover_content(self) -> dict[str, Any]:
        from secops.console.handover import sheet_content

        return sheet_content(self.rows(include_resolved=False), self.silences())

    # ---- audit ---------------------------------------------------------------------------------------
    async def audit(self, event: str, principal: str, **payload: Any) -> None:
        if self.store is None:
            return
        with contextlib.suppress(StoreUnavailable):
            await self.store.ledger_append("console", {"event": event, "principal": principal, **payload})

    # ---- live updates --------------------------------------------------------------------------------
    async def stream(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(event, data) frames for one browser: coalesced row updates, periodic meta, resync markers."""
        queue: asyncio.Queue[Update] = asyncio.Queue(STREAM_QUEUE)
        pump = asyncio.create_task(self._pump(queue), name="console-stream-pump")
        loop = asyncio.get_running_loop()
        try:
            yield "meta", self.meta()
            last_meta = loop.time()
            while self.stopping is None or not self.stopping.is_set():
                first = await self._next(queue, PING_SECONDS)
                frames = self._frames([first, *await _drain(queue, COALESCE_SECONDS)]) if first is not None else []
                if loop.time() - last_meta >= PING_SECONDS and not any(name == "meta" for name, _ in frames):
                    frames.append(("meta", self.meta()))  # heartbeat: header, health and countdowns stay fresh
                for frame in frames:
                    if frame[0] == "meta":
                        last_meta = loop.time()
                    yield frame
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _next(self, queue: asyncio.Queue[Update], wait_seconds: float) -> Update | None:
        """The next update, or None after ``wait_seconds`` or when the daemon starts stopping."""
        if self.stopping is None:
            return await _get(queue, wait_seconds)
        getter = asyncio.ensure_future(queue.get())
        stopper = asyncio.ensure_future(self.stopping.wait())
        done, pending = await asyncio.wait({getter, stopper}, timeout=wait_seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return getter.result() if getter in done else None

    async def _pump(self, queue: asyncio.Queue[Update]) -> None:
        async for update in self.hub.subscribe():
            if queue.full():
                while not queue.empty():
                    queue.get_nowait()
                update = Update(update.seq, "resync", {})
            queue.put_nowait(update)

    def _frames(self, batch: list[Update]) -> list[tuple[str, dict[str, Any]]]:
        if any(u.kind == "resync" for u in batch):
            return [("resync", {})]
        ids = {str(u.data.get("alert", {}).get("id", "")) for u in batch if u.kind == "alert"}
        incidents = {str(u.data.get("key", "")) for u in batch if u.kind == "group"}
        silences = {str(u.data.get("key", "")) for u in batch if u.kind == "silence"}
        frames: list[tuple[str, dict[str, Any]]] = []
        rows: list[dict[str, Any]] = []
        if ids or incidents or silences:
            rows = self.rows_for(alert_ids=ids - {""}, incidents=incidents, silences=silences)
            frames.append(("rows", {"now": self.clock.now(), "rows": rows}))
        handover = any(r["alertname"] == HANDOVER_ALERTNAME for r in rows)  # its page changes the duty header
        if silences or handover or any(u.kind == "handover" for u in batch):
            frames.append(("meta", self.meta()))
        return frames


async def _get(queue: asyncio.Queue[Update], wait_seconds: float) -> Update | None:
    try:
        async with asyncio.timeout(wait_seconds):
            return await queue.get()
    except TimeoutError:
        return None


async def _drain(queue: asyncio.Queue[Update], window: float) -> list[Update]:
    """What else arrives within ``window`` seconds (at most the queue's size)."""
    out: list[Update] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    while len(out) < STREAM_QUEUE:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        item = await _get(queue, remaining)
        if item is None:
            break
        out.append(item)
    return out

"""PlaybookRunner: alert changes in, pages out; escalation until someone acknowledges.

State lives in memory and, written through, in the store's key-value namespaces (see ``state.py``); a new
runner on the same store resumes timers, retries and acks where the old one stopped, and the
idempotency keys make sure nothing already sent goes out again. Every attempt, outcome, ack, escalation
and silence goes to the ledger.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx

from secops.clock import Clock
from secops.errors import StoreUnavailable
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind
from secops.playbooks import acklink
from secops.playbooks.actions import Action, BuildContext
from secops.playbooks.actions.base import Message
from secops.playbooks.budget import PlaybookBudget
from secops.playbooks.channels import UnavailableAction, build_actions
from secops.playbooks.compose import alert_struct, compose, message_to_dict
from secops.playbooks.config import PlaybookSettings
from secops.playbooks.dispatch import PAGE_KINDS, Dispatcher, Hooks
from secops.playbooks.loader import Playbook, PlaybookSet
from secops.playbooks.oncall import OnCall
from secops.playbooks.operator import AckRefused, AckResult, AlertNotFound, OperatorActions
from secops.playbooks.silences import Silence, SilenceBook
from secops.playbooks.state import NS_GROUP, OPEN_PHASES, AlertEntry, Delivery, GroupState
from secops.playbooks.steps import Target, advance, targets_for_paged
from secops.playbooks.views import (
    alert_status,
    digest_context,
    person_name,
    template_context,
)
from secops.store.base import Store
from secops.telemetry.metrics import Metrics

log = logging.getLogger(__name__)
RESOLVED_RETENTION_SECONDS = 86400.0
MAX_LEDGER_BACKLOG = 10000


class PlaybookRunner(OperatorActions):
    def __init__(
        self, playbooks: PlaybookSet, *, store: Store, clock: Clock, http: httpx.AsyncClient, metrics: Metrics,
        settings: PlaybookSettings | None = None, actions: Mapping[str, Action] | None = None,
    ) -> None:
        self.pset = playbooks
        self.store = store
        self.clock = clock
        self.settings = settings or PlaybookSettings()
        self.actions = dict(actions) if actions is not None else build_actions(playbooks, BuildContext(http, clock))
        secret = self.settings.ack_link_secret
        self._ack_secret = secret.resolve().encode() if secret is not None else None
        self.dispatcher = Dispatcher(
            actions=self.actions, kv=store, clock=clock, metrics=metrics, ledger=self._ledger,
            hooks=Hooks(self._cancelled, self._delivered, self._digest, self._fallback, self._rate_ok),
            max_concurrent=self.settings.max_concurrent_sends,
        )
        self.silences = SilenceBook(store)
        self.groups: dict[str, GroupState] = {}
        self._playbooks = {pb.id: pb for pb in playbooks.playbooks}
        self._rate = {pb.id: PlaybookBudget(pb.model.rate_limit.max_notifications, pb.model.rate_limit.per_seconds)
                      for pb in playbooks.playbooks if pb.model.rate_limit}
        self._pending: list[tuple[GroupState, Target]] = []
        self._dirty: set[str] = set()
        self._ledger_backlog: list[tuple[str, dict[str, Any]]] = []
        self._loaded = False
        self._lock = asyncio.Lock()
        self._ledger_lock = asyncio.Lock()  # dispatch tasks flush concurrently; one writer keeps the order
        self._wake: asyncio.Event | None = None
        # hooks for the console: called after each tick, and with ("group", incident) or ("silence", id)
        # whenever a group's state or a silence changed (acks, escalations, deliveries, notes)
        self.tick_hooks: list[Callable[[float], Awaitable[None]]] = []
        self.watchers: list[Callable[[str, str], None]] = []

    # ---- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Load durable state (groups, outbox, silences, robot budgets) from the store."""
        if self._loaded:
            return
        for _, raw in await self.store.kv_scan(NS_GROUP):
            g = GroupState.from_json(raw)
            self.groups[g.incident] = g
        await self.dispatcher.load()
        await self.silences.load()
        self._loaded = True

    async def run(self) -> None:
        """Long-running: timers, escalation, retries. Cancel the task to stop."""
        self._wake = asyncio.Event()
        while True:
            try:
                await self.tick()
            except StoreUnavailable as err:
                log.warning("playbook runner: store unavailable, will retry: %s", err)
            try:
                async with asyncio.timeout(self.settings.tick_interval_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def tick(self) -> None:
        """Do everything that is due at ``clock.now()``: steps, updates, silences, sends."""
        await self.start()
        async with self._lock:
            now = self.clock.now()
            await self._maintain_silences(now)
            for g in list(self.groups.values()):
                self._step(g, now)
            await self._flush(now)
        await self.dispatcher.dispatch()
        async with self._lock:
            await self._flush(self.clock.now())
            await self._cleanup(self.clock.now())
        for hook in self.tick_hooks:
            await hook(self.clock.now())

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # ---- alert changes ---------------------------------------------------------------------------
    async def handle(self, changes: Sequence[AlertChange]) -> None:
        """Take alert changes from the alert lifecycle; sending happens in ``tick``/``run``."""
        await self.start()
        async with self._lock:
            now = self.clock.now()
            for change in changes:
                for pb in self._route(change.alert.labels):
                    self._apply(pb, change, now)
            await self._flush(now)
        self._poke()

    def _route(self, labels: Mapping[str, str]) -> list[Playbook]:
        chosen = []
        for pb in self.pset.playbooks:
            if all(m.matches(labels) for m in pb.matchers):
                chosen.append(pb)
                if not pb.model.continue_matching:
                    break
        return chosen

    def _open_group(self, pb: Playbook, labels: Mapping[str, str]) -> tuple[str, GroupState | None]:
        names = pb.model.group_by if pb.model.group_by is not None else sorted(labels)
        group_labels = {n: labels.get(n, "") for n in names}
        key = pb.id + "/" + hashlib.sha256(repr(sorted(group_labels.items())).encode()).hexdigest()[:16]
        for g in self.groups.values():
            if g.key == key and g.phase in OPEN_PHASES:
                return key, g
        return key, None

    def _apply(self, pb: Playbook, change: AlertChange, now: float) -> None:
        a = change.alert
        key, g = self._open_group(pb, a.labels)
        if change.kind is ChangeKind.RESOLVED or a.status is AlertStatus.RESOLVED:
            if g is not None and a.id in g.alerts:
                self._resolve_entry(g, pb, a.id, a.ends_at or now, now)
            return
        if g is None:
            names = pb.model.group_by if pb.model.group_by is not None else sorted(a.labels)
            incident = hashlib.sha256(f"{key}\x00{now}\x00{a.id}".encode()).hexdigest()[:20]
            g = GroupState(incident, pb.id, key, {n: a.labels.get(n, "") for n in names}, now,
                           next_at=now + pb.model.group_wait_seconds)
            previous = self._previous(key)
            if previous is not None:  # flapping is counted across instances of the same group
                g.flap = {fp: list(times) for fp, times in previous.flap.items()}
            g.note(now, "opened", pb.id)
            self.groups[incident] = g
        entry = g.alerts.get(a.id)
        if entry is None:
            g.alerts[a.id] = _entry(a)
            self._transition(g, pb, a.fingerprint, now)
        else:
            entry.annotations, entry.last_seen, entry.count = dict(a.annotations), a.last_seen, a.count
        self._dirty.add(g.incident)

    def _previous(self, key: str, before: GroupState | None = None) -> GroupState | None:
        older = [g for g in self.groups.values() if g.key == key and g is not before and g.phase == "resolved"]
        return max(older, key=lambda g: g.created_at) if older else None

    def _resolve_entry(self, g: GroupState, pb: Playbook, alert_id: str, ends_at: float, now: float) -> None:
        entry = g.alerts[alert_id]
        if entry.status == "resolved":
            return
        entry.status, entry.ends_at = "resolved", ends_at
        self._transition(g, pb, entry.fingerprint, now)
        self._dirty.add(g.incident)
        if not g.firing():
            self._group_resolved(g, pb, now)

    def _transition(self, g: GroupState, pb: Playbook, fingerprint: str, now: float) -> None:
        flap = pb.model.flapping
        if flap is None:
            return
        times = [t for t in g.flap.get(fingerprint, []) if t > now - flap.window_seconds] + [now]
        g.flap[fingerprint] = times
        if len(times) >= flap.transitions and not g.flapping:
            g.flapping = True
            g.note(now, "flapping", f"{len(times)} transitions")
            source = g if g.paged else (self._previous(g.key, before=g) or g)
            self._pending += [(g, t) for t in targets_for_paged(source, self.pset, kind="flapping",
                                                                template="flapping", step_ref=f"flap{int(now)}")]
            self._ledger_later("playbook", {"event": "flapping", "incident": g.incident, "playbook": g.playbook,
                                            "transitions": len(times)})

    def _group_resolved(self, g: GroupState, pb: Playbook, now: float) -> None:
        if g.flapping:
            return  # settles in _step once the window passes without a change
        g.phase, g.resolved_at, g.next_at, g.waiting = "resolved", now, None, False
        g.note(now, "resolved")
        self._ledger_later("playbook", {"event": "resolved", "incident": g.incident, "playbook": g.playbook,
                                              "alerts": sorted(g.alerts), "paged": g.paged})
        if pb.model.on_resolve.notify_paged:
            self._pending += [(g, t) for t in targets_for_paged(
                g, self.pset, kind="resolved", template=pb.model.on_resolve.template, step_ref="resolved")]

    # ---- timers ----------------------------------------------------------------------------------
    def _step(self, g: GroupState, now: float) -> None:
        pb = self._playbooks.get(g.playbook)
        if pb is None or g.phase == "resolved":
            return
        if g.flapping and pb.model.flapping and now >= _last_transition(g) + pb.model.flapping.window_seconds:
            g.flapping = False
            g.note(now, "flapping_ended")
            self._dirty.add(g.incident)
            if not g.firing():
                self._group_resolved(g, pb, now)
                return
        if g.phase in ("pending", "active") and not self._held(g, pb, now):
            targets, events = advance(g, pb, self.pset, now)
            if targets or events:
                self._dirty.add(g.incident)
            self._pending += [(g, t) for t in targets]
            for e in events:
                g.note(now, e.kind, e.detail)
                kind = "escalation" if e.kind == "escalation" else "playbook"
                self._ledger_later(kind, {"event": e.kind, "incident": g.incident, "playbook": g.playbook,
                                          "alert_id": next(iter(g.alerts), ""), "detail": e.detail})
        self._maybe_update(g, pb, now)

    def _held(self, g: GroupState, pb: Playbook, now: float) -> bool:
        """Muted by time intervals or silenced: the machine waits (pages are delayed, not dropped)."""
        if g.flapping:
            return True  # one flapping notice went out; nothing more until it settles
        iv = self.pset.intervals
        if pb.model.active_time_intervals and not iv.any_active(pb.model.active_time_intervals, now):
            return True
        if pb.model.mute_time_intervals and iv.any_active(pb.model.mute_time_intervals, now):
            return True
        return self._silenced(g, now) is not None

    def _silenced(self, g: GroupState, now: float) -> Silence | None:
        firing = g.firing()
        found = [self.silences.matching(dict(a.labels), now) for a in firing]
        return found[0] if firing and all(found) else None

    def _maybe_update(self, g: GroupState, pb: Playbook, now: float) -> None:
        fresh = [a.id for a in g.firing() if a.id not in g.notified]
        if not fresh or not g.paged or g.flapping or g.phase not in ("active", "exhausted"):
            return
        if now < g.last_notify_at + pb.model.group_interval_seconds:
            return
        self._pending += [(g, t) for t in targets_for_paged(g, self.pset, kind="update", template="update",
                                                            step_ref=f"u{len(g.notified)}")]
        g.notified += fresh
        g.last_notify_at = now
        self._dirty.add(g.incident)

    # ---- queueing --------------------------------------------------------------------------------
    async def _flush(self, now: float) -> None:
        pending, self._pending = self._pending, []
        for g, t in pending:
            for d in self._deliveries(g, t, now):
                await self.dispatcher.enqueue(d)
            if t.kind in ("page", "escalation"):
                g.notified = list(dict.fromkeys([*g.notified, *(a.id for a in g.firing())]))
                g.last_notify_at = now
            self._dirty.add(g.incident)
        for incident in sorted(self._dirty):
            if incident in self.groups:
                await self.store.kv_put(NS_GROUP, incident, self.groups[incident].to_json())
                self._changed("group", incident)
        self._dirty.clear()
        await self._flush_ledger()

    def _language(self, channel: str, pb: Playbook | None) -> str:
        model = self.pset.channels[channel]
        return model.language or (pb.model.language if pb else None) or self.settings.language

    def _console_url(self, alert_id: str = "") -> str:
        base = self.settings.public_base_url.rstrip("/")
        return f"{base}/#/alerts/{alert_id}" if alert_id else f"{base}/#/alerts"

    def _deliveries(self, g: GroupState, t: Target, now: float, key: str | None = None) -> list[Delivery]:
        pb = self._playbooks.get(g.playbook)
        if pb is None or t.channel not in self.pset.channels:
            return []
        language = self._language(t.channel, pb)
        contacts = [c for p in t.persons if p in self.pset.people
                    for c in self.pset.people[p].contacts if c.channel == t.channel]
        first = (g.firing() or list(g.alerts.values()))[0]
        ack_links = self._ack_links(first.id, t.persons, now) if t.kind in PAGE_KINDS else ()
        key = key or f"{g.incident}:{t.step_ref}:{'+'.join(t.persons) or '-'}:{t.channel}"
        base = Message(t.kind, "", "", key, mentions=tuple(c.mention for c in contacts if c.mention),
                       recipients=tuple(c.to for c in contacts if c.to), link=self._console_url(first.id),
                       ack_links=ack_links, alerts=tuple(alert_struct(a) for a in g.alerts.values()))
        ctx = template_context(self.pset, g, pb, t, language=language, console_url=base.link,
                               ack_links=ack_links, now=now)
        composed = compose(self.pset.templates, template=t.template, kind=t.kind, language=language, context=ctx,
                           channel=self.pset.channels[t.channel], base=base)
        if composed.error is not None:
            log.warning("template %s fell back to plain text: %s", t.template, composed.error.reason)
            self._ledger_later("playbook", {"event": "template_fallback", "template": t.template,
                                            "reason": composed.error.reason, "incident": g.incident})
        return [Delivery(key, g.incident, g.playbook, t.channel, t.kind, list(t.persons), now, now,
                         message_to_dict(composed.message))]

    def _ack_links(self, alert_id: str, persons: Sequence[str], now: float) -> tuple[tuple[str, str], ...]:
        if self._ack_secret is None:
            return ()
        base = self.settings.public_base_url.rstrip("/")
        expires = now + self.settings.ack_link_ttl_seconds
        secret = self._ack_secret
        return tuple((person_name(self.pset, p), f"{base}/ack/{acklink.sign(secret, alert_id, p, expires)}")
                     for p in persons)

    # ---- dispatcher hooks --------------------------------------------------------------------------
    def _cancelled(self, d: Delivery) -> bool:
        g = self.groups.get(d.incident)
        return g is None or g.phase in ("acked", "resolved") or self._silenced(g, self.clock.now()) is not None

    def _delivered(self, d: Delivery, outcome: str, detail: str) -> None:
        g = self.groups.get(d.incident)
        if g is None:
            return
        g.deliveries[d.channel] = {"outcome": outcome, "at": self.clock.now(), "kind": d.kind, "detail": detail}
        if outcome == "sent" and d.kind in PAGE_KINDS:
            for person in d.persons or [""]:
                g.add_paged(person, d.channel)
        g.note(self.clock.now(), f"{d.kind}.{outcome}", d.channel)
        self._dirty.add(g.incident)

    def _digest(self, channel: str, ds: Sequence[Delivery]) -> Message:
        entries: dict[str, AlertEntry] = {}
        for d in ds:
            g = self.groups.get(d.incident)
            for a in (g.firing() or list(g.alerts.values())) if g else []:
                entries.setdefault(a.id, a)
        keys = "|".join(d.key for d in ds)
        language = self._language(channel, None)
        mentions = tuple(dict.fromkeys(m for d in ds for m in d.message.get("mentions", [])))
        base = Message("digest", "", "", "digest:" + hashlib.sha256(keys.encode()).hexdigest()[:24],
                       mentions=mentions, link=self._console_url(),
                       alerts=tuple(alert_struct(a) for a in entries.values()))
        ctx = digest_context(self.pset, list(entries.values()), language=language, console_url=base.link,
                             now=self.clock.now())
        return compose(self.pset.templates, template="digest", kind="digest", language=language, context=ctx,
                       channel=self.pset.channels[channel], base=base).message

    def _fallback(self, d: Delivery, channel: str) -> list[Delivery]:
        g = self.groups.get(d.incident)
        if g is None or not g.alerts:
            return []
        now = self.clock.now()
        template = d.kind
        if self.pset.channel_types[channel].per_person:
            reach = [p for p in d.persons if any(c.channel == channel for c in self.pset.people[p].contacts)]
            return [x for p in reach for x in self._deliveries(
                g, Target(channel, (p,), d.kind, template, "fb"), now, key=f"{d.key}>{channel}:{p}")]
        return self._deliveries(g, Target(channel, tuple(d.persons), d.kind, template, "fb"), now,
                                key=f"{d.key}>{channel}")

    def _rate_ok(self, d: Delivery, now: float) -> float | None:
        budget = self._rate.get(d.playbook)
        if budget is None:
            return None
        if budget.allow(now):
            budget.consume(now)
            return None
        return budget.next_free(now)

    def set_oncall(self, oncall: OnCall) -> None:
        """Replace who is on duty (the console keeps an outgoing operator on duty until the handover is
        confirmed); steps planned from now on use it."""
        self.pset = dataclasses.replace(self.pset, oncall=oncall)

    def _changed(self, kind: str, key: str) -> None:
        for watcher in self.watchers:
            try:
                watcher(kind, key)
            except Exception:  # a console listener must never stop the runner
                log.exception("playbook watcher failed")

    # ---- ledger ------------------------------------------------------------------------------------
    def _ledger_later(self, kind: str, payload: dict[str, Any]) -> None:
        self._ledger_backlog.append((kind, payload))
        del self._ledger_backlog[:-MAX_LEDGER_BACKLOG]

    async def _ledger(self, kind: str, payload: dict[str, Any]) -> None:
        self._ledger_later(kind, payload)
        await self._flush_ledger()

    async def _flush_ledger(self) -> None:
        async with self._ledger_lock:
            while self._ledger_backlog:
                kind, payload = self._ledger_backlog[0]
                try:
                    await self.store.ledger_append(kind, payload)
                except StoreUnavailable:
                    return  # kept; the next flush retries
                self._ledger_backlog.pop(0)

    async def _cleanup(self, now: float) -> None:
        for incident, g in list(self.groups.items()):
            if g.phase == "resolved" and (g.resolved_at or now) < now - RESOLVED_RETENTION_SECONDS:
                del self.groups[incident]
                await self.store.kv_delete(NS_GROUP, incident)

    # ---- queries for the console -------------------------------------------------------------------
    def list_alerts(self, *, include_resolved: bool = True) -> list[dict[str, Any]]:
        now = self.clock.now()
        out = []
        for g in sorted(self.groups.values(), key=lambda g: -g.created_at):
            for a in g.alerts.values():
                if include_resolved or a.status == "firing":
                    silence = self.silences.matching(dict(a.labels), now)
                    out.append(alert_status(g, self._playbooks.get(g.playbook), a, silence))
        return out

    def alert_status(self, alert_id: str) -> dict[str, Any]:
        g = self._group_of(alert_id)
        a = g.alerts[alert_id]
        silence = self.silences.matching(dict(a.labels), self.clock.now())
        return alert_status(g, self._playbooks.get(g.playbook), a, silence)

    def robot_status(self) -> list[dict[str, Any]]:
        return self.dispatcher.robot_status()

    def pending_deliveries(self) -> list[dict[str, Any]]:
        return [{"key": d.key, "channel": d.channel, "kind": d.kind, "attempt": d.attempt, "next_at": d.next_at,
                 "detail": d.last_detail} for d in self.dispatcher.outbox.values()]


def _entry(a: Alert) -> AlertEntry:
    return AlertEntry(a.id, a.fingerprint, dict(a.labels), dict(a.annotations), a.status.value, a.starts_at,
                      a.last_seen, a.ends_at, a.count)


def _last_transition(g: GroupState) -> float:
    return max((t for times in g.flap.values() for t in times), default=g.created_at)


__all__ = ["AckRefused", "AckResult", "AlertNotFound", "PlaybookRunner", "UnavailableAction", "build_actions"]

"""What operators do to alerts the playbooks handle: acknowledge (also through a signed link), escalate now,
resolve by hand, silence (with a second approver for IMP/CORE) and add notes. Each goes to the ledger
with the operator's name; an ack stops escalation and tells those already paged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from secops.errors import SecopsError
from secops.playbooks import acklink
from secops.playbooks.actions.base import Message
from secops.playbooks.compose import compose, message_to_dict
from secops.playbooks.redact import redact_text
from secops.playbooks.silences import Silence
from secops.playbooks.state import NS_ACKLINK, AckInfo, Delivery, GroupState
from secops.playbooks.steps import targets_for_paged
from secops.playbooks.views import person_name, silence_context

if TYPE_CHECKING:
    import asyncio

    from secops.clock import Clock
    from secops.playbooks.dispatch import Dispatcher
    from secops.playbooks.loader import Playbook, PlaybookSet
    from secops.playbooks.silences import SilenceBook
    from secops.playbooks.steps import Target
    from secops.store.base import Store


class _Runner(Protocol):
    """What the operator actions need of the runner they are mixed into."""

    pset: PlaybookSet
    clock: Clock
    store: Store
    silences: SilenceBook
    dispatcher: Dispatcher
    groups: dict[str, GroupState]
    _lock: asyncio.Lock
    _ack_secret: bytes | None
    _playbooks: dict[str, Playbook]
    _pending: list[tuple[GroupState, Target]]
    _dirty: set[str]

    async def start(self) -> None: ...
    async def _flush(self, now: float) -> None: ...
    def _poke(self) -> None: ...
    def _ledger_later(self, kind: str, payload: dict[str, Any]) -> None: ...
    async def _ledger(self, kind: str, payload: dict[str, Any]) -> None: ...
    def _changed(self, kind: str, key: str) -> None: ...
    def _resolve_entry(self, g: GroupState, pb: Playbook, alert_id: str, ends_at: float, now: float) -> None: ...
    def _language(self, channel: str, pb: Playbook | None) -> str: ...
    def _console_url(self, alert_id: str = "") -> str: ...
    def _group_of(self, alert_id: str) -> GroupState: ...
    def _reminder(self, s: Silence, now: float) -> list[Delivery]: ...
    async def ack(self, alert_id: str, *, person: str, comment: str = "", via: str = "api") -> AckResult: ...


class AlertNotFound(SecopsError):
    """No playbook is tracking this alert id."""


class AckRefused(SecopsError):
    """The ack is not possible (the alert is resolved); ``reason`` is a bounded label."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AckResult:
    alert_id: str
    incident: str
    person: str
    at: float
    comment: str
    already: bool  # someone had acknowledged before; nothing changed


class OperatorActions:
    """Mixed into PlaybookRunner; every method runs against the runner's state under its lock."""

    def _group_of(self: _Runner, alert_id: str) -> GroupState:
        found = [g for g in self.groups.values() if alert_id in g.alerts]
        if not found:
            raise AlertNotFound(f"no alert {alert_id} in any playbook")
        return max(found, key=lambda g: g.created_at)

    async def ack(self: _Runner, alert_id: str, *, person: str, comment: str = "",
                  via: str = "api") -> AckResult:
        """Acknowledge: records owner, time and comment; stops escalation; tells those already paged."""
        await self.start()
        async with self._lock:
            g = self._group_of(alert_id)
            if g.phase == "resolved":
                raise AckRefused("resolved", f"alert {alert_id} is already resolved")
            if g.ack is not None:
                return AckResult(alert_id, g.incident, g.ack.person, g.ack.at, g.ack.comment, True)
            now = self.clock.now()
            comment = redact_text(comment)[:1000]
            g.ack = AckInfo(person, now, comment, alert_id, via)
            g.phase, g.waiting, g.next_at = "acked", False, None
            g.note(now, "acked", person)
            pb = self._playbooks.get(g.playbook)
            if pb is not None and pb.model.on_ack.notify_paged:
                self._pending += [(g, t) for t in targets_for_paged(g, self.pset, kind="ack",
                                                                    template=pb.model.on_ack.template, step_ref="ack")]
            self._ledger_later("ack", {"alert_id": alert_id, "incident": g.incident, "playbook": g.playbook,
                                       "principal": person, "comment": comment, "via": via, "at": now})
            self._dirty.add(g.incident)
            await self._flush(now)
        self._poke()
        return AckResult(alert_id, g.incident, person, now, comment, False)

    async def escalate_now(self: _Runner, alert_id: str, *, person: str) -> None:
        """End the current wait now, so the next step (usually an escalation) runs on the next tick."""
        await self.start()
        async with self._lock:
            g = self._group_of(alert_id)
            if g.phase not in ("pending", "active"):
                raise AckRefused(g.phase, f"alert {alert_id} is {g.phase}; nothing to escalate")
            g.next_at = self.clock.now()
            g.note(g.next_at, "escalate_now", person)
            self._ledger_later("escalation", {"event": "manual", "alert_id": alert_id, "incident": g.incident,
                                              "principal": person})
            self._dirty.add(g.incident)
            await self._flush(self.clock.now())
        self._poke()

    def oncall_now(self: _Runner) -> list[dict[str, Any]]:
        now = self.clock.now()
        out = []
        for tier_id in self.pset.oncall.tier_ids():
            shift = self.pset.oncall.shift(tier_id, now)
            tier = self.pset.oncall.tier(tier_id)
            out.append({"tier": tier_id, "name": tier.name if tier else "", "until": shift.until,
                        "people": [{"id": p, "name": person_name(self.pset, p)} for p in shift.people]})
        return out

    async def ack_link(self: _Runner, token: str) -> AckResult:
        """Acknowledge through a signed link: bound person and alert, not expired, used once."""
        if self._ack_secret is None:
            raise acklink.AckLinkError("disabled")
        await self.start()
        claim = acklink.verify(self._ack_secret, token, self.clock.now())
        if await self.store.kv_get(NS_ACKLINK, claim.nonce) is not None:
            raise acklink.AckLinkError("used")
        await self.store.kv_put(NS_ACKLINK, claim.nonce, str(claim.expires_at).encode())
        return await self.ack(claim.alert_id, person=claim.person, comment="", via="link")

    def check_ack_link(self: _Runner, token: str) -> acklink.AckClaim:
        """The claim of a link, for the confirmation page (does not use the link)."""
        if self._ack_secret is None:
            raise acklink.AckLinkError("disabled")
        return acklink.verify(self._ack_secret, token, self.clock.now())

    async def resolve(self: _Runner, alert_id: str, *, person: str, comment: str = "") -> None:
        """Resolve by hand (operator): the resolved notice goes to everyone paged."""
        await self.start()
        async with self._lock:
            g = self._group_of(alert_id)
            pb = self._playbooks.get(g.playbook)
            now = self.clock.now()
            if pb is not None:
                self._resolve_entry(g, pb, alert_id, now, now)
            self._ledger_later("playbook", {"event": "manual_resolve", "alert_id": alert_id, "incident": g.incident,
                                            "principal": person,
                                           "comment": redact_text(comment)[:1000], "at": now})
            await self._flush(now)
        self._poke()

    async def silence(
        self: _Runner, *, matchers: list[str], owner: str, reason: str, ends_at: float, starts_at: float | None = None,
        remind_before_seconds: float = 900.0, ticket: str = "",
    ) -> Silence:
        await self.start()
        now = self.clock.now()
        s = await self.silences.create(matchers=matchers, owner=owner, reason=redact_text(reason), ends_at=ends_at,
                                       now=now, starts_at=starts_at, remind_before_seconds=remind_before_seconds,
                                       ticket=ticket)
        await self._ledger("silence", {"event": "created", "silence_id": s.id, "matchers": s.matchers,
                                       "created_by": owner, "reason": s.reason, "ends_at": ends_at,
                                       "status": s.status})
        self._changed("silence", s.id)
        return s

    async def approve_silence(self: _Runner, silence_id: str, *, approver: str) -> Silence:
        s = await self.silences.approve(silence_id, approver=approver, now=self.clock.now())
        await self._ledger("silence", {"event": "approved", "silence_id": s.id, "approver": approver,
                                       "created_by": s.owner})
        self._changed("silence", s.id)
        self._poke()
        return s

    async def expire_silence(self: _Runner, silence_id: str, *, person: str) -> Silence:
        s = await self.silences.expire(silence_id, person=person, now=self.clock.now())
        await self._ledger("silence", {"event": "expired", "silence_id": s.id, "principal": person})
        self._changed("silence", s.id)
        self._poke()
        return s

    async def _maintain_silences(self: _Runner, now: float) -> None:
        expired, remind = await self.silences.maintain(now)
        for s in expired:
            self._ledger_later("silence", {"event": "expired", "silence_id": s.id, "created_by": s.owner})
            self._changed("silence", s.id)
        for s in remind:
            self._ledger_later("silence", {"event": "reminder", "silence_id": s.id, "created_by": s.owner,
                                           "ends_at": s.ends_at})
            for d in self._reminder(s, now):
                await self.dispatcher.enqueue(d)

    def _reminder(self: _Runner, s: Silence, now: float) -> list[Delivery]:
        person = self.pset.people.get(s.owner)
        out = []
        for c in person.contacts if person else []:
            if c.channel not in self.pset.channels or not self.pset.channel_types[c.channel].per_person:
                continue
            language = self._language(c.channel, None)
            key = f"silence:{s.id}:reminder:{s.owner}:{c.channel}"
            base = Message("reminder", "", "", key, recipients=(c.to,), link=self._console_url())
            ctx = silence_context(self.pset, s, language=language, console_url=base.link)
            m = compose(self.pset.templates, template="reminder", kind="reminder", language=language, context=ctx,
                        channel=self.pset.channels[c.channel], base=base).message
            out.append(Delivery(key, f"silence:{s.id}", "", c.channel, "reminder", [s.owner], now, now,
                                message_to_dict(m)))
        return out

    async def add_note(self: _Runner, alert_id: str, *, person: str, text: str) -> dict[str, Any]:
        """A note on the alert's group (shown on the console and in the handover sheet), to the ledger."""
        text = redact_text(text).strip()[:2000]
        if not text:
            raise ValueError("a note needs text")
        await self.start()
        async with self._lock:
            g = self._group_of(alert_id)
            now = self.clock.now()
            g.note(now, "note", f"{person}\x1f{text}")
            self._ledger_later("note", {"alert_id": alert_id, "incident": g.incident, "principal": person,
                                        "text": text, "at": now})
            self._dirty.add(g.incident)
            await self._flush(now)
        return {"alert_id": alert_id, "incident": g.incident, "person": person, "text": text, "at": now}

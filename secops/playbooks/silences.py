"""Silences: matchers, an owner, a reason, an expiry and a reminder before it; separate from ack.

A silence that could cover an IMP or CORE alert (its ``data_grade`` matchers do not rule both out)
needs a second operator's approval before it mutes anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import orjson

from secops.errors import SecopsError
from secops.playbooks.matchers import match_all, parse_matchers
from secops.playbooks.state import NS_SILENCE
from secops.store.base import KeyValueStore

APPROVAL_GRADES = ("IMP", "CORE")
MAX_SILENCE_SECONDS = 30 * 86400


class SilenceError(SecopsError):
    """A silence request is invalid or not allowed; ``reason`` is a bounded label."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(slots=True)
class Silence:
    id: str
    matchers: list[str]
    owner: str
    reason: str
    created_at: float
    starts_at: float
    ends_at: float
    remind_before_seconds: float = 900.0
    ticket: str = ""
    status: str = "active"  # pending_approval, active, expired
    approver: str | None = None
    reminded: bool = False
    history: list[list[object]] = field(default_factory=list)

    def active(self, now: float) -> bool:
        return self.status == "active" and self.starts_at <= now < self.ends_at


def needs_approval(matchers: list[str]) -> bool:
    grade = [m for m in parse_matchers(matchers) if m.name == "data_grade"]
    return any(all(m.matches({"data_grade": g}) for m in grade) for g in APPROVAL_GRADES)


class SilenceBook:
    def __init__(self, kv: KeyValueStore) -> None:
        self.kv = kv
        self.items: dict[str, Silence] = {}

    async def load(self) -> None:
        for key, raw in await self.kv.kv_scan(NS_SILENCE):
            self.items[key] = Silence(**orjson.loads(raw))

    async def save(self, s: Silence) -> None:
        await self.kv.kv_put(NS_SILENCE, s.id, orjson.dumps(asdict(s)))

    async def create(
        self, *, matchers: list[str], owner: str, reason: str, ends_at: float, now: float,
        starts_at: float | None = None, remind_before_seconds: float = 900.0, ticket: str = "",
    ) -> Silence:
        if not matchers:
            raise SilenceError("invalid", "a silence needs at least one matcher")
        try:
            parse_matchers(matchers)
        except ValueError as err:
            raise SilenceError("invalid", str(err)) from err
        if not reason.strip():
            raise SilenceError("invalid", "a silence needs a reason")
        start = now if starts_at is None else starts_at
        if not start < ends_at <= start + MAX_SILENCE_SECONDS:
            days = MAX_SILENCE_SECONDS // 86400
            raise SilenceError("invalid", f"expiry must be after the start and within {days} days")
        sid = hashlib.sha256(f"{owner}\x00{matchers}\x00{now}\x00{len(self.items)}".encode()).hexdigest()[:16]
        status = "pending_approval" if needs_approval(matchers) else "active"
        s = Silence(sid, list(matchers), owner, reason, now, start, ends_at, remind_before_seconds, ticket, status)
        s.history.append([now, "created", owner])
        self.items[sid] = s
        await self.save(s)
        return s

    async def approve(self, sid: str, *, approver: str, now: float) -> Silence:
        s = self.get(sid)
        if s.status != "pending_approval":
            raise SilenceError("conflict", f"silence {sid} is {s.status}, not waiting for approval")
        if approver == s.owner:
            raise SilenceError("same_person", "a second operator must approve a silence on IMP/CORE alerts")
        s.status, s.approver = "active", approver
        s.history.append([now, "approved", approver])
        await self.save(s)
        return s

    async def expire(self, sid: str, *, person: str, now: float) -> Silence:
        s = self.get(sid)
        s.status = "expired"
        s.ends_at = min(s.ends_at, now)
        s.history.append([now, "expired", person])
        await self.save(s)
        return s

    def get(self, sid: str) -> Silence:
        if sid not in self.items:
            raise SilenceError("not_found", f"no silence {sid}")
        return self.items[sid]

    def matching(self, labels: dict[str, str], now: float) -> Silence | None:
        for s in self.items.values():
            if s.active(now) and match_all(parse_matchers(s.matchers), labels):
                return s
        return None

    async def maintain(self, now: float) -> tuple[list[Silence], list[Silence]]:
        """Mark ended silences expired; return (newly expired, due for a reminder)."""
        expired, remind = [], []
        for s in self.items.values():
            if s.status in ("active", "pending_approval") and now >= s.ends_at:
                s.status = "expired"
                s.history.append([now, "expired", "time"])
                expired.append(s)
                await self.save(s)
            elif s.status == "active" and not s.reminded and now >= s.ends_at - s.remind_before_seconds:
                s.reminded = True
                remind.append(s)
                await self.save(s)
        return expired, remind

"""Who is on duty: tiers, daily or weekly rotations handed off at a wall-clock time, and overrides.

Rotations are wall-clock rules in an IANA zone (Asia/Shanghai by default): a hand-off at 09:00 stays at
09:00 local time whatever the UTC offset does. Overrides (leave, swaps) sit on top of the rotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secops.playbooks.timeintervals import WEEKDAYS, TimeIntervals, parse_hhmm


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ContactModel(_M):
    channel: str
    to: str = ""  # address on a per-person channel (email address, mobile number for SMS)
    mention: str = ""  # who to @ on a group robot (DingTalk mobile, WeCom userid, Feishu open_id)


class PersonModel(_M):
    name: str
    contacts: list[ContactModel] = Field(default_factory=list)


class RotationModel(_M):
    type: Literal["daily", "weekly"]
    members: list[str] = Field(min_length=1)
    start: date
    handoff: str = "09:00"
    handoff_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"

    @field_validator("handoff")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class TierModel(_M):
    id: str
    name: str = ""
    rotation: RotationModel | None = None
    members: list[str] = Field(default_factory=list)  # everyone listed is on duty (no rotation)
    active_time_intervals: list[str] = Field(default_factory=list)


class OverrideModel(_M):
    tier: str
    person: str
    replaces: str | None = None  # None: the person alone covers the tier for the period
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    reason: str = ""


class OncallModel(_M):
    time_zone: str = "Asia/Shanghai"
    tiers: list[TierModel] = Field(min_length=1)
    overrides: list[OverrideModel] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Shift:
    tier: str
    people: tuple[str, ...]
    until: float | None  # next hand-off (epoch seconds); None for a static tier


@dataclass(frozen=True, slots=True)
class OnCall:
    """Resolves tiers to people at a moment."""

    model: OncallModel | None
    people: Mapping[str, PersonModel]
    intervals: TimeIntervals

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.model.time_zone if self.model else "Asia/Shanghai")

    def tier_ids(self) -> list[str]:
        return [t.id for t in self.model.tiers] if self.model else []

    def tier(self, tier_id: str) -> TierModel | None:
        if self.model is None:
            return None
        return next((t for t in self.model.tiers if t.id == tier_id), None)

    def shift(self, tier_id: str, epoch: float) -> Shift:
        tier = self.tier(tier_id)
        if tier is None:
            return Shift(tier_id, (), None)
        if tier.active_time_intervals and not self.intervals.any_active(tier.active_time_intervals, epoch):
            return Shift(tier_id, (), None)
        local = datetime.fromtimestamp(epoch, self.zone)
        people, until = _rotation_people(tier, local)
        return Shift(tier_id, self._apply_overrides(tier_id, people, local), until)

    def who(self, tier_id: str, epoch: float) -> tuple[str, ...]:
        return self.shift(tier_id, epoch).people

    def _apply_overrides(self, tier_id: str, people: tuple[str, ...], local: datetime) -> tuple[str, ...]:
        naive = local.replace(tzinfo=None)
        for o in self.model.overrides if self.model else []:
            if o.tier != tier_id or not (_naive(o.start, self.zone) <= naive < _naive(o.end, self.zone)):
                continue
            swapped = tuple(o.person if p == o.replaces else p for p in people)
            people = (o.person,) if o.replaces is None else swapped
        return tuple(dict.fromkeys(people))

    def gaps(self, tier_id: str, start: float, days: int = 14, step_seconds: int = 900) -> list[tuple[float, float]]:
        """Periods within ``days`` from ``start`` when the tier is meant to be active but nobody is on it."""
        tier = self.tier(tier_id)
        if tier is None:
            return []
        gaps: list[tuple[float, float]] = []
        t, end = start, start + days * 86400
        while t < end:
            active = not tier.active_time_intervals or self.intervals.any_active(tier.active_time_intervals, t)
            if active and not self.who(tier_id, t):
                if gaps and gaps[-1][1] == t:
                    gaps[-1] = (gaps[-1][0], t + step_seconds)
                else:
                    gaps.append((t, t + step_seconds))
            t += step_seconds
        return gaps


def _naive(value: datetime, zone: ZoneInfo) -> datetime:
    """An override time as local wall-clock time (an aware value is converted into the zone)."""
    return value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value


def _rotation_people(tier: TierModel, local: datetime) -> tuple[tuple[str, ...], float | None]:
    rot = tier.rotation
    if rot is None:
        return tuple(tier.members), None
    handoff = parse_hhmm(rot.handoff)
    first = rot.start
    if rot.type == "weekly":
        first = rot.start + timedelta(days=(WEEKDAYS.index(rot.handoff_weekday) - rot.start.weekday()) % 7)
    period = 1 if rot.type == "daily" else 7
    days = (local.date() - first).days - (1 if local.time() < handoff else 0)
    if days < 0:
        next_local = datetime.combine(first, handoff, local.tzinfo)
        return (), next_local.timestamp()
    index = days // period
    next_day = first + timedelta(days=(index + 1) * period)
    until = datetime.combine(next_day, handoff, local.tzinfo).timestamp()
    return (rot.members[index % len(rot.members)],), until

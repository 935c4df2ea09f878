"""Named time intervals (working hours, nights, holidays, 重保期) evaluated in a wall-clock time zone.

An interval matches when every given part matches: ``weekdays`` (mon..sun), ``days`` (``workday``,
``restday``, ``holiday``), ``dates`` (inclusive ranges) and ``times`` (``HH:MM`` ranges; an end before
the start wraps past midnight). A named interval is a list of such entries and matches when any does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secops.playbooks.holidays import DayRange, HolidayCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        if not (len(hours) == 2 and len(minutes) == 2):
            raise ValueError
        if hours == "24" and minutes == "00":
            return time(23, 59, 59, 999999)
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"expected a time of day HH:MM (00:00..24:00), got {text!r}") from None


class TimeRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class TimeIntervalModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(default_factory=list)
    days: list[Literal["workday", "restday", "holiday"]] = Field(default_factory=list)
    dates: list[DayRange] = Field(default_factory=list)
    times: list[TimeRange] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Entry:
    weekdays: frozenset[int]
    days: frozenset[str]
    dates: frozenset[date]
    times: tuple[tuple[time, time], ...]

    def matches(self, local: datetime, calendar: HolidayCalendar) -> bool:
        day = local.date()
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if self.days and not any(_day_kind(k, day, calendar) for k in self.days):
            return False
        if self.dates and day not in self.dates:
            return False
        return not self.times or any(_in_range(local.time(), a, b) for a, b in self.times)


def _day_kind(kind: str, day: date, calendar: HolidayCalendar) -> bool:
    if kind == "workday":
        return calendar.is_workday(day)
    if kind == "holiday":
        return calendar.is_holiday(day)
    return not calendar.is_workday(day)


def _in_range(t: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= t < end
    return t >= start or t < end


@dataclass(frozen=True, slots=True)
class TimeIntervals:
    """All named intervals of a playbook set, with the calendar and zone they are read in."""

    entries: Mapping[str, tuple[_Entry, ...]]
    calendar: HolidayCalendar
    zone: ZoneInfo

    @classmethod
    def build(
        cls, models: Mapping[str, Sequence[TimeIntervalModel]], calendar: HolidayCalendar, zone: str
    ) -> TimeIntervals:
        entries = {name: tuple(_entry(m) for m in items) for name, items in models.items()}
        return cls(entries, calendar, ZoneInfo(zone))

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, self.zone)

    def active(self, name: str, epoch: float) -> bool:
        local = self.local(epoch)
        return any(e.matches(local, self.calendar) for e in self.entries.get(name, ()))

    def any_active(self, names: Sequence[str], epoch: float) -> bool:
        return any(self.active(n, epoch) for n in names)


def _entry(model: TimeIntervalModel) -> _Entry:
    return _Entry(
        weekdays=frozenset(WEEKDAYS.index(w) for w in model.weekdays),
        days=frozenset(model.days),
        dates=frozenset(d for r in model.dates for d in r.days()),
        times=tuple((parse_hhmm(r.start), parse_hhmm(r.end)) for r in model.times),
    )

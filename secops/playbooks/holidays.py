"""China's statutory holidays and the swapped working days (调休), from a data file the operator updates.

A day is a *working day* when it is Monday to Friday and not a holiday, or when it is listed as a 调休
working day (a Saturday or Sunday the State Council moved work to). Everything else is a rest day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DayRange(BaseModel):
    """One date, or a range ``from``..``to`` (both inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    date: dt.date | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    name: str = ""

    @model_validator(mode="after")
    def _shape(self) -> DayRange:
        if (self.date is None) == (self.start is None or self.end is None):
            raise ValueError("give either 'date' or both 'from' and 'to'")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self

    def days(self) -> list[dt.date]:
        first = self.date or self.start
        last = self.date or self.end
        if first is None or last is None:
            return []
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class CalendarModel(BaseModel):
    """``calendar:`` in a playbook file (playbooks/holidays.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "cn"
    years: list[int] = Field(default_factory=list)
    provisional_years: list[int] = Field(default_factory=list)
    holidays: list[DayRange] = Field(default_factory=list)
    workdays: list[DayRange] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()
    provisional_years: frozenset[int] = frozenset()

    @classmethod
    def from_model(cls, model: CalendarModel | None) -> HolidayCalendar:
        if model is None:
            return cls()
        holidays = frozenset(d for r in model.holidays for d in r.days())
        workdays = frozenset(d for r in model.workdays for d in r.days())
        return cls(holidays, workdays, frozenset(model.years), frozenset(model.provisional_years))

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def covers(self, year: int) -> bool:
        return year in self.years

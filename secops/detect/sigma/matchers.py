"""Compiled value matchers, detection items and the per-event view they read.

Every matcher is called with one field value as ``(raw, text, low, view)``: the raw value, its text
form and the lower-cased text (cached once per field per event by ``EventView``).
"""

from __future__ import annotations

import ipaddress
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from secops.detect.sigma.patterns import StringMatcher

Triple = tuple[Any, str, str]
SOURCE_FIELD = "secops.source"


def to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class EventView:
    """Read access to one event's fields with per-event caches of text forms."""

    __slots__ = ("_all", "_cache", "fields", "source", "timestamp")

    def __init__(self, fields: Mapping[str, Any], *, timestamp: float = 0.0, source: str = "") -> None:
        self.fields = fields
        self.timestamp = timestamp
        self.source = source
        self._cache: dict[str, list[Triple] | None] = {}
        self._all: list[Triple] | None = None

    def raw(self, name: str) -> Any:
        value = self.fields.get(name)
        if value is None and name == SOURCE_FIELD:
            return self.source or None
        return value

    def values(self, name: str) -> list[Triple] | None:
        """Text forms of a field's value(s); None when absent or null."""
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self.raw(name)
        triples: list[Triple] | None
        if value is None:
            triples = None
        elif isinstance(value, (list, tuple)):
            triples = [(v, t, t.lower()) for v in value if v is not None for t in (to_text(v),)]
        else:
            text = to_text(value)
            triples = [(value, text, text.lower())]
        self._cache[name] = triples
        return triples

    def all_values(self) -> list[Triple]:
        """Every string-like value of the event (keyword search)."""
        if self._all is None:
            out: list[Triple] = []
            for name in self.fields:
                out.extend(self.values(name) or ())
            self._all = out
        return self._all


class ValueMatcher(Protocol):
    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool: ...


@dataclass(frozen=True, slots=True)
class StrValue:
    sm: StringMatcher

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        return self.sm(text, low)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        return float(str(raw).strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class NumValue:
    number: float

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        return _number(raw) == self.number


@dataclass(frozen=True, slots=True)
class BoolValue:
    value: bool

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        if isinstance(raw, bool):
            return raw is self.value
        return low == ("true" if self.value else "false")


@dataclass(frozen=True, slots=True)
class RegexValue:
    regex: Any  # re2 compiled pattern

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        return self.regex.search(text) is not None


@lru_cache(maxsize=4096)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CidrValue:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        ip = _ip(text)
        return ip is not None and ip.version == self.network.version and ip in self.network


COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
}


@dataclass(frozen=True, slots=True)
class CompareValue:
    op: str
    number: float

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        value = _number(raw)
        return value is not None and COMPARATORS[self.op](value, self.number)


@dataclass(frozen=True, slots=True)
class FieldRefValue:
    """Compare with the value of another field of the same event."""

    other: str
    kind: str  # eq, contains, prefix, suffix
    cased: bool

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        others = view.values(self.other)
        if not others:
            return False
        subject = text if self.cased else low
        for _, otext, olow in others:
            ref = otext if self.cased else olow
            if self.kind == "eq" and subject == ref:
                return True
            if self.kind == "contains" and ref in subject:
                return True
            if self.kind == "prefix" and subject.startswith(ref):
                return True
            if self.kind == "suffix" and subject.endswith(ref):
                return True
        return False


def parse_datetime(raw: Any) -> datetime | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return datetime.fromtimestamp(float(raw), UTC)
    try:
        text = str(raw).strip().replace("Z", "+00:00")
        return datetime.fromisoformat(text)
    except ValueError:
        return None


TIME_PARTS: dict[str, Callable[[datetime], int]] = {
    "minute": lambda d: d.minute,
    "hour": lambda d: d.hour,
    "day": lambda d: d.day,
    "week": lambda d: d.isocalendar()[1],
    "month": lambda d: d.month,
    "year": lambda d: d.year,
}


@dataclass(frozen=True, slots=True)
class TimePartValue:
    """Extract a part of a date as written (no time-zone conversion), then match the number."""

    part: str
    inner: ValueMatcher

    def __call__(self, raw: Any, text: str, low: str, view: EventView) -> bool:
        moment = parse_datetime(raw)
        if moment is None:
            return False
        number = TIME_PARTS[self.part](moment)
        ntext = str(number)
        return self.inner(number, ntext, ntext, view)


@dataclass(frozen=True, slots=True)
class Item:
    """One ``field|modifiers: values`` entry (``field`` None: keyword search over all values)."""

    field: str | None
    matchers: tuple[ValueMatcher, ...] = ()
    link_all: bool = False
    negate: bool = False
    kind: str = "values"  # values, null, exists
    exists: bool = True
    literals: tuple[str, ...] | None = None  # prefilter: one of these is in the text of any match

    def __call__(self, view: EventView) -> bool:
        return self._eval(view) != self.negate

    def _eval(self, view: EventView) -> bool:
        if self.kind != "values":
            present = view.values(self.field) is not None if self.field else True
            return present == self.exists if self.kind == "exists" else not present
        triples = view.all_values() if self.field is None else view.values(self.field)
        if not triples:
            return False
        if self.link_all:
            return all(any(m(r, t, lo, view) for r, t, lo in triples) for m in self.matchers)
        for raw, text, low in triples:
            for m in self.matchers:
                if m(raw, text, low, view):
                    return True
        return False

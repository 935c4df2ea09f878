"""Window state for distinct-subject and event counts, in event time.

Sliding windows keep the last time each keyed hash was seen; calendar-year windows keep the set of the
current year (in the scope's timezone) and start afresh on 1 January. Sets stop growing at the largest
threshold a rule asks about, and the number of keys per slot is bounded, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


def parse_window(text: str) -> float | None:
    """Seconds of a sliding window ("30s", "10m", "1h", "7d"), or None for "calendar_year"."""
    if text == "calendar_year":
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"window {text!r}: expected a duration like 30s, 10m, 1h, 7d, or calendar_year")
    return float(int(text[:-1]) * units[text[-1]])


@dataclass(slots=True)
class _Bucket:
    seen: OrderedDict[bytes, float] = field(default_factory=OrderedDict)  # hash -> last event time
    events: deque[float] = field(default_factory=deque)
    year: int = 0
    latest: float = 0.0


class WindowSlot:
    """State of one windowed rule (one slot per rule and scope): buckets per group key."""

    def __init__(self, *, seconds: float | None, timezone: str, cap: int, max_keys: int) -> None:
        self.seconds = seconds
        self.tz = ZoneInfo(timezone)
        self.cap = max(cap, 1)
        self.max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, ...], _Bucket] = OrderedDict()
        self._years: dict[int, int] = {}

    def signature(self) -> tuple[float | None, str]:
        return self.seconds, str(self.tz)

    def _year(self, ts: float) -> int:
        hour = int(ts // 3600)
        year = self._years.get(hour)
        if year is None:
            year = dt.datetime.fromtimestamp(ts, self.tz).year
            if len(self._years) > 4096:
                self._years.clear()
            self._years[hour] = year
        return year

    def _bucket(self, key: tuple[str, ...], ts: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)  # evict the least recently updated group
            bucket = self._buckets[key] = _Bucket()
        else:
            self._buckets.move_to_end(key)
        bucket.latest = max(bucket.latest, ts)
        if self.seconds is None:
            year = self._year(bucket.latest)
            if year != bucket.year:
                bucket.seen.clear()
                bucket.events.clear()
                bucket.year = year
        else:
            self._expire(bucket)
        return bucket

    def _expire(self, bucket: _Bucket) -> None:
        assert self.seconds is not None
        horizon = bucket.latest - self.seconds
        while bucket.seen:
            _h, t = next(iter(bucket.seen.items()))
            if t > horizon:
                break
            bucket.seen.popitem(last=False)
        while bucket.events and bucket.events[0] <= horizon:
            bucket.events.popleft()

    def add(self, key: tuple[str, ...], ts: float, hashes: set[bytes]) -> tuple[int, int]:
        """Record one event and its subject hashes; returns (distinct subjects, events) in the window."""
        bucket = self._bucket(key, ts)
        if self.seconds is not None and ts <= bucket.latest - self.seconds:
            return len(bucket.seen), len(bucket.events)  # too late for the window: counted nowhere
        if len(bucket.events) < self.cap:
            bucket.events.append(ts)
        for h in hashes:
            if h in bucket.seen:
                bucket.seen[h] = max(bucket.seen[h], ts)
                bucket.seen.move_to_end(h)
            elif len(bucket.seen) < self.cap:
                bucket.seen[h] = ts
        return len(bucket.seen), len(bucket.events)

    def peek(self, key: tuple[str, ...]) -> tuple[int, int]:
        bucket = self._buckets.get(key)
        return (len(bucket.seen), len(bucket.events)) if bucket else (0, 0)

    def keys(self) -> int:
        return len(self._buckets)

    def clear(self) -> None:
        self._buckets.clear()


class WindowStore:
    """All window slots, by (rule id, slot name). A store built for reloaded rules takes over the slots of
    the previous store whose rule and scope are unchanged, so a reload keeps window state; the previous
    store is left as it was (a refused reload changes nothing)."""

    def __init__(self, previous: WindowStore | None = None) -> None:
        self._slots: dict[tuple[str, str], WindowSlot] = {}
        self._previous = previous._slots if previous is not None else {}

    def slot(self, rule_id: str, name: str, *, seconds: float | None, timezone: str, cap: int,
             max_keys: int) -> WindowSlot:
        key = (rule_id, name)
        old = self._slots.get(key) or self._previous.get(key)
        if old is not None and old.signature() == (seconds, str(ZoneInfo(timezone))):
            old.cap = max(old.cap, cap)
            old.max_keys = max_keys
            self._slots[key] = old
            return old
        slot = self._slots[key] = WindowSlot(seconds=seconds, timezone=timezone, cap=cap, max_keys=max_keys)
        return slot

    def __len__(self) -> int:
        return len(self._slots)

    def fresh(self) -> WindowStore:
        """An empty store (rule tests start from no state)."""
        return WindowStore()

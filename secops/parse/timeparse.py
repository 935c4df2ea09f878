"""Event timestamps as logs write them -> epoch seconds (UTC), and epoch seconds -> ISO 8601 UTC.

Recognised: epoch seconds/milliseconds/microseconds (number or digit string), ISO 8601 (``T`` or space,
any fraction, ``Z`` or offset), ``YYYY/M/D H:M:S`` (Huawei), ``YYYYMMDDhhmmss`` (H3C), the access-log
``10/Oct/2000:13:55:36 -0700``, and BSD ``Mmm dd[ yyyy] hh:mm:ss[ yyyy]`` (syslog 3164, Huawei, H3C, CEF
``rt``). A time without an offset is local time in the configured zone; a BSD time without a year gets
the latest year that puts it no more than 7 days after the time the record was received (so Dec 31
received on Jan 1 lands in the old year, and Jan 1 received on Dec 31 in the new one).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
MIN_EPOCH = 946684800.0  # 2000-01-01: a bare number below this is not a timestamp
MAX_EPOCH = 4102444800.0  # 2100-01-01
FUTURE_SLACK_SECONDS = 7 * 86400.0  # a yearless BSD time is at most this far after its receipt
_MIN_YEAR, _MAX_YEAR = 1970, 2099
_INT_LIMIT = 10**20  # an integer field beyond this is no epoch in s, ms, us or ns
_CHINA = timezone(timedelta(hours=8), "CST")

_BSD = re.compile(
    r"([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?: (\d{4}))?"
    r"(?: ?(Z|UTC|GMT|CST|[+-]\d\d:?\d\d))?"
)
_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})[ T](\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,9}))?")
_CLF = re.compile(r"(\d{1,2})/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d)(?: ([+-])(\d\d)(\d\d))?")
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)")


_OFFSETS: dict[str, tzinfo] = {"Z": UTC, "UTC": UTC, "GMT": UTC, "CST": _CHINA}


def _offset(text: str | None, local: tzinfo) -> tzinfo:
    if text is None:
        return local
    tz = _OFFSETS.get(text)
    if tz is None:
        sign = -1 if text[0] == "-" else 1
        digits = text[1:].replace(":", "")
        try:
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        except ValueError:  # offsets of 24 hours or more
            return local
        if len(_OFFSETS) < 256:
            _OFFSETS[text] = tz
    return tz


def _fraction(text: str | None) -> int:
    return int(text[:6].ljust(6, "0")) if text else 0


def _build(year: int, month: int, day: int, clock: tuple[int, int, int, int], tz: tzinfo) -> float | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return datetime(year, month, day, *clock, tzinfo=tz).timestamp()
    except ValueError:
        return None


def _epoch(value: float) -> float | None:
    if not math.isfinite(value) or value <= 0:
        return None
    while value > MAX_EPOCH and value > 1e11:
        value /= 1000.0
    return value if MIN_EPOCH <= value < MAX_EPOCH else None


def _bsd(m: re.Match[str], local: tzinfo, received_at: float) -> float | None:
    mon, day, year1, hh, mm, ss, frac, year2, zone = m.groups()
    month = MONTHS.get(mon)
    if month is None:
        return None
    clock = (int(hh), int(mm), int(ss), _fraction(frac))
    tz = _offset(zone, local)
    year = year1 or year2
    if year is not None:
        return _build(int(year), month, int(day), clock, tz)
    received_year = datetime.fromtimestamp(received_at, tz).year
    for candidate in (received_year + 1, received_year, received_year - 1, received_year - 4):
        t = _build(candidate, month, int(day), clock, tz)
        if t is not None and t <= received_at + FUTURE_SLACK_SECONDS:
            return t
    return None


def _iso(text: str, local: tzinfo) -> float | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local)
    if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        return None
    return parsed.timestamp()


_CLF_MINUTES: dict[str, float] = {}


def _clf(text: str, local: tzinfo) -> float | None:
    """``10/Oct/2000:13:55:36 -0700``; with an offset, the minute is memoised (lines come in order)."""
    key = text[:-9] + text[-6:] if len(text) == 26 else ""
    base = _CLF_MINUTES.get(key)
    seconds = text[-8:-6]
    if base is not None and seconds.isdigit() and seconds < "60" and text[-9] == ":" and text[-6] == " ":
        return base + int(seconds)
    m = _CLF.fullmatch(text)
    if m is None:
        return None
    tz = local if m.group(7) is None else _offset(m.group(7) + m.group(8) + m.group(9), local)
    t = _build(int(m.group(3)), MONTHS.get(m.group(2), 0), int(m.group(1)),
               (int(m.group(4)), int(m.group(5)), int(m.group(6)), 0), tz)
    if t is not None and key and m.group(7) is not None:
        if len(_CLF_MINUTES) >= 4096:
            _CLF_MINUTES.clear()
        _CLF_MINUTES[key] = t - int(m.group(6))
    return t


def _digits_first(text: str, local: tzinfo) -> float | None:
    if text.isdigit() and len(text) != 14:
        return _epoch(float(text))
    if len(text) >= 10 and text[4] == "-":
        return _iso(text, local)
    if text[1:3].endswith("/") or text[2:3] == "/":
        return _clf(text, local)
    if len(text) == 14 and text.isdigit():
        m = _COMPACT.fullmatch(text)
        if m is not None:
            y, mo, d, hh, mm, ss = (int(g) for g in m.groups())
            return _build(y, mo, d, (hh, mm, ss, 0), local)
    m = _SLASH.fullmatch(text)
    if m is not None:
        y, mo, d, hh, mm, ss = (int(g) for g in m.groups()[:6])
        return _build(y, mo, d, (hh, mm, ss, _fraction(m.group(7))), local)
    try:
        return _epoch(float(text))
    except ValueError:
        return None


def parse_time(value: object, *, received_at: float, local: tzinfo) -> float | None:
    """Epoch seconds of ``value`` (a field value of any type), or None if it is not a timestamp."""
    if type(value) is float:
        return _epoch(value)
    if type(value) is int:
        return _epoch(float(value)) if -_INT_LIMIT < value < _INT_LIMIT else None
    if type(value) is not str or not value or len(value) > 64:
        return None
    text = value.strip()
    if not text:
        return None
    if text[0].isdigit():
        return _digits_first(text, local)
    m = _BSD.fullmatch(text)
    if m is not None:
        return _bsd(m, local, received_at)
    return None


_UTC_MINUTES: dict[str, int] = {}  # "YYYY-MM-DDThh:mm" -> microseconds since the epoch at :00 UTC
_UTC_MINUTE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d", re.ASCII)
_SECOND_US = {f"{i:02d}": i * 1_000_000 for i in range(60)}
_MILLI_US = {f".{i:03d}Z": i * 1000 for i in range(1000)}


def parse_utc_millis(text: str) -> float | None:
    """Epoch seconds of ``YYYY-MM-DDThh:mm:ss.mmmZ`` (the form ``format_utc`` writes), equal to what
    ``parse_time`` returns for it, and ``format_utc`` of the result gives ``text`` back. None for any
    other text (then use ``parse_time``). The minute is memoised: logs come in time order."""
    if len(text) != 24 or text[16] != ":":
        return None
    second = _SECOND_US.get(text[17:19])
    milli = _MILLI_US.get(text[19:])
    if second is None or milli is None:
        return None
    base = _UTC_MINUTES.get(text[:16])
    if base is None:
        base = _utc_minute(text[:16])
        if base is None:
            return None
    return (base + second + milli) / 1_000_000  # as datetime.timestamp(): integer microseconds / 10**6


def _utc_minute(minute: str) -> int | None:
    if _UTC_MINUTE.fullmatch(minute) is None or minute[11:13] > "23":  # 24:00 is only ever hh:mm:00
        return None
    t = _iso(minute + ":00Z", UTC)
    if t is None:
        return None
    if len(_UTC_MINUTES) >= 4096:
        _UTC_MINUTES.clear()
    _UTC_MINUTES[minute] = base = int(t) * 1_000_000
    return base


_MINUTES: dict[int, str] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TWO = tuple(f"{i:02d}" for i in range(60))
_THREE = tuple(f".{i:03d}Z" for i in range(1000))


def _minute_prefix(minute: int) -> str:
    prefix = (_EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
    if len(_MINUTES) >= 4096:
        _MINUTES.clear()
    _MINUTES[minute] = prefix
    return prefix


def format_utc(t: float) -> str:
    """``2024-01-01T04:00:00.000Z`` for epoch seconds ``t`` (millisecond precision, 1970..9999)."""
    secs, ms = divmod(int(t * 1000.0 + 0.5), 1000)
    minute, second = divmod(secs, 60)
    prefix = _MINUTES.get(minute) or _minute_prefix(minute)
    return prefix + _TWO[second] + _THREE[ms]

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from secops.parse.timeparse import format_utc, parse_time, parse_utc_millis

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2024, 5, 1, 0, 0, tzinfo=UTC).timestamp()


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:00:00Z", utc(2024, 5, 1, 8)),
        ("2024-05-01T08:00:00.250+08:00", utc(2024, 5, 1, 0) + 0.25),
        ("2024-05-01 08:00:00", utc(2024, 5, 1, 0)),  # no offset: Asia/Shanghai
        ("2024-05-01T08:00:00.123456789Z", utc(2024, 5, 1, 8) + 0.123456),
        ("2019/1/12 10:10:10", utc(2019, 1, 12, 2, 10, 10)),
        ("20191112101010", utc(2019, 11, 12, 2, 10, 10)),
        ("10/Oct/2000:13:55:36 -0700", utc(2000, 10, 10, 20, 55, 36)),
        ("10/Oct/2000:13:55:36", utc(2000, 10, 10, 5, 55, 36)),
        ("Dec 12 2019 06:31:14", utc(2019, 12, 11, 22, 31, 14)),
        ("Jan 12 10:10:10 2019", utc(2019, 1, 12, 2, 10, 10)),
        ("Apr 30 23:00:00", utc(2024, 4, 30, 15)),
        ("Sep 19 2024 08:26:10 UTC", utc(2024, 9, 19, 8, 26, 10)),
        ("Sep 19 2024 08:26:10 +0100", utc(2024, 9, 19, 7, 26, 10)),
        ("Sep 19 2024 08:26:10.500 CST", utc(2024, 9, 19, 0, 26, 10) + 0.5),
        (1714550400, utc(2024, 5, 1, 8)),
        (1714550400123, utc(2024, 5, 1, 8) + 0.123),
        (1714550400.5, utc(2024, 5, 1, 8) + 0.5),
        ("1714550400", utc(2024, 5, 1, 8)),
        ("1714550400000000", utc(2024, 5, 1, 8)),
        ("1714550400.250", utc(2024, 5, 1, 8) + 0.25),
    ],
)
def test_parse_time(value: object, expected: float) -> None:
    assert parse_time(value, received_at=RECEIVED, local=SHANGHAI) == pytest.approx(expected)


@pytest.mark.parametrize(
    "value",
    [None, True, "", "   ", "yesterday", "2024-13-01T00:00:00", "Feb 30 10:00:00 2024", "Foo 12 10:10:10",
     "32/Oct/2000:13:55:36 -0700", 5, -1, float("nan"), float("inf"), "1e400", "9" * 80, ["2024-05-01"],
     "0000-01-01T00:00:00", "10/Oct/2000:25:55:36 +0800", "2024-05-01T08:00:00+25:00"],
)
def test_parse_time_rejects(value: object) -> None:
    assert parse_time(value, received_at=RECEIVED, local=SHANGHAI) is None


@pytest.mark.parametrize(
    ("stamp", "received", "expected"),
    [
        # Dec 31 written just before midnight, received just after New Year: previous year.
        ("Dec 31 23:59:59", utc(2025, 12, 31, 16, 0, 5), utc(2025, 12, 31, 15, 59, 59)),
        # Jan 1 from a sender whose clock runs a little ahead, received on Dec 31: next year.
        ("Jan  1 00:00:01", utc(2025, 12, 31, 15, 59, 50), utc(2025, 12, 31, 16, 0, 1)),
        # An old line replayed in November is from this year, not next year.
        ("Jan  5 12:00:00", utc(2026, 11, 26, 0), utc(2026, 1, 5, 4)),
        # Feb 29 only exists in a leap year.
        ("Feb 29 12:00:00", utc(2025, 3, 2, 0), utc(2024, 2, 29, 4)),
    ],
)
def test_bsd_year_rollover(stamp: str, received: float, expected: float) -> None:
    assert parse_time(stamp, received_at=received, local=SHANGHAI) == expected


@pytest.mark.parametrize(
    ("t", "text"),
    [(0.0, "1970-01-01T00:00:00.000Z"), (1714550400.0, "2024-05-01T08:00:00.000Z"),
     (1714550400.1234, "2024-05-01T08:00:00.123Z"), (1714550399.9996, "2024-05-01T08:00:00.000Z"),
     (951782400.0, "2000-02-29T00:00:00.000Z"), (1767225599.5, "2025-12-31T23:59:59.500Z")],
)
def test_format_utc(t: float, text: str) -> None:
    assert format_utc(t) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-05-01T08:00:00.000Z", utc(2024, 5, 1, 8)), ("1970-01-01T00:00:00.000Z", 0.0),
     ("2024-02-29T23:59:59.999Z", utc(2024, 2, 29, 23, 59, 59) + 0.999)],
)
def test_parse_utc_millis(text: str, expected: float) -> None:
    assert parse_utc_millis(text) == expected == parse_time(text, received_at=RECEIVED, local=SHANGHAI)
    assert format_utc(expected) == text


@pytest.mark.parametrize(
    "text",
    ["2024-05-01T08:00:00Z", "2024-05-01T08:00:00.000+00:00", "2024-05-01 08:00:00.000Z", "2024-05-01T08:00:60.000Z",
     "2023-02-29T00:00:00.000Z", "2024-05-01T24:00:00.000Z", "1969-12-31T23:59:59.000Z", "2100-01-01T00:00:00.000Z",
     "２024-05-01T08:00:00.000Z", "2024-05-01T08:00:0١.000Z", "2024-05-01T08:00:00.000z", " 2024-05-01T08:00:00.00Z"],
)
def test_parse_utc_millis_leaves_other_text_to_parse_time(text: str) -> None:
    assert parse_utc_millis(text) is None


@settings(max_examples=300, deadline=None)
@given(st.datetimes(datetime(1965, 1, 1), datetime(2105, 1, 1)), st.integers(0, 30), st.sampled_from("0９T:.Z -"))
def test_parse_utc_millis_agrees_with_parse_time(when: datetime, pos: int, char: str) -> None:
    exact = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    for text in (exact, exact[:pos] + char + exact[pos + 1:]):
        fast = parse_utc_millis(text)
        slow = parse_time(text, received_at=RECEIVED, local=SHANGHAI)
        if fast is not None:
            assert fast == slow
            assert format_utc(fast) == text
    if 1970 <= when.year < 2100:
        assert parse_utc_millis(exact) is not None

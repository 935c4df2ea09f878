from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from secops.clock import FakeClock
from secops.playbooks.loader import load_playbooks
from tests.playbooks.helpers import REPO

SH = ZoneInfo("Asia/Shanghai")
PSET = load_playbooks([REPO / "playbooks"], clock=FakeClock())


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SH).timestamp()


def test_daily_rotation_hands_off_at_0900_shanghai() -> None:
    assert PSET.oncall.who("duty", at("2026-03-02T08:59")) != PSET.oncall.who("duty", at("2026-03-02T09:00"))
    assert PSET.oncall.who("duty", at("2026-03-02T09:00")) == PSET.oncall.who("duty", at("2026-03-03T08:59"))


def test_weekly_rotation_and_static_tier() -> None:
    assert PSET.oncall.who("lead", at("2026-03-04T12:00")) == ("wang_wu",)
    assert PSET.oncall.who("dso", at("2026-03-04T12:00")) == ("zhao_liu",)


def test_override_replaces_person_for_its_period(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.playbooks.helpers import write_dir

    files = [(p.name, p.read_text(encoding="utf-8")) for p in (REPO / "playbooks").glob("*.yaml")]
    files = [(n, t.replace("  overrides: []", "  overrides:\n    - {tier: duty, person: wang_wu, "
                                              'from: "2026-03-02T12:00", to: "2026-03-02T18:00", reason: 请假}'))
             for n, t in files]
    pset = load_playbooks([write_dir(tmp_path, *files)], clock=FakeClock())
    assert pset.oncall.who("duty", at("2026-03-02T13:00")) == ("wang_wu",)
    assert pset.oncall.who("duty", at("2026-03-02T18:00")) != ("wang_wu",)


def test_holiday_calendar_knows_tiaoxiu() -> None:
    cal = PSET.intervals.calendar
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 春节调休上班
    assert not cal.is_workday(date(2026, 2, 16))  # Monday, 春节
    assert cal.is_holiday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 国庆调休上班
    assert not cal.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    assert 2027 in cal.provisional_years


def test_working_hours_interval_uses_calendar() -> None:
    iv = PSET.intervals
    assert iv.active("working_hours", at("2026-02-14T10:00"))  # 调休 Saturday is a working day
    assert not iv.active("working_hours", at("2026-10-02T10:00"))  # National Day holiday
    assert iv.active("off_hours", at("2026-10-02T10:00"))
    assert iv.active("off_hours", at("2026-03-02T23:00"))  # a weekday night

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from secops.playbooks.cli import run_oncall_now, run_tests
from tests.playbooks.helpers import REPO, write_dir

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def test_oncall_now_shows_duty_and_handoff() -> None:
    out = io.StringIO()
    assert run_oncall_now([REPO / "playbooks"], now=at("2026-10-01T02:10"), out=out) == 0
    text = out.getvalue()
    assert "rest day" in text
    assert "duty 值班员: 张三 (zhang_san) until 2026-10-01 09:00" in text
    assert "lead 值班长: 王五（值班长） (wang_wu)" in text


def test_oncall_now_after_handoff_is_next_person() -> None:
    out = io.StringIO()
    run_oncall_now([REPO / "playbooks"], now=at("2026-10-01T09:00"), out=out)
    assert "李四 (li_si) until 2026-10-02 09:00" in out.getvalue()


def test_oncall_now_reports_config_errors(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("oncall.yaml", "oncall:\n  tiers: [{id: duty, members: [ghost]}]\n"))
    out = io.StringIO()
    assert run_oncall_now([root], now=at("2026-03-02T10:00"), out=out) == 1
    assert "oncall.yaml:2:" in out.getvalue()
    assert "unknown person 'ghost'" in out.getvalue()


def test_shipped_playbook_tests_pass() -> None:
    out = io.StringIO()
    assert run_tests([REPO / "playbooks"], out=out) == 0, out.getvalue()
    assert out.getvalue().startswith("PASS")


def test_playbook_test_with_wrong_expectation_fails(tmp_path: Path) -> None:
    text = (REPO / "playbooks" / "default.yaml").read_text(encoding="utf-8")
    wrong = text.replace("{after_seconds: 310, channel: sms_duty, person: wang_wu, kind: escalation}",
                         "{after_seconds: 900, channel: sms_duty, person: wang_wu, kind: escalation}")
    assert wrong != text
    files = [(p.name, p.read_text(encoding="utf-8")) for p in (REPO / "playbooks").glob("*.yaml")
             if p.name != "default.yaml"]
    root = write_dir(tmp_path, *files, ("default.yaml", wrong))
    out = io.StringIO()
    assert run_tests([root], out=out) == 1
    assert "expected escalation on sms_duty to wang_wu at +900s; not sent" in out.getvalue()

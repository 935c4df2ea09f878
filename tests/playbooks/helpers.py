"""Building playbook directories and alerts for tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from secops.clock import FakeClock
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, fingerprint
from secops.playbooks.loader import PlaybookSet, load_playbooks

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "playbooks" / "templates"

ONCALL = """
people:
  alice: {name: 张三, contacts: [{channel: pager, to: alice-pager}, {channel: mail, to: alice@example.gov.cn}]}
  bob: {name: 李四, contacts: [{channel: pager, to: bob-pager}]}
  carol: {name: 王五, contacts: [{channel: pager, to: carol-pager}]}
oncall:
  time_zone: Asia/Shanghai
  tiers:
    - {id: duty, members: [alice]}
    - {id: lead, members: [bob]}
"""


def write_dir(tmp: Path, *files: tuple[str, str], templates: bool = True) -> Path:
    root = tmp / "pb"
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files:
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    if templates:
        shutil.copytree(TEMPLATES, root / "templates", dirs_exist_ok=True)
    return root


def load(tmp: Path, *files: tuple[str, str], templates: bool = True) -> PlaybookSet:
    return load_playbooks([write_dir(tmp, *files, templates=templates)], clock=FakeClock())


def make_alert(clock: FakeClock, *, name: str = "批量身份证号外发", grade: str = "IMP", severity: str = "high",
               annotations: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> Alert:
    labels = {"alertname": name, "rule_id": "r-1", "severity": severity, "data_grade": grade, **(extra or {})}
    fp = fingerprint(labels)
    now = clock.now()
    ann = annotations if annotations is not None else {"summary": "检测到身份证号外发", "samples": "4601**********123X"}
    return Alert(alert_id(fp, now), fp, labels, ann, AlertStatus.FIRING, now, now)


def fired(a: Alert) -> AlertChange:
    return AlertChange(ChangeKind.FIRED, a)


def resolved(a: Alert, at: float) -> AlertChange:
    return AlertChange(ChangeKind.RESOLVED, Alert(a.id, a.fingerprint, a.labels, a.annotations,
                                                  AlertStatus.RESOLVED, a.starts_at, at, ends_at=at))

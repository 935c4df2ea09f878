"""Builders for events and alert changes used across store tests."""

from __future__ import annotations

from functools import lru_cache

from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, fingerprint
from secops.model.event import Event

GRADES = ("L2", "L3", "L4", "IMP")
SEVERITIES = ("low", "medium", "high", "critical")


def event(i: int, *, source: str = "syslog_in", t0: float = 1_767_225_600.0) -> Event:
    return Event(
        id=f"ev-{i:08d}", source=source, timestamp=t0 + i, received_at=t0 + i + 0.5,
        fields={"message": f"用户 张** 登录失败 #{i}", "source.ip": "10.0.0.1", "user.name": "zh***",
                "data.grade": "L3"},
    )


def alert(i: int, *, status: AlertStatus = AlertStatus.FIRING, t0: float = 1_767_225_600.0,
          count: int = 1) -> Alert:
    labels = {"alertname": f"敏感数据外发-{i % 7}", "rule_id": f"rule-{i % 5}",
              "severity": SEVERITIES[i % 4], "data_grade": GRADES[i % 4], "source_ip": f"10.0.{i % 250}.x"}
    fp = _fingerprint(tuple(sorted(labels.items())))
    starts = t0 + i
    return Alert(
        id=alert_id(fp, starts), fingerprint=fp, labels=labels,
        annotations={"summary": f"检测到居民身份证号 4601**********123X 外发（第{i}次）", "runbook": "r/1"},
        status=status, starts_at=starts, last_seen=starts + count, count=count,
        ends_at=starts + 600 if status is AlertStatus.RESOLVED else None,
    )


def fired(i: int, **kw: object) -> AlertChange:
    return AlertChange(ChangeKind.FIRED, alert(i, **kw))  # type: ignore[arg-type]


def resolved(i: int) -> AlertChange:
    return AlertChange(ChangeKind.RESOLVED, alert(i, status=AlertStatus.RESOLVED))


@lru_cache(maxsize=4096)
def _fingerprint(items: tuple[tuple[str, str], ...]) -> str:
    return fingerprint(dict(items))

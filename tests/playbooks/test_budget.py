from __future__ import annotations

from secops.playbooks.actions.dingtalk import LIMITS as DINGTALK
from secops.playbooks.actions.feishu import LIMITS as FEISHU
from secops.playbooks.budget import RobotBudget

HALF_HOUR = 1_767_225_600.0  # 2026-01-01T00:00:00Z, on a :00 mark


def test_sliding_window_never_exceeds_twenty_in_any_minute() -> None:
    b = RobotBudget(DINGTALK)
    t, sent = 100.0, []
    while t < 400.0:
        if b.available(t):
            b.consume(t)
            sent.append(t)
        t += 0.5
    assert max(sum(1 for s in sent if start <= s < start + 60) for start in sent) == 20


def test_penalty_blocks_ten_minutes() -> None:
    b = RobotBudget(DINGTALK)
    b.penalize(1000.0)
    assert b.available(1599.0) == 0
    assert b.next_free(1000.0) == 1600.0
    assert b.available(1600.0) == 20


def test_feishu_avoids_half_hour_marks_and_five_per_second() -> None:
    b = RobotBudget(FEISHU)
    assert b.available(HALF_HOUR + 1) == 0
    assert b.available(HALF_HOUR - 2) == 0
    assert b.next_free(HALF_HOUR + 1) == HALF_HOUR + 5
    start = HALF_HOUR + 100
    for _ in range(5):
        b.consume(start)
    assert b.available(start + 0.5) == 0
    assert b.available(start + 1.0) == 5

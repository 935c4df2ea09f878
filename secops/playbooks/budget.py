"""Vendor budgets per robot: sliding one-minute (and one-second) windows, penalties after a throttle code,
and Feishu's :00/:30 marks.

A sliding window is a token bucket that can never burst past the vendor's "N per minute": in any 60 s
there are at most N sends, which is what the vendor counts. State is in memory and also saved to the
store by the runner, so a restart does not forget a 10-minute DingTalk penalty.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from secops.playbooks.actions.base import VendorLimits

MARK_GUARD_SECONDS = 5.0


@dataclass(slots=True)
class RobotBudget:
    limits: VendorLimits
    sent: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0

    def _trim(self, now: float) -> None:
        while self.sent and self.sent[0] <= now - 60.0:
            self.sent.popleft()

    def available(self, now: float) -> int:
        if now < self.blocked_until or _near_mark(self.limits, now):
            return 0
        self._trim(now)
        left = self.limits.per_minute - len(self.sent)
        if self.limits.per_second is not None:
            recent = sum(1 for t in self.sent if t > now - 1.0)
            left = min(left, self.limits.per_second - recent)
        return max(0, left)

    def next_free(self, now: float) -> float:
        """Earliest time a send may be possible again."""
        if now < self.blocked_until:
            return self.blocked_until
        if _near_mark(self.limits, now):
            return now - (now % 1800.0) + (1800.0 if now % 1800.0 > 900 else 0.0) + MARK_GUARD_SECONDS
        self._trim(now)
        candidates = [now]
        if len(self.sent) >= self.limits.per_minute:
            candidates.append(self.sent[len(self.sent) - self.limits.per_minute] + 60.0)
        if self.limits.per_second is not None:
            recent = [t for t in self.sent if t > now - 1.0]
            if len(recent) >= self.limits.per_second:
                candidates.append(recent[len(recent) - self.limits.per_second] + 1.0)
        return max(candidates)

    def consume(self, now: float) -> None:
        self.sent.append(now)

    def penalize(self, now: float) -> None:
        self.blocked_until = max(self.blocked_until, now + max(self.limits.penalty_seconds, 60.0))

    def snapshot(self) -> dict[str, Any]:
        return {"sent": list(self.sent), "blocked_until": self.blocked_until}

    def restore(self, data: dict[str, Any]) -> None:
        self.sent = deque(float(t) for t in data.get("sent", []))
        self.blocked_until = float(data.get("blocked_until", 0.0))


def _near_mark(limits: VendorLimits, now: float) -> bool:
    if not limits.avoid_half_hour_marks:
        return False
    offset = now % 1800.0
    return offset < MARK_GUARD_SECONDS or offset > 1800.0 - MARK_GUARD_SECONDS


@dataclass(slots=True)
class PlaybookBudget:
    """A per-playbook rate limit: at most ``limit`` notifications in any ``per_seconds``."""

    limit: int
    per_seconds: float
    sent: deque[float] = field(default_factory=deque)

    def allow(self, now: float) -> bool:
        while self.sent and self.sent[0] <= now - self.per_seconds:
            self.sent.popleft()
        return len(self.sent) < self.limit

    def next_free(self, now: float) -> float:
        return self.sent[0] + self.per_seconds if self.sent else now

    def consume(self, now: float) -> None:
        self.sent.append(now)

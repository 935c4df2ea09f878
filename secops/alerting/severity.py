"""Severity from data grade: a rule's base severity, raised by the grade of the data involved.

The default policy follows the issue: one step up when ``data.grade`` is L4, critical at IMP or CORE.
A rule carries its own policy in its ``secops:`` extension. Apply it exactly once, where the Detection is
built (the detection engine does): the step-up is not idempotent, so the alert book does not apply it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from secops.model.alert import Detection, Severity

SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.INFORMATIONAL,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)


def severity_rank(severity: Severity) -> int:
    """0 for informational up to 4 for critical."""
    return SEVERITY_ORDER.index(severity)


def step_up(severity: Severity, steps: int = 1) -> Severity:
    """``steps`` levels higher, capped at critical (and at informational for negative steps)."""
    rank = min(max(severity_rank(severity) + steps, 0), len(SEVERITY_ORDER) - 1)
    return SEVERITY_ORDER[rank]


@dataclass(frozen=True, slots=True)
class GradeSeverityPolicy:
    """How a data grade raises a base severity. Grades are grade ids (L1..L4, IMP, CORE or site aliases)."""

    step_up_grades: frozenset[str] = frozenset({"L4"})
    critical_grades: frozenset[str] = frozenset({"IMP", "CORE"})
    steps: int = 1

    def apply(self, base: Severity, grade: str) -> Severity:
        if grade in self.critical_grades:
            return Severity.CRITICAL
        if grade in self.step_up_grades:
            return step_up(base, self.steps)
        return base


DEFAULT_POLICY = GradeSeverityPolicy()
NO_ESCALATION = GradeSeverityPolicy(step_up_grades=frozenset(), critical_grades=frozenset(), steps=0)


def apply_grade_severity(detection: Detection, policy: GradeSeverityPolicy = DEFAULT_POLICY) -> Detection:
    """``detection`` with its severity raised by its ``data_grade`` under ``policy``."""
    severity = policy.apply(detection.severity, detection.data_grade)
    if severity is detection.severity:
        return detection
    return dataclasses.replace(detection, severity=severity)


class GradeSeverityConfig(BaseModel):
    """YAML form of a GradeSeverityPolicy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    step_up_grades: list[str] = Field(default_factory=lambda: ["L4"])
    critical_grades: list[str] = Field(default_factory=lambda: ["IMP", "CORE"])
    steps: int = Field(default=1, ge=0, le=4)

    def policy(self) -> GradeSeverityPolicy:
        if not self.enabled:
            return NO_ESCALATION
        return GradeSeverityPolicy(_set(self.step_up_grades), _set(self.critical_grades), self.steps)


def _set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v for v in values if v)

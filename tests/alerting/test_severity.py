"""Severity from data grade: one step up at L4, critical at IMP/CORE, configurable per rule."""

from __future__ import annotations

import pytest

from secops.alerting.severity import (
    DEFAULT_POLICY,
    GradeSeverityConfig,
    apply_grade_severity,
    step_up,
)
from secops.model.alert import Detection, Severity


def detection(severity: Severity, grade: str) -> Detection:
    return Detection(rule_id="r1", alertname="A", severity=severity, timestamp=0.0, data_grade=grade)


@pytest.mark.parametrize(
    ("base", "grade", "expected"),
    [
        (Severity.MEDIUM, "L1", Severity.MEDIUM),
        (Severity.MEDIUM, "L3", Severity.MEDIUM),
        (Severity.MEDIUM, "L4", Severity.HIGH),
        (Severity.HIGH, "L4", Severity.CRITICAL),
        (Severity.CRITICAL, "L4", Severity.CRITICAL),
        (Severity.LOW, "IMP", Severity.CRITICAL),
        (Severity.INFORMATIONAL, "CORE", Severity.CRITICAL),
        (Severity.HIGH, "", Severity.HIGH),
    ],
)
def test_default_policy(base: Severity, grade: str, expected: Severity) -> None:
    assert DEFAULT_POLICY.apply(base, grade) is expected


def test_step_up_is_capped() -> None:
    assert step_up(Severity.CRITICAL, 3) is Severity.CRITICAL
    assert step_up(Severity.LOW, 2) is Severity.HIGH
    assert step_up(Severity.LOW, -5) is Severity.INFORMATIONAL


def test_apply_changes_the_alert_identity_label() -> None:
    raised = apply_grade_severity(detection(Severity.MEDIUM, "L4"))
    assert raised.severity is Severity.HIGH
    assert raised.labels()["severity"] == "high"
    unchanged = detection(Severity.MEDIUM, "L2")
    assert apply_grade_severity(unchanged) is unchanged


def test_disabled_policy_never_escalates() -> None:
    policy = GradeSeverityConfig(enabled=False).policy()
    assert policy.apply(Severity.LOW, "CORE") is Severity.LOW


def test_rule_policy_from_yaml_form() -> None:
    policy = GradeSeverityConfig.model_validate({"step_up_grades": ["L3", "L4"], "steps": 2}).policy()
    assert policy.apply(Severity.LOW, "L3") is Severity.HIGH
    assert policy.apply(Severity.LOW, "L2") is Severity.LOW
    assert policy.apply(Severity.LOW, "CORE") is Severity.CRITICAL

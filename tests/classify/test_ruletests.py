"""The default pack's embedded tests run under pytest (and fail when an expectation is wrong)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.classify.ruletests import RuleTestResult, run_rule_tests
from tests.classify.conftest import DEFAULT_PACK


@pytest.fixture(scope="module")
def default_results() -> list[RuleTestResult]:
    return run_rule_tests([DEFAULT_PACK])


def test_default_pack_embedded_tests_all_pass(default_results: list[RuleTestResult]) -> None:
    failures = [str(r) for r in default_results if not r.passed]
    assert len(default_results) >= 25
    assert failures == []


def test_every_default_rule_carries_tests(default_results: list[RuleTestResult]) -> None:
    assert "has tests" not in {r.name for r in default_results}


def test_wrong_expectation_fails_with_location(small_pack: Path) -> None:
    items = small_pack / "20-items.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace(
        "expect: {grade: L3, category: pi.contact, findings: {cn_mobile: 1}}",
        "expect: {grade: L4, category: pi.contact, findings: {cn_mobile: 1}}"), encoding="utf-8")
    failed = [r for r in run_rule_tests([small_pack]) if not r.passed]
    assert len(failed) == 1
    assert failed[0].rule_id == "item-floor"
    assert "grade L3, expected L4" in failed[0].message
    assert failed[0].location.startswith(f"{items}:12:")


def test_rule_without_tests_is_a_failure(small_pack: Path) -> None:
    (small_pack / "90-extra.yaml").write_text(
        "rules:\n  - id: no-tests\n    when: {detector: email}\n    then: {grade: L2}\n", encoding="utf-8")
    failed = [r for r in run_rule_tests([small_pack]) if not r.passed]
    assert [(r.rule_id, r.name) for r in failed] == [("no-tests", "has tests")]

"""``secops test`` for detection rules: the shipped pack passes, and a wrong expectation fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from secops.detect.loader import check, load_rules
from secops.detect.ruletests import run_rule_tests

PACK = Path(__file__).resolve().parents[2] / "rules" / "detection"


def test_shipped_pack_loads_without_issues() -> None:
    assert [str(i) for i in check([PACK])] == []


def test_shipped_pack_tests_all_pass() -> None:
    results = run_rule_tests([PACK])
    assert [str(r) for r in results if not r.passed] == []
    assert len(results) >= 25


def test_every_shipped_rule_is_tested() -> None:
    ruleset = load_rules([PACK])
    tested = {r.id for r in [*ruleset.rules, *ruleset.correlations] if r.ext.tests}
    refs = ruleset.by_ref()
    for corr in ruleset.correlations:
        if corr.ext.tests:
            tested |= {refs[name].id for name in corr.rules}
    assert {r.id for r in ruleset.rules} - tested == set()
    assert {"stable", "incubating", "sandbox"} <= {Path(r.path).parent.name for r in ruleset.rules}


def test_wrong_expectation_is_reported(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    path = write_rule("r.yml", "title: t\nid: t1\nlogsource: {category: webserver}\ndetection:\n"
                               "  sel:\n    cs-uri-query|contains: evil\n  condition: sel\nsecops:\n  tests:\n"
                               "    - name: says no but it fires\n      events:\n        - {url.original: /evil}\n"
                               "      expect: {count: 0}\n")
    [result] = run_rule_tests([tmp_path / "rules"])
    assert not result.passed
    assert result.message == "expected 0 detection(s), got 1"
    assert str(result).startswith(f"{path}:10: FAIL: t1: says no but it fires")


def test_rule_that_fails_to_load_is_a_failed_result(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("r.yml", "title: t\nid: t1\nlogsource: {category: webserver}\ndetection:\n  condition: sel\n")
    [result] = run_rule_tests([tmp_path / "rules"])
    assert not result.passed
    assert "undefined search identifier 'sel'" in result.message

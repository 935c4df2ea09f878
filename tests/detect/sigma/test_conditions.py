"""The Sigma condition grammar: precedence, brackets, x-of selectors, them, condition lists."""

from __future__ import annotations

import pytest

from secops.detect.sigma.conditions import ConditionError, parse_condition
from tests.detect.sigma.helpers import compile_detection, errors_of, matches

SELS = """detection:
  sel_a:
    a: 'yes'
  sel_b:
    b: 'yes'
  sel_c:
    c: 'yes'
  _hidden:
    h: 'yes'
  condition: {cond}
"""


def run(cond: str, **fields: str) -> bool:
    return matches(SELS.replace("{cond}", cond), {k: "yes" for k in fields})


@pytest.mark.parametrize(("cond", "fields", "expected"), [
    ("sel_a and sel_b", "ab", True),
    ("sel_a and sel_b", "a", False),
    ("sel_a or sel_b", "b", True),
    ("not sel_a", "", True),
    ("not sel_a", "a", False),
    ("sel_a or sel_b and sel_c", "a", True),          # and binds tighter than or
    ("(sel_a or sel_b) and sel_c", "a", False),
    ("not sel_a and sel_b", "b", True),               # not binds tighter than and
    ("not (sel_a and sel_b)", "ab", False),
    ("not not sel_a", "a", True),
    ("1 of sel_*", "c", True),
    ("all of sel_*", "ab", False),
    ("all of sel_*", "abc", True),
    ("any of sel_*", "b", True),
    ("1 of them", "h", False),                        # them leaves out _ identifiers
    ("all of them", "abc", True),                     # ... so _hidden is not needed
    ("1 of _h*", "h", True),                          # a pattern starting with _ includes them
    ("sel_a and not 1 of _*", "ah", False),
])
def test_condition_forms(cond: str, fields: str, expected: bool) -> None:
    assert run(cond, **dict.fromkeys(fields, "yes")) is expected


def test_condition_list_is_or() -> None:
    text = SELS.replace("condition: {cond}", "condition:\n    - sel_a and sel_b\n    - sel_c")
    assert matches(text, {"c": "yes"})
    assert not matches(text, {"a": "yes"})


def test_list_of_maps_is_or_of_ands() -> None:
    text = "detection:\n  sel:\n    - {a: 1, b: 2}\n    - {c: 3}\n  condition: sel\n"
    assert matches(text, {"a": 1, "b": 2})
    assert matches(text, {"c": 3})
    assert not matches(text, {"a": 1})


@pytest.mark.parametrize(("cond", "fragment"), [
    ("sel_a and", "unexpected end"),
    ("(sel_a", "unexpected end"),
    ("sel_a sel_b", "unexpected 'sel_b'"),
    ("sel_x", "undefined search identifier 'sel_x'"),
    ("1 of nothing*", "matches no search identifier"),
    ("sel_* and sel_a", "only allowed after"),
])
def test_bad_conditions_are_reported(cond: str, fragment: str) -> None:
    errors = errors_of(SELS.replace("{cond}", cond))
    assert any(fragment in e for e in errors), errors
    assert all(e.startswith("rule.yml:10:") for e in errors)


def test_v1_aggregation_is_refused_with_correlation_equivalent() -> None:
    with pytest.raises(ConditionError, match=r"event_count.*group-by: \[source.ip\].*gt: 10"):
        parse_condition("sel | count() by source.ip > 10")


def test_v1_near_is_refused() -> None:
    with pytest.raises(ConditionError, match="temporal correlation"):
        parse_condition("sel_a near sel_b")


def test_unused_identifier_is_a_warning() -> None:
    _, issues = compile_detection(SELS.replace("{cond}", "sel_a"))
    warnings = [i for i in issues if i.level == "warning"]
    assert {i.message for i in warnings} >= {"search identifier 'sel_b' is not used in the condition"}


def test_all_of_them_warns() -> None:
    _, issues = compile_detection(SELS.replace("{cond}", "all of them"))
    assert any("discouraged" in i.message for i in issues)


def test_them_with_single_identifier_warns() -> None:
    _, issues = compile_detection("detection:\n  sel:\n    a: 1\n  condition: 1 of them\n")
    assert any("single search identifier" in i.message for i in issues)

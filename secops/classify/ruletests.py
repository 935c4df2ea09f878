"""Run the tests embedded in classification rules: events in -> expected grade/category/rules out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secops.classify import synth
from secops.classify.compile import build
from secops.classify.engine import Classifier
from secops.classify.pack import Expect, RuleTest, SyntheticModel, TestEvent
from secops.classify.ruleset import CompiledRule
from secops.classify.types import Classification
from secops.clock import FakeClock

TEST_KEY = b"secops-rule-tests-hmac-key"


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    rule_id: str
    name: str
    location: str  # file:line:col of the test
    passed: bool
    message: str = ""

    def __str__(self) -> str:
        state = "ok" if self.passed else "FAIL"
        return f"{self.location}: {state}: {self.rule_id}: {self.name}" + (f": {self.message}" if self.message else "")


def parse_time(value: float | str | None) -> float | None:
    if value is None or isinstance(value, float | int):
        return None if value is None else float(value)
    return dt.datetime.fromisoformat(value).timestamp()


def _synthetic(s: SyntheticModel | None, rep: int) -> str:
    if s is None:
        return ""
    return synth.text(s.detector, s.count, seed=s.seed + rep, birth_year=s.birth_year)


def _events(test: RuleTest) -> list[tuple[str, dict[str, Any], float | None]]:
    specs = test.events or [TestEvent(text=test.text, fields=test.fields, timestamp=test.timestamp,
                                      synthetic=test.synthetic, repeat=1)]
    out = []
    for spec in specs:
        for rep in range(spec.repeat):
            text = " ".join(t for t in (spec.text, _synthetic(spec.synthetic, rep)) if t)
            out.append((text, dict(spec.fields), parse_time(spec.timestamp)))
    return out


def check_expect(expect: Expect, got: Classification) -> list[str]:
    problems = []
    if expect.grade is not None and got.grade != expect.grade:
        problems.append(f"grade {got.grade}, expected {expect.grade}")
    if "category" in expect.model_fields_set and got.category != expect.category:
        problems.append(f"category {got.category}, expected {expect.category}")
    problems += [f"rule {r} did not match (matched: {', '.join(got.matched_rules) or 'none'})"
                 for r in expect.rules or [] if r not in got.matched_rules]
    problems += [f"rule {r} matched but should not" for r in expect.not_rules or [] if r in got.matched_rules]
    problems += [f"tag {t} missing (tags: {', '.join(got.tags) or 'none'})"
                 for t in expect.tags or [] if t not in got.tags]
    if expect.findings is not None and dict(got.findings) != expect.findings:
        problems.append(f"findings {dict(got.findings)}, expected {expect.findings}")
    if expect.subjects is not None and got.subjects != expect.subjects:
        problems.append(f"subjects {got.subjects}, expected {expect.subjects}")
    return problems


def _run_one(classifier: Classifier, rule: CompiledRule, index: int, test: RuleTest) -> RuleTestResult:
    line, col = rule.doc.mark(("rules", rule.index, "tests", index))
    location = f"{rule.doc.path}:{line}:{col}"
    name = test.name or f"test {index + 1}"
    classifier.ruleset.reset_windows()
    results = classifier.classify_batch(_events(test))
    problems = check_expect(test.expect, results[-1])
    return RuleTestResult(rule.id, name, location, not problems, "; ".join(problems))


def run_rule_tests(paths: Sequence[Path]) -> list[RuleTestResult]:
    """Every embedded test of every rule; a pack that does not load gives one failure per problem."""
    ruleset, issues = build([Path(p) for p in paths])
    errors = [i for i in issues if i.level == "error"]
    if ruleset is None or errors:
        return [RuleTestResult("(load)", "rule pack loads", f"{i.path}:{i.line}:{i.col}", False, i.message)
                for i in errors or issues]
    clock = FakeClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    classifier = Classifier(ruleset, hmac_key=TEST_KEY, clock=clock)
    out = []
    for rule in ruleset.rules:
        if not rule.tests:
            line, col = rule.doc.mark(("rules", rule.index))
            out.append(RuleTestResult(rule.id, "has tests", f"{rule.doc.path}:{line}:{col}", False,
                                      "every rule must carry tests (events in -> expected grade out)"))
        for i, test in enumerate(rule.tests):
            out.append(_run_one(classifier, rule, i, test))
    ruleset.reset_windows()
    return out

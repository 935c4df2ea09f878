"""Checks across rules (pySigma's collection-level validators and ours). They append issues and drop
rules whose references cannot be resolved."""

from __future__ import annotations

from collections.abc import Callable

from secops.detect.rules import CorrelationRule, Rule, RuleSet, SigmaRule


def _duplicates(ruleset: RuleSet) -> None:
    seen: dict[str, Rule] = {}
    every: list[Rule] = [*ruleset.rules, *ruleset.correlations, *ruleset.filters]
    for rule in every:
        for ref in rule.refs:
            other = seen.get(ref)
            if other is not None and other is not rule:
                ruleset.issues.append(rule.doc.issue(("id",) if ref == rule.id else ("name",),
                                                     f"duplicate rule id/name {ref!r} (also {other.path}:"
                                                     f"{other.line})"))
            seen.setdefault(ref, rule)
    titles: dict[str, Rule] = {}
    for rule in ruleset.rules:
        if rule.title in titles:
            ruleset.issues.append(rule.doc.issue(("title",), f"duplicate title {rule.title!r} (also "
                                                             f"{titles[rule.title].path})", "warning"))
        titles.setdefault(rule.title, rule)


def _filters(ruleset: RuleSet) -> None:
    refs = {ref: r for r in ruleset.rules for ref in r.refs}
    for flt in ruleset.filters:
        for i, ref in enumerate(flt.rules):
            target = refs.get(ref)
            if target is None:
                ruleset.issues.append(flt.doc.issue(("filter", "rules", i), f"filter names unknown rule {ref!r}"))
            elif flt.detection is not None:
                target.filters.append(flt.detection)


def _correlations(ruleset: RuleSet) -> None:
    refs = ruleset.by_ref()
    bad: set[str] = set()
    for corr in ruleset.correlations:
        for i, ref in enumerate(corr.rules):
            if ref not in refs:
                ruleset.issues.append(corr.doc.issue(("correlation", "rules", i),
                                                     f"correlation references unknown rule {ref!r}"))
                bad.add(corr.id)
        for alias, mapping in corr.aliases.items():
            if alias not in corr.group_by:
                ruleset.issues.append(corr.doc.issue(("correlation", "aliases", alias),
                                                     f"alias {alias!r} is not used in group-by", "warning"))
            for ref in mapping:
                if ref not in corr.rules:
                    ruleset.issues.append(corr.doc.issue(("correlation", "aliases", alias, ref),
                                                         f"alias {alias!r} maps rule {ref!r} that is not in rules"))
                    bad.add(corr.id)
        _expr_refs(ruleset, corr, bad)
        _expected_groups(ruleset, corr, bad)
    _cycles(ruleset, refs, bad)
    ruleset.correlations = [c for c in ruleset.correlations if c.id not in bad]


def _expr_refs(ruleset: RuleSet, corr: CorrelationRule, bad: set[str]) -> None:
    from secops.detect.sigma.conditions import Ident, referenced

    expr = corr.condition.expr
    if expr is None:
        return
    for name in sorted(referenced(expr, list(corr.rules))):
        if name not in corr.rules:
            ruleset.issues.append(corr.doc.issue(("correlation", "condition"),
                                                 f"condition names {name!r}, which is not in correlation.rules"))
            bad.add(corr.id)
    if isinstance(expr, Ident) and corr.type == "temporal_ordered":
        ruleset.issues.append(corr.doc.issue(("correlation", "condition"),
                                             "a single rule name makes ordering meaningless", "warning"))


def _expected_groups(ruleset: RuleSet, corr: CorrelationRule, bad: set[str]) -> None:
    for i, group in enumerate(corr.ext.expected_groups):
        if set(group) != set(corr.group_by):
            ruleset.issues.append(corr.doc.issue(("secops", "expected_groups", i),
                                                 f"expected group keys {sorted(group)} must equal group-by "
                                                 f"{list(corr.group_by)}"))
            bad.add(corr.id)


def _cycles(ruleset: RuleSet, refs: dict[str, SigmaRule | CorrelationRule], bad: set[str]) -> None:
    def visit(corr: CorrelationRule, stack: tuple[str, ...]) -> bool:
        if corr.id in stack:
            return True
        for ref in corr.rules:
            target = refs.get(ref)
            if isinstance(target, CorrelationRule) and visit(target, (*stack, corr.id)):
                return True
        return False

    for corr in ruleset.correlations:
        if visit(corr, ()):
            ruleset.issues.append(corr.doc.issue(("correlation", "rules"), "correlation chain loops back to itself"))
            bad.add(corr.id)


def _closing_rules(ruleset: RuleSet) -> None:
    refs = ruleset.by_ref()
    both: list[SigmaRule | CorrelationRule] = [*ruleset.rules, *ruleset.correlations]
    for rule in both:
        for i, ref in enumerate(rule.ext.resolve.closing_rule):
            if ref not in refs:
                ruleset.issues.append(rule.doc.issue(("secops", "resolve", "closing_rule", i),
                                                     f"closing rule {ref!r} is not loaded"))


CHECKS: list[Callable[[RuleSet], None]] = [_duplicates, _filters, _correlations, _closing_rules]


def cross_check(ruleset: RuleSet) -> None:
    for check in CHECKS:
        check(ruleset)

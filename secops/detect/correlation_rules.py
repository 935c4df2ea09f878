"""Parsing of ``correlation:`` sections (Sigma v2.1 correlation rules plus extended temporal conditions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secops.detect.rules import (
    CORRELATION_TYPES,
    OPS,
    CorrCondition,
    CorrelationRule,
    parse_extended,
    parse_timespan,
)
from secops.detect.sigma.conditions import ConditionError
from secops.errors import Issue
from secops.yamlio import Document

_VALUE_TYPES = ("value_count", "value_sum", "value_avg", "value_percentile")
_TEMPORAL = ("temporal", "temporal_ordered")
_KEYS = {"type", "rules", "group-by", "timespan", "condition", "aliases", "generate"}


def _str_list(value: Any) -> list[str] | None:
    value = [value] if isinstance(value, str) else value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _ops(doc: Document, raw: Mapping[str, Any], issues: list[Issue]) -> list[tuple[str, float]] | None:
    ops = []
    for op in OPS:
        if op in raw:
            value = raw[op]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                issues.append(doc.issue(("correlation", "condition", op), f"{op} needs a number"))
                return None
            ops.append((op, float(value)))
    return ops


def _condition(doc: Document, ctype: str, raw: Any, issues: list[Issue]) -> CorrCondition | None:
    loc = ("correlation", "condition")
    if ctype in _TEMPORAL and isinstance(raw, str):
        try:
            return CorrCondition(expr=parse_extended(raw))
        except ConditionError as err:
            issues.append(doc.issue(loc, f"correlation condition: {err}"))
            return None
    if raw is None and ctype in _TEMPORAL:
        return CorrCondition()
    if not isinstance(raw, Mapping):
        issues.append(doc.issue(loc, "correlation condition must be a map such as {gte: 10}"))
        return None
    unknown = sorted(set(raw) - {*OPS, "field", "percentile"})
    if unknown:
        issues.append(doc.issue(loc, f"unknown condition key(s) {', '.join(unknown)}; valid: "
                                     f"{', '.join(OPS)}, field, percentile"))
        return None
    ops = _ops(doc, raw, issues)
    if ops is None:
        return None
    if not ops or len(ops) > 2:
        issues.append(doc.issue(loc, "condition needs one comparison (gt, gte, lt, lte, eq, neq) "
                                     "or two for a range"))
        return None
    fields = _str_list(raw.get("field", []))
    if ctype in _VALUE_TYPES and not fields:
        issues.append(doc.issue(loc, f"{ctype} needs condition.field"))
        return None
    percentile = raw.get("percentile", 95)
    return CorrCondition(ops=tuple(ops), field=tuple(fields or ()), percentile=float(percentile))


def _aliases(doc: Document, raw: Any, issues: list[Issue]) -> dict[str, dict[str, str]] | None:
    if raw is None:
        return {}
    ok = isinstance(raw, Mapping) and all(
        isinstance(v, Mapping) and all(isinstance(k2, str) and isinstance(v2, str) for k2, v2 in v.items())
        for v in raw.values())
    if not ok:
        issues.append(doc.issue(("correlation", "aliases"),
                                "aliases must map alias -> {rule id or name: field in that rule's events}"))
        return None
    return {str(a): {str(k): str(v) for k, v in m.items()} for a, m in raw.items()}


def parse_correlation(doc: Document, data: Mapping[str, Any], base: dict[str, Any],
                      issues: list[Issue]) -> CorrelationRule | None:
    section = data["correlation"]
    if not isinstance(section, Mapping):
        issues.append(doc.issue(("correlation",), "correlation must be a map"))
        return None
    before = len(issues)
    for key in sorted(set(section) - _KEYS):
        line, col = doc.marks.get(("correlation", key, "__key__"), doc.mark(("correlation", key)))
        valid = ", ".join(sorted(_KEYS))
        issues.append(Issue(doc.path, line, col, f"unknown correlation option {key!r}; valid: {valid}"))
    ctype = section.get("type")
    if ctype not in CORRELATION_TYPES:
        issues.append(doc.issue(("correlation", "type"), f"correlation type must be one of "
                                                         f"{', '.join(CORRELATION_TYPES)}, got {ctype!r}"))
        return None
    rules = _str_list(section.get("rules"))
    if not rules:
        issues.append(doc.issue(("correlation", "rules") if "rules" in section else ("correlation",),
                                "correlation.rules must list rule ids or names"))
    group_by = _str_list(section.get("group-by", []))
    if group_by is None:
        issues.append(doc.issue(("correlation", "group-by"), "group-by must be a list of field names"))
    timespan = parse_timespan(section.get("timespan"))
    if timespan is None:
        issues.append(doc.issue(("correlation", "timespan") if "timespan" in section else ("correlation",),
                                "timespan must look like 30s, 10m, 1h, 2d or 1w"))
    if ctype not in _TEMPORAL and "condition" not in section:
        issues.append(doc.issue(("correlation",), f"{ctype} needs a condition"))
        return None
    condition = _condition(doc, ctype, section.get("condition"), issues)
    aliases = _aliases(doc, section.get("aliases"), issues)
    generate = section.get("generate", data.get("generate", False))
    if not isinstance(generate, bool):
        issues.append(doc.issue(("generate",), "generate must be true or false"))
    if len(issues) > before or condition is None or aliases is None or not rules or timespan is None:
        return None
    return CorrelationRule(**base, type=ctype, rules=tuple(rules), group_by=tuple(group_by or ()),
                           timespan=timespan, condition=condition, aliases=aliases, generate=bool(generate))

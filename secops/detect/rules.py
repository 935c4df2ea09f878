"""Typed rules: detection rules, correlation rules and meta-filters (built by ``documents``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from secops.detect.extensions import Exceptions, SecopsExt
from secops.detect.sigma.conditions import Node, parse_condition
from secops.detect.sigma.detection import Detection
from secops.detect.sigma.matchers import EventView
from secops.errors import Issue
from secops.yamlio import Document

LEVELS = ("informational", "low", "medium", "high", "critical")
STATUSES = ("stable", "test", "experimental", "deprecated", "unsupported")
CORRELATION_TYPES = ("event_count", "value_count", "value_sum", "value_avg", "value_percentile",
                     "temporal", "temporal_ordered")
OPS = ("gt", "gte", "lt", "lte", "eq", "neq")
_TIMESPAN = re.compile(r"^([1-9][0-9]*)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class LogSource:
    category: str | None = None
    product: str | None = None
    service: str | None = None


@dataclass(slots=True)
class RuleBase:
    id: str
    name: str | None
    title: str
    level: str
    path: str
    line: int
    rule_hash: str
    ext: SecopsExt
    meta: Mapping[str, Any]
    doc: Document

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.id, self.name) if self.name else (self.id,)


@dataclass(slots=True)
class SigmaRule(RuleBase):
    logsource: LogSource = field(default_factory=LogSource)
    detection: Detection | None = None
    filters: list[Detection] = field(default_factory=list)
    exceptions: Exceptions | None = None

    def matches(self, view: EventView) -> bool:
        if self.detection is None or not self.detection.check(view):
            return False
        if self.exceptions is not None and self.exceptions(view):
            return False
        return not any(f.check(view) for f in self.filters)


@dataclass(frozen=True, slots=True)
class CorrCondition:
    ops: tuple[tuple[str, float], ...] = ()
    field: tuple[str, ...] = ()
    percentile: float = 95.0
    expr: Node | None = None  # extended temporal condition over rule names


@dataclass(slots=True)
class CorrelationRule(RuleBase):
    type: str = "event_count"
    rules: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    timespan: float = 0.0
    condition: CorrCondition = field(default_factory=CorrCondition)
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    generate: bool = False


@dataclass(slots=True)
class FilterRule(RuleBase):
    logsource: LogSource = field(default_factory=LogSource)
    rules: tuple[str, ...] = ()
    detection: Detection | None = None


Rule = SigmaRule | CorrelationRule | FilterRule


def content_hash(data: Any) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def parse_timespan(value: object) -> float | None:
    m = _TIMESPAN.match(str(value)) if isinstance(value, (str, int)) else None
    return float(int(m.group(1)) * _UNITS[m.group(2)]) if m else None


def parse_extended(text: str) -> Node:
    """An extended temporal condition (``a and not b``); keywords in any case. Raises ConditionError."""
    return parse_condition(text, True)


@dataclass(slots=True)
class RuleSet:
    rules: list[SigmaRule] = field(default_factory=list)
    correlations: list[CorrelationRule] = field(default_factory=list)
    filters: list[FilterRule] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    def by_ref(self) -> dict[str, SigmaRule | CorrelationRule]:
        refs: dict[str, SigmaRule | CorrelationRule] = {}
        both: list[SigmaRule | CorrelationRule] = [*self.rules, *self.correlations]
        for rule in both:
            for ref in rule.refs:
                refs.setdefault(ref, rule)
        return refs

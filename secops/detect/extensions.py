"""The ``secops:`` key of a rule: extensions plain Sigma tools ignore.

- ``exceptions``: Falco-style typed allow-lists, ``fields`` x ``comps`` x ``values`` tuples, compiled to
  ``and not ((f1 c1 v1 and f2 c2 v2) or ...)``; a local file can append values to a named exception.
- ``resolve``: the alert's quiet period, or a closing rule whose match resolves it.
- ``grade_severity``: severity one step up at the ``step_up`` grades, critical at the ``critical`` ones.
- ``tests``: events in, expected detections out (``secops test``).
- ``override``: in a local rules folder, ``append`` (exceptions, tests, tags) or ``replace`` a shipped rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.detect.sigma.matchers import EventView, Item
from secops.detect.sigma.modifiers import ItemError, build_item
from secops.errors import Issue
from secops.yamlio import Document

COMPARATORS: Mapping[str, list[str]] = {
    "=": [], "!=": ["neq"], "in": [], "contains": ["contains"], "startswith": ["startswith"],
    "endswith": ["endswith"], "glob": [], "cidr": ["cidr"], "re": ["re"],
    "<": ["lt"], "<=": ["lte"], ">": ["gt"], ">=": ["gte"],
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExceptionSpec(_Model):
    name: str
    fields: list[str] = []
    comps: list[str] = []
    values: list[list[Any]] = []


class ResolveSpec(_Model):
    quiet_seconds: float = Field(default=300.0, gt=0)
    closing_rule: list[str] = []


class GradeSeveritySpec(_Model):
    enabled: bool = True
    step_up: list[str] = ["L4"]
    critical: list[str] = ["IMP", "CORE"]


class ExpectSpec(_Model):
    count: int = Field(ge=0)
    severity: str | None = None
    data_grade: str | None = None
    group: dict[str, str] | None = None


class RuleTestSpec(_Model):
    name: str
    events: list[dict[str, Any]] = []
    start: str = "2026-03-02T10:00:00+08:00"
    step_seconds: float = Field(default=1.0, ge=0)
    advance_seconds: float = Field(default=0.0, ge=0)
    expect: ExpectSpec


class SecopsExt(_Model):
    exceptions: list[ExceptionSpec] = []
    resolve: ResolveSpec = ResolveSpec()
    grade_severity: GradeSeveritySpec = GradeSeveritySpec()
    tests: list[RuleTestSpec] = []
    override: Literal["append", "replace"] | None = None
    summary: str | None = None
    description: str | None = None
    runbook_url: str | None = None
    expected_groups: list[dict[str, str]] = []
    lateness_seconds: float | None = Field(default=None, ge=0)


@dataclass(frozen=True, slots=True)
class Exceptions:
    """OR over value tuples, each the AND of its items; a rule matches only when this does not."""

    rows: tuple[tuple[Item, ...], ...]

    def __call__(self, view: EventView) -> bool:
        return any(all(item(view) for item in row) for row in self.rows)


def _comps(spec: ExceptionSpec) -> list[str]:
    if spec.comps:
        return spec.comps
    return ["in"] if len(spec.fields) == 1 else ["="] * len(spec.fields)


def _row(spec: ExceptionSpec, comps: list[str], values: list[Any], field_map: Mapping[str, str],
         expand: Mapping[str, Sequence[str]]) -> tuple[Item, ...]:
    items = []
    for name, comp, value in zip(spec.fields, comps, values, strict=True):
        if comp not in COMPARATORS:
            raise ItemError(f"unknown comparator {comp!r}; valid: {', '.join(COMPARATORS)}")
        if comp == "in" and not isinstance(value, list):
            value = [value]
        elif comp != "in" and isinstance(value, list):
            raise ItemError(f"comparator {comp!r} takes one value, got a list (use 'in')")
        items.append(build_item(field_map.get(name, name), list(COMPARATORS[comp]), value, expand=expand))
    return tuple(items)


def compile_exceptions(specs: Sequence[ExceptionSpec], doc: Document, base: tuple[str | int, ...],
                       field_map: Mapping[str, str], expand: Mapping[str, Sequence[str]],
                       issues: list[Issue]) -> Exceptions | None:
    rows: list[tuple[Item, ...]] = []
    for i, spec in enumerate(specs):
        loc = (*base, i)
        comps = _comps(spec)
        if not spec.fields:
            issues.append(doc.issue(loc, f"exception {spec.name!r} has no fields"))
            continue
        if len(comps) != len(spec.fields):
            issues.append(doc.issue((*loc, "comps"), f"exception {spec.name!r}: {len(spec.fields)} fields "
                                                     f"but {len(comps)} comps"))
            continue
        for j, values in enumerate(spec.values):
            if len(values) != len(spec.fields):
                issues.append(doc.issue((*loc, "values", j), f"exception {spec.name!r}: value tuple has "
                                        f"{len(values)} items, expected {len(spec.fields)} (one per field)"))
                continue
            try:
                rows.append(_row(spec, comps, values, field_map, expand))
            except ItemError as err:
                issues.append(doc.issue((*loc, "values", j), f"exception {spec.name!r}: {err}"))
    return Exceptions(tuple(rows)) if rows else None


def merge_exceptions(base: Sequence[ExceptionSpec], extra: Sequence[ExceptionSpec]) -> list[ExceptionSpec]:
    """Falco-style append: values of a same-named exception are added; a new name is a new exception."""
    merged = {e.name: e for e in base}
    for e in extra:
        old = merged.get(e.name)
        if old is None:
            merged[e.name] = e
        else:
            merged[e.name] = old.model_copy(update={"values": [*old.values, *e.values]})
    return list(merged.values())

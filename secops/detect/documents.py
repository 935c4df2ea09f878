"""YAML documents -> typed rules. Never raises: problems go to ``issues`` with ``file:line:col``, and a
document with an error yields no rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from secops.detect.correlation_rules import parse_correlation
from secops.detect.extensions import SecopsExt, compile_exceptions
from secops.detect.mapping import field_map
from secops.detect.rules import LEVELS, STATUSES, FilterRule, LogSource, Rule, SigmaRule, content_hash
from secops.detect.sigma.detection import parse_detection
from secops.errors import Issue
from secops.yamlio import Document, validation_issues


@dataclass(slots=True)
class _Ctx:
    doc: Document
    index: int
    expand: Mapping[str, Sequence[str]]
    issues: list[Issue]

    def err(self, loc: Sequence[str | int], message: str, level: str = "error") -> None:
        self.issues.append(self.doc.issue(loc, message, level))


def _str_field(ctx: _Ctx, data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            ctx.err((), f"missing required {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        ctx.err((key,), f"{key} must be a non-empty string")
        return None
    return value


def _ext(ctx: _Ctx, data: Mapping[str, Any]) -> SecopsExt | None:
    raw = data.get("secops", {})
    try:
        return SecopsExt.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        ctx.issues.extend(validation_issues(ctx.doc, err, ("secops",)))
        return None


def _base(ctx: _Ctx, data: Mapping[str, Any]) -> dict[str, Any] | None:
    title = _str_field(ctx, data, "title", required=True)
    rid = _str_field(ctx, data, "id")
    name = _str_field(ctx, data, "name")
    level = data.get("level", "medium")
    if level not in LEVELS:
        ctx.err(("level",), f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    status = data.get("status")
    if status is not None and status not in STATUSES:
        ctx.err(("status",), f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    ext = _ext(ctx, data)
    if title is None or ext is None or level not in LEVELS:
        return None
    if rid is None:
        rid = name or f"{ctx.doc.path.rsplit('/', 1)[-1].rsplit('.', 1)[0]}#{ctx.index}"
        ctx.err((), f"rule has no id; using {rid!r} (alert identity changes if the file is renamed)", "warning")
    meta = {k: v for k, v in data.items() if k not in ("detection", "correlation", "filter", "secops")}
    return {"id": rid, "name": name, "title": title, "level": level, "path": ctx.doc.path,
            "line": ctx.doc.mark(())[0], "rule_hash": content_hash(data), "ext": ext, "meta": meta,
            "doc": ctx.doc}


def _logsource(ctx: _Ctx, data: Mapping[str, Any]) -> LogSource | None:
    raw = data.get("logsource")
    if not isinstance(raw, Mapping):
        ctx.err(("logsource",) if "logsource" in data else (), "logsource must be a map (category/product/service)")
        return None
    bad = [k for k in ("category", "product", "service") if k in raw and not isinstance(raw[k], str)]
    for k in bad:
        ctx.err(("logsource", k), f"logsource.{k} must be a string")
    return None if bad else LogSource(raw.get("category"), raw.get("product"), raw.get("service"))


def _sigma_rule(ctx: _Ctx, data: Mapping[str, Any], base: dict[str, Any]) -> SigmaRule | None:
    logsource = _logsource(ctx, data)
    if logsource is None:
        return None
    fmap = field_map(logsource.category)
    before = len([i for i in ctx.issues if i.level == "error"])
    detection = parse_detection(ctx.doc, ("detection",), data["detection"], field_map=fmap,
                                expand=ctx.expand, issues=ctx.issues)
    ext: SecopsExt = base["ext"]
    exceptions = compile_exceptions(ext.exceptions, ctx.doc, ("secops", "exceptions"), fmap, ctx.expand,
                                    ctx.issues)
    if detection is None or len([i for i in ctx.issues if i.level == "error"]) > before:
        return None
    return SigmaRule(**base, logsource=logsource, detection=detection, exceptions=exceptions)


def _filter_rule(ctx: _Ctx, data: Mapping[str, Any], base: dict[str, Any]) -> FilterRule | None:
    logsource = _logsource(ctx, data)
    section = data["filter"]
    if logsource is None or not isinstance(section, Mapping):
        if not isinstance(section, Mapping):
            ctx.err(("filter",), "filter must be a map with rules, selections and a condition")
        return None
    rules = section.get("rules", [])
    rules = [rules] if isinstance(rules, str) else rules
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        ctx.err(("filter", "rules"), "filter.rules must list the ids or names of the rules it applies to")
        return None
    detection = parse_detection(ctx.doc, ("filter",), section, field_map=field_map(logsource.category),
                                expand=ctx.expand, issues=ctx.issues)
    if detection is None:
        return None
    return FilterRule(**base, logsource=logsource, rules=tuple(rules), detection=detection)


def parse_document(doc: Document, index: int, *, expand: Mapping[str, Sequence[str]],
                   issues: list[Issue]) -> Rule | None:
    ctx = _Ctx(doc, index, expand, issues)
    data = doc.data
    if not isinstance(data, Mapping):
        ctx.err((), "a rule document must be a map")
        return None
    if "action" in data:
        ctx.err(("action",), "Sigma v1 rule collections (action: global/reset/repeat) are obsolete; "
                             "write one complete rule per document")
        return None
    kinds = [k for k in ("detection", "correlation", "filter") if k in data]
    if len(kinds) != 1:
        ctx.err((), "a rule document needs exactly one of detection, correlation or filter")
        return None
    base = _base(ctx, data)
    if base is None:
        return None
    if kinds[0] == "detection":
        return _sigma_rule(ctx, data, base)
    if kinds[0] == "filter":
        return _filter_rule(ctx, data, base)
    return parse_correlation(ctx.doc, data, base, issues)

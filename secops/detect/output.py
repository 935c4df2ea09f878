"""Detections out of rule matches: severity from level and data grade, masked group labels, zh-CN
annotations."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from secops.detect.correlation import grade_max
from secops.detect.extensions import GradeSeveritySpec
from secops.detect.rules import RuleBase
from secops.model.alert import Detection, Severity

ORDER = list(Severity)
# group-by fields whose values are not identifiers and may stay readable in labels
SAFE_FIELDS = frozenset({
    "event.dataset", "event.module", "event.category", "event.action", "event.outcome", "observer.product",
    "observer.vendor", "observer.name", "host.name", "service.name", "destination.zone", "source.zone",
    "network.direction", "network.transport", "data.grade", "data.category", "http.request.method",
    "http.response.status_code", "url.domain", "secops.source", "log.level",
})
_DETECTOR_OF = {"source.ip": "ip", "destination.ip": "ip", "client.ip": "ip", "user.email": "email",
                "email.from.address": "email", "user.phone": "cn_mobile"}
MAX_SAMPLES_CHARS = 500


def severity_for(level: str, grade: str, policy: GradeSeveritySpec) -> Severity:
    base = Severity(level)
    if not policy.enabled or not grade:
        return base
    if grade in policy.critical:
        return Severity.CRITICAL
    if grade in policy.step_up:
        return ORDER[min(len(ORDER) - 1, ORDER.index(base) + 1)]
    return base


def _masker() -> Callable[[str, str], str] | None:
    try:
        module = importlib.import_module("secops.classify.masking")
    except ImportError:
        return None
    mask = getattr(module, "mask", None)
    return mask if callable(mask) else None


class LabelMasker:
    """Group-by values become labels: identifiers are masked, and a keyed hash keeps them distinct."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._mask = _masker()

    def _hash(self, value: str) -> str:
        return hashlib.blake2b(value.encode(), key=self._key[:64], digest_size=6).hexdigest()

    def __call__(self, name: str, value: str) -> str:
        if name in SAFE_FIELDS or name.startswith("data.") or not value:
            return value
        detector = _DETECTOR_OF.get(name)
        if detector == "ip":
            detector = "ipv6" if ":" in value else "ipv4"
        if self._mask is not None:
            try:
                return f"{self._mask(detector or 'generic', value)}~{self._hash(value)}"
            except (KeyError, ValueError, IndexError):
                pass
        return f"h:{self._hash(value)}"


class _Safe(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _annotations(rule: RuleBase, count: float, group: tuple[tuple[str, str], ...],
                 samples: Any, category: str = "") -> dict[str, str]:
    values = _Safe(title=rule.title, rule_id=rule.id, count=f"{count:g}",
                   group=", ".join(f"{k}={v}" for k, v in group), level=rule.level)
    values.update({k.replace(".", "_"): v for k, v in group})
    summary = rule.ext.summary or "{title}"
    description = rule.ext.description or str(rule.meta.get("description") or rule.title)
    out = {
        "summary": summary.format_map(values),
        "description": description.format_map(values),
        "title": rule.title,
        "count": f"{count:g}",
        "rule_version": rule.rule_hash,
    }
    if rule.ext.runbook_url:
        out["runbook_url"] = rule.ext.runbook_url
    if group:
        out["group"] = values["group"]
    if samples:
        out["samples"] = orjson.dumps(samples, default=str).decode()[:MAX_SAMPLES_CHARS]
    if category:
        out["data_category"] = category
    return out


def make_detection(rule: RuleBase, *, timestamp: float, grade: str, event_ids: tuple[str, ...],
                   group: tuple[tuple[str, str], ...] = (), count: float = 1.0, samples: Any = None,
                   closes: tuple[str, ...] = (), category: str = "") -> Detection:
    """``group`` values must already be masked; ``category`` is the event's ``data.category``."""
    return Detection(
        rule_id=rule.id,
        alertname=_alertname(rule),
        severity=severity_for(rule.level, grade, rule.ext.grade_severity),
        timestamp=timestamp,
        group=group,
        data_grade=grade,
        event_ids=event_ids,
        annotations=_annotations(rule, count, group, samples, category),
        rule_hash=rule.rule_hash,
        quiet_seconds=rule.ext.resolve.quiet_seconds,
        closes=closes,
    )


def _alertname(rule: RuleBase) -> str:
    name = rule.name or rule.title
    words = "".join(c if c.isalnum() and c.isascii() else " " for c in name).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or rule.id


def event_grade(fields: Mapping[str, Any]) -> str:
    grade = fields.get("data.grade")
    return grade if isinstance(grade, str) else ""


__all__ = ["LabelMasker", "event_grade", "grade_max", "make_detection", "severity_for"]

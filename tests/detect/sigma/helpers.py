"""Compile a detection section from YAML text and evaluate it on flat fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from secops.detect.sigma.detection import Detection, parse_detection
from secops.detect.sigma.matchers import EventView
from secops.errors import Issue
from secops.yamlio import load_text


def compile_detection(yaml_text: str, *, expand: Mapping[str, Sequence[str]] | None = None
                      ) -> tuple[Detection | None, list[Issue]]:
    doc = load_text(yaml_text, "rule.yml")
    issues: list[Issue] = []
    det = parse_detection(doc, ("detection",), doc.data["detection"], field_map={}, expand=expand or {},
                          issues=issues)
    return det, issues


def matches(yaml_text: str, fields: Mapping[str, Any], **kw: Any) -> bool:
    det, issues = compile_detection(yaml_text, **kw)
    errors = [i for i in issues if i.level == "error"]
    assert det is not None, errors
    return det.check(EventView(fields))


def errors_of(yaml_text: str, **kw: Any) -> list[str]:
    _, issues = compile_detection(yaml_text, **kw)
    return [str(i) for i in issues if i.level == "error"]

"""Value types of classification: one finding (``Hit``) and the verdict on one event (``Classification``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from secops.classify.masking import mask


class Hit:
    """One detected value. ``value`` and ``identity`` are raw and never leave classification: use
    ``masked_value`` (display) and keyed hashes (counting). A plain class: compiled by mypyc it is built by a
    direct call and read as struct fields (millions are built on the hot path); treat it as immutable."""

    __slots__ = ("birth", "category", "confidence", "detector", "identity", "masked", "region", "sensitive", "value")

    def __init__(self, detector: str, category: str, value: str, confidence: float, masked: bool = False,
                 identity: str = "", birth: dt.date | None = None, region: str = "", sensitive: bool = False) -> None:
        self.detector = detector
        self.category = category
        self.value = value
        self.confidence = confidence
        self.masked = masked  # the log already carried a desensitised form
        self.identity = identity
        self.birth = birth
        self.region = region
        self.sensitive = sensitive

    @property
    def masked_value(self) -> str:
        """The value as it may be shown (computed on demand: most hits are only counted)."""
        return self.value if self.masked else mask(self.detector, self.value)

    def __repr__(self) -> str:  # never print the raw value
        return f"Hit({self.detector}, {self.masked_value!r}, {self.confidence:.2f}, masked={self.masked})"


class Classification(NamedTuple):
    """The verdict on one event (a NamedTuple, like ``Hit``: one is built per event on the hot path)."""

    grade: str
    category: str | None
    findings: Mapping[str, int] = MappingProxyType({})  # raw values per detector
    masked_findings: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # masked samples
    already_masked: Mapping[str, int] = MappingProxyType({})  # desensitised values seen in the log
    subjects: int = 0  # distinct people in this event
    rules: tuple[str, ...] = ()  # rules that decided the grade
    matched_rules: tuple[str, ...] = ()  # every rule that matched
    detectors: tuple[str, ...] = ()  # detectors whose findings decided the grade
    tags: tuple[str, ...] = ()
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "category": self.category,
            "findings": dict(self.findings),
            "masked_findings": {k: list(v) for k, v in self.masked_findings.items()},
            "already_masked": dict(self.already_masked),
            "subjects": self.subjects,
            "rules": list(self.rules),
            "detectors": list(self.detectors),
            "tags": list(self.tags),
            "explanation": self.explanation,
        }

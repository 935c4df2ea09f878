"""The classification rule-pack format (YAML under rules/classification/, documented in docs/rules.md).

Typed models with ``extra="forbid"``; conditions (``when``/``filter``) stay plain data here and are
compiled by secops.classify.conditions, which reports ``file:line:col`` through the document marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.errors import ConfigError, Issue
from secops.yamlio import Document, load_file, validate


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackMeta(_Model):
    id: str
    version: int | str = 1
    basis: list[str] = []
    required_engine_version: int = 1
    description: str = ""


class GradeModel(_Model):
    id: str
    rank: int
    zh: str
    en: str
    auto_assign: bool = True  # False: only rules that depend on a catalog may assign it (CORE)
    description: str = ""


class CategoryModel(_Model):
    id: str
    zh: str = ""
    en: str = ""
    sensitive: bool | None = None  # sensitive personal information; inherited when unset
    floor: str | None = None  # lowest grade of data in this category; inherited when unset
    basis: str = ""
    parent: str | None = None  # flat form; nested ``children`` set it implicitly
    children: list[CategoryModel] = []


class ContextModel(_Model):
    keywords: list[str]
    window_chars: int = Field(24, ge=1, le=256)


class DetectorSettings(_Model):
    enabled: bool = True
    category: str | None = None
    variants: dict[str, str] = {}  # detector variant (e.g. ipv4 "private") -> category
    fields: list[str] = []  # extra field-name hints
    anti_fields: list[str] = []  # extra field names that argue against the detector
    context: ContextModel | None = None
    min_confidence: float | None = Field(None, ge=0, le=1)
    params: dict[str, Any] = {}


class CustomDetector(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,48}$")
    pattern: str
    category: str
    masked_pattern: str | None = None
    fields: list[str] = []
    context: ContextModel | None = None
    confidence: float = Field(0.8, ge=0, le=1)
    min_confidence: float = Field(0.5, ge=0, le=1)
    caseless: bool = False
    boundaries: Literal["alnum", "none"] = "alnum"
    subject: bool = False  # values identify people (counted by keyed hash)
    description: str = ""


class ThenModel(_Model):
    grade: str  # a grade id, or "from_category" (each finding's category floor)
    category: str | None = None
    tags: list[str] = []
    explain: str = ""


class ScopeModel(_Model):
    window: str  # "10m", "1h", "7d" (sliding) or "calendar_year" (cumulative since 1 January)
    key: list[str] = []  # event fields naming the group, e.g. [labels.exporter, destination.country]
    timezone: str = "Asia/Shanghai"  # for calendar_year
    max_keys: int = Field(10000, ge=1, le=1_000_000)


class SyntheticModel(_Model):
    detector: Literal["cn_resident_id", "cn_mobile", "bank_card", "email"]
    count: int = Field(ge=1, le=200_000)
    seed: int = 0
    birth_year: int | None = None


class TestEvent(_Model):
    text: str = ""
    fields: dict[str, Any] = {}
    timestamp: float | str | None = None
    synthetic: SyntheticModel | None = None
    repeat: int = Field(1, ge=1, le=10_000)


class Expect(_Model):
    grade: str | None = None
    category: str | None = None
    rules: list[str] | None = None  # these rules must have matched
    not_rules: list[str] | None = None  # these must not have matched
    tags: list[str] | None = None
    findings: dict[str, int] | None = None
    subjects: int | None = None


class RuleTest(_Model):
    name: str = ""
    text: str = ""
    fields: dict[str, Any] = {}
    timestamp: float | str | None = None
    synthetic: SyntheticModel | None = None
    events: list[TestEvent] = []  # several events (windows); expect applies to the last one
    expect: Expect


class RuleModel(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,80}$")
    title: str = ""
    basis: str = ""  # standard and clause, cited in the explanation
    explain: str = ""  # why the grade applies, shown with the classification
    description: str = ""
    when: Any = None  # condition; absent = always
    filter: Any = None  # windowed rules: which events count in the window
    scope: ScopeModel | None = None
    then: ThenModel
    tests: list[RuleTest] = []


class PackFile(_Model):
    pack: PackMeta | None = None
    grades: list[GradeModel] = []
    default_grade: str | None = None
    aliases: dict[str, dict[str, str]] = {}
    categories: list[CategoryModel] = []
    catalogs: dict[str, list[str]] = {}
    detectors: dict[str, DetectorSettings] = {}
    custom_detectors: list[CustomDetector] = []
    rules: list[RuleModel] = []


@dataclass(frozen=True, slots=True)
class LoadedFile:
    doc: Document
    model: PackFile


def pack_files(paths: Sequence[Path]) -> list[Path]:
    """YAML files under ``paths`` (files or directories, recursively), in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()
                              and not f.name.startswith(".")))
        else:
            out.append(p)
    return out


def load_files(paths: Sequence[Path]) -> tuple[list[LoadedFile], list[Issue]]:
    loaded: list[LoadedFile] = []
    issues: list[Issue] = []
    files = pack_files(paths)
    if not files:
        issues.append(Issue(", ".join(str(p) for p in paths) or "<none>", 0, 0,
                            "no classification rule files (*.yaml) found"))
    for f in files:
        try:
            doc = load_file(f)
            loaded.append(LoadedFile(doc, validate(PackFile, doc)))
        except ConfigError as err:
            issues.extend(err.issues)
    return loaded, issues

"""Load rule files into a checked ``RuleSet``: shipped packs, then a local folder that appends to or
replaces shipped rules, meta-filters attached, references between rules resolved.

Loading never raises; every problem is an ``Issue`` with ``file:line:col``. ``check`` is the
``secops check`` entry point for detection rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from secops.detect.documents import parse_document
from secops.detect.extensions import SecopsExt, compile_exceptions, merge_exceptions
from secops.detect.mapping import field_map
from secops.detect.rules import CorrelationRule, FilterRule, Rule, RuleSet, SigmaRule
from secops.detect.validators import cross_check
from secops.errors import ConfigError, Issue
from secops.yamlio import Document, load_documents, validation_issues

SKIPPED_STATUSES = ("deprecated", "unsupported")
_APPEND_KEYS = {"id", "title", "secops", "tags"}


def rule_files(paths: Sequence[Path], issues: list[Issue]) -> list[Path]:
    """YAML files under ``paths`` in a stable order; ``archive/`` folders hold retired rules."""
    found: list[Path] = []
    for path in paths:
        p = Path(path)
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file()
                                and "archive" not in f.relative_to(p).parts))
        else:
            issues.append(Issue(str(p), 0, 0, "rules path does not exist"))
    return found


def _documents(path: Path, issues: list[Issue]) -> list[Document]:
    try:
        text = path.read_text(encoding="utf-8")
        return load_documents(text, str(path))
    except (OSError, UnicodeDecodeError) as err:
        issues.append(Issue(str(path), 1, 1, f"cannot read: {err}"))
    except ConfigError as err:
        issues.extend(err.issues)
    return []


def _parse_files(files: list[Path], expand: Mapping[str, Sequence[str]], issues: list[Issue],
                 appends: list[tuple[Document, SecopsExt]] | None) -> list[Rule]:
    rules: list[Rule] = []
    for path in files:
        for index, doc in enumerate(_documents(path, issues)):
            data = doc.data
            if appends is not None and _is_append(data):
                ext = _append_ext(doc, issues)
                if ext is not None:
                    appends.append((doc, ext))
                continue
            if isinstance(data, Mapping) and data.get("status") in SKIPPED_STATUSES:
                issues.append(doc.issue(("status",), f"status {data['status']}: rule not loaded", "warning"))
                continue
            rule = parse_document(doc, index, expand=expand, issues=issues)
            if rule is not None:
                rules.append(rule)
    return rules


def _is_append(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("secops"), Mapping) \
        and data["secops"].get("override") == "append"


def _append_ext(doc: Document, issues: list[Issue]) -> SecopsExt | None:
    extra = sorted(set(doc.data) - _APPEND_KEYS)
    if extra or not isinstance(doc.data.get("id"), str):
        issues.append(doc.issue((), "an 'override: append' document holds only id, secops (exceptions, tests) "
                                    f"and tags; found {', '.join(extra) or 'no id'}"))
        return None
    try:
        return SecopsExt.model_validate(doc.data["secops"])
    except ValidationError as err:
        issues.extend(validation_issues(doc, err, ("secops",)))
        return None


def _merge_local(shipped: list[Rule], local: list[Rule], issues: list[Issue]) -> list[Rule]:
    index = {r.id: i for i, r in enumerate(shipped)}
    merged = list(shipped)
    for rule in local:
        if rule.id not in index:
            merged.append(rule)
            index[rule.id] = len(merged) - 1
        elif rule.ext.override == "replace":
            merged[index[rule.id]] = rule
        else:
            other = merged[index[rule.id]]
            issues.append(rule.doc.issue(("id",), f"rule id {rule.id!r} is already defined in "
                                                  f"{other.path}:{other.line}; set secops.override: replace "
                                                  "(or append) to change a shipped rule"))
    return merged


def _apply_append(rules: list[Rule], doc: Document, ext: SecopsExt, expand: Mapping[str, Sequence[str]],
                  issues: list[Issue]) -> None:
    target = next((r for r in rules if r.id == doc.data["id"]), None)
    if target is None:
        issues.append(doc.issue(("id",), f"override: append names unknown rule id {doc.data['id']!r}"))
        return
    target.ext = target.ext.model_copy(update={
        "exceptions": merge_exceptions(target.ext.exceptions, ext.exceptions),
        "tests": [*target.ext.tests, *ext.tests]})
    if isinstance(target, SigmaRule) and ext.exceptions:
        known = {e.name: e for e in target.ext.exceptions}
        specs = [known[e.name].model_copy(update={"values": e.values}) if e.name in known else e
                 for e in ext.exceptions]
        fmap = field_map(target.logsource.category)
        added = compile_exceptions(specs, doc, ("secops", "exceptions"), fmap, expand, issues)
        if added is not None:
            rows = (target.exceptions.rows if target.exceptions else ()) + added.rows
            target.exceptions = type(added)(rows)


def load_rules(paths: Sequence[Path], *, local_paths: Sequence[Path] = (),
               expand: Mapping[str, Sequence[str]] | None = None) -> RuleSet:
    """Parse and check every rule; the result holds only rules without errors, plus all issues."""
    expand = expand or {}
    issues: list[Issue] = []
    shipped = _parse_files(rule_files(paths, issues), expand, issues, None)
    appends: list[tuple[Document, SecopsExt]] = []
    local = _parse_files(rule_files(local_paths, issues), expand, issues, appends) if local_paths else []
    merged = _merge_local(shipped, local, issues)
    for doc, ext in appends:
        _apply_append(merged, doc, ext, expand, issues)
    ruleset = RuleSet(
        rules=[r for r in merged if isinstance(r, SigmaRule)],
        correlations=[r for r in merged if isinstance(r, CorrelationRule)],
        filters=[r for r in merged if isinstance(r, FilterRule)],
        issues=issues,
    )
    cross_check(ruleset)
    return ruleset


def check(paths: Sequence[Path], *, local_paths: Sequence[Path] = (),
          expand: Mapping[str, Sequence[str]] | None = None) -> list[Issue]:
    """Every problem (errors and warnings) of the rules under ``paths``, in file order."""
    issues = load_rules(paths, local_paths=local_paths, expand=expand).issues
    return sorted(issues, key=lambda i: (i.path, i.line, i.col))

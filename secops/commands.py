"""The bodies of the ``secops`` subcommands that combine several areas (test, replay, scan, export, verify).

cli.py parses arguments; this module turns settings into engines and calls each area's functions.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from secops.settings import Settings


@dataclass(frozen=True, slots=True)
class TestLine:
    kind: str
    where: str
    name: str
    passed: bool
    message: str


def _kinds_of(path: Path) -> list[str]:
    """Which packs a PATH given to ``secops test`` holds."""
    kinds = []
    for kind in ("classification", "detection"):
        if path.name == kind or (path / kind).is_dir() or kind in path.parts:
            kinds.append(kind)
    if path.name == "playbooks" or (path / "oncall.yaml").exists() or "playbooks" in path.parts:
        kinds.append("playbooks")
    return kinds


def _classification_tests(paths: Sequence[Path]) -> list[TestLine]:
    from secops.classify.ruletests import run_rule_tests

    return [TestLine("classification", r.location, f"{r.rule_id}: {r.name}", r.passed, r.message)
            for r in run_rule_tests(paths)]


def _detection_tests(paths: Sequence[Path], settings: Settings) -> list[TestLine]:
    from secops.detect.ruletests import run_rule_tests

    return [TestLine("detection", f"{r.path}:{r.line}", f"{r.rule_id}: {r.name}", r.passed, r.message)
            for r in run_rule_tests(paths, expand=settings.rules.expand)]


def _playbook_tests(paths: Sequence[Path]) -> list[TestLine]:
    from secops.playbooks.simulate import run_playbook_tests

    return [TestLine("playbooks", r.file, r.name, r.passed, "; ".join(r.problems))
            for r in run_playbook_tests(paths)]


def collect_tests(settings: Settings, paths: Sequence[str]) -> list[TestLine]:
    from secops.topology import classification_dirs, detection_dirs, pack_dirs

    if not paths:
        classification = classification_dirs(settings)
        detection = [*detection_dirs(settings)[0], *detection_dirs(settings)[1]]
        playbooks = [Path(p) for p in settings.playbooks.paths if Path(p).is_dir()]
    else:
        roots = [Path(p) for p in paths]
        classification = [d for r in roots if "classification" in _kinds_of(r)
                          for d in (pack_dirs([str(r)], "classification") or [r])]
        detection = [d for r in roots if "detection" in _kinds_of(r) for d in (pack_dirs([str(r)], "detection") or [r])]
        playbooks = [r for r in roots if "playbooks" in _kinds_of(r)]
    lines: list[TestLine] = []
    if playbooks:
        lines += _playbook_tests(playbooks)
    if classification:
        lines += _classification_tests(classification)
    if detection:
        lines += _detection_tests(detection, settings)
    return lines


def run_tests(settings: Settings, paths: Sequence[str], *, out: TextIO, verbose: bool = False) -> int:
    lines = collect_tests(settings, paths)
    failed = [t for t in lines if not t.passed]
    for t in lines:
        if verbose or not t.passed:
            status = "ok" if t.passed else "FAIL"
            print(f"{t.where}: {status}: [{t.kind}] {t.name}" + (f": {t.message}" if t.message else ""), file=out)
    by_kind: dict[str, int] = {}
    for t in lines:
        by_kind[t.kind] = by_kind.get(t.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())) or "no tests found"
    print(f"rule tests ({summary})", file=out)
    print(f"{len(lines) - len(failed)} passed, {len(failed)} failed", file=out)
    return 1 if failed or not lines else 0


def run_replay(settings: Settings, files: Sequence[str], *, fmt: str | None, matches: bool, source: str | None,
               out: TextIO) -> int:
    from secops.alerting.state import AlertBook
    from secops.detect.cli import run_replay as replay
    from secops.topology import build_classifier, build_detector, detection_dirs

    engine = build_detector(settings, metrics=None)
    classifier = build_classifier(settings, metrics=None)

    def classify(fields: dict[str, Any]) -> dict[str, Any]:
        if classifier is not None:
            from secops.classify.engine import event_text

            result = classifier.classify_text(event_text(fields), fields, timestamp=None)
            classifier.annotate(fields, result)
        return fields

    paths, local = detection_dirs(settings)
    return replay(files, rules_paths=paths, local_paths=local, fmt=fmt, matches=matches, out=out,
                  classify=classify, source=source, engine=engine,
                  book=None if matches else AlertBook(settings.alerting))


def run_scan(settings: Settings, files: Sequence[str], *, fmt: str | None, out: TextIO) -> int:
    from secops.classify.cli import run_scan as scan
    from secops.topology import classification_dirs, hmac_key

    return scan(files, rules_paths=classification_dirs(settings), fmt=fmt, out=out, progress=sys.stderr.isatty(),
                hmac_key=hmac_key(settings))

"""``secops check``: validate the config and everything it points at, report every issue, exit 1 on errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from secops.errors import ConfigError, Issue
from secops.settings import Settings, load_settings

Checker = Callable[[Settings], list[Issue]]


def _classification(settings: Settings) -> list[Issue]:
    from secops.classify.cli import check
    from secops.topology import classification_dirs

    dirs = classification_dirs(settings)
    return check(dirs) if dirs else []


def _detection(settings: Settings) -> list[Issue]:
    from secops.detect.cli import check
    from secops.topology import detection_dirs

    paths, local = detection_dirs(settings)
    return check(paths, local_paths=local, expand=settings.rules.expand) if paths or local else []


def _rule_roots(settings: Settings) -> list[Issue]:
    from secops.topology import classification_dirs, detection_dirs

    if classification_dirs(settings) or any(detection_dirs(settings)):
        return []
    roots = ", ".join(settings.rules.paths) or "(none)"
    return [Issue("rules.paths", 0, 0, f"no classification/ or detection/ rule folder under {roots}", "warning")]


def _playbooks(settings: Settings) -> list[Issue]:
    from secops.playbooks.loader import check

    paths = [Path(p) for p in settings.playbooks.paths if Path(p).is_dir()]
    if not paths:
        where = ", ".join(settings.playbooks.paths)
        return [Issue("playbooks.paths", 0, 0, f"no playbook folder at {where}: nobody will be paged", "warning")]
    return check(paths)


def _checkers() -> list[Checker]:
    return [_rule_roots, _classification, _detection, _playbooks]


def collect(config: str | None) -> list[Issue]:
    try:
        settings = load_settings(config)
    except ConfigError as err:
        return list(err.issues)
    issues: list[Issue] = []
    for checker in _checkers():
        issues.extend(checker(settings))
    return issues


def run_check(config: str | None, *, out: TextIO) -> int:
    issues = collect(config)
    for issue in issues:
        print(issue, file=out)
    errors = sum(1 for i in issues if i.level == "error")
    warnings = len(issues) - errors
    where = config or "embedded default"
    print(f"{where}: {errors} error(s), {warnings} warning(s)", file=out)
    return 1 if errors else 0



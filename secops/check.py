"""``secops check``: validate the config and everything it points at, report every issue, exit 1 on errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from secops.errors import ConfigError, Issue
from secops.settings import Settings, load_settings

Checker = Callable[[Settings], list[Issue]]


def _checkers() -> list[Checker]:
    return []


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



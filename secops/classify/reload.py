"""Hot reload of classification rules: watch the rule directories, validate, swap atomically.

Both in-place writes and atomic renames (write a temp file, ``rename`` over the rule file) show up as
changes in the watched directory. A change is compiled off the event loop; a broken pack is refused,
logged and counted (``secops_rules_reload_total{outcome="error"}``) and the old rules stay in force.
Window state of unchanged rules carries over (see ``Classifier.reload``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from watchfiles import awatch

from secops.classify.engine import Classifier
from secops.errors import Issue

log = logging.getLogger(__name__)

RULE_SUFFIXES = (".yaml", ".yml")


def watch_dirs(paths: Sequence[Path]) -> list[Path]:
    """Directories to watch: rule directories themselves, the parent of single rule files."""
    dirs = {(p if p.is_dir() else p.parent).resolve() for p in paths}
    return sorted(dirs)


def _relevant(changes: Iterable[tuple[object, str]]) -> bool:
    return any(path.endswith(RULE_SUFFIXES) for _, path in changes)


async def reload_now(classifier: Classifier, paths: Sequence[Path] | None = None) -> list[Issue]:
    """Compile in a worker thread (hyperscan compiles take seconds) and swap; issues on refusal."""
    return await asyncio.to_thread(classifier.reload, paths)


async def watch_rules(paths: Sequence[Path], holder: Classifier, *,
                      on_result: Callable[[list[Issue]], None] | None = None,
                      stop_event: asyncio.Event | None = None, debounce_milliseconds: int = 500) -> None:
    """Reload ``holder`` whenever a rule file under ``paths`` changes, until ``stop_event`` is set or the
    task is cancelled. ``on_result`` gets the issues of each attempt (empty list: applied)."""
    targets = [Path(p) for p in paths]
    async for changes in awatch(*watch_dirs(targets), stop_event=stop_event, debounce=debounce_milliseconds,
                                step=50, recursive=True):
        if not _relevant(changes):
            continue
        issues = await reload_now(holder, targets)
        if on_result is not None:
            on_result(issues)

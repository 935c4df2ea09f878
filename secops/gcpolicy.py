"""Garbage-collector settings for the long-running hot paths: ``secops scan`` and the daemon."""

from __future__ import annotations

import gc
from typing import Final

# Classifying one log line allocates a few dozen short-lived tuples, lists and dicts, none of them in reference
# cycles. At CPython's default young-generation threshold (700) a collection runs every few lines and walks the
# current batch's results again and again: about a tenth of `secops scan`'s time (bench/README.md). At this
# threshold most of a batch's objects are freed by reference counting before a collection ever sees them.
YOUNG_THRESHOLD: Final = 50_000


def settle() -> None:
    """Call once start-up is done: rules, scan engines and settings live as long as the process, so they move
    to the permanent generation (never walked again), and young collections become rarer."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)

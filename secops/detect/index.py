"""Prefilter: which rules can possibly match an event, so only those are evaluated.

Each rule contributes a set of literals of which at least one must appear in the text of any event it
matches (derived from its condition; ``None`` when that cannot be proven, e.g. under ``not`` or for
numeric and CIDR items). One Aho-Corasick automaton over every rule's literals scans the lower-cased
text of the event once. Rules are also routed by log source category when the event says what it is.
Rules without literals are always candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ahocorasick

from secops.detect.mapping import ROUTED, event_categories
from secops.detect.rules import SigmaRule
from secops.detect.sigma.matchers import to_text

SEPARATOR = "\x1f"


def event_text(fields: Mapping[str, Any]) -> str:
    """Every value of the event, lower-cased, in one string (the prefilter scans it once)."""
    parts = []
    for value in fields.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, (list, tuple)):
            parts.extend(to_text(v) for v in value if v is not None)
        elif value is not None:
            parts.append(to_text(value))
    return SEPARATOR.join(parts).lower()


class PrefilterIndex:
    """Candidate rules (indices into ``rules``) for an event, in load order."""

    def __init__(self, rules: Sequence[SigmaRule]) -> None:
        self.size = len(rules)
        self._category: list[str | None] = []
        self._always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        for i, rule in enumerate(rules):
            cat = rule.logsource.category
            self._category.append(cat if cat in ROUTED else None)
            lits = rule.detection.literals() if rule.detection is not None else None
            if not lits:
                self._always.append(i)
                continue
            for lit in lits:
                by_literal.setdefault(lit, []).append(i)
        self.prefiltered = self.size - len(self._always)
        self._automaton: Any = None
        if by_literal:
            automaton = ahocorasick.Automaton()
            for lit, ids in by_literal.items():
                automaton.add_word(lit, tuple(ids))
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, fields: Mapping[str, Any], source: str = "") -> list[int]:
        """``source`` is the event's source id (the ``secops.source`` field when the event has none)."""
        found: set[int] = set(self._always)
        if self._automaton is not None:
            text = event_text(fields)
            if source and "secops.source" not in fields:
                text = f"{text}{SEPARATOR}{source.lower()}"
            for _, ids in self._automaton.iter(text):
                found.update(ids)
        cats = event_categories(fields)
        if cats is not None:
            category = self._category
            found = {i for i in found if category[i] is None or category[i] in cats}
        return sorted(found)

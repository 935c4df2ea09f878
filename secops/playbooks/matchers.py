"""Alertmanager-style label matchers: ``name="v"``, ``name!="v"``, ``name=~"re"``, ``name!~"re"``.

Regexes are anchored (a full match, as in Alertmanager) and compiled with RE2, so a matcher written by a
user can never backtrack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import re2

_FORM = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(".*"|[^"\s]*)\s*$')


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    op: str
    value: str
    regex: Any = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        hit = self.regex.fullmatch(actual) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f"{self.name}{self.op}{json.dumps(self.value, ensure_ascii=False)}"


def parse_matcher(text: str) -> Matcher:
    """Parse one matcher; raises ValueError with what was expected."""
    m = _FORM.match(text)
    if m is None:
        raise ValueError(f'invalid matcher {text!r}; expected name="value", name!="value", name=~"re" or name!~"re"')
    name, op, raw = m.groups()
    value = json.loads(raw) if raw.startswith('"') else raw
    if not isinstance(value, str):
        raise ValueError(f"invalid matcher value in {text!r}")
    regex = None
    if op in ("=~", "!~"):
        try:
            regex = re2.compile(value)
        except re2.error as err:
            raise ValueError(f"invalid regular expression in {text!r}: {err}") from err
    return Matcher(name, op, value, regex)


def parse_matchers(texts: Sequence[str]) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(t) for t in texts)


def match_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)

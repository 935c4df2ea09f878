"""What a detector is: value shapes for the multi-pattern scanner plus an exact validator.

Shapes are regexes in the subset both hyperscan and RE2 run in linear time, with ASCII classes only
(``[0-9]``, never ``\\d``). The scanner adds the boundary guards; detectors never use ``\\b``, which fails
next to Han characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

Params = Mapping[str, Any]

# Boundary guards the scanner puts on each side of a shape (see secops.classify.scanner.GUARDS):
# "alnum" no ASCII letter or digit next to the value; "alnum_dot" nor a dot; "digit" no digit;
# "value" the end of a key=value value; "han" no Han character; "hexcolon" no hex digit or colon;
# "none" no guard (the shape carries its own evidence, e.g. a key or a province character).


@dataclass(frozen=True, slots=True)
class Shape:
    pattern: str
    left: str = "alnum"
    right: str = "alnum"
    masked: bool = False  # the shape of an already-desensitised value
    utf8: bool = False  # pattern contains non-ASCII literals
    caseless: bool = False
    exclusive: bool = True  # takes part in overlap resolution (key-led shapes contain their key: False)
    # characters the value extends over to the left of the match (the scanner anchors on a cheap literal,
    # e.g. e-mail on "@domain"); such a value is masked when the detector's validate_masked says so
    extend_left: str = ""


class Verdict:
    """A validated candidate. ``value`` is canonical (separators removed) and never leaves the process except
    masked or as a keyed hash. A plain class: compiled by mypyc it is built by a direct call and read as
    struct fields (one per candidate on the hot path)."""

    __slots__ = ("birth", "confidence", "identity", "region", "value", "variant")

    def __init__(self, value: str, confidence: float, variant: str = "", identity: str = "",
                 birth: dt.date | None = None, region: str = "") -> None:
        self.value = value
        self.confidence = confidence
        self.variant = variant  # selects a per-variant category, e.g. ipv4 "private" / "public"
        self.identity = identity  # canonical person identifier (hashed for distinct-subject counts); "" = none
        self.birth = birth  # derived fact (resident IDs)
        self.region = region  # six-digit region code (resident IDs)

    def __repr__(self) -> str:  # never print the raw value
        return f"Verdict({self.confidence:.2f}, variant={self.variant!r})"


Validate = Callable[[str, Params], "Verdict | None"]
ValidateMasked = Callable[[str], bool]


def never_masked(value: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Detector:
    """One sensitive-data type. ``hints`` are field-name tokens (pinyin, English, Chinese) that raise
    confidence; ``context`` are keywords looked for just before a value. Neither classifies alone."""

    name: str
    shapes: tuple[Shape, ...]
    validate: Validate
    category: str
    mask: str  # masking shape name, see secops.classify.masking
    hints: frozenset[str] = frozenset()
    context: tuple[str, ...] = ()
    anti_hints: frozenset[str] = frozenset()
    validate_masked: ValidateMasked = never_masked
    subject_rank: int = 0  # >0 when values identify people; the highest rank present names an event's subjects
    priority: int = 50  # wins overlapping spans
    min_confidence: float = 0.5
    params: Params = field(default_factory=dict)
    description: str = ""
    # detectors whose evidence is the key itself build their shapes from the (configurable) hints
    shape_factory: Callable[[frozenset[str], tuple[str, ...]], tuple[Shape, ...]] | None = None

    def shapes_for(self, hints: frozenset[str], context: tuple[str, ...]) -> tuple[Shape, ...]:
        return self.shapes if self.shape_factory is None else self.shape_factory(hints, context)


# confidence adjustments applied by the engine
HINT_BONUS: Final = 0.3
CONTEXT_BONUS: Final = 0.2
ANTI_HINT_PENALTY: Final = 0.5


def strip_separators(value: str) -> str:
    return value.replace(" ", "").replace("-", "").replace("\u00b7", "")


def masked_len(value: str, length: int, min_stars: int = 4) -> bool:
    """An already-masked value of ``length`` characters with at least ``min_stars`` asterisks."""
    v = strip_separators(value)
    return len(v) == length and v.count("*") >= min_stars


HAN = r"\x{4e00}-\x{9fa5}"  # hyperscan / RE2 syntax
KEY_SEP = r"[\"']?[ \t]{0,2}[:=][ \t]{0,2}[\"']?"


def key_alternation(keys: frozenset[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal keys, longest first (ASCII keys are matched caselessly)."""
    return "(?:" + "|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k))) + ")"


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fa5"


def strip_key(value: str, hints: frozenset[str]) -> str:
    """The value part of a key-led match: ``xm="张三`` -> ``张三``; ``姓名:张三`` -> ``张三``."""
    if value[:1].isascii():
        i = next((i for i, ch in enumerate(value) if is_han(ch)), len(value))
        return value[i:]
    for key in sorted((h for h in hints if not h.isascii()), key=len, reverse=True):
        if value.startswith(key):
            return value[len(key):].lstrip("\"':=为是在 \t")
    return value

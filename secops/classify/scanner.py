"""One linear-time multi-pattern scan over a batch of texts.

hyperscan (SOM_LEFTMOST) where available, google-re2 otherwise. Boundary guards are consuming character
classes (neither engine has lookaround); the batch buffer starts and ends with a newline so every guard
consumes exactly one character, which the scanner trims off again. For each shape and start offset only
the longest end is kept (hyperscan reports every end offset).
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, Final, NamedTuple

import re2 as _re2

from secops.classify.detectors.base import Shape
from secops.errors import SecopsError

_hs: Any
try:  # hyperscan wheels exist for x86_64 only; RE2 is the fallback elsewhere
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None

log = logging.getLogger(__name__)

GUARDS = {
    "alnum": "[^0-9A-Za-z]",
    "alnum_dot": "[^0-9A-Za-z.]",
    "digit": "[^0-9]",
    "value": "[\\s\"'&,;<>|]",
    "han": "[^\\x{4e00}-\\x{9fa5}]",
    "address": "[^\\x{4e00}-\\x{9fa5}0-9A-Za-z#\\-]",
    "hexcolon": "[^0-9A-Za-z:]",
    "none": "",
}


class PatternError(SecopsError):
    """A shape cannot run in linear time (or at all) on the scan engines."""


class Match(NamedTuple):
    shape: int
    text: int  # index of the text in the batch
    start: int  # byte offsets of the value (guards trimmed) within that text's UTF-8 encoding
    end: int
    exclusive: bool = True


def wrap(shape: Shape) -> str:
    if shape.left not in GUARDS or shape.right not in GUARDS:
        raise PatternError(f"unknown boundary guard {shape.left!r}/{shape.right!r}; valid: {', '.join(GUARDS)}")
    return f"{GUARDS[shape.left]}(?:{shape.pattern}){GUARDS[shape.right]}"


Span = tuple[int, int, int]  # (shape, start, end)
_span_start: Final = itemgetter(1)


def _start(m: Match) -> int:
    return m.start


def _utf8_len(buf: bytes, pos: int) -> int:
    b = buf[pos]
    return 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4


def _last_char_len(buf: bytes, end: int) -> int:
    n = 1
    while n < 4 and end - n > 0 and 0x80 <= buf[end - n] < 0xC0:
        n += 1
    return n


def check_linear(pattern: str, *, utf8: bool = True, caseless: bool = False) -> str | None:
    """Why ``pattern`` is refused (backreferences, lookaround, ...), or None when both engines accept it."""
    if _hs is not None:
        flags = _hs.HS_FLAG_SOM_LEFTMOST | (_hs.HS_FLAG_UTF8 if utf8 else 0)
        flags |= _hs.HS_FLAG_CASELESS if caseless else 0
        try:
            db = _hs.Database()
            db.compile(expressions=[pattern.encode()], ids=[0], elements=1, flags=[flags])
        except _hs.error as err:
            return f"hyperscan: {err}"
    try:
        options = _re2.Options()
        options.log_errors = False
        _re2.compile(pattern, options=options)
    except Exception as err:  # re2 raises its own error type; any refusal is the answer
        return f"RE2: {err}"
    return None


class Scanner:
    """Scans many texts with all shapes in one engine call per batch."""

    def __init__(self, shapes: Sequence[Shape], *, engine: str = "auto") -> None:
        self.shapes = tuple(shapes)
        self.engine = "hyperscan" if engine in ("auto", "hyperscan") and _hs is not None else "re2"
        self._wrapped = [wrap(s) for s in self.shapes]
        self._trims = [(s.left != "none", s.right != "none", s.utf8) for s in self.shapes]
        self._exclusive = [s.exclusive for s in self.shapes]
        self._db: Any = self._compile_hs() if self.engine == "hyperscan" else None
        self._re2: list[Any] = [] if self.engine == "hyperscan" else self._compile_re2()

    def _compile_hs(self) -> Any:
        assert _hs is not None
        flags = []
        for shape in self.shapes:
            f = _hs.HS_FLAG_SOM_LEFTMOST | (_hs.HS_FLAG_UTF8 if shape.utf8 else 0)
            flags.append(f | (_hs.HS_FLAG_CASELESS if shape.caseless else 0))
        db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[w.encode() for w in self._wrapped], ids=list(range(len(self.shapes))),
                       elements=len(self.shapes), flags=flags)
        except _hs.error as err:
            raise PatternError(f"hyperscan refused the detector shapes: {err}") from err
        return db

    def _compile_re2(self) -> list[Any]:
        options = _re2.Options()
        options.log_errors = False
        compiled = []
        for shape in self.shapes:
            left = GUARDS[shape.left]
            right = GUARDS[shape.right]
            prefix = "(?i)" if shape.caseless else ""
            # the right guard is looked at in Python so adjacent values can share one separator
            compiled.append((_re2.compile(f"{prefix}{left}({shape.pattern})", options=options),
                             _re2.compile(f"{prefix}{right}" if right else "", options=options)))
        return compiled

    def scan(self, texts: Sequence[bytes]) -> list[Match]:
        return [m for per_text in self.scan_grouped(texts) for m in per_text]

    def scan_grouped(self, texts: Sequence[bytes]) -> list[list[Match]]:
        """Matches per text, each list ordered by start offset; offsets are within the text."""
        if self.engine != "hyperscan":
            return self._grouped_re2(texts)
        exclusive = self._exclusive
        return [[Match(sid, i, start, end, exclusive[sid]) for sid, start, end in spans]
                for i, spans in enumerate(self.spans(texts))]

    def spans(self, texts: Sequence[bytes]) -> list[list[Span]]:
        """(shape, start, end) per match and text, ordered by start (ties in the engine's report order);
        offsets are within the text. The hot path: no Match objects, and the engine's callback only
        records what it reports."""
        if self.engine != "hyperscan":
            return [[(m.shape, m.start, m.end) for m in per_text] for per_text in self._grouped_re2(texts)]
        # one engine call per text: cheaper than one call per batch plus mapping offsets back to texts
        reported: list[Span] = []

        def on_match(sid: int, start: int, end: int, flags: int, ctx: object) -> None:
            reported.append((sid, start, end))

        out: list[list[Span]] = []
        scan = self._db.scan
        for text in texts:
            buf = b"\n" + text + b"\n"
            scan(buf, match_event_handler=on_match)
            if reported:
                out.append(self._trimmed(buf, reported))
                reported.clear()
            else:
                out.append([])
        return out

    def _trimmed(self, buf: bytes, reported: list[Span]) -> list[Span]:
        """Guards trimmed off, offsets made relative to the text, and per shape and start only the longest
        end (hyperscan reports every end offset, in end order)."""
        trims = self._trims
        if len(reported) == 1:
            sid, start, end = reported[0]
            left, right, utf8 = trims[sid]
            if left:
                start += _utf8_len(buf, start) if utf8 else 1
            if right:
                end -= _last_char_len(buf, end) if utf8 else 1
            return [(sid, start - 1, end - 1)]
        ends: dict[tuple[int, int], int] = {}
        for sid, start, end in reported:
            left, right, utf8 = trims[sid]
            if left:
                start += _utf8_len(buf, start) if utf8 else 1
            if right:
                end -= _last_char_len(buf, end) if utf8 else 1
            key = (sid, start)
            if ends.get(key, -1) < end:
                ends[key] = end
        found = [(sid, start - 1, end - 1) for (sid, start), end in ends.items()]
        if len(found) > 1:
            found.sort(key=_span_start)
        return found

    def _grouped_re2(self, texts: Sequence[bytes]) -> list[list[Match]]:
        buf = b"\n" + b"\n".join(texts) + b"\n"
        starts = []
        pos = 1
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        out: list[list[Match]] = [[] for _ in texts]
        for (sid, s), e in self._scan_re2(buf).items():
            i = bisect_right(starts, s) - 1
            base = starts[i]
            if e <= base + len(texts[i]):
                out[i].append(Match(sid, i, s - base, e - base, self.shapes[sid].exclusive))
        for per_text in out:
            per_text.sort(key=_start)
        return out

    def _scan_re2(self, buf: bytes) -> dict[tuple[int, int], int]:
        ends: dict[tuple[int, int], int] = {}
        for sid, (regex, right) in enumerate(self._re2):
            for m in regex.finditer(buf):
                s, e = m.span(1)
                if right is not None and self.shapes[sid].right != "none" and not right.match(buf, e):
                    continue
                ends[(sid, s)] = max(e, ends.get((sid, s), -1))
        return ends

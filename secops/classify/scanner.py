"""One linear-time multi-pattern scan over a batch of texts.

hyperscan (SOM_LEFTMOST) where available, google-re2 otherwise. Boundary guards are consuming character
classes (neither engine has lookaround); the batch buffer starts and ends with a newline so every guard
consumes exactly one character, which the scanner trims off again. For each shape and start offset only
the longest end is kept (hyperscan reports every end offset).

Open-ended key-led shapes (``exclusive=False``: a literal key alternation, then a value of no bounded
length) are scanned without start-of-match tracking. SOM on them took two-thirds of the engine's time
(measured: 3.9 -> 2.6 us per line with the default pack), yet they match rarely; when one does, its
leftmost start is found afterwards by a second, SOM-tracking database of only those shapes, run over the
text up to the end of the match. The offsets come out the same as with SOM on every shape.

When ``make native`` built the C module ``_hsscan`` (against the system libhs), the engine runs through it:
its callback only appends to a C array, and ``Batch.spans`` does what ``Scanner.spans`` does below, in C.
python-hyperscan's callback into Python for every match, taking the GIL back each time, had cost more than
the engine itself. The Python path stays as the fallback (no build, or ``SECOPS_PURE_PYTHON=1``) and as the
oracle the tests hold the C module to.
"""

from __future__ import annotations

import logging
import re
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

_native: Any
try:  # the C module, present when the native build is fresh and was built with libhs (module docstring)
    from secops.classify import _hsscan as _native
except ImportError:
    _native = None

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
_span_end: Final = itemgetter(2)
_span_start: Final = itemgetter(1, 0)  # by start, ties by shape: independent of the engine's report order


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


def open_ended(pattern: str) -> bool:
    """Whether a pattern has a repeat without an upper bound (``*``, ``+``, ``{n,}``) outside a class."""
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith("]", i + 1) or pattern.startswith("^]", i + 1):
                i += 2 if pattern[i + 1] == "]" else 3  # a leading ] is a literal
                continue
        elif ch in "*+" or (ch == "{" and re.match(r"\{[0-9]+,\}", pattern[i:])):
            return True
        i += 1
    return False


def _keep_longest(found: list[Span], sid: int, start: int, end: int) -> None:
    """Add a span; one already there for the same shape and start gets this (later, so longer) end instead."""
    for i, (s, b, _) in enumerate(found):
        if s == sid and b == start:
            found[i] = (sid, start, end)
            return
    found.append((sid, start, end))


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
    if _native is not None:
        flags = _native.HS_FLAG_SOM_LEFTMOST | (_native.HS_FLAG_UTF8 if utf8 else 0)
        flags |= _native.HS_FLAG_CASELESS if caseless else 0
        try:
            _native.Database([pattern.encode()], [0], [flags])
        except _native.error as err:
            return f"hyperscan {_native.version().split()[0]}: {err}"
    try:
        options = _re2.Options()
        options.log_errors = False
        _re2.compile(pattern, options=options)
    except Exception as err:  # re2 raises its own error type; any refusal is the answer
        return f"RE2: {err}"
    return None


class Scanner:
    """Scans many texts with all shapes in one engine call per batch."""

    def __init__(self, shapes: Sequence[Shape], *, engine: str = "auto", late_start: bool = True,
                 binding: str = "auto") -> None:
        self.shapes = tuple(shapes)
        hyperscan = _hs is not None or _native is not None
        self.engine = "hyperscan" if engine in ("auto", "hyperscan") and hyperscan else "re2"
        # "c": secops's own C module; "python": python-hyperscan (the fallback, and the tests' oracle)
        native = self.engine == "hyperscan" and _native is not None and binding in ("auto", "c")
        self.binding = "c" if native else "python" if self.engine == "hyperscan" else ""
        self._wrapped = [wrap(s) for s in self.shapes]
        self._trim_left = [s.left != "none" for s in self.shapes]
        self._trim_right = [s.right != "none" for s in self.shapes]
        self._utf8 = [s.utf8 for s in self.shapes]
        self._exclusive = [s.exclusive for s in self.shapes]
        # open-ended key-led shapes: scanned without SOM, their start recovered by ``_late`` (module docstring)
        self._late_start = [late_start and not s.exclusive and open_ended(s.pattern) for s in self.shapes]
        self._db: Any = None
        self._late: Any = None
        self._batch: Any = None
        if self.engine == "hyperscan":
            self._db = self._compile_hs(list(range(len(self.shapes))), som=[not x for x in self._late_start])
            late = [i for i, x in enumerate(self._late_start) if x]
            self._late = self._compile_hs(late, som=[True] * len(self.shapes)) if late else None
            if self.binding == "c":
                self._batch = _native.Batch(self._db, self._late, bytes(self._trim_left), bytes(self._trim_right),
                                            bytes(self._utf8), bytes(self._late_start))
        self._re2: list[Any] = [] if self.engine == "hyperscan" else self._compile_re2()

    def _compile_hs(self, ids: list[int], *, som: list[bool]) -> Any:
        """A database of the shapes ``ids``; ``som[i]`` False scans shape i without start tracking."""
        hs = _native if self.binding == "c" else _hs
        flags = []
        for i in ids:
            shape = self.shapes[i]
            f = (0 if not som[i] else hs.HS_FLAG_SOM_LEFTMOST) | (hs.HS_FLAG_UTF8 if shape.utf8 else 0)
            flags.append(f | (hs.HS_FLAG_CASELESS if shape.caseless else 0))
        expressions = [self._wrapped[i].encode() for i in ids]
        try:
            if self.binding == "c":
                return _native.Database(expressions, ids, flags)
            db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
            db.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
        except (hs.error, ValueError) as err:
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
        """(shape, start, end) per match and text, ordered by start (ties by shape); offsets are within the
        text. The hot path: no Match objects, and the engine's callback only records what it reports.

        One engine call covers the whole batch: the texts joined by newlines, which every boundary guard
        accepts, so adjacent texts share one framing newline. A match belongs to the text its last byte is
        in (a guard that consumed the newline after a text belongs to that text). A value that would reach
        back over a framing newline (only a user pattern whose value class takes newlines can) sends its text
        to be scanned again on its own, so the offsets are those of one engine call per text."""
        if self.engine != "hyperscan":
            return [[(m.shape, m.start, m.end) for m in per_text] for per_text in self._grouped_re2(texts)]
        if self._batch is not None:
            return self._spans_c(texts)
        buf = b"\n" + b"\n".join(texts) + b"\n"
        reported = self.reported(buf)
        out: list[list[Span]] = []
        if not reported:
            for _ in texts:
                out.append([])
            return out
        reported.sort(key=_span_end)  # the engine reports in end order: normally a single pass
        k = 0
        n = len(reported)
        limit = 0  # offset of the newline after the current text
        for text in texts:
            base = limit + 1
            limit = base + len(text)
            if k == n or reported[k][2] > limit + 1:
                out.append([])
                continue
            j = k + 1
            while j < n and reported[j][2] <= limit + 1:
                j += 1
            found = self._trimmed(buf, reported[k:j], base)
            out.append(found if found is not None else self._alone(text))
            k = j
        return out

    def _spans_c(self, texts: Sequence[bytes]) -> list[list[Span]]:
        """``spans`` by the C module; the texts it hands back are rescanned alone here, as below."""
        spans: list[list[Span]]
        alone: list[int]
        spans, alone = self._batch.spans(texts if isinstance(texts, list) else list(texts))
        for i in alone:
            spans[i] = self._alone(texts[i])
        return spans

    def reported(self, buf: bytes) -> list[Span]:
        """What the engine reports over ``buf``: (shape, start, end) with the guards, as reported."""
        if self.binding == "c":
            found: list[Span] = self._db.scan(buf)
            return found
        reported: list[Span] = []

        def on_match(sid: int, start: int, end: int, flags: int, ctx: object) -> None:
            reported.append((sid, start, end))

        self._db.scan(buf, match_event_handler=on_match)
        return reported

    def _alone(self, text: bytes) -> list[Span]:
        """The spans of one text scanned on its own (a match in the batch reached over its framing)."""
        buf = b"\n" + text + b"\n"
        reported = self.reported(buf)
        if not reported:
            return []
        reported.sort(key=_span_end)  # as in the batch: the late starts are looked up to the last end
        found = self._trimmed(buf, reported, 1)
        if found is None:  # an unguarded user pattern whose value took the framing newline: start after it
            found = self._trimmed(buf, [(sid, start if self._trim_left[sid] else max(start, 1), end)
                                        for sid, start, end in reported], 1)
        return found or []

    def _trimmed(self, buf: bytes, reported: list[Span], base: int) -> list[Span] | None:
        """Guards trimmed off, offsets made relative to the text at ``base``, and per shape and start only the
        longest end (hyperscan reports every end offset, in end order). None when a value starts before the
        text."""
        if len(reported) == 1:
            return self._trimmed_one(buf, reported[0], base)
        late = self._late_start
        starts: dict[tuple[int, int], int] | None = None
        found: list[Span] = []
        for sid, start, end in reported:
            if late[sid]:
                if starts is None:
                    starts = self._late_starts(buf, base, reported[-1][2])
                start = starts.get((sid, end), -1)
                if start < 0:
                    continue
            start = self._trim_start(buf, sid, start) - base
            if start < 0:
                return None
            _keep_longest(found, sid, start, self._trim_end(buf, sid, end) - base)
        if len(found) > 1:
            found.sort(key=_span_start)
        return found

    def _trimmed_one(self, buf: bytes, span: Span, base: int) -> list[Span] | None:
        sid, start, end = span
        if self._late_start[sid]:
            start = self._late_starts(buf, base, end).get((sid, end), -1)
            if start < 0:  # only a match reaching back over the framing ends here
                return []
        start = self._trim_start(buf, sid, start)
        return [(sid, start - base, self._trim_end(buf, sid, end) - base)] if start >= base else None

    def _trim_start(self, buf: bytes, sid: int, start: int) -> int:
        """The value's start without the boundary guard before it."""
        if self._trim_left[sid]:
            return start + (_utf8_len(buf, start) if self._utf8[sid] else 1)
        return start

    def _trim_end(self, buf: bytes, sid: int, end: int) -> int:
        """The value's end without the boundary guard after it."""
        if self._trim_right[sid]:
            return end - (_last_char_len(buf, end) if self._utf8[sid] else 1)
        return end

    def _late_starts(self, buf: bytes, base: int, end: int) -> dict[tuple[int, int], int]:
        """Leftmost start per (shape, end) of the key-led shapes, from the SOM database of only those shapes
        over the text at ``base`` (with its leading newline) up to ``end``: a match's start and end depend
        only on the bytes before its end."""
        starts: dict[tuple[int, int], int] = {}
        offset = base - 1
        if self.binding == "c":
            for sid, start, stop in self._late.scan(buf[offset:end]):
                starts[(sid, stop + offset)] = start + offset
            return starts

        def on_match(sid: int, start: int, stop: int, flags: int, ctx: object) -> None:
            starts[(sid, stop + offset)] = start + offset

        self._late.scan(buf[offset:end], match_event_handler=on_match)
        return starts

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

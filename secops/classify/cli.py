"""Offline classification commands the ``secops`` CLI delegates to: ``scan``, ``test`` and ``check``."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson

from secops import gcpolicy
from secops.classify.compile import build
from secops.classify.engine import Classifier
from secops.classify.ruletests import RuleTestResult, run_rule_tests
from secops.classify.types import Classification
from secops.errors import ConfigError, Issue, SecopsError

__all__ = ["RuleTestResult", "check", "run_rule_tests", "run_scan"]

BATCH_LINES = 512
SCAN_KEY_ENV = "SECOPS_CLASSIFICATION_HMAC_KEY"


def check(paths: Sequence[Path]) -> list[Issue]:
    """Every problem in the classification packs under ``paths`` (unknown detector, unsafe pattern,
    category cycle, undefined grade, ...), each with ``file:line:col``."""
    _, issues = build([Path(p) for p in paths])
    return issues


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")  # GBK logs from older government systems


def _lines(stream: BinaryIO) -> Iterator[str]:
    for raw in stream:
        yield _decode(raw.rstrip(b"\r\n"))


def _parser(fmt: str | None) -> Callable[[str], dict[str, Any]] | None:
    if not fmt:
        return None
    try:
        from secops.parse import ParserOptions, build_parser
    except ImportError as err:
        raise SecopsError(f"--format {fmt}: the parse package is not available") from err
    parser: Callable[[str], dict[str, Any]] = build_parser(ParserOptions(format=fmt))
    return parser


def _event_time(fields: dict[str, Any]) -> float | None:
    value = fields.get("@timestamp")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _fields(parse: Callable[[str], dict[str, Any]] | None, line: str) -> tuple[dict[str, Any] | None, float | None]:
    if parse is None:
        return None, None
    try:
        fields = parse(line)
    except SecopsError:  # an unparsable line is still scanned as raw text
        return None, None
    return fields, _event_time(fields)


def _record(number: int, result: Classification, file: str | None) -> bytes:
    out: dict[str, Any] = {"line": number} if file is None else {"line": number, "file": file}
    out["grade"] = result.grade
    out["category"] = result.category
    findings, samples = result.findings, result.masked_findings
    # orjson writes dicts and tuples as they are: copy only what is not a plain dict (the read-only empty
    # defaults of a line without findings: a new {} costs a tenth of dict() of a mappingproxy)
    out["findings"] = findings if type(findings) is dict else dict(findings) if findings else {}
    out["masked_findings"] = samples if type(samples) is dict else dict(samples) if samples else {}
    if result.already_masked:
        out["already_masked"] = dict(result.already_masked)
    if result.rules:
        out["rules"] = result.rules
    return orjson.dumps(out)


class _Progress:
    """A progress line on stderr, only when stderr is a terminal."""

    def __init__(self, total_bytes: int, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total = max(total_bytes, 1)
        self.done = 0
        self.lines = 0

    def step(self, lines: int, nbytes: int) -> None:
        if not self.enabled:
            return
        self.lines += lines
        self.done += nbytes
        pct = min(100, self.done * 100 // self.total)
        bar = "#" * (pct // 4)
        sys.stderr.write(f"\rscan [{bar:<25}] {pct:3d}% {self.lines} lines")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def scan_stream(classifier: Classifier, stream: BinaryIO, out: TextIO, *, parse: Callable[[str], dict[str, Any]]
                | None = None, file: str | None = None, progress: _Progress | None = None) -> int:
    """Classify every line of ``stream``; one JSON line per input line, in input order. Returns lines."""
    number = 0
    batch: list[tuple[str, dict[str, Any] | None, float | None]] = []

    def flush() -> None:
        nonlocal number
        results = classifier.classify_batch(batch)
        chunk = []
        for result in results:
            number += 1
            chunk.append(_record(number, result, file))
        chunk.append(b"")  # the newline after the last record, without copying the batch's text again
        out.write(b"\n".join(chunk).decode())
        if progress is not None:
            progress.step(len(batch), sum(len(t) for t, _, _ in batch) + len(batch))
        batch.clear()

    for line in _lines(stream):
        batch.append((line, None, None) if parse is None else (line, *_fields(parse, line)))
        if len(batch) >= BATCH_LINES:
            flush()
    if batch:
        flush()
    return number


def run_scan(files: Sequence[str], *, rules_paths: Sequence[Path], fmt: str | None, out: TextIO,
             progress: bool, hmac_key: bytes | None = None) -> int:
    """``secops scan FILE...``: exit code 0, or 1 with a message on stderr. ``-`` reads stdin."""
    key = hmac_key or os.environ.get(SCAN_KEY_ENV, "").encode() or os.urandom(32)
    try:
        classifier = Classifier.load([Path(p) for p in rules_paths], hmac_key=key)
        parse = _parser(fmt)
        gcpolicy.settle()
    except ConfigError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        return 1
    except SecopsError as err:
        print(f"secops scan: {err}", file=sys.stderr)
        return 1
    total = sum(os.path.getsize(f) for f in files if f != "-" and os.path.isfile(f))
    bar = _Progress(total, progress)
    try:
        for name in files:
            label = name if len(files) > 1 else None
            if name == "-":
                scan_stream(classifier, sys.stdin.buffer, out, parse=parse, file=label, progress=bar)
                continue
            with open(name, "rb") as stream:
                scan_stream(classifier, stream, out, parse=parse, file=label, progress=bar)
    except OSError as err:
        print(f"secops scan: {err}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    return 0

"""The detection side of ``secops replay``, ``secops test`` and ``secops check`` (called from secops/cli.py)."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

from secops.detect.engine import DetectionEngine
from secops.detect.loader import check
from secops.detect.ruletests import RuleTestResult, flatten, run_rule_tests
from secops.errors import ParseError
from secops.model.alert import Detection, alert_to_dict
from secops.model.event import Event

Parser = Callable[[str], dict[str, Any]]
Classify = Callable[[dict[str, Any]], dict[str, Any]]

__all__ = ["RuleTestResult", "check", "run_replay", "run_rule_tests"]


def _json_parser(line: str) -> dict[str, Any]:
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as err:
        raise ParseError("invalid_json", str(err)) from err
    if not isinstance(data, dict):
        raise ParseError("not_object")
    return flatten(data)


def _parser(fmt: str | None) -> tuple[Parser, Callable[[Any, float], float]]:
    try:
        parse = importlib.import_module("secops.parse")
    except ImportError:
        return _json_parser, _fallback_time
    parser = parse.build_parser(parse.ParserOptions(format=fmt or "auto"))
    normalizer = parse.Normalizer(parse.ZoneMap({}))
    return parser, normalizer.event_time


def _fallback_time(value: Any, received_at: float) -> float:
    from secops.detect.sigma.matchers import parse_datetime

    moment = parse_datetime(value) if value is not None else None
    return moment.timestamp() if moment is not None else received_at


def _events(files: Sequence[str], fmt: str | None, source: str | None) -> Iterator[tuple[int, Event | None]]:
    parser, event_time = _parser(fmt)
    number = 0
    for name in files:
        with open(name, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                number += 1
                text = raw.rstrip("\r\n")
                if not text.strip():
                    yield number, None
                    continue
                try:
                    fields = parser(text)
                except ParseError:
                    yield number, None
                    continue
                ts = event_time(fields.get("@timestamp"), 0.0)
                ident = hashlib.blake2b(f"{name}:{number}".encode() + text.encode(), digest_size=16).hexdigest()
                origin = source or Path(name).name
                yield number, Event(id=ident, source=origin, timestamp=ts, received_at=ts, fields=fields)


def _alert_book() -> Any:
    try:
        state = importlib.import_module("secops.alerting.state")
    except ImportError:
        return None
    return state.AlertBook()


def _detection_dict(d: Detection) -> dict[str, Any]:
    return {"rule_id": d.rule_id, "labels": d.labels(), "timestamp": d.timestamp, "severity": d.severity.value,
            "data_grade": d.data_grade, "event_ids": list(d.event_ids), "annotations": dict(d.annotations),
            "closes": list(d.closes)}


def run_replay(files: Sequence[str], *, rules_paths: Sequence[Path], fmt: str | None, matches: bool,
               out: TextIO, local_paths: Sequence[Path] = (), classify: Classify | None = None,
               source: str | None = None, engine: DetectionEngine | None = None, book: Any = None) -> int:
    """Detection over log files in event time; raises ConfigError when the rules do not load.

    ``source`` names the events' source (default: the file name) so that rules grouped by
    ``secops.source`` give the same labels as the live daemon. ``engine`` and ``book`` let the caller
    build them from the daemon's settings (label masking key, alerting settings), so replay and the live
    daemon give the same alert ids.
    """
    if engine is None:
        engine = DetectionEngine.load(rules_paths, local_paths=local_paths)
    if book is None and not matches:
        book = _alert_book()
    for number, event in _events(files, fmt, source):
        if event is not None and classify is not None:
            event = Event(event.id, event.source, event.timestamp, event.received_at, classify(dict(event.fields)))
        if matches:
            rules = engine.matched_rules(event) if event is not None else []
            out.write(orjson.dumps({"line": number, "rules": rules}).decode() + "\n")
            continue
        if event is None:
            continue
        found = engine.process(event) + engine.advance(event.timestamp)
        _emit(out, book, found, event.timestamp)
    return 0


def _emit(out: TextIO, book: Any, found: list[Detection], now: float) -> None:
    if book is None:
        for d in found:
            out.write(orjson.dumps(_detection_dict(d)).decode() + "\n")
        return
    for change in [*book.observe(found, now), *book.tick(now)]:
        out.write(orjson.dumps({"change": change.kind.value, "alert": alert_to_dict(change.alert)}).decode() + "\n")

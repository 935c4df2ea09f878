"""Parsers: text of one record -> flat ECS fields. Pure functions; see docs/fields.md.

``build_parser(ParserOptions(format=...))`` returns the parser for a source; ``PARSERS`` maps each format
name to a factory taking the options. ``decode`` and ``split_records`` turn delivered bytes into record
text, ``Normalizer`` adds event time, ``event.original``, zones and ``network.direction``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from secops.errors import ConfigError, Issue, ParseError
from secops.parse import access_log
from secops.parse.auto import parse_auto
from secops.parse.cef import parse_cef
from secops.parse.decode import FLAG_INVALID_UTF8, decode
from secops.parse.jsonlog import parse_json
from secops.parse.kv import parse_kv
from secops.parse.normalize import Normalizer, ZoneMap
from secops.parse.payload import parse_syslog
from secops.parse.records import split_records
from secops.registry import Registry

Parser = Callable[[str], dict[str, Any]]

REASONS: tuple[str, ...] = ("binary", "invalid_json", "json_too_deep", "not_object", "invalid_syslog",
                            "invalid_cef", "invalid_access_log", "invalid_kv")
"""Every ``ParseError.reason`` the parsers, ``decode`` and ``split_records`` raise."""


@dataclass(frozen=True, slots=True)
class ParserOptions:
    """How a source's records are parsed. ``log_format`` only applies to ``access_log`` (an nginx
    log_format string or one of ``combined``, ``common``, ``main``); ``encoding`` is for ``decode``."""

    format: str = "auto"
    encoding: str | None = None
    log_format: str | None = None


PARSERS: Registry[Callable[[ParserOptions], Parser]] = Registry("parser")
PARSERS.add("auto", lambda options: parse_auto)
PARSERS.add("json", lambda options: parse_json)
PARSERS.add("syslog", lambda options: parse_syslog)
PARSERS.add("cef", lambda options: parse_cef)
PARSERS.add("kv", lambda options: parse_kv)
PARSERS.add("access_log", lambda options: access_log.build(options.log_format))

FORMATS: list[str] = PARSERS.names()


def options_problems(options: ParserOptions) -> list[str]:
    """Everything wrong with ``options``, as messages (empty when they are fine)."""
    problems: list[str] = []
    if options.format not in PARSERS:
        problems.append(f"unknown format {options.format!r}; valid formats: {', '.join(FORMATS)}")
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            problems.append(f"unknown encoding {options.encoding!r}")
    if options.log_format is not None:
        if options.format != "access_log":
            problems.append("log_format only applies to format: access_log")
        else:
            try:
                access_log.build(options.log_format)
            except access_log.AccessLogError as err:
                problems.append(str(err))
    return problems


def build_parser(options: ParserOptions) -> Parser:
    """The parser for ``options``. Raises ConfigError listing every problem (an unknown format names
    the valid ones)."""
    problems = options_problems(options)
    if problems:
        raise ConfigError([Issue("parser", 0, 0, message) for message in problems])
    return PARSERS.get(options.format)(options)


__all__ = [
    "FLAG_INVALID_UTF8", "FORMATS", "PARSERS", "REASONS", "Normalizer", "ParseError", "Parser",
    "ParserOptions", "ZoneMap", "build_parser", "decode", "options_problems", "split_records",
]

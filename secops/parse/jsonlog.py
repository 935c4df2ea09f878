"""The ``json`` parser: one JSON object per record, flattened to dotted keys, vendor aliases mapped to ECS."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from secops.errors import ParseError
from secops.parse.fields import COMMON, coerce_ints

MAX_DEPTH = 64
_INT64 = 1.8446744073709552e19  # 2**64
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str) -> Any:
    """Parse JSON text. orjson first; the stdlib for what orjson refuses (NaN, ints over 64 bits,
    lone surrogates). Nesting deeper than ``MAX_DEPTH`` raises ``json_too_deep``, never RecursionError."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise ParseError("json_too_deep", f"nesting deeper than {MAX_DEPTH}")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        first = err
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ParseError("invalid_json", str(first)[:200]) from err


class _HugeNumber(Exception):
    """orjson turned an integer wider than 64 bits into a float; parse again with the stdlib."""


def _check_float(value: float) -> None:
    if not -_INT64 < value < _INT64:
        raise _HugeNumber


def _flatten(obj: dict[str, Any], prefix: str, out: dict[str, Any], exact: bool) -> None:
    for key, value in obj.items():
        if type(value) is dict and value:
            _flatten(value, f"{prefix}{key}.", out, exact)
        else:
            if type(value) is float and not exact:
                _check_float(value)
            out[f"{prefix}{key}"] = value


def flatten_object(obj: dict[str, Any], *, exact: bool = False) -> dict[str, Any]:
    """Flatten nested objects into dotted keys and move top-level vendor aliases to ECS names.

    Unless ``exact``, a float beyond 64-bit integer range raises _HugeNumber (orjson's rendering of a
    big integer), so the caller can parse the text again with the stdlib."""
    out: dict[str, Any] = {}
    aliased: list[tuple[str, str]] = []
    known = COMMON.cache
    for key, value in obj.items():
        if type(value) is dict and value:
            _flatten(value, key + ".", out, exact)
            continue
        if type(value) is float and not exact:
            _check_float(value)
        out[key] = value
        target = known.get(key, "")
        if target == "":
            target = COMMON.get(key)
        if target is not None:
            aliased.append((key, target))
    for key, target in aliased:
        if target not in out:
            out[target] = out.pop(key)
    coerce_ints(out)
    return out


def parse_json(text: str) -> dict[str, Any]:
    """Parse one JSON object into flat ECS fields. Raises ParseError on anything else."""
    obj = loads(text)
    if not isinstance(obj, dict):
        raise ParseError("not_object", f"JSON {type(obj).__name__}, expected an object")
    try:
        return flatten_object(obj)
    except _HugeNumber:
        pass
    try:
        exact = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ParseError("invalid_json", str(err)[:200]) from err
    return flatten_object(exact, exact=True)

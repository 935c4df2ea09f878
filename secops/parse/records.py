"""Split one delivery (an MQTT message, an HTTP body) into records: a JSON array or newline-separated."""

from __future__ import annotations

from typing import Any

import orjson

from secops.errors import ParseError
from secops.parse.jsonlog import loads

# After "[", these characters mean the body is meant as JSON; anything else ("[2024-01-01] ...",
# "[error] ...") is a text line that happens to start with a bracket.
_JSON_AFTER_BRACKET = frozenset('{["]')


def _looks_like_array(data: bytes) -> bool:
    body = data.lstrip()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:].lstrip()
    if not body.startswith(b"["):
        return False
    rest = body[1:].lstrip()
    return not rest or chr(rest[0]) in _JSON_AFTER_BRACKET


def _element(item: Any) -> bytes:
    if isinstance(item, str):
        return item.encode("utf-8", errors="surrogatepass")
    return _dumps(item)


def _dumps(item: Any) -> bytes:
    try:
        return orjson.dumps(item)
    except TypeError as err:  # huge ints or NaN parsed by the stdlib fallback
        raise ParseError("invalid_json", f"array element cannot be re-serialized: {err}") from err


def split_records(data: bytes) -> list[bytes]:
    """One record per JSON array element, else one per non-empty line (LF or CRLF).

    String elements of an array are taken as raw log lines (their text, UTF-8 encoded); other elements
    are re-serialized as compact JSON. A body that starts like a JSON array but is not valid JSON raises
    ``ParseError`` (``invalid_json``, ``json_too_deep``).
    """
    if _looks_like_array(data):
        text = data.decode("utf-8", errors="replace").lstrip().removeprefix("\ufeff")
        parsed = loads(text)
        if not isinstance(parsed, list):
            raise ParseError("invalid_json", "body starts with '[' but is not an array")
        return [_element(item) for item in parsed]
    out: list[bytes] = []
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip():
            out.append(line)
    return out

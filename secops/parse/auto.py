"""The ``auto`` parser: detect the format of each line.

Order: JSON object, syslog with PRI, CEF, syslog without PRI (RFC 5424 or a BSD/ISO timestamp first),
access log (combined/common), key=value with at least two pairs; otherwise the line is a plain
``message``. A line that clearly is JSON or CEF but malformed raises ParseError (it is rejected, not
kept as text); a line that only looks a bit like syslog falls through to the next candidate.
"""

from __future__ import annotations

import re
from typing import Any

from secops.errors import ParseError
from secops.parse.access_log import parse_default
from secops.parse.cef import parse_cef
from secops.parse.jsonlog import parse_json
from secops.parse.kv import kv_fields
from secops.parse.payload import parse_syslog

_SYSLOG_START = frozenset("0123456789JFMASOND")
_CEF_MARK = re.compile(r"CEF:\d{1,2}\|")


def _syslog_or_none(text: str) -> dict[str, Any] | None:
    try:
        return parse_syslog(text)
    except ParseError as err:
        if err.reason == "invalid_syslog":
            return None
        raise


def _access_or_none(text: str) -> dict[str, Any] | None:
    try:
        return parse_default(text)
    except ParseError:
        return None


def parse_auto(text: str) -> dict[str, Any]:
    """Parse one line of unknown format."""
    line = text.lstrip()
    first = line[:1]
    if first == "{":
        return parse_json(line)
    if line.startswith("CEF:"):
        return parse_cef(line)
    fields: dict[str, Any] | None = None
    if first == "<" or first in _SYSLOG_START:
        fields = _syslog_or_none(line)
    if fields is None and '"' in line and " [" in line:
        fields = _access_or_none(line)
    if fields is None and "CEF:" in line and _CEF_MARK.search(line):
        return parse_cef(line)
    if fields is None:
        fields = kv_fields(line)
        if fields is not None:
            fields.setdefault("message", text)
    return fields if fields is not None else {"message": text}

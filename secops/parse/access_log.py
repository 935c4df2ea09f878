"""The ``access_log`` parser: nginx/apache access logs.

The default accepts the combined format (``$remote_addr - $remote_user [$time_local] "$request" $status
$body_bytes_sent "$http_referer" "$http_user_agent"``, which is also Apache's ``combined``), the common
format (without referer and user agent) and nginx ``main`` (extra fields after the user agent are
ignored). Any nginx ``log_format`` string can be compiled instead, once, into one regular expression.
A ``-`` means empty: the field is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from secops.errors import ParseError, SecopsError
from secops.parse.fields import coerce_ints, split_url

Parser = Callable[[str], dict[str, Any]]

VARIABLES: dict[str, str] = {
    "remote_addr": "source.ip", "remote_port": "source.port", "remote_user": "user.name",
    "time_local": "@timestamp", "time_iso8601": "@timestamp", "msec": "@timestamp",
    "status": "http.response.status_code", "body_bytes_sent": "http.response.body.bytes",
    "bytes_sent": "http.response.bytes", "request_length": "http.request.bytes",
    "http_referer": "http.request.referrer", "http_user_agent": "user_agent.original",
    "request_method": "http.request.method", "request_uri": "url.original", "uri": "url.path",
    "document_uri": "url.path", "args": "url.query", "query_string": "url.query",
    "server_protocol": "http.version", "host": "url.domain", "server_name": "url.domain",
    "server_addr": "destination.ip", "server_port": "destination.port", "scheme": "url.scheme",
}
NAMED_FORMATS: dict[str, str] = {
    "common": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
    "combined": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                '"$http_referer" "$http_user_agent"',
    "main": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
            '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
}
_DEFAULT = re.compile(
    r'(\S+) \S+ (\S+) \[([^\]]*)\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}|-) (\d+|-)'
    r'(?: "([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)")?'
)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")


class AccessLogError(SecopsError):
    """A log_format string cannot be compiled."""


def _request(request: str, out: dict[str, Any]) -> None:
    """``GET /a?b=1 HTTP/1.1`` -> method, url.original (path and query), http.version."""
    parts = request.split(" ")
    if len(parts) == 3 and parts[2].startswith("HTTP/"):
        out["http.request.method"] = parts[0]
        out["url.original"] = parts[1]
        out["http.version"] = parts[2][5:]
    elif len(parts) == 2:
        out["http.request.method"] = parts[0]
        out["url.original"] = parts[1]
    else:
        out["url.original"] = request


def _finish(out: dict[str, Any]) -> dict[str, Any]:
    original = out.get("url.original")
    if type(original) is str:
        split_url(original, out)
    version = out.get("http.version")
    if type(version) is str and version.startswith("HTTP/"):
        out["http.version"] = version[5:]
    coerce_ints(out)
    return out


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\\\", "\\") if "\\" in value else value


def parse_default(text: str) -> dict[str, Any]:
    """Combined, common or nginx main format."""
    m = _DEFAULT.match(text)
    if m is None:
        raise ParseError("invalid_access_log", "line does not match the combined/common format")
    ip, user, stamp, request, status, size, referrer, agent = m.groups()
    out: dict[str, Any] = {"source.ip": ip, "@timestamp": stamp}
    if user != "-":
        out["user.name"] = user
    if request and request != "-":
        _request(_unescape(request), out)
    if status != "-":
        out["http.response.status_code"] = int(status)
    if size != "-":
        out["http.response.body.bytes"] = int(size)
    if referrer and referrer != "-":
        out["http.request.referrer"] = _unescape(referrer)
    if agent and agent != "-":
        out["user_agent.original"] = _unescape(agent)
    original = out.get("url.original")
    if original is not None:
        split_url(original, out)
    return out


def _group_pattern(next_literal: str) -> str:
    if not next_literal:
        return "(.*)"
    stop = re.escape(next_literal[0])
    return f"([^{stop}]*)"


def compile_format(log_format: str) -> re.Pattern[str]:
    """Compile an nginx log_format string (variables ``$name`` or ``${name}``) to a regex."""
    pieces: list[str] = []
    pos = 0
    matches = list(_VARIABLE.finditer(log_format))
    if not matches:
        raise AccessLogError(f"log_format {log_format!r} contains no $variable")
    for i, m in enumerate(matches):
        pieces.append(re.escape(log_format[pos:m.start()]))
        end = matches[i + 1].start() if i + 1 < len(matches) else len(log_format)
        literal = log_format[m.end():end]
        if not literal and i + 1 < len(matches):
            raise AccessLogError(f"log_format variables ${m.group(1) or m.group(2)} and the next one "
                                 "must be separated by literal text")
        name = m.group(1) or m.group(2)
        pieces.append(f"(?P<{name}>" + _group_pattern(literal)[1:])
        pos = m.end()
    pieces.append(re.escape(log_format[pos:]))
    try:
        return re.compile("".join(pieces))
    except re.error as err:
        raise AccessLogError(f"log_format {log_format!r}: {err}") from err


def build(log_format: str | None) -> Parser:
    """The access-log parser for ``log_format`` (a format string or a named format; None = default)."""
    if log_format is None:
        return parse_default
    regex = compile_format(NAMED_FORMATS.get(log_format, log_format))
    names = [(name, VARIABLES.get(name, name)) for name in regex.groupindex]

    def parse_format(text: str) -> dict[str, Any]:
        m = regex.match(text)
        if m is None:
            raise ParseError("invalid_access_log", "line does not match the configured log_format")
        out: dict[str, Any] = {}
        for (name, field), value in zip(names, m.groups(), strict=True):
            if value and value != "-":
                if name == "request":
                    _request(_unescape(value), out)
                else:
                    out[field] = _unescape(value)
        return _finish(out)

    return parse_format

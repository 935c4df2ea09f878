"""The ``cef`` parser: ArcSight Common Event Format, with or without a syslog header in front.

``CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension``.
Header fields escape ``\\|`` and ``\\\\``; extension values escape ``\\=``, ``\\\\``, ``\\n`` and ``\\r``.
Known extension keys map to ECS names; the rest are kept as ``cef.extensions.<key>``.
"""

from __future__ import annotations

import re
from typing import Any

from secops.errors import ParseError
from secops.parse.fields import coerce_ints, split_url
from secops.parse.syslog import parse_header

_EXTENSIONS: dict[str, str] = {
    "src": "source.ip", "sourceAddress": "source.ip",
    "dst": "destination.ip", "destinationAddress": "destination.ip",
    "spt": "source.port", "sourcePort": "source.port",
    "dpt": "destination.port", "destinationPort": "destination.port",
    "smac": "source.mac", "sourceMacAddress": "source.mac",
    "dmac": "destination.mac", "destinationMacAddress": "destination.mac",
    "shost": "source.domain", "sourceHostName": "source.domain",
    "dhost": "destination.domain", "destinationHostName": "destination.domain",
    "suser": "user.name", "sourceUserName": "user.name",
    "duser": "destination.user.name", "destinationUserName": "destination.user.name",
    "sourceTranslatedAddress": "source.nat.ip", "sourceTranslatedPort": "source.nat.port",
    "destinationTranslatedAddress": "destination.nat.ip", "destinationTranslatedPort": "destination.nat.port",
    "proto": "network.transport", "transportProtocol": "network.transport",
    "app": "network.protocol", "applicationProtocol": "network.protocol",
    "act": "event.action", "deviceAction": "event.action",
    "outcome": "event.outcome", "reason": "event.reason",
    "msg": "message", "message": "message",
    "request": "url.original", "requestURL": "url.original",
    "requestMethod": "http.request.method",
    "requestClientApplication": "user_agent.original",
    "requestContext": "http.request.referrer",
    "rt": "@timestamp", "deviceReceiptTime": "@timestamp",
    "start": "event.start", "startTime": "event.start",
    "end": "event.end", "endTime": "event.end",
    "dvc": "observer.ip", "deviceAddress": "observer.ip",
    "dvchost": "observer.hostname", "deviceHostName": "observer.hostname",
    "fname": "file.name", "fileName": "file.name", "filePath": "file.path",
    "fsize": "file.size", "fileSize": "file.size",
    "sproc": "process.name", "sourceProcessName": "process.name",
    "spid": "process.pid", "sourceProcessId": "process.pid",
}
_HEADER = ("cef.version", "observer.vendor", "observer.product", "observer.version", "event.code",
           "cef.name", "cef.severity")
_HEADER_FIELD = re.compile(r"([^|\\]*(?:\\.[^|\\]*)*)\|", re.S)
_HEADER_UNESCAPE = re.compile(r"\\([\\|])")
_KEY_TOKEN = re.compile(r"[A-Za-z0-9_.\[\]-]{1,63}")
_VALUE_ESCAPE = re.compile(r"\\(.)", re.S)
_VALUE_CHARS = {"n": "\n", "r": "\r", "t": "\t"}


def _split_header(body: str) -> tuple[list[str], str]:
    if "\\|" in body:
        return _split_escaped_header(body)
    parts = body.split("|", 7)
    if len(parts) < 7:
        raise ParseError("invalid_cef", f"{len(parts) - 1} header separators, expected 7")
    ext = parts[7] if len(parts) == 8 else ""
    header = parts[:7]
    if "\\" in body[:len(body) - len(ext)]:
        header = [_HEADER_UNESCAPE.sub(r"\1", part) for part in header]
    return header, ext


def _split_escaped_header(body: str) -> tuple[list[str], str]:
    fields: list[str] = []
    pos = 0
    while len(fields) < 7:
        m = _HEADER_FIELD.match(body, pos)
        if m is None:
            if len(fields) == 6:
                fields.append(_HEADER_UNESCAPE.sub(r"\1", body[pos:]))
                return fields, ""
            raise ParseError("invalid_cef", f"{len(fields)} header separators, expected 7")
        fields.append(_HEADER_UNESCAPE.sub(r"\1", m.group(1)))
        pos = m.end()
    return fields, body[pos:]


def _unescape_value(value: str) -> str:
    if value.count("\\") == value.count("\\="):  # every backslash escapes an "=" (the usual case)
        return value.replace("\\=", "=")
    return _VALUE_ESCAPE.sub(lambda m: _VALUE_CHARS.get(m.group(1), m.group(1)), value)


def _is_key(token: str) -> bool:
    return token.isidentifier() or _KEY_TOKEN.fullmatch(token) is not None


_NAMES: dict[str, str] = {}  # token -> output field name, "" when the token is no key name (memoised)
_NAMES_MAX = 4096


def _name(token: str) -> str:
    """The field a key token fills (``src`` -> ``source.ip``, ``cs1`` -> ``cef.extensions.cs1``); "" when
    ``token`` is not a key name."""
    name = _NAMES.get(token)
    if name is not None:
        return name
    name = "" if not _is_key(token) else _EXTENSIONS.get(token) or "cef.extensions." + token
    if len(token) <= 64:
        if len(_NAMES) >= _NAMES_MAX:
            _NAMES.clear()
        _NAMES[token] = name
    return name


def parse_extension(ext: str, out: dict[str, Any]) -> None:
    """Parse ``key=value`` pairs into ``out`` (known keys under ECS names, others as
    ``cef.extensions.<key>``). A value runs to the last space before the next ``key=``; an escaped
    ``\\=``, or an ``=`` whose left-hand token is not a key name (an unescaped ``=`` in a URL), stays in
    the value."""
    segments = ext.split("=")
    if len(segments) == 1:
        if ext.strip():
            raise ParseError("invalid_cef", "extension without key=value pairs")
        return
    name = _name(segments[0].rpartition(" ")[2])
    if not name:
        raise ParseError("invalid_cef", "extension does not start with key=value")
    names = _NAMES
    value = ""
    for segment in segments[1:-1]:
        head, space, token = segment.rpartition(" ")
        following = (names.get(token) or _name(token)) if space else ""
        if following:  # the token before this "=" is the next key
            value = (value + head).rstrip()
            out[name] = _unescape_value(value) if "\\" in value else value
            name, value = following, ""
        else:  # an escaped "=" or one inside a value: part of the value
            value = f"{value}{segment}="
    value = (value + segments[-1]).rstrip()
    out[name] = _unescape_value(value) if "\\" in value else value


def _header(parts: list[str], out: dict[str, Any]) -> None:
    version = parts[0].strip()
    if not version.isdigit():
        raise ParseError("invalid_cef", "CEF version is not a number")
    for name, value in zip(_HEADER, parts, strict=True):
        if value:
            out[name] = value
    out["cef.version"] = version
    severity = parts[6].strip()
    if severity.isdigit():
        out["event.severity"] = int(severity)


def parse_cef_body(body: str, out: dict[str, Any]) -> None:
    """Parse the text after ``CEF:`` into ``out``."""
    parts, ext = _split_header(body)
    _header(parts, out)
    parse_extension(ext, out)
    if "message" not in out and parts[5]:
        out["message"] = parts[5]
    original = out.get("url.original")
    if type(original) is str:
        split_url(original, out)
    proto = out.get("network.transport")
    if type(proto) is str:
        out["network.transport"] = proto.lower()
    coerce_ints(out)


def parse_cef(text: str) -> dict[str, Any]:
    """Parse one CEF record, optionally behind a syslog header."""
    start = text.find("CEF:")
    if start < 0:
        raise ParseError("invalid_cef", "no 'CEF:' marker")
    out: dict[str, Any] = {}
    if text[:start].strip():
        try:
            out, _ = parse_header(text[:start])
        except ParseError:
            out = {}
    parse_cef_body(text[start + 4:], out)
    return out

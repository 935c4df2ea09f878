"""The ``syslog`` parser: RFC 5424 and RFC 3164 (BSD) headers, with or without PRI.

The header fills ``log.syslog.*``, ``host.name``, ``process.*`` and a raw ``@timestamp`` (the normalizer
turns it into UTC; a BSD timestamp has no year and no zone). The payload is parsed further when it is
CEF, a JSON object or firewall key=value text (see ``secops.parse.payload``).
"""

from __future__ import annotations

import re
from typing import Any

from secops.errors import ParseError

FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
              "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1",
              "local2", "local3", "local4", "local5", "local6", "local7")
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug")

_PRI = re.compile(r"<(\d{1,3})>")
_RFC5424 = re.compile(r"(\d{1,2}) (-|\d{4}-\d\d-\d\dT\S+) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32})(?: |$)")
_BSD = re.compile(
    r" ?([A-Z][a-z]{2} [ \d]?\d(?: \d{4})? \d\d:\d\d:\d\d(?:\.\d{1,9})?(?: \d{4}(?= ))?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?)(?: |$)"
)
_TAG = re.compile(r"([^\s\[:]{1,128})(?:\[(\d{1,10})\])?: ?")
_SD_ELEMENT = re.compile(r'\[([^\s\]=]{1,64})((?:\s+[^\s=\]"]{1,64}="[^"\\]*(?:\\.[^"\\]*)*")*)\s*\]', re.S)
_SD_PARAM = re.compile(r'([^\s=\]"]{1,64})="([^"\\]*(?:\\.[^"\\]*)*)"', re.S)
_SD_UNESCAPE = re.compile(r'\\([\\"\]])')
_VENDOR_TAG = re.compile(r"%%(\d\d)([A-Z0-9_]{1,32})/(\d)/([A-Za-z0-9_]{1,64})")
_VENDOR_CODES = {"01": "Huawei", "10": "H3C"}


def _priority(pri: int, out: dict[str, Any]) -> None:
    if pri > 191:
        raise ParseError("invalid_syslog", f"PRI {pri} out of range")
    facility, severity = divmod(pri, 8)
    out["log.syslog.priority"] = pri
    out["log.syslog.facility.code"] = facility
    out["log.syslog.facility.name"] = FACILITIES[facility]
    out["log.syslog.severity.code"] = severity
    out["log.syslog.severity.name"] = SEVERITIES[severity]


def _structured_data(text: str, out: dict[str, Any]) -> str:
    """Parse SD-ELEMENTs at the start of ``text``; return the rest (the MSG)."""
    pos = 0
    while text.startswith("[", pos):
        m = _SD_ELEMENT.match(text, pos)
        if m is None:
            raise ParseError("invalid_syslog", "malformed structured data")
        prefix = f"log.syslog.structured_data.{m.group(1)}."
        for param in _SD_PARAM.finditer(m.group(2)):
            out[prefix + param.group(1)] = _SD_UNESCAPE.sub(r"\1", param.group(2))
        pos = m.end()
    return text[pos:]


def _rfc5424(m: re.Match[str], text: str, out: dict[str, Any]) -> str:
    version, stamp, host, app, procid, msgid = m.groups()
    out["log.syslog.version"] = version
    if stamp != "-":
        out["@timestamp"] = stamp
    if host != "-":
        out["host.name"] = host
    if app != "-":
        out["process.name"] = app
    if procid != "-":
        out["process.pid"] = int(procid) if procid.isdigit() and len(procid) < 10 else procid
    if msgid != "-":
        out["log.syslog.msgid"] = msgid
    rest = text[m.end():]
    if rest.startswith("-"):
        rest = rest[2:] if rest.startswith("- ") else rest[1:]
    else:
        rest = _structured_data(rest, out)
        rest = rest.removeprefix(" ")
    return rest.removeprefix("\ufeff")


def _vendor_tag(tag: str, out: dict[str, Any]) -> None:
    m = _VENDOR_TAG.match(tag)
    if m is None:
        return
    vendor = _VENDOR_CODES.get(m.group(1))
    if vendor is not None:
        out["observer.vendor"] = vendor
    out["event.provider"] = m.group(2)
    out["event.code"] = m.group(4)


def _host_and_tag(rest: str, out: dict[str, Any]) -> str:
    """Split ``HOSTNAME TAG[PID]: MSG`` (hostname optional) and return MSG."""
    if rest.startswith("CEF:"):
        return rest
    first, space, after = rest.partition(" ")
    if after.startswith("CEF:"):
        out["host.name"] = first
        return after
    tag_match = _TAG.match(rest)
    if tag_match is None or tag_match.end() > len(first) + 1 or not space:
        if space and first:
            out["host.name"] = first
            rest = after
        tag_match = _TAG.match(rest)
    if tag_match is None:
        return rest
    tag = tag_match.group(1)
    out["process.name"] = tag
    if tag_match.group(2):
        out["process.pid"] = int(tag_match.group(2))
    if tag.startswith("%%"):
        _vendor_tag(tag, out)
    return rest[tag_match.end():]


def parse_header(text: str) -> tuple[dict[str, Any], str]:
    """Parse the syslog header of ``text``; return the header fields and the message part."""
    out: dict[str, Any] = {}
    pos = 0
    pri = _PRI.match(text)
    if pri is not None:
        _priority(int(pri.group(1)), out)
        pos = pri.end()
    m = _RFC5424.match(text, pos)
    if m is not None:
        return out, _rfc5424(m, text, out)
    m = _BSD.match(text, pos)
    if m is not None:
        out["@timestamp"] = m.group(1)
        return out, _host_and_tag(text[m.end():], out)
    if pri is None:
        raise ParseError("invalid_syslog", "no PRI and no syslog timestamp")
    return out, text[pos:].lstrip(" ")

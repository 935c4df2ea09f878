"""The ``kv`` parser: key=value and key:value text as Chinese firewalls emit it.

Shapes handled (see tests/parse/test_kv.py for one fixture per vendor):

* space separated ``key=value`` with quoted values (Topsec ``id=tos time="..." src=... dst=...``),
* comma separated ``key=value`` (Huawei USG ``source-ip=10.1.1.1, destination-port=80``),
* semicolon separated ``Key(code)=value;`` (H3C ``SrcIPAddr(1003)=10.1.1.1;``),
* comma separated ``键:值`` with Chinese keys and ``:`` or ``：`` (Sangfor ``源IP:10.1.1.1, 目的端口:80``),
* comma separated ``key: value`` plus ``ip:port->ip:port(PROTO)`` flows (Hillstone).

Known keys map to ECS names (``secops.parse.fields``); unknown keys keep their names (an H3C field code
is dropped, spaces become ``_``).
"""

from __future__ import annotations

import re
from typing import Any

from secops.errors import ParseError
from secops.parse.fields import FIREWALL, coerce_ints, split_url

_EQ_KEY = re.compile(r"(?:^|(?<=[\s,;:]))([^\W\d][\w.@-]{0,63}(?:\(\d{1,6}\))?)=")
_COLON_SPLIT = re.compile(r"[,，;；]\s*")
_COLON_KEY = re.compile(r"[^\W\d][^,，;；:：=\"']{0,39}")
_FLOW = re.compile(
    r"(?P<sip>\d{1,3}(?:\.\d{1,3}){3}):(?P<sport>\d{1,5})(?:\([^)]*\))?(?:->| to )"
    r"(?P<dip>\d{1,3}(?:\.\d{1,3}){3}):(?P<dport>\d{1,5})(?:\((?P<proto>[A-Za-z]{2,8})\))?"
)
_CODE_SUFFIX = re.compile(r"\(\d{1,6}\)$")
_VENDOR_MARKERS = (("%%01", "Huawei"), ("%%10", "H3C"), ("id=tos", "Topsec"), ("fwlog:", "Sangfor"),
                   ("日志类型", "Sangfor"), ("@FLOW", "Hillstone"), ("@NET", "Hillstone"))
MIN_PAIRS = 2
_EMPTY = frozenset(("", "-", "(null)"))


def _quoted(text: str, start: int) -> tuple[str, int]:
    """Value in quotes at ``start``; returns it and the index after the closing quote."""
    quote = text[start]
    pos = start + 1
    while True:
        end = text.find(quote, pos)
        if end < 0:
            return text[start + 1:], len(text)
        if text[end - 1] != "\\":
            value = text[start + 1:end]
            return (value.replace("\\" + quote, quote) if "\\" in value else value), end + 1
        pos = end + 1


def equals_pairs(text: str) -> list[tuple[str, str]]:
    """``key=value`` pairs; an unquoted value runs to the next key."""
    pairs: list[tuple[str, str]] = []
    m = _EQ_KEY.search(text)
    while m is not None:
        start = m.end()
        if start < len(text) and text[start] in "\"'":
            value, pos = _quoted(text, start)
            nxt = _EQ_KEY.search(text, pos)
        else:
            nxt = _EQ_KEY.search(text, start)
            value = text[start:nxt.start() if nxt else len(text)].rstrip(" \t,;")
            if nxt is None and value.endswith("."):
                value = value[:-1]  # Huawei ends the record with a full stop
        pairs.append((m.group(1), value))
        m = nxt
    return pairs


def colon_pairs(text: str) -> list[tuple[str, str]]:
    """``key:value`` pairs separated by commas or semicolons (ASCII or full-width)."""
    pairs: list[tuple[str, str]] = []
    for segment in _COLON_SPLIT.split(text):
        cut = min((i for i in (segment.find(":"), segment.find("：")) if i >= 0), default=-1)
        key = segment[:cut].strip() if cut > 0 else ""
        if key and _COLON_KEY.fullmatch(key):
            pairs.append((key.replace(" ", "_"), segment[cut + 1:].strip()))
        elif pairs:
            last_key, last_value = pairs[-1]
            pairs[-1] = (last_key, f"{last_value},{segment}")
    return pairs


def _flow(text: str, out: dict[str, Any]) -> None:
    m = _FLOW.search(text)
    if m is None:
        return
    out.setdefault("source.ip", m.group("sip"))
    out.setdefault("source.port", m.group("sport"))
    out.setdefault("destination.ip", m.group("dip"))
    out.setdefault("destination.port", m.group("dport"))
    if m.group("proto"):
        out.setdefault("network.transport", m.group("proto").lower())


def _fill(pairs: list[tuple[str, str]], out: dict[str, Any]) -> None:
    get_alias = FIREWALL.get
    for key, value in pairs:
        if value in _EMPTY:
            continue
        target = get_alias(key)
        if target is not None and target not in out:
            out[target] = value
        else:
            name = _CODE_SUFFIX.sub("", key) if key.endswith(")") else key
            out.setdefault(name, value)


def _vendor(text: str) -> str | None:
    for marker, vendor in _VENDOR_MARKERS:
        if marker in text:
            return vendor
    return None


def kv_fields(text: str, min_pairs: int = MIN_PAIRS) -> dict[str, Any] | None:
    """Fields of a key=value / key:value text, or None when it has fewer than ``min_pairs`` pairs
    (a Hillstone ``ip:port->ip:port`` flow counts as enough)."""
    pairs = equals_pairs(text) if "=" in text else []
    if len(pairs) < MIN_PAIRS:
        colon = colon_pairs(text) if (":" in text or "：" in text) else []
        if len(colon) >= MIN_PAIRS:
            pairs = colon
    out: dict[str, Any] = {}
    if "->" in text or " to " in text:
        _flow(text, out)
    if len(pairs) < min_pairs and not out:
        return None
    _fill(pairs, out)
    vendor = _vendor(text)
    if vendor is not None:
        out.setdefault("observer.vendor", vendor)
    original = out.get("url.original")
    if type(original) is str:
        split_url(original, out)
    transport = out.get("network.transport")
    if type(transport) is str:
        out["network.transport"] = transport.lower()
    coerce_ints(out)
    return out


def parse_kv(text: str) -> dict[str, Any]:
    """Parse one key=value record; the whole text is kept as ``message``."""
    out = kv_fields(text, min_pairs=1)
    if out is None:
        raise ParseError("invalid_kv", "no key=value or key:value pairs")
    out.setdefault("message", text)
    return out

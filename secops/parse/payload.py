"""The ``syslog`` parser proper: the header (``secops.parse.syslog``) plus its payload, which may be CEF,
a JSON object or firewall key=value text."""

from __future__ import annotations

from typing import Any

from secops.errors import ParseError
from secops.parse.cef import parse_cef_body
from secops.parse.jsonlog import parse_json
from secops.parse.kv import kv_fields
from secops.parse.syslog import parse_header


def _json_payload(body: str) -> dict[str, Any] | None:
    try:
        return parse_json(body)
    except ParseError:
        return None


def parse_payload(msg: str, out: dict[str, Any]) -> None:
    """Parse a syslog MSG into ``out``: CEF (a malformed one raises), JSON object, key=value, or text.

    Payload fields override header fields of the same name (a firewall's own time beats the relay's).
    """
    body = msg.lstrip()
    if body.startswith("CEF:"):
        parse_cef_body(body[4:], out)
        return
    fields = _json_payload(body) if body.startswith("{") else None
    if fields is None and ("=" in body or ":" in body or "：" in body):
        fields = kv_fields(body)
    if fields:
        out.update(fields)
    out.setdefault("message", msg)


def parse_syslog(text: str) -> dict[str, Any]:
    """Parse one syslog record (RFC 5424 or 3164, PRI optional) including its payload."""
    out, msg = parse_header(text)
    parse_payload(msg, out)
    return out

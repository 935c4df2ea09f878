"""ipv6: RFC 4291 addresses (full eight groups or with ``::``); parsed by ``ipaddress``."""

from __future__ import annotations

import ipaddress

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

H = "[0-9A-Fa-f]{1,4}"
FULL = f"{H}(?::{H}){{7}}"
COMPRESSED = f"(?:{H}(?::{H}){{0,6}})?::(?:{H}(?::{H}){{0,6}})?"


def validate(value: str, params: Params) -> Verdict | None:
    if value.count(":") < 2 or value == "::":
        return None
    try:
        ip = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    internal = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    return Verdict(ip.compressed, 0.8, variant="private" if internal else "public")


DETECTOR = Detector(
    name="ipv6",
    shapes=(Shape(FULL, left="hexcolon", right="hexcolon"), Shape(COMPRESSED, left="hexcolon", right="hexcolon")),
    validate=validate,
    category="pi.online",
    mask="ip",
    hints=frozenset({"ip", "ipv6", "clientip", "srcip", "remoteaddr"}),
    priority=40,
    description="IPv6 address; ULA, loopback and link-local are variant 'private'",
)

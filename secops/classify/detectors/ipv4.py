"""ipv4: dotted quads (not version strings or OIDs); private vs public is the variant."""

from __future__ import annotations

import ipaddress

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


def validate(value: str, params: Params) -> Verdict | None:
    if any(len(p) > 1 and p.startswith("0") for p in value.split(".")):
        return None
    try:
        ip = ipaddress.IPv4Address(value)
    except ValueError:
        return None
    internal = ip.is_private or ip.is_loopback or ip.is_link_local or ip in _CGNAT or ip.is_unspecified
    return Verdict(value, 0.8, variant="private" if internal else "public")


DETECTOR = Detector(
    name="ipv4",
    shapes=(Shape(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", left="alnum_dot", right="alnum_dot"),),
    validate=validate,
    category="pi.online",
    mask="ip",
    hints=frozenset({"ip", "clientip", "srcip", "remoteaddr", "ipaddr", "ipdz"}),
    context=("ip",),
    anti_hints=frozenset({"version", "ver", "v", "oid", "build", "release"}),
    priority=40,
    description="IPv4 address; RFC 1918, loopback, link-local and 100.64/10 are variant 'private'",
)

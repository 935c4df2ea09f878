"""ipv4: dotted quads (not version strings or OIDs); private vs public is the variant."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def _internal(a: int, b: int) -> bool:
    """RFC 1918, loopback, link-local, CGNAT 100.64/10 and 0/8."""
    return (a in (0, 10, 127) or (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168)
            or (a == 169 and b == 254) or (a == 100 and 64 <= b <= 127))


def validate(value: str, params: Params) -> Verdict | None:
    parts = value.split(".")
    if len(parts) != 4:
        return None
    for p in parts:  # a plain loop: this runs for nearly every log line; parts are 1-3 ASCII digits
        if len(p) > 1 and (p[0] == "0" or (len(p) == 3 and p > "255")):
            return None
    variant = "private" if _internal(int(parts[0]), int(parts[1])) else "public"
    return Verdict(value, 0.8, variant)


DETECTOR = Detector(
    name="ipv4",
    shapes=(Shape(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", left="alnum_dot", right="alnum_dot"),),
    validate=validate,
    category="pi.online",
    mask="ip",
    hints=frozenset({"ip", "clientip", "srcip", "remoteaddr", "ipaddr", "ipdz"}),
    context=("ip",),
    anti_hints=frozenset({"version", "ver", "oid", "build", "release"}),
    priority=40,
    description="IPv4 address; RFC 1918, loopback, link-local and 100.64/10 are variant 'private'",
)

"""ipv4: dotted quads (not version strings or OIDs); private vs public is the variant."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def _internal(a: int, b: int) -> bool:
    """RFC 1918, loopback, link-local, CGNAT 100.64/10 and 0/8."""
    return (a in (0, 10, 127) or (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168)
            or (a == 169 and b == 254) or (a == 100 and 64 <= b <= 127))


def validate(value: str, params: Params) -> Verdict | None:
    """Four dot-separated decimal octets, each 0-255 without a leading zero. Read by code point (compiled,
    ``ord(value[i])`` is one load): this runs for nearly every log line, and splitting into strings and
    ``int()`` on each cost several times as much."""
    first = second = 0
    octet = 0  # index of the octet being read
    number = 0
    digits = 0
    for i in range(len(value)):
        c = ord(value[i])
        if 48 <= c <= 57:  # 0-9
            if digits == 1 and number == 0:  # a leading zero
                return None
            number = number * 10 + c - 48
            digits += 1
            if number > 255:
                return None
        elif c == 46 and digits and octet < 3:  # "."
            if octet == 0:
                first = number
            elif octet == 1:
                second = number
            octet += 1
            number = digits = 0
        else:
            return None
    if octet != 3 or not digits:
        return None
    return Verdict(value, 0.8, "private" if _internal(first, second) else "public")


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

"""ipv6: RFC 4291 addresses (full eight groups or with ``::``), in RFC 5952 canonical form.

Parsed here rather than by ``ipaddress`` (which cost ~20 us per value); tests check both agree."""

from __future__ import annotations

from typing import Final

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

H = "[0-9A-Fa-f]{1,4}"
FULL = f"{H}(?::{H}){{7}}"
COMPRESSED = f"(?:{H}(?::{H}){{0,6}})?::(?:{H}(?::{H}){{0,6}})?"

# ``ipaddress``' IPv6 private networks (Python 3.11): loopback, unspecified, IPv4-mapped, discard, IETF
# protocol assignments, documentation, ORCHIDv1, unique-local (ULA) and link-local; (network, prefix length)
PRIVATE: Final[tuple[tuple[int, int], ...]] = (
    (0x1, 128), (0x0, 128), (0xFFFF << 32, 96), (0x0100 << 112, 64), (0x2001 << 112, 23),
    ((0x2001 << 112) | (0x2 << 96), 48), ((0x2001 << 112) | (0xDB8 << 96), 32), ((0x2001 << 112) | (0x10 << 96), 28),
    (0xFC00 << 112, 7), (0xFE80 << 112, 10),
)
# an IPv4-mapped address (::ffff:a.b.c.d) is private when its IPv4 address is (``ipaddress``' IPv4 list)
PRIVATE_V4: Final[tuple[tuple[int, int], ...]] = (
    (0x00000000, 8), (0x0A000000, 8), (0x7F000000, 8), (0xA9FE0000, 16), (0xAC100000, 12), (0xC0000000, 29),
    (0xC00000AA, 31), (0xC0000200, 24), (0xC0A80000, 16), (0xC6120000, 15), (0xC6336400, 24), (0xCB007100, 24),
    (0xF0000000, 4), (0xFFFFFFFF, 32),
)


def groups(value: str) -> list[int] | None:
    """The eight 16-bit groups of an address, or None."""
    if "::" in value:
        head, _, tail = value.partition("::")
        if "::" in tail:
            return None
        left = head.split(":") if head else []
        right = tail.split(":") if tail else []
        missing = 8 - len(left) - len(right)
        if missing < 1:
            return None
        parts = left + ["0"] * missing + right
    else:
        parts = value.split(":")
        if len(parts) != 8:
            return None
    out: list[int] = []
    for part in parts:
        if not 1 <= len(part) <= 4:
            return None
        try:
            out.append(int(part, 16))
        except ValueError:
            return None
    return out


def compressed(hextets: list[int]) -> str:
    """RFC 5952 text: lower-case hex without leading zeros, the first longest run of 2+ zero groups as ``::``."""
    best_start = best_len = 0
    run_start = run_len = 0
    for i, h in enumerate(hextets):
        if h == 0:
            if run_len == 0:
                run_start = i
            run_len += 1
            if run_len > best_len:
                best_start, best_len = run_start, run_len
        else:
            run_len = 0
    text = [f"{h:x}" for h in hextets]
    if best_len < 2:
        return ":".join(text)
    return ":".join(text[:best_start]) + "::" + ":".join(text[best_start + best_len:])


def internal(hextets: list[int]) -> bool:
    n = 0
    for h in hextets:
        n = (n << 16) | h
    if n >> 32 == 0xFFFF:
        return _within(n & 0xFFFFFFFF, 32, PRIVATE_V4)
    return _within(n, 128, PRIVATE)


def _within(n: int, bits: int, networks: tuple[tuple[int, int], ...]) -> bool:
    return any(n >> (bits - prefix) == network >> (bits - prefix) for network, prefix in networks)


def validate(value: str, params: Params) -> Verdict | None:
    if value.count(":") < 2 or value == "::":
        return None
    hextets = groups(value)
    if hextets is None:
        return None
    return Verdict(compressed(hextets), 0.8, variant="private" if internal(hextets) else "public")


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

"""Normalization after parsing: event time, ``event.original``, network zones and direction.

Zones come from the ``zones:`` config (zone name -> CIDRs). The most specific CIDR containing an address
names its zone. Zones listed as ``external`` (default ``internet``) are outside; every other zone is
inside. ``network.direction`` follows ECS: inside -> inside is ``internal``, inside -> outside
``outbound``, outside -> inside ``inbound``, outside -> outside ``external``; it is only set when both
addresses fall in a zone and the parser did not already set it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from secops.errors import ConfigError, Issue
from secops.parse.timeparse import MAX_EPOCH, format_utc, parse_time, parse_utc_millis

_CACHE_MAX = 65536
_MISS = object()
_Table = list[tuple[int, dict[int, str]]]
_BLOCK_BITS = 16  # IPv4 zones are precomputed per /16 block (at most 65,536 entries)
_LONGER = "\0longer prefix"  # compared by identity: the block holds a prefix longer than the block


def _tables(zones: Mapping[str, Sequence[str]]) -> tuple[_Table, _Table]:
    by_version: dict[int, dict[int, dict[int, str]]] = {4: {}, 6: {}}
    issues: list[Issue] = []
    for zone, cidrs in zones.items():
        if isinstance(cidrs, str):
            issues.append(Issue(f"zones.{zone}", 0, 0, "expected a list of CIDRs, got a string"))
            continue
        for cidr in cidrs:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except (ValueError, TypeError) as err:
                issues.append(Issue(f"zones.{zone}", 0, 0, f"invalid CIDR {cidr!r}: {err}"))
                continue
            table = by_version[net.version].setdefault(net.prefixlen, {})
            key = int(net.network_address) >> (net.max_prefixlen - net.prefixlen)
            other = table.get(key)
            if other is not None and other != zone:
                issues.append(Issue(f"zones.{zone}", 0, 0, f"CIDR {cidr} is also in zone {other!r}"))
            table[key] = zone
    if issues:
        raise ConfigError(issues)

    def ordered(tables: dict[int, dict[int, str]], bits: int) -> _Table:
        return [(bits - plen, tables[plen]) for plen in sorted(tables, reverse=True)]

    return ordered(by_version[4], 32), ordered(by_version[6], 128)


def _v4_blocks(v4: _Table) -> tuple[list[str | None], int]:
    """The zone of every IPv4 block (index ``address >> shift``) for prefixes up to the block size, and
    the shift. Blocks that hold a longer prefix are ``_LONGER``: those go through the tables."""
    bits = min(_BLOCK_BITS, max((32 - shift for shift, _ in v4), default=0))
    blocks: list[str | None] = [None] * (1 << bits)
    for shift, table in reversed(v4):  # shortest prefix first, so longer ones overwrite
        plen = 32 - shift
        for key, zone in table.items():
            if plen <= bits:
                span = 1 << (bits - plen)
                blocks[key * span:(key + 1) * span] = [zone] * span
            else:
                blocks[key >> (plen - bits)] = _LONGER
    return blocks, 32 - bits


def _longest(value: int, tables: _Table) -> str | None:
    for shift, table in tables:
        zone = table.get(value >> shift)
        if zone is not None:
            return zone
    return None


def _ip_int(ip: str) -> tuple[int, bool] | None:
    """Address text -> (integer, is IPv4); IPv4-mapped IPv6 counts as IPv4. None if not an address."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big"), True
    except (OSError, ValueError):
        pass
    try:
        addr = ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return int(addr.ipv4_mapped), True
    return int(addr), addr.version == 4


class ZoneMap:
    """Longest-prefix match of IPv4/IPv6 addresses onto named zones, memoised per address string."""

    def __init__(self, zones: Mapping[str, Sequence[str]], external: Collection[str] = ("internet",)) -> None:
        self.names = tuple(zones)
        self.external = frozenset(external)
        self._v4, self._v6 = _tables(zones)
        self._blocks, self._shift = _v4_blocks(self._v4)
        self._cache: dict[str, str | None] = {}

    def zone(self, ip: str) -> str | None:
        """The zone of ``ip`` (text), or None when it is not an address or in no zone."""
        try:
            value = int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")
        except (OSError, ValueError):
            return self._other(ip)
        zone = self._blocks[value >> self._shift]
        return _longest(value, self._v4) if zone is _LONGER else zone

    def _other(self, ip: str) -> str | None:
        """Anything but dotted-quad IPv4 text: IPv6, bracketed, mapped, or not an address (memoised)."""
        cached = self._cache.get(ip, _MISS)
        if cached is not _MISS:
            return cached  # type: ignore[return-value]
        zone = self._lookup(ip)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[ip] = zone
        return zone

    def _lookup(self, ip: str) -> str | None:
        parsed = _ip_int(ip)
        if parsed is None:
            return None
        value, v4 = parsed
        return _longest(value, self._v4 if v4 else self._v6)

    def direction(self, source_zone: str, destination_zone: str) -> str:
        """ECS ``network.direction`` between two zones."""
        outside_src = source_zone in self.external
        outside_dst = destination_zone in self.external
        if outside_src:
            return "external" if outside_dst else "inbound"
        return "outbound" if outside_dst else "internal"


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError([Issue("timezone", 0, 0, f"unknown time zone {name!r}")]) from err


class Normalizer:
    """Adds ``@timestamp`` (ISO 8601 UTC), ``event.original``, zones and ``network.direction``.

    ``local_timezone`` is where timestamps without an offset were written (default Asia/Shanghai).
    """

    def __init__(self, zones: ZoneMap, *, local_timezone: str = "Asia/Shanghai") -> None:
        self.zones = zones
        self.local = _timezone(local_timezone)

    def event_time(self, value: object, received_at: float) -> float:
        """Epoch seconds of a ``@timestamp`` value; ``received_at`` when absent or unparsable."""
        if not 0.0 <= received_at < MAX_EPOCH:  # also NaN
            received_at = 0.0
        if value is None:
            return received_at
        t = parse_time(value, received_at=received_at, local=self.local)
        return received_at if t is None else t

    def normalize(self, fields: dict[str, Any], *, raw: str, received_at: float) -> tuple[float, dict[str, Any]]:
        """Fill in the normalized fields (in place) and return ``(event_time, fields)``. Never raises."""
        value = fields.get("@timestamp")
        t = parse_utc_millis(value) if type(value) is str else None
        if t is None:  # otherwise @timestamp is already in the form format_utc(t) writes
            t = self.event_time(value, received_at)
            fields["@timestamp"] = format_utc(t)
        fields["event.original"] = raw
        source = fields.get("source.ip")
        destination = fields.get("destination.ip")
        zone_of = self.zones.zone
        src_zone = zone_of(source) if type(source) is str else None
        dst_zone = zone_of(destination) if type(destination) is str else None
        if src_zone is not None:
            fields["source.zone"] = src_zone
        if dst_zone is not None:
            fields["destination.zone"] = dst_zone
            if src_zone is not None and "network.direction" not in fields:
                fields["network.direction"] = self.zones.direction(src_zone, dst_zone)
        return t, fields

import ipaddress
from datetime import UTC, datetime
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from secops.errors import ConfigError
from secops.parse.normalize import Normalizer, ZoneMap

ZONES = {
    "egov_extranet": ["10.0.0.0/8"],
    "dmz": ["10.20.0.0/16", "2001:db8:20::/48"],
    "internal": ["192.168.0.0/16", "2001:db8::/32"],
    "internet": ["0.0.0.0/0", "::/0"],
}
RECEIVED = datetime(2024, 5, 1, 0, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def zones() -> ZoneMap:
    return ZoneMap(ZONES)


@pytest.mark.parametrize(
    ("ip", "zone"),
    [("10.1.2.3", "egov_extranet"), ("10.20.9.9", "dmz"), ("192.168.1.1", "internal"), ("8.8.8.8", "internet"),
     ("2001:db8:20::5", "dmz"), ("2001:db8:1::5", "internal"), ("2400:da00::6666", "internet"),
     ("::ffff:10.20.0.1", "dmz"), ("[2001:db8::1]", "internal"), ("not-an-ip", None), ("", None),
     ("10.1.2.3:8080", None), ("010.1.2.3", None), ("1.2.3.4.5", None)],
)
def test_zone_longest_prefix(zones: ZoneMap, ip: str, zone: str | None) -> None:
    assert zones.zone(ip) == zone
    assert zones.zone(ip) == zone  # second call served from the cache


NESTED = {"host": ["10.1.2.3/32"], "rack": ["10.1.2.0/24", "192.168.77.128/25"], "site": ["10.1.0.0/16"],
          "corp": ["10.0.0.0/8", "172.16.0.0/12"], "v6": ["fd00::/8"], "internet": ["0.0.0.0/0"]}
NESTED_MAP = ZoneMap(NESTED)
NETS = sorted(((ipaddress.ip_network(c), z) for z, cs in NESTED.items() for c in cs), key=lambda n: -n[0].prefixlen)


def _reference(ip: str) -> str | None:
    addr = ipaddress.ip_address(ip)
    return next((zone for net, zone in NETS if net.version == addr.version and addr in net), None)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["10.1.2.", "10.1.", "10.", "192.168.77.", "172.", ""]),
       st.lists(st.integers(0, 255), min_size=4))
def test_zone_is_the_longest_prefix(head: str, octets: list[int]) -> None:
    ip = head + ".".join(map(str, octets[:4 - head.count(".")]))
    assert NESTED_MAP.zone(ip) == _reference(ip)


@pytest.mark.parametrize(
    ("zones", "ip", "zone"),
    [({}, "10.1.1.1", None), ({"all": ["0.0.0.0/0"]}, "1.2.3.4", "all"), ({"a": ["10.1.0.0/16"]}, "10.1.255.255", "a"),
     ({"a": ["10.1.0.0/16"]}, "10.2.0.0", None), ({"a": ["10.0.0.0/7"]}, "11.255.0.1", "a"),
     ({"a": ["10.1.2.3/32"]}, "10.1.2.4", None), ({"a": ["10.1.2.3/32"]}, "10.1.2.3", "a"),
     ({"a": ["1.2.3.0/24"], "b": ["1.0.0.0/8"]}, "1.2.4.1", "b"), ({"a": ["1.0.0.0/8"]}, "::ffff:1.2.3.4", "a")],
)
def test_zone_block_edges(zones: dict[str, list[str]], ip: str, zone: str | None) -> None:
    assert ZoneMap(zones).zone(ip) == zone


def test_zone_outside_every_cidr() -> None:
    assert ZoneMap({"lan": ["10.0.0.0/8"]}).zone("8.8.8.8") is None


@pytest.mark.parametrize(
    ("zones", "fragment"),
    [({"a": ["10.0.0.0/33"]}, "invalid CIDR"), ({"a": ["10.0.0.1/8"]}, "host bits"),
     ({"a": ["10.0.0.0/8"], "b": ["10.0.0.0/8"]}, "also in zone 'a'"), ({"a": "10.0.0.0/8"}, "got a string")],
)
def test_zone_map_config_errors(zones: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        ZoneMap(zones)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("src", "dst", "direction"),
    [("10.1.1.1", "8.8.8.8", "outbound"), ("8.8.8.8", "10.1.1.1", "inbound"),
     ("10.1.1.1", "192.168.1.1", "internal"), ("8.8.8.8", "1.1.1.1", "external")],
)
def test_direction(zones: ZoneMap, src: str, dst: str, direction: str) -> None:
    _, fields = Normalizer(zones).normalize({"source.ip": src, "destination.ip": dst}, raw="r", received_at=RECEIVED)
    assert fields["network.direction"] == direction
    assert fields["source.zone"] == zones.zone(src)
    assert fields["destination.zone"] == zones.zone(dst)


def test_direction_needs_both_sides(zones: ZoneMap) -> None:
    _, fields = Normalizer(zones).normalize({"source.ip": "8.8.8.8"}, raw="r", received_at=RECEIVED)
    assert fields["source.zone"] == "internet"
    assert "network.direction" not in fields
    assert "destination.zone" not in fields


def test_direction_from_parser_kept(zones: ZoneMap) -> None:
    fields = {"source.ip": "8.8.8.8", "destination.ip": "10.1.1.1", "network.direction": "ingress"}
    assert Normalizer(zones).normalize(fields, raw="r", received_at=RECEIVED)[1]["network.direction"] == "ingress"


def test_external_zones_configurable() -> None:
    zones = ZoneMap({"lan": ["10.0.0.0/8"], "partner": ["172.16.0.0/12"]}, external=("partner",))
    _, fields = Normalizer(zones).normalize({"source.ip": "172.16.1.1", "destination.ip": "10.1.1.1"},
                                            raw="r", received_at=RECEIVED)
    assert fields["network.direction"] == "inbound"


@pytest.mark.parametrize(
    ("stamp", "expected_iso"),
    [("2024-05-01T08:00:00+08:00", "2024-05-01T00:00:00.000Z"), ("Apr 30 23:00:00", "2024-04-30T15:00:00.000Z"),
     ("garbage", "2024-05-01T00:00:00.000Z"), (None, "2024-05-01T00:00:00.000Z")],
)
def test_event_time(zones: ZoneMap, stamp: str | None, expected_iso: str) -> None:
    fields: dict[str, Any] = {} if stamp is None else {"@timestamp": stamp}
    t, out = Normalizer(zones).normalize(fields, raw="line", received_at=RECEIVED)
    assert out["@timestamp"] == expected_iso
    assert t == datetime.fromisoformat(expected_iso).timestamp()
    assert out["event.original"] == "line"


def test_local_timezone_configurable(zones: ZoneMap) -> None:
    t, _ = Normalizer(zones, local_timezone="UTC").normalize({"@timestamp": "2024-05-01 08:00:00"}, raw="",
                                                              received_at=RECEIVED)
    assert t == datetime(2024, 5, 1, 8, tzinfo=UTC).timestamp()


def test_unknown_timezone_is_config_error(zones: ZoneMap) -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        Normalizer(zones, local_timezone="Mars/Olympus")


@pytest.mark.parametrize("received", [float("nan"), float("inf"), -5.0, 1e20])
def test_bad_received_at_does_not_raise(zones: ZoneMap, received: float) -> None:
    t, fields = Normalizer(zones).normalize({"@timestamp": "nope"}, raw="", received_at=received)
    assert t == 0.0
    assert fields["@timestamp"] == "1970-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    "fields",
    [{"source.ip": 12345, "destination.ip": ["10.1.1.1"]}, {"@timestamp": {"nested": 1}},
     {"source.ip": None, "@timestamp": 10**400}, {"@timestamp": float("nan")}],
)
def test_odd_field_types_do_not_raise(zones: ZoneMap, fields: dict[str, Any]) -> None:
    t, out = Normalizer(zones).normalize(fields, raw="", received_at=RECEIVED)
    assert t == RECEIVED
    assert "source.zone" not in out

"""Random bytes and random structured input: nothing but ParseError may escape any parser, decode,
split_records or the normalizer."""

import contextlib
import json
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from secops.errors import ParseError
from secops.parse import FORMATS, Normalizer, ParserOptions, ZoneMap, build_parser, decode, split_records

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = {fmt: build_parser(ParserOptions(format=fmt)) for fmt in FORMATS}
CUSTOM = build_parser(ParserOptions(format="access_log", log_format='$remote_addr "$request" $status "$http_x"'))
NORMALIZER = Normalizer(ZoneMap({"lan": ["10.0.0.0/8", "fd00::/8"], "internet": ["0.0.0.0/0", "::/0"]}))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["src", "dst", "src_ip", "sport", "dport", "time", "msg", "url", "user", "源IP", "目的端口",
                        "SrcIPAddr(1003)", "source-ip", "act", "rt", "request", "suser", "cs1", "proto"])
values = st.one_of(st.text(max_size=15), st.sampled_from(['"quoted value"', "'x'", "10.1.1.1", "-", "(null)",
                                                        "Jan  5 12:00:00", "2024-05-01 08:00:00", "\\=", "a\\", ""]))
seps = st.sampled_from([" ", ", ", ";", "，", "  ", "\t"])
pair_ops = st.sampled_from(["=", ":", "：", "=\"", "\\="])
kvish = st.lists(st.tuples(keys, pair_ops, values, seps), max_size=8).map(
    lambda items: "".join(f"{k}{op}{v}{sep}" for k, op, v, sep in items))
headers = st.sampled_from(["", "<13>", "<191>", "<999>", "<13>1 ", "<34>1 2024-05-01T08:00:00Z h a 1 m ",
                           "<13>Jan  5 12:00:00 host ", "Oct 11 22:14:15 ",
                           "<190>2016-01-08 10:21:48 USG %%01A/6/B(l):",
                           "CEF:0|V|P|1|s|n|5|", "CEF:", "<134>Jan 5 12:00:00 fw CEF:0|", "1.2.3.4 - - [", "{", "[",
                           "<13>1 - - - - - [", '<13>1 - - - - - [x a="'])
syslogish = st.tuples(headers, st.one_of(kvish, st.text(max_size=60))).map("".join)


def _parse_all(line: str) -> None:
    for parse in (*PARSERS.values(), CUSTOM):
        try:
            fields = parse(line)
        except ParseError:
            continue
        assert isinstance(fields, dict)
        _, out = NORMALIZER.normalize(fields, raw=line, received_at=1714550400.0)
        assert out["@timestamp"].endswith("Z")


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        split_records(data)
    for encoding in (None, "gb18030"):
        try:
            text, _ = decode(data, encoding)
        except ParseError:
            continue
        _parse_all(text)


@FUZZ
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _parse_all(text)


@FUZZ
@given(syslogish)
def test_syslog_and_kv_shaped_text(text: str) -> None:
    _parse_all(text)


@FUZZ
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_random_json_objects(obj: dict[str, Any]) -> None:
    line = json.dumps(obj)
    _parse_all(line)
    with contextlib.suppress(ParseError):
        split_records(f"[{line}, {line}]".encode())


@FUZZ
@given(st.dictionaries(st.one_of(st.sampled_from(["@timestamp", "source.ip", "destination.ip", "network.direction"]),
                                 st.text(max_size=10)), json_values, max_size=6),
       st.floats(allow_nan=True, allow_infinity=True))
def test_normalizer_on_any_fields(fields: dict[str, Any], received_at: float) -> None:
    t, out = NORMALIZER.normalize(fields, raw="", received_at=received_at)
    assert isinstance(t, float)
    assert out["@timestamp"].endswith("Z")

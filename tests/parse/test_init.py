import pytest

from secops.errors import ConfigError, ParseError, SecopsError
from secops.parse import FORMATS, PARSERS, REASONS, ParserOptions, build_parser, options_problems


def test_formats_listed() -> None:
    assert FORMATS == ["access_log", "auto", "cef", "json", "kv", "syslog"]
    assert PARSERS.names() == FORMATS


@pytest.mark.parametrize(
    ("fmt", "line", "field", "value"),
    [("json", '{"src_ip": "1.1.1.1"}', "source.ip", "1.1.1.1"),
     ("syslog", "<13>Jan  5 12:00:00 h t: m", "message", "m"),
     ("cef", "CEF:0|V|P|1|s|n|5|src=1.1.1.1", "source.ip", "1.1.1.1"),
     ("kv", "src=1.1.1.1 dst=2.2.2.2", "destination.ip", "2.2.2.2"),
     ("access_log", '1.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET / HTTP/1.1" 200 1', "url.path", "/"),
     ("auto", "plain", "message", "plain")],
)
def test_build_parser(fmt: str, line: str, field: str, value: str) -> None:
    assert build_parser(ParserOptions(format=fmt))(line)[field] == value


def test_build_parser_log_format() -> None:
    parse = build_parser(ParserOptions(format="access_log", log_format="$remote_addr [$time_local] $status"))
    assert parse("1.2.3.4 [10/Oct/2000:13:55:36 +0800] 500") == {
        "source.ip": "1.2.3.4", "@timestamp": "10/Oct/2000:13:55:36 +0800", "http.response.status_code": 500}


def test_unknown_format_lists_valid_ones() -> None:
    with pytest.raises(ConfigError) as err:
        build_parser(ParserOptions(format="xml"))
    assert "unknown format 'xml'; valid formats: access_log, auto, cef, json, kv, syslog" in str(err.value)


def test_all_problems_reported() -> None:
    problems = options_problems(ParserOptions(format="json", encoding="klingon", log_format="$a"))
    assert problems == ["unknown encoding 'klingon'", "log_format only applies to format: access_log"]


def test_bad_log_format_is_config_error() -> None:
    with pytest.raises(SecopsError, match="contains no"):
        build_parser(ParserOptions(format="access_log", log_format="plain text"))


def test_reasons_are_the_fixed_vocabulary() -> None:
    seen = set()
    for fmt, line in [("json", "{"), ("json", "[1]"), ("json", "[" * 1000), ("cef", "CEF:0|x"),
                      ("syslog", "x"), ("access_log", "x"), ("kv", "x")]:
        with pytest.raises(ParseError) as err:
            build_parser(ParserOptions(format=fmt))(line)
        seen.add(err.value.reason)
    assert seen <= set(REASONS)
    assert len(seen) == 7

from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.access_log import AccessLogError, build, compile_format

COMBINED = ('192.168.1.10 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1&y=2 HTTP/1.0" 200 2326 '
            '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"')


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        (COMBINED,
         {"source.ip": "192.168.1.10", "user.name": "frank", "@timestamp": "10/Oct/2000:13:55:36 -0700",
          "http.request.method": "GET", "url.original": "/apache_pb.gif?x=1&y=2", "url.path": "/apache_pb.gif",
          "url.query": "x=1&y=2", "http.version": "1.0", "http.response.status_code": 200,
          "http.response.body.bytes": 2326, "http.request.referrer": "http://www.example.com/start.html",
          "user_agent.original": "Mozilla/4.08 [en] (Win98; I ;Nav)"}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "POST /login HTTP/1.1" 302 - "-" "-"',
         {"user.name": None, "http.response.body.bytes": None, "http.request.referrer": None,
          "user_agent.original": None, "url.path": "/login", "url.query": None, "http.response.status_code": 302}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET /a HTTP/1.1" 404 12',
         {"url.path": "/a", "http.response.status_code": 404, "user_agent.original": None}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET /a HTTP/1.1" 200 5 "-" "curl/8" "203.0.113.9"',
         {"user_agent.original": "curl/8"}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "\\x16\\x03\\x01\\x00" 400 150 "-" "-"',
         {"url.original": "\\x16\\x03\\x01\\x00", "http.request.method": None, "http.response.status_code": 400}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "-" 408 0 "-" "-"',
         {"url.original": None, "http.response.status_code": 408}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET /q?s=\\"x\\" HTTP/1.1" 200 1 "-" "a \\"quoted\\" agent"',
         {"url.query": 's="x"', "user_agent.original": 'a "quoted" agent'}),
        ('2001:db8::1 - - [10/Oct/2000:13:55:36 +0800] "GET http://example.com/p?q HTTP/1.1" 200 1 "-" "-"',
         {"source.ip": "2001:db8::1", "url.domain": "example.com", "url.path": "/p", "url.query": "q"}),
    ],
)
def test_parse_default(line: str, fields: dict[str, Any]) -> None:
    out = build(None)(line)
    assert {k: out.get(k) for k in fields} == fields


@pytest.mark.parametrize(
    "line",
    ["", "not an access log", '10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET / HTTP/1.1" OK 1',
     '10.1.1.1 - - 10/Oct/2000 "GET / HTTP/1.1" 200 1'],
)
def test_parse_default_malformed(line: str) -> None:
    with pytest.raises(ParseError) as err:
        build(None)(line)
    assert err.value.reason == "invalid_access_log"


CUSTOM = ('$remote_addr:$remote_port "$host" [$time_iso8601] "$request_method $request_uri $server_protocol" '
          '$status $request_time "$http_user_agent" "${http_x_forwarded_for}"')


def test_custom_log_format() -> None:
    parse = build(CUSTOM)
    out = parse('10.2.3.4:51000 "portal.egov.cn" [2024-05-01T08:00:00+08:00] "GET /api?id=1 HTTP/2.0" '
                '200 0.005 "curl/8.5" "-"')
    assert out == {
        "source.ip": "10.2.3.4", "source.port": 51000, "url.domain": "portal.egov.cn",
        "@timestamp": "2024-05-01T08:00:00+08:00", "http.request.method": "GET", "url.original": "/api?id=1",
        "url.path": "/api", "url.query": "id=1", "http.version": "2.0", "http.response.status_code": 200,
        "request_time": "0.005", "user_agent.original": "curl/8.5",
    }


def test_custom_log_format_mismatch() -> None:
    with pytest.raises(ParseError) as err:
        build(CUSTOM)("something else")
    assert err.value.reason == "invalid_access_log"


@pytest.mark.parametrize("name", ["combined", "common", "main"])
def test_named_formats(name: str) -> None:
    line = COMBINED + (' "1.2.3.4"' if name == "main" else "")
    if name == "common":
        line = line.split(' "http://')[0]
    out = build(name)(line)
    assert out["source.ip"] == "192.168.1.10"
    assert out["http.response.status_code"] == 200


@pytest.mark.parametrize(
    ("log_format", "message"),
    [("no variables at all", "contains no \\$variable"), ("$remote_addr$remote_user", "separated by literal"),
     ("$status $status", "redefinition"), ("$1abc x", "contains no \\$variable")],
)
def test_bad_log_format(log_format: str, message: str) -> None:
    with pytest.raises(AccessLogError, match=message):
        compile_format(log_format)

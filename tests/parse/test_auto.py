from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.auto import parse_auto


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ('{"src_ip": "10.1.1.1", "msg": "x"}', {"source.ip": "10.1.1.1", "message": "x"}),
        ('   {"padded": 1}', {"padded": 1}),
        ("CEF:0|V|P|1|s|Name|5|src=1.1.1.1", {"source.ip": "1.1.1.1", "observer.vendor": "V"}),
        ("<13>1 2024-05-01T08:00:00Z host app - - - hello", {"host.name": "host", "message": "hello"}),
        ("<13>Jan  5 12:00:00 host1 sshd[1]: hi", {"process.name": "sshd", "message": "hi"}),
        ("Jan  5 12:00:00 host1 sshd[1]: no pri", {"process.name": "sshd", "message": "no pri"}),
        ("<134>Jan 5 12:00:00 fw CEF:0|V|P|1|s|n|5|dst=2.2.2.2", {"destination.ip": "2.2.2.2", "host.name": "fw"}),
        ('<14>Jan  5 12:00:00 app api: {"user": "u1"}', {"user.name": "u1", "process.name": "api"}),
        ("<134>Jan 12 10:10:10 localhost fwlog: 日志类型:WAF, 源IP:1.2.3.4, 目的IP:10.1.1.1",
         {"source.ip": "1.2.3.4", "destination.ip": "10.1.1.1", "observer.vendor": "Sangfor"}),
        ('10.1.1.1 - - [10/Oct/2000:13:55:36 +0800] "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl"',
         {"source.ip": "10.1.1.1", "url.query": "b=1", "user_agent.original": "curl"}),
        ('id=tos time="2019-06-27 14:40:03" src=1.1.1.1 dst=2.2.2.2', {"source.ip": "1.1.1.1",
                                                                        "observer.vendor": "Topsec"}),
        ("just a plain line", {"message": "just a plain line"}),
        ("<html><body>not syslog</body></html>", {"message": "<html><body>not syslog</body></html>"}),
        ("[2024-01-01 12:00:00] ERROR something", {"message": "[2024-01-01 12:00:00] ERROR something"}),
        ("We parse CEF: records here", {"message": "We parse CEF: records here"}),
        ("error: value=5 too big", {"message": "error: value=5 too big"}),
        ("", {"message": ""}),
    ],
)
def test_parse_auto(line: str, fields: dict[str, Any]) -> None:
    out = parse_auto(line)
    assert {k: out.get(k) for k in fields} == fields


@pytest.mark.parametrize(
    ("line", "reason"),
    [("{broken json", "invalid_json"),
     ("{" + '"a":{' * 100_000, "json_too_deep"), ("CEF:0|too|few", "invalid_cef"),
     ("<13>Jan 5 12:00:00 fw CEF:0|too|few", "invalid_cef"), ("text then CEF:0|a|b", "invalid_cef")],
)
def test_parse_auto_rejects_clear_but_malformed(line: str, reason: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_auto(line)
    assert err.value.reason == reason

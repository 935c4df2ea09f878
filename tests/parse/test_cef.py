from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.cef import parse_cef


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        # The example from the ArcSight CEF implementation standard.
        ("CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
         {"cef.version": "0", "observer.vendor": "Security", "observer.product": "threatmanager",
          "observer.version": "1.0", "event.code": "100", "cef.name": "worm successfully stopped",
          "event.severity": 10, "source.ip": "10.0.0.1", "destination.ip": "2.1.2.2", "source.port": 1232,
          "message": "worm successfully stopped"}),
        (r"CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1",
         {"cef.name": "detected a | in message", "event.action": "blocked a =", "destination.ip": "1.1.1.1"}),
        (r"CEF:0|security|threatmanager|1.0|100|detected a \\ in packet|10|src=10.0.0.1 act=blocked a \\ dst=1.1.1.1",
         {"cef.name": "detected a \\ in packet", "event.action": "blocked a \\", "destination.ip": "1.1.1.1"}),
        (r"CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1",
         {"cef.name": "detected a = in message", "event.action": "blocked a ="}),
        (r"CEF:0|V|P|1|s|n|5|msg=line one\nline two\rend",
         {"message": "line one\nline two\rend"}),
        (r"CEF:0|V\\|P|1|s|n|5|cs1=x",
         {"observer.vendor": "V\\", "observer.product": "P", "cef.extensions.cs1": "x"}),
        ("CEF:0|V|P|1|s|n|Low|suser=张三 duser=admin requestMethod=POST "
         "request=https://portal.egov.cn/api/query?sfzh=1&page=2 requestClientApplication=Mozilla/5.0 (X11)",
         {"user.name": "张三", "destination.user.name": "admin", "http.request.method": "POST",
          "url.original": "https://portal.egov.cn/api/query?sfzh=1&page=2", "url.domain": "portal.egov.cn",
          "url.path": "/api/query", "url.query": "sfzh=1&page=2", "user_agent.original": "Mozilla/5.0 (X11)",
          "cef.severity": "Low", "event.severity": None}),
        ("CEF:0|V|P|1|s|n|5|rt=1714550400000 proto=TCP cs1Label=policy cs1=deny all",
         {"@timestamp": "1714550400000", "network.transport": "tcp", "cef.extensions.cs1Label": "policy",
          "cef.extensions.cs1": "deny all"}),
        ("CEF:0|V|P|1|s|n|5|", {"observer.vendor": "V"}),
        ("CEF:0|V|P|1|s|n|5", {"observer.vendor": "V", "cef.severity": "5"}),
        ("Sep 19 08:26:10 host CEF:0|V|P|1|s|n|5|src=1.1.1.1",
         {"host.name": "host", "@timestamp": "Sep 19 08:26:10", "source.ip": "1.1.1.1"}),
        ("<134>Sep 19 08:26:10 host CEF:1|V|P|1|s|n|5|src=1.1.1.1",
         {"log.syslog.priority": 134, "cef.version": "1"}),
        ("random prefix CEF:0|V|P|1|s|n|5|src=1.1.1.1", {"source.ip": "1.1.1.1", "host.name": None}),
    ],
)
def test_parse_cef(line: str, fields: dict[str, Any]) -> None:
    out = parse_cef(line)
    assert {k: out.get(k) for k in fields} == fields


@pytest.mark.parametrize(
    "line",
    [
        "no marker",
        "CEF:0|too|few|fields",
        "CEF:x|V|P|1|s|n|5|src=1.1.1.1",
        "CEF:0|V|P|1|s|n|5|just words without pairs",
        "CEF:0|V|P|1|s|n|5|bad key!=1",
        "CEF:",
    ],
)
def test_parse_cef_malformed(line: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_cef(line)
    assert err.value.reason == "invalid_cef"

from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.payload import parse_syslog


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("<134>Sep 19 08:26:10 fw01 CEF:0|Topsec|NGFW|3.3|100|SQL injection|7|src=10.1.1.1 dst=2.2.2.2 "
         "rt=Sep 19 2024 08:26:10",
         {"host.name": "fw01", "observer.vendor": "Topsec", "source.ip": "10.1.1.1",
          "destination.ip": "2.2.2.2", "@timestamp": "Sep 19 2024 08:26:10", "message": "SQL injection",
          "log.syslog.priority": 134}),
        ("<134>1 2024-05-01T08:00:00Z fw01 waf - - - CEF:0|V|P|1|sig|Name|3|act=blocked",
         {"host.name": "fw01", "process.name": "waf", "event.action": "blocked", "observer.product": "P"}),
        ('<14>May  1 08:00:00 app01 api: {"src_ip": "10.1.1.1", "user": {"name": "李四"}, "msg": "login"}',
         {"host.name": "app01", "process.name": "api", "source.ip": "10.1.1.1", "user.name": "李四",
          "message": "login"}),
        ("<14>May  1 08:00:00 app01 api: {not json at all",
         {"message": "{not json at all", "process.name": "api"}),
        ("<190>2016-01-08 10:21:48 USG6000E %%01SECLOG/6/SESSION_BUILT(l):IPVer=4,Protocol=udp,"
         "SourceIP=10.1.1.1, DestinationIP=10.1.1.2,SourcePort=1,DestinationPort=53,BeginTime=1452219708.",
         {"source.ip": "10.1.1.1", "destination.ip": "10.1.1.2", "source.port": 1, "destination.port": 53,
          "network.transport": "udp", "observer.vendor": "Huawei", "BeginTime": "1452219708",
          "host.name": "USG6000E"}),
        ("<13>Jan  5 12:00:00 host1 sshd[1234]: Accepted password for root from 1.2.3.4 port 22 ssh2",
         {"message": "Accepted password for root from 1.2.3.4 port 22 ssh2", "source.ip": None}),
        ("<13>Jan  5 12:00:00 host1 kernel: audit: type=1400 apparmor=DENIED",
         {"type": "1400", "apparmor": "DENIED", "message": "audit: type=1400 apparmor=DENIED"}),
    ],
)
def test_parse_syslog_payload(line: str, fields: dict[str, Any]) -> None:
    out = parse_syslog(line)
    assert {k: out.get(k) for k in fields} == fields


def test_parse_syslog_wrapped_malformed_cef_rejected() -> None:
    with pytest.raises(ParseError) as err:
        parse_syslog("<134>Sep 19 08:26:10 fw01 CEF:0|only|three|fields")
    assert err.value.reason == "invalid_cef"


def test_parse_syslog_requires_a_header() -> None:
    with pytest.raises(ParseError) as err:
        parse_syslog("plain text line")
    assert err.value.reason == "invalid_syslog"

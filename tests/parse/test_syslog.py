from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.syslog import parse_header

RFC5424_EXAMPLE = ('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
                   '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
                   '[examplePriority@32473 class="high"] \ufeffAn application event log entry')


@pytest.mark.parametrize(
    ("line", "fields", "message"),
    [
        ("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed",
         {"log.syslog.priority": 34, "log.syslog.facility.code": 4, "log.syslog.facility.name": "auth",
          "log.syslog.severity.code": 2, "log.syslog.severity.name": "critical", "log.syslog.version": "1",
          "@timestamp": "2003-10-11T22:14:15.003Z", "host.name": "mymachine.example.com",
          "process.name": "su", "log.syslog.msgid": "ID47"},
         "'su root' failed"),
        (RFC5424_EXAMPLE,
         {"log.syslog.structured_data.exampleSDID@32473.iut": "3",
          "log.syslog.structured_data.exampleSDID@32473.eventSource": "Application",
          "log.syslog.structured_data.exampleSDID@32473.eventID": "1011",
          "log.syslog.structured_data.examplePriority@32473.class": "high",
          "host.name": "mymachine.example.com", "process.name": "evntslog"},
         "An application event log entry"),
        ('<13>1 - - - - - [a@1 k="quote \\" and \\] bracket"]',
         {"log.syslog.structured_data.a@1.k": 'quote " and ] bracket'}, ""),
        ("<13>1 2024-05-01T08:00:00+08:00 host app 4242 - -",
         {"process.pid": 4242, "@timestamp": "2024-05-01T08:00:00+08:00"}, ""),
        ("1 2024-05-01T08:00:00Z host app - - - no pri",
         {"host.name": "host", "process.name": "app"}, "no pri"),
        ("<13>Jan  5 12:00:00 host1 sshd[1234]: Accepted password for root",
         {"@timestamp": "Jan  5 12:00:00", "host.name": "host1", "process.name": "sshd", "process.pid": 1234,
          "log.syslog.severity.code": 5, "log.syslog.facility.code": 1},
         "Accepted password for root"),
        ("<13>Oct 11 22:14:15 sshd[99]: no hostname here",
         {"process.name": "sshd", "process.pid": 99}, "no hostname here"),
        ("Oct 11 22:14:15 web01 nginx: without PRI",
         {"host.name": "web01", "process.name": "nginx"}, "without PRI"),
        ("<30>Oct 11 22:14:15 web01 message without a tag",
         {"host.name": "web01"}, "message without a tag"),
        ("<190>2016-01-08 10:21:48 USG6000E %%01SECLOG/6/SESSION_BUILT(l):IPVer=4",
         {"@timestamp": "2016-01-08 10:21:48", "host.name": "USG6000E", "observer.vendor": "Huawei",
          "event.provider": "SECLOG", "event.code": "SESSION_BUILT"}, "IPVer=4"),
        ("<190> 2016-01-08 01:18:58 USG6000E %%01SECLOG/6/SESSION_BUILT(l): Built an udp session",
         {"@timestamp": "2016-01-08 01:18:58"}, "Built an udp session"),
        ("<189>Dec 12 2019 06:31:14 USG6000 %%01POLICY/6/POLICYPERMIT(l):vsys=public",
         {"@timestamp": "Dec 12 2019 06:31:14", "host.name": "USG6000", "event.code": "POLICYPERMIT"},
         "vsys=public"),
        ("<134>Jan 12 10:10:10 2019 H3C %%10FILTER/6/FILTER_ZONE_IPV4_EXECUTION: SrcZoneName(1025)=Trust;",
         {"@timestamp": "Jan 12 10:10:10 2019", "host.name": "H3C", "observer.vendor": "H3C",
          "event.code": "FILTER_ZONE_IPV4_EXECUTION"}, "SrcZoneName(1025)=Trust;"),
        ("<14>2024-05-01T08:00:00.123+08:00 host tag: iso timestamp",
         {"@timestamp": "2024-05-01T08:00:00.123+08:00", "host.name": "host", "process.name": "tag"},
         "iso timestamp"),
        ("<13>just a message after PRI", {"log.syslog.priority": 13}, "just a message after PRI"),
        ("<0>Oct 11 22:14:15 h t: m", {"log.syslog.facility.name": "kern",
                                       "log.syslog.severity.name": "emergency"}, "m"),
    ],
)
def test_parse_header(line: str, fields: dict[str, Any], message: str) -> None:
    out, msg = parse_header(line)
    assert {k: out.get(k) for k in fields} == fields
    assert msg == message


@pytest.mark.parametrize(
    "line",
    [
        "no syslog here",
        "",
        "<192>Oct 11 22:14:15 host tag: PRI too large",
        "<999>1 2003-10-11T22:14:15Z h a - - -",
        '<13>1 2003-10-11T22:14:15Z h a - - [broken sd="x"',
        "10.1.1.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
    ],
)
def test_parse_header_malformed(line: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_header(line)
    assert err.value.reason == "invalid_syslog"

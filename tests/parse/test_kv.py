"""Fixtures follow the documented syslog formats of each vendor (field names and separators as the
vendors' log reference manuals show them)."""

from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.kv import kv_fields, parse_kv

HUAWEI_POLICY = ("vsys=public, protocol=6, source-ip=10.1.1.1, source-port=54321, destination-ip=202.96.1.1, "
                 "destination-port=443, time=2019/1/12 10:10:10, source-zone=trust, destination-zone=untrust, "
                 "rule-name=to_internet.")
H3C_FILTER = ("%%10FILTER/6/FILTER_ZONE_IPV4_EXECUTION: SrcZoneName(1025)=Trust;DstZoneName(1035)=Untrust;"
              "Type(1067)=ACL;Acl(1068)=3000;RuleID(1078)=5;Protocol(1001)=TCP;Application(1002)=http;"
              "SrcIPAddr(1003)=10.1.1.1;SrcPort(1004)=5353;DstIPAddr(1007)=2.2.2.2;DstPort(1008)=80;"
              "MatchCount(1069)=1;Event(1048)=(8)Session created;")
TOPSEC = ('id=tos time="2019-06-27 14:40:03" fw=TopsecOS pri=6 type=conn recorder=FW-NAT src=192.168.1.10 '
          'dst=202.1.1.1 sport=51234 dport=80 smac=00:11:22:33:44:55 proto=tcp op="accept" '
          'msg="session \\"created\\" ok"')
SANGFOR = ("fwlog: 日志类型:WAF应用防护日志, 源IP:192.168.1.133, 源端口:38378, 目的IP:222.46.22.226, 目的端口:80, "
           "攻击类型:SQL注入, 严重级别:高, 系统动作:拒绝, URL:http://gov.example.cn/a.php?id=1")
SANGFOR_FULLWIDTH = ("日志类型：服务控制或应用控制，用户：(null)，源IP：192.168.1.133，目的IP：10.2.2.2，"
                     "系统动作：被记录")
HILLSTONE_SESSION = ("TRAFFIC@FLOW: SESSION: 10.1.1.1:1234->2.2.2.2:80(TCP), application HTTP, "
                     "interface ethernet0/1, vr trust-vr, policy 1, user -@-, host -, send packets 1,send bytes 60")
HILLSTONE_THREAT = ("Threat@FLOW: From 10.1.1.1:1234(ethernet0/1) to 2.2.2.2:80(-), threat name: SQL Injection, "
                    "threat type: Attack, threat subtype: sql injection, App/Protocol: IPv4/TCP/HTTP, "
                    "action: RESET, defender: IPS, severity: High")


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        (HUAWEI_POLICY,
         {"source.ip": "10.1.1.1", "source.port": 54321, "destination.ip": "202.96.1.1",
          "destination.port": 443, "network.transport": "6", "@timestamp": "2019/1/12 10:10:10",
          "observer.ingress.zone": "trust", "observer.egress.zone": "untrust", "rule.name": "to_internet",
          "vsys": "public"}),
        (H3C_FILTER,
         {"observer.vendor": "H3C", "source.ip": "10.1.1.1", "source.port": 5353, "destination.ip": "2.2.2.2",
          "destination.port": 80, "network.transport": "tcp", "observer.ingress.zone": "Trust",
          "observer.egress.zone": "Untrust", "Type": "ACL", "Acl": "3000", "Event": "(8)Session created",
          "Application": "http"}),
        (TOPSEC,
         {"observer.vendor": "Topsec", "@timestamp": "2019-06-27 14:40:03", "source.ip": "192.168.1.10",
          "destination.ip": "202.1.1.1", "source.port": 51234, "destination.port": 80, "network.transport": "tcp",
          "smac": "00:11:22:33:44:55", "message": 'session "created" ok', "op": "accept", "fw": "TopsecOS"}),
        (SANGFOR,
         {"observer.vendor": "Sangfor", "source.ip": "192.168.1.133", "source.port": 38378,
          "destination.ip": "222.46.22.226", "destination.port": 80, "攻击类型": "SQL注入", "严重级别": "高",
          "event.action": "拒绝", "url.original": "http://gov.example.cn/a.php?id=1", "url.path": "/a.php",
          "url.query": "id=1"}),
        (SANGFOR_FULLWIDTH,
         {"source.ip": "192.168.1.133", "destination.ip": "10.2.2.2", "user.name": None, "event.action": "被记录"}),
        (HILLSTONE_SESSION,
         {"observer.vendor": "Hillstone", "source.ip": "10.1.1.1", "source.port": 1234, "destination.ip": "2.2.2.2",
          "destination.port": 80, "network.transport": "tcp"}),
        (HILLSTONE_THREAT,
         {"source.ip": "10.1.1.1", "destination.port": 80, "threat_name": "SQL Injection",
          "event.action": "RESET", "severity": "High", "defender": "IPS"}),
        ('a=1 b="two words" c=\'single\' d=', {"a": "1", "b": "two words", "c": "single", "d": None}),
        ("user=张三 操作=导出 记录数=5000", {"user.name": "张三", "操作": "导出", "记录数": "5000"}),
        ("url=http://x/?a=1&b=2 src=1.1.1.1", {"url.original": "http://x/?a=1&b=2", "source.ip": "1.1.1.1"}),
        ('msg="unterminated quote src=1.1.1.1', {"message": "unterminated quote src=1.1.1.1"}),
    ],
)
def test_parse_kv(line: str, fields: dict[str, Any]) -> None:
    out = parse_kv(line)
    assert {k: out.get(k) for k in fields} == fields


def test_parse_kv_keeps_whole_text_as_message() -> None:
    assert parse_kv("a=1 b=2")["message"] == "a=1 b=2"


@pytest.mark.parametrize("line", ["", "no pairs here", "a sentence: with one colon", "= = ="])
def test_parse_kv_malformed(line: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_kv(line)
    assert err.value.reason == "invalid_kv"


@pytest.mark.parametrize(
    ("line", "is_kv"),
    [("error: value=5 too big", False), ("x=1 y=2", True), ("Note: this, and: that", True),
     ("session opened for user root(uid=0) by (uid=0)", False)],
)
def test_kv_fields_needs_two_pairs(line: str, is_kv: bool) -> None:
    assert (kv_fields(line) is not None) == is_kv

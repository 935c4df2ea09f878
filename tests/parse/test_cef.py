import re
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from secops.errors import ParseError
from secops.parse.cef import _EXTENSIONS, parse_cef, parse_extension


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


def _reference_extension(ext: str) -> dict[str, str]:
    """The extension rule written out plainly: split at every "="; the token after the last space before
    an "=" starts a new pair when it is a key name; values are right-stripped and unescaped."""
    def is_key(token: str) -> bool:
        return token.isidentifier() or re.fullmatch(r"[A-Za-z0-9_.\[\]-]{1,63}", token) is not None

    def unescape(value: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1)), value,
                      flags=re.S)

    out: dict[str, str] = {}
    segments = ext.split("=")
    if len(segments) == 1:
        if ext.strip():
            raise ParseError("invalid_cef", "no pairs")
        return out
    key = segments[0].rpartition(" ")[2]
    if not is_key(key):
        raise ParseError("invalid_cef", "no first key")
    pairs, value = [], ""
    for segment in segments[1:-1]:
        head, space, token = segment.rpartition(" ")
        if space and is_key(token):
            pairs.append((key, value + head))
            key, value = token, ""
        else:
            value += segment + "="
    pairs.append((key, value + segments[-1]))
    for key, value in pairs:
        out[_EXTENSIONS.get(key, "cef.extensions." + key)] = unescape(value.rstrip())
    return out


_EXT_TOKENS = st.sampled_from(["src", "dst", "msg", "request", "cs1", "a.b", "x[1]", "k-y", "1a", "é", "中文", "=",
                               " ", "  ", "\\", "\\=", "\\\\", "\\n", "\\t", "v", "http://h/p?a=b&c=d", "\t",
                               "\n", "\u00a0", "|", "k" * 70, "é" * 70, ""])


@settings(max_examples=500, deadline=None)
@given(st.lists(_EXT_TOKENS, max_size=16).map("".join))
def test_extension_split_matches_the_plain_rule(ext: str) -> None:
    try:
        expected: dict[str, str] | str = _reference_extension(ext)
    except ParseError:
        expected = "invalid_cef"
    out: dict[str, Any] = {}
    try:
        parse_extension(ext, out)
    except ParseError as err:
        out = {"error": err.reason}
    assert (list(out.items()) if isinstance(expected, dict) else out) == (
        list(expected.items()) if isinstance(expected, dict) else {"error": expected})


@pytest.mark.parametrize(
    ("ext", "value"),
    [("msg=a\\=b\\=c", "a=b=c"), ("msg=a\\\\=b", "a\\=b"), ("msg=a\\\\\\=b", "a\\=b"), ("msg=end\\", "end\\"),
     ("msg=x\\ny\\=", "x\ny="), ("msg=\\=\\", "=\\"), ("msg=a \\= b=c", "a =")],
)
def test_extension_value_escapes(ext: str, value: str) -> None:
    out: dict[str, Any] = {}
    parse_extension(ext, out)
    assert out["message"] == value

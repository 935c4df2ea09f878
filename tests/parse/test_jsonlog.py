import json
from typing import Any

import pytest

from secops.errors import ParseError
from secops.parse.jsonlog import MAX_DEPTH, parse_json


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"message": "hello"}', {"message": "hello"}),
        ('{"source": {"ip": "10.1.1.1", "port": 5353}, "url": {"path": "/a"}}',
         {"source.ip": "10.1.1.1", "source.port": 5353, "url.path": "/a"}),
        ('{"src_ip": "10.1.1.1", "dst_ip": "8.8.8.8", "sport": "1234", "dport": 53}',
         {"source.ip": "10.1.1.1", "destination.ip": "8.8.8.8", "source.port": 1234, "destination.port": 53}),
        ('{"srcip": "1.1.1.1", "sip": "2.2.2.2"}', {"source.ip": "1.1.1.1", "sip": "2.2.2.2"}),
        ('{"sip": "2.2.2.2", "source": {"ip": "3.3.3.3"}}', {"sip": "2.2.2.2", "source.ip": "3.3.3.3"}),
        ('{"user": "zhangsan", "method": "POST", "status": "404", "msg": "x"}',
         {"user.name": "zhangsan", "http.request.method": "POST", "http.response.status_code": 404,
          "message": "x"}),
        ('{"user": {"name": "张三", "id": 7}}', {"user.name": "张三", "user.id": 7}),
        ('{"time": "2024-05-01 08:00:00", "sfzh": "x"}', {"@timestamp": "2024-05-01 08:00:00", "sfzh": "x"}),
        ('{"a": {}, "b": [], "c": null, "d": [{"e": 1}]}', {"a": {}, "b": [], "c": None, "d": [{"e": 1}]}),
        ('{"a": {"b": {"c": {"d": 1}}}}', {"a.b.c.d": 1}),
        ('{"status": "ok"}', {"http.response.status_code": "ok"}),
        ('{"n": NaN}', {"n": pytest.approx(float("nan"), nan_ok=True)}),
        ('{"big": 123456789012345678901234567890}', {"big": 123456789012345678901234567890}),
        ('  {"padded": true}  ', {"padded": True}),
    ],
)
def test_parse_json(line: str, expected: dict[str, Any]) -> None:
    assert parse_json(line) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{", "invalid_json"),
        ('{"a": 1,}', "invalid_json"),
        ("{'a': 1}", "invalid_json"),
        ("", "invalid_json"),
        ('{"a": 1} {"b": 2}', "invalid_json"),
        ("[1, 2]", "not_object"),
        ('"just a string"', "not_object"),
        ("42", "not_object"),
        ("[" * 100_000, "json_too_deep"),
        ('{"a":' * 100_000, "json_too_deep"),
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "json_too_deep"),
        ("[" * 900 + "]" * 900, "json_too_deep"),
    ],
)
def test_parse_json_malformed(line: str, reason: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_json(line)
    assert err.value.reason == reason


def test_parse_json_brackets_inside_strings_are_not_depth() -> None:
    line = json.dumps({"payload": "[" * 500 + "{" * 500})
    assert parse_json(line) == {"payload": "[" * 500 + "{" * 500}


def test_parse_json_depth_at_limit_accepted() -> None:
    line = '{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    assert parse_json(line) == {".".join(["a"] * MAX_DEPTH): 1}

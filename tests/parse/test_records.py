import orjson
import pytest

from secops.errors import ParseError
from secops.parse.records import split_records


@pytest.mark.parametrize(
    ("data", "records"),
    [
        (b'{"a":1}', [b'{"a":1}']),
        (b'{"a":1}\n{"b":2}\n', [b'{"a":1}', b'{"b":2}']),
        (b'{"a":1}\r\n\r\n{"b":2}\r\n', [b'{"a":1}', b'{"b":2}']),
        (b'[{"a": 1}, {"b": [1, 2]}]', [b'{"a":1}', b'{"b":[1,2]}']),
        (b'  \n[ {"a":1} ]\n', [b'{"a":1}']),
        (b"[]", []),
        (b'["<13>Jan  1 00:00:00 h t: m", "second line"]', [b"<13>Jan  1 00:00:00 h t: m", b"second line"]),
        (b"[2024-01-01 12:00:00] ERROR x\n[error] y", [b"[2024-01-01 12:00:00] ERROR x", b"[error] y"]),
        (b"", []),
        (b"\n\n  \n", []),
        (b"one line without newline", [b"one line without newline"]),
    ],
)
def test_split_records(data: bytes, records: list[bytes]) -> None:
    assert split_records(data) == records


def test_split_records_array_elements_reserialize_to_same_objects() -> None:
    body = b'[{"user": {"name": "\xe5\xbc\xa0\xe4\xb8\x89"}, "n": 1.5}, {"x": null}]'
    assert [orjson.loads(r) for r in split_records(body)] == orjson.loads(body)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'[{"a":1}, {"b":', "invalid_json"),
        (b'[{"a":1}] trailing', "invalid_json"),
        (b'["unterminated]', "invalid_json"),
        (b"[" * 100_000, "json_too_deep"),
        (b'[{"a":' + b"[" * 5000 + b"]" * 5000 + b"}]", "json_too_deep"),
    ],
)
def test_split_records_malformed_array(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as err:
        split_records(data)
    assert err.value.reason == reason

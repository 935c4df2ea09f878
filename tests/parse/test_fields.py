from typing import Any

import pytest

from secops.parse.fields import COMMON, FIREWALL, canonical, coerce_ints, split_url


@pytest.mark.parametrize(
    ("key", "canon"),
    [("SrcIPAddr(1003)", "srcipaddr"), ("source-ip", "sourceip"), ("src_ip", "srcip"), ("源IP", "源ip"),
     ("Dst Port", "dstport")],
)
def test_canonical(key: str, canon: str) -> None:
    assert canonical(key) == canon


@pytest.mark.parametrize(
    ("table", "key", "target"),
    [(COMMON, "src_ip", "source.ip"), (COMMON, "SrcIPAddr(1003)", "source.ip"),
     (COMMON, "目的端口", "destination.port"),
     (COMMON, "protocol", None), (FIREWALL, "protocol", "network.transport"), (COMMON, "source.ip", None),
     (COMMON, "unknown_field", None)],
)
def test_alias_tables(table: Any, key: str, target: str | None) -> None:
    assert table.get(key) == target


def test_coerce_ints_only_digit_strings() -> None:
    out: dict[str, Any] = {"source.port": "443", "destination.port": "https", "process.pid": 7, "other": "5"}
    coerce_ints(out)
    assert out == {"source.port": 443, "destination.port": "https", "process.pid": 7, "other": "5"}


@pytest.mark.parametrize(
    ("original", "expected"),
    [("/a/b?c=1#frag", {"url.path": "/a/b", "url.query": "c=1"}), ("/only", {"url.path": "/only"}),
     ("https://user@host.cn:8443/p?q",
      {"url.scheme": "https", "url.domain": "host.cn", "url.port": 8443, "url.path": "/p", "url.query": "q"}),
     ("http://[2001:db8::1]:80/", {"url.scheme": "http", "url.domain": "2001:db8::1", "url.port": 80,
                                   "url.path": "/"}),
     ("?x", {"url.query": "x"}), ("*", {"url.path": "*"})],
)
def test_split_url(original: str, expected: dict[str, str]) -> None:
    out: dict[str, Any] = {}
    split_url(original, out)
    assert out == expected

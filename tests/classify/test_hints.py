"""Field names before a value: the byte-level reader must equal the regex form on decoded text (the oracle)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from secops.classify.hints import HintIndex, key_before_utf8

# the regex form the byte reader replaced, kept as its oracle: matched on the reversed text before a value
_KEY_REVERSED = re.compile(
    r"^[ \t]{0,2}[\"']?[ \t]{0,2}[=:][ \t]{0,2}[\"']?(?P<key>[A-Za-z0-9_.\-\[\]@]{1,49}|[\u4e00-\u9fa5]{1,12})"
    r"|^>(?P<xml>[A-Za-z0-9_.\-]{1,49})<"
)


def key_before(text: str, start: int) -> str:
    m = _KEY_REVERSED.match(text[max(0, start - 64):start][::-1])
    if m is None:
        return ""
    key = (m.group("key") or m.group("xml"))[::-1]
    return key if not key[0].isdigit() else ""

PIECES = ["a", "Z", "0", "9", "_", ".", "-", "[", "]", "@", "<", ">", "=", ":", " ", "\t", '"', "'", "姓", "名",
          "\u4e00", "\u9fa5", "\u9fa6", "\u3000", "é", ",", "sfzh", "身份证号", "ip", "x" * 30, "y" * 49, "  "]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24))
def test_byte_reader_equals_the_regex_on_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert key_before_utf8(text.encode(), len(text.encode())) == key_before(text, len(text))


CASES = [
    ('{"sfzh":"', "sfzh"), ("sfzh = '", "sfzh"), ("<sjhm>", "sjhm"), ("身份证号：".replace("：", ":"), "身份证号"),
    ("x =   '", ""),  # more blanks than the grammar allows
    ("x  =  '", "x"),
    ("<" + "k" * 50 + ">", ""),  # an XML name longer than 49
    ("1abc=", ""),  # a key never starts with a digit
    ("k" * 60 + "=", "k" * 49),  # the 49 characters nearest the value
    ("申请人身份证号=", "申请人身份证号"), ("", ""), ("=", ""), ("a b=", "b"),
]


def test_known_keys() -> None:
    for before, key in CASES:
        assert key_before_utf8(before.encode(), len(before.encode())) == key, before
        assert key_before(before, len(before)) == key, before


def test_separator_distance_bounds_the_key() -> None:
    assert key_before_utf8(b'sfzh="', 6, 3) == "sfzh"
    assert key_before_utf8(b'sfzh  = "', 9, 3) == "sfzh"
    assert key_before_utf8(b'sfzh= "  ', 9, 3) == ""  # the separator is 5 bytes back: too far for gap 3
    assert key_before_utf8(b'sfzh= "  ', 9) == "sfzh"


def test_hint_index_whole_tokens_and_role_prefixes() -> None:
    index = HintIndex({"cn_resident_id": ["sfzh", "身份证号"]}, {"ipv4": ["version"]})
    assert index.lookup("djrSfzh")[0] == {"cn_resident_id"}
    assert index.lookup("申请人身份证号")[0] == {"cn_resident_id"}
    assert index.lookup("sfzhx")[0] == frozenset()
    assert index.lookup("app.version")[1] == {"ipv4"}

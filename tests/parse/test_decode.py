import pytest

from secops.errors import ParseError
from secops.parse.decode import FLAG_INVALID_UTF8, decode

GBK_TEXT = "用户张三登录失败"


@pytest.mark.parametrize(
    ("data", "encoding", "text", "flags"),
    [
        (b"plain ascii", None, "plain ascii", ()),
        ("源IP:10.1.1.1".encode(), None, "源IP:10.1.1.1", ()),
        (b"\xef\xbb\xbfwith bom", None, "with bom", ()),
        (GBK_TEXT.encode("gb18030"), "gb18030", GBK_TEXT, ()),
        (GBK_TEXT.encode("gb18030"), None, GBK_TEXT.encode("gb18030").decode("utf-8", "replace"),
         (FLAG_INVALID_UTF8,)),
        (b"bad \xff byte", "gb18030", "bad \ufffd byte", (FLAG_INVALID_UTF8,)),
        (b"tab\tand\r\nnewline", None, "tab\tand\r\nnewline", ()),
        ("utf-8 wins over gb18030: 数据".encode(), "gb18030", "utf-8 wins over gb18030: 数据", ()),
    ],
)
def test_decode_text(data: bytes, encoding: str | None, text: str, flags: tuple[str, ...]) -> None:
    assert decode(data, encoding) == (text, flags)


@pytest.mark.parametrize("data", [b"abc\x00def", bytes(range(1, 32)) * 4, b"\x01\x02\x03\x04ab"])
def test_decode_binary_rejected(data: bytes) -> None:
    with pytest.raises(ParseError) as err:
        decode(data)
    assert err.value.reason == "binary"


def test_decode_few_control_characters_kept() -> None:
    data = b"\x1b[31mred\x1b[0m and a bell \x07 in a long enough line of text"
    text, flags = decode(data)
    assert text.startswith("\x1b[31mred")
    assert flags == ()

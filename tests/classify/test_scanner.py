"""The scanner's offsets: key-led shapes scanned without start-of-match tracking give the same spans, and the
C module (secops/classify/_hsscan.c) gives the same spans as the Python code over python-hyperscan."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from secops.classify import scanner as scanner_module
from secops.classify.detectors.base import Shape
from secops.classify.extract import Extractor, default_active
from secops.classify.normalize import normalize
from secops.classify.scanner import Scanner, open_ended

BINDINGS = ["c", "python"]
DEFAULT_SHAPES = Extractor(default_active()).scanner.shapes


def scanner(shapes: list[Shape] | tuple[Shape, ...], binding: str, **options: bool) -> Scanner:
    if binding == "c":  # `make test` builds it (tools/build_native.py); without it the daemon runs slower
        assert scanner_module._native is not None, "the C scanner is not built: `make native` with libhs installed"
    made = Scanner(shapes, engine="hyperscan", binding=binding, **options)
    assert made.binding == binding
    return made


@pytest.fixture(scope="module", params=BINDINGS)
def scanners(request: pytest.FixtureRequest) -> tuple[Scanner, Scanner]:
    return (scanner(DEFAULT_SHAPES, request.param), scanner(DEFAULT_SHAPES, request.param, late_start=False))


@pytest.fixture(scope="module")
def both() -> tuple[Scanner, Scanner]:
    return scanner(DEFAULT_SHAPES, "c"), scanner(DEFAULT_SHAPES, "python")


KEY_LED = [
    "home_addr=北京市朝阳区建国路88号院3号楼 addr=上海市浦东新区世纪大道100号",  # two keys, one shared value
    'password="hunter2hunter2" token=abcd1234efgh secret: s3cr3t-value',
    "xm=张三 姓名:李四 联系人为王五 110105199003071230赵六",
    "lat=39.904211, wd: 116.407394 纬度=31.230416",
    "台胞证号码:12345678 tbz=1234567890 authorization: Bearer abcdefgh12345678",
    "地址：北京市海淀区中关村大街1号 住址=广东省深圳市南山区科技园 address=x",
    "userPassword=p@ssw0rd&apiKey=0123456789abcdef",
]


def test_key_led_shapes_are_scanned_without_start_tracking(scanners: tuple[Scanner, Scanner]) -> None:
    late, _ = scanners
    assert late.engine == "hyperscan"
    assert any(late._late_start) and not all(late._late_start)


def test_late_start_offsets_equal_start_tracking_everywhere(scanners: tuple[Scanner, Scanner]) -> None:
    late, everywhere = scanners
    texts = KEY_LED + [line for line, _ in generate(4000, seed=7, planted_share=0.7)]
    encoded = [normalize(t).encode() for t in texts]
    got, want = late.spans(encoded), everywhere.spans(encoded)
    assert sum(len(s) for s in want) > 4000
    key_led = sum(1 for spans in want for sid, _, _ in spans if late._late_start[sid])
    assert key_led > 200  # the comparison covers many key-led matches, not just the cheap shapes
    assert got == want


def test_one_call_per_batch_equals_one_call_per_text(scanners: tuple[Scanner, Scanner]) -> None:
    late, _ = scanners
    texts = [normalize(t).encode() for t in KEY_LED + [line for line, _ in generate(2000, seed=11)]]
    texts += [b"", b"13800138000", b"", b"x13800138000", b"13800138000\n13900139000"]  # empty, edges, inner newline
    assert late.spans(texts) == [late.spans([t])[0] for t in texts]


@pytest.mark.parametrize("binding", BINDINGS)
def test_a_value_reaching_over_the_framing_is_rescanned_on_its_own(binding: str) -> None:
    # a user pattern whose value class takes newlines: in the joined batch "a" of one text and "b" of the
    # next would make one value; each text alone has none, and the third has its own
    s = scanner([Shape("a[^;]*b", left="none", right="none")], binding)
    texts = [b"xa", b"b", b"ab", b"a", b"zzb"]
    assert s.spans(texts) == [s.spans([t])[0] for t in texts] == [[], [], [(0, 0, 2)], [], []]


def test_open_ended_patterns() -> None:
    assert all(open_ended(p) for p in ["a+", "a*", "a{2,}", "(?:ab)+", "[0-9]{6,}x"])
    assert not any(open_ended(p) for p in ["a{2,3}", r"\+", "[+*]", "[]+]", "[^]+]x", r"[\]+]", "a?", r"\{2,\}"])


@pytest.mark.parametrize("binding", BINDINGS)
def test_an_unguarded_pattern_taking_the_framing_newline_starts_at_the_text(binding: str) -> None:
    # a user pattern (boundaries: none) whose value class takes newlines: never a value outside the text
    s = scanner([Shape(r"\s*foo", left="none", right="none")], binding)
    texts = [b"foo", b"x foo", b"bar"]
    assert s.spans(texts) == [s.spans([t])[0] for t in texts] == [[(0, 0, 3)], [(0, 1, 5)], []]


def test_the_c_module_and_python_give_the_same_spans_on_the_corpus(both: tuple[Scanner, Scanner]) -> None:
    c, python = both
    texts = KEY_LED + [line for line, _ in generate(6000, seed=23, planted_share=0.7)]
    encoded = [normalize(t).encode() for t in texts] + [b"", b"\n", "京A·12345 粤B12345".encode(),
                                                               "姓名:张三😀 xm=李四𠀀 联系人为王五é".encode()]
    want = python.spans(encoded)
    assert sum(len(s) for s in want) > 6000
    assert c.spans(encoded) == want
    for i in range(0, len(encoded), 97):  # other batch boundaries, and the raw reports of one text
        assert c.spans(encoded[i:i + 97]) == want[i:i + 97]
        buf = b"\n" + encoded[i] + b"\n"
        assert sorted(c.reported(buf)) == sorted(python.reported(buf))


# fragments that make values, near-values and their boundaries meet in every order
FRAGMENTS = ["110105199003071237", "13800138000", "+86 138-0013-8000", "6222021234567890128", "138****8000",
             "10.1.2.3", "1.2.3.4.5", "fe80::1", "xm=", "姓名:", "张三", "password=", "token: ", "s3cr3t&x",
             "address=", "北京市朝阳区建国路88号", "lat=", "39.904211", "@example.com", "a.b", "0", "9", "X", " ",
             "-", "=", ":", '"', "'", "\n", "\t", "é", "中", "😀", "𠀀", "＊", "*", "/", ",", ";"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join), min_size=1, max_size=8))
def test_the_c_module_and_python_agree_on_any_text(both: tuple[Scanner, Scanner], texts: list[str]) -> None:
    c, python = both
    encoded = [t.encode() for t in texts]
    assert c.spans(encoded) == python.spans(encoded)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab;\n x", max_size=10), min_size=1, max_size=6))
def test_the_c_module_and_python_agree_on_values_that_take_newlines(texts: list[str]) -> None:
    shapes = [Shape("a[^;]*b", left="none", right="none"), Shape(r"\s*ab?", left="none", right="none"),
              Shape("x[ab\n]+", left="alnum", right="alnum", exclusive=False)]
    c, python = scanner(shapes, "c"), scanner(shapes, "python")
    encoded = [t.encode() for t in texts]
    assert c.spans(encoded) == python.spans(encoded)


def test_the_c_module_refuses_what_it_cannot_use() -> None:
    native = scanner_module._native
    assert native is not None
    with pytest.raises(native.error, match=r"^Missing close parenthesis"):
        native.Database([b"(a"], [0], [0])
    db = native.Database([b"a"], [0], [native.HS_FLAG_SOM_LEFTMOST])
    with pytest.raises(ValueError, match="one length"):
        native.Batch(db, None, b"\x01", b"", b"\x01", b"\x00")
    with pytest.raises(TypeError, match="other than main"):
        native.Batch(db, db, b"\x01", b"\x01", b"\x01", b"\x01")
    batch = native.Batch(db, None, b"\x00", b"\x00", b"\x00", b"\x00")
    with pytest.raises(TypeError, match="list of bytes"):
        batch.spans(["a"])
    assert batch.spans([b"xa", b"", b"aa"]) == ([[(0, 1, 2)], [], [(0, 0, 1), (0, 1, 2)]], [])
    no_start = native.Batch(native.Database([b"a"], [0], [0]), None, b"\x00", b"\x00", b"\x00", b"\x00")
    assert no_start.spans([b"xa", b""]) == ([[], []], [0])  # a start before the text: rescanned alone

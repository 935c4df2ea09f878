"""The scanner's offsets: key-led shapes scanned without start-of-match tracking give the same spans."""

from __future__ import annotations

import pytest

from bench.corpus import generate
from secops.classify.detectors.base import Shape
from secops.classify.extract import Extractor, default_active
from secops.classify.normalize import normalize
from secops.classify.scanner import Scanner, open_ended


@pytest.fixture(scope="module")
def scanners() -> tuple[Scanner, Scanner]:
    shapes = Extractor(default_active()).scanner.shapes
    return Scanner(shapes, engine="hyperscan"), Scanner(shapes, engine="hyperscan", late_start=False)


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


def test_a_value_reaching_over_the_framing_is_rescanned_on_its_own() -> None:
    # a user pattern whose value class takes newlines: in the joined batch "a" of one text and "b" of the
    # next would make one value; each text alone has none, and the third has its own
    scanner = Scanner([Shape("a[^;]*b", left="none", right="none")], engine="hyperscan")
    texts = [b"xa", b"b", b"ab", b"a", b"zzb"]
    assert scanner.spans(texts) == [scanner.spans([t])[0] for t in texts] == [[], [], [(0, 0, 2)], [], []]


def test_open_ended_patterns() -> None:
    assert all(open_ended(p) for p in ["a+", "a*", "a{2,}", "(?:ab)+", "[0-9]{6,}x"])
    assert not any(open_ended(p) for p in ["a{2,3}", r"\+", "[+*]", "[]+]", "[^]+]x", r"[\]+]", "a?", r"\{2,\}"])


def test_an_unguarded_pattern_taking_the_framing_newline_starts_at_the_text() -> None:
    # a user pattern (boundaries: none) whose value class takes newlines: never a value outside the text
    scanner = Scanner([Shape(r"\s*foo", left="none", right="none")], engine="hyperscan")
    texts = [b"foo", b"x foo", b"bar"]
    assert scanner.spans(texts) == [scanner.spans([t])[0] for t in texts] == [[(0, 0, 3)], [(0, 1, 5)], []]

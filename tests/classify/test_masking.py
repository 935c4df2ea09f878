from __future__ import annotations

import pytest

from secops.classify.masking import mask

CASES = [
    ("cn_resident_id", "460105199003071239", "4601**********1239"),
    ("cn_resident_id", "46010520150307118X", "4601**********118X"),
    ("cn_mobile", "13800138000", "138****8000"),
    ("bank_card", "6222021234567890128", "622202*********0128"),
    ("email", "zhang.san@example.com", "z***@example.com"),
    ("cn_name", "张三", "张*"),
    ("cn_name", "欧阳娜娜", "欧阳**"),
    ("credential", "Zx9!kq2L", "******"),
    ("ipv4", "8.8.4.4", "8.8.*.*"),
    ("cn_plate", "琼A12345", "琼A***45"),
    ("unknown_custom", "ABCDEFGHIJ", "AB******IJ"),
]


@pytest.mark.parametrize(("detector", "value", "expected"), CASES)
def test_mask_shape_per_detector(detector: str, value: str, expected: str) -> None:
    assert mask(detector, value) == expected


@pytest.mark.parametrize(("detector", "value", "_"), CASES)
def test_mask_never_returns_the_raw_value(detector: str, value: str, _: str) -> None:
    assert mask(detector, value) != value

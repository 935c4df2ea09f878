"""tw_id: Taiwan national ID (letter + 1|2 + 8 digits, mod-10 check). Needs evidence."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def validate(value: str, params: Params) -> Verdict | None:
    if not v.tw_id(value):
        return None
    return Verdict(value, 0.4, identity="twid:" + value)


DETECTOR = Detector(
    name="tw_id",
    shapes=(Shape(r"[A-Z][12][0-9]{8}"),),
    validate=validate,
    category="pi.identity",
    mask="code",
    hints=frozenset({"twid", "twsfz", "taiwanid", "台湾身份证", "身分证", "身分證"}),
    context=("台湾", "身分證", "身分证", "twid"),
    subject_rank=90,
    priority=75,
    description="Taiwan ID: letter map and weights 1,9,8,...,1 mod 10; field or context required",
)

"""hk_id: Hong Kong identity card with its check digit."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def validate(value: str, params: Params) -> Verdict | None:
    if not v.hk_id(value):
        return None
    canonical = value.replace("(", "").replace(")", "")
    return Verdict(canonical, 0.8 if "(" in value else 0.35, identity="hkid:" + canonical)


DETECTOR = Detector(
    name="hk_id",
    shapes=(Shape(r"[A-Z]{1,2}[0-9]{6}\([0-9A]\)"), Shape(r"[A-Z]{1,2}[0-9]{6}[0-9A]")),
    validate=validate,
    category="pi.identity",
    mask="code",
    hints=frozenset({"hkid", "hkidno", "xgsfz", "香港身份证", "香港身份证号"}),
    context=("香港身份证", "hkid", "香港"),
    subject_rank=90,
    priority=75,
    description="HKID: check digit over letter values (space=36, A=10) with weights 9..2",
)

"""vin: vehicle identification numbers (ISO 3779) with the position-9 check digit."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def validate(value: str, params: Params) -> Verdict | None:
    if value.isdigit() or not v.vin(value):
        return None
    return Verdict(value, 0.7)


DETECTOR = Detector(
    name="vin",
    shapes=(Shape(r"[A-HJ-NPR-Z0-9]{17}"),),
    validate=validate,
    category="pi.vehicle",
    mask="vin",
    hints=frozenset({"vin", "clsbdh", "cjh", "chejiahao", "vinno", "车辆识别代号", "车架号"}),
    context=("车架号", "识别代号", "vin"),
    anti_hints=frozenset({"hash", "md5", "sha", "sha1", "digest", "checksum", "etag", "sign", "signature"}),
    priority=45,
    description="VIN: 17 characters without I/O/Q, transliterated check digit at position 9",
)

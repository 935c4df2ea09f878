"""cn_resident_id15: legacy 15-digit resident ID (year 19YY, no check digit). Needs field or context."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict
from secops.classify.detectors.resident_id import DETECTOR as ID18

ID15 = r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"


def validate(value: str, params: Params) -> Verdict | None:
    upgraded = v.upgrade_id15(value)
    if upgraded is None:
        return None
    # shape alone is weak (IMEIs, registration numbers): a field name or context word must confirm it
    return Verdict(value, 0.35, identity=upgraded, birth=v.birth_date(upgraded[6:14]), region=value[:6])


DETECTOR = Detector(
    name="cn_resident_id15",
    shapes=(Shape(ID15),),
    validate=validate,
    category="pi.identity",
    mask="id",
    hints=ID18.hints,
    context=ID18.context,
    anti_hints=frozenset({"imei", "meid", "imsi", "zch", "regno"}),
    subject_rank=100,
    priority=95,
    description="15-digit legacy resident ID: region and date; counted as the upgraded 18-digit person",
)

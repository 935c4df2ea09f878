"""cn_travel_permit: 往来港澳通行证, 回乡证 and 台胞证 numbers. Needs evidence; 台胞证 only after its key."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

LETTERED = r"(?:[HM][0-9]{8}(?:[0-9]{2})?|C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}|W[0-9]{8})"
TAIBAO = (r"(?:tbz|tbzh|taibaozheng|mtp|mtpno|台胞证|台胞证号|台胞证号码)"
          r"[\"']?[ \t]{0,2}[:=][ \t]{0,2}[\"']?[0-9]{8}(?:[0-9]{2})?")


def validate(value: str, params: Params) -> Verdict | None:
    if value[:1] in ("H", "M", "C", "W") and value.isalnum() and value.isascii():
        return Verdict(value, 0.3, identity="permit:" + value)
    number = value[len(value.rstrip("0123456789")):]  # 台胞证 after its key: the key is the evidence
    return Verdict(number, 0.8, identity="permit:" + number)


DETECTOR = Detector(
    name="cn_travel_permit",
    shapes=(Shape(LETTERED), Shape(TAIBAO, utf8=True, caseless=True, exclusive=False)),
    validate=validate,
    category="pi.identity",
    mask="code",
    hints=frozenset({"txzhm", "txz", "gatxz", "tbz", "hxz", "permitno", "permit", "通行证", "通行证号码",
                     "回乡证", "台胞证"}),
    context=("通行证", "回乡证", "台胞证", "permit"),
    subject_rank=90,
    priority=80,
    description="Travel permits for HK/Macau/Taiwan travel; letter shapes need a field or context",
)

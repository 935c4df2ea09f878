"""cn_passport: PRC passports (E/G ordinary, DE/SE/PE official, K HKSAR, MA MSAR). Needs evidence."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

PASSPORT = r"(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|[DSP]E[0-9]{7}|K[0-9]{8}|MA[0-9]{7})"


def validate(value: str, params: Params) -> Verdict | None:
    # E12345678-style tokens also occur as part numbers and error codes: a field or context must confirm
    return Verdict(value, 0.3, identity="passport:" + value)


DETECTOR = Detector(
    name="cn_passport",
    shapes=(Shape(PASSPORT),),
    validate=validate,
    category="pi.identity",
    mask="code",
    hints=frozenset({"hzhm", "hzh", "hz", "huzhao", "passport", "passportno", "passportnumber",
                     "护照", "护照号", "护照号码"}),
    context=("护照", "passport"),
    subject_rank=90,
    priority=80,
    description="PRC passport number shapes; field name or context required",
)

"""cn_plate: vehicle plates, incl. new-energy plates and the ``京A·12345`` form."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = f"[{PROVINCES}][A-HJ-NP-Z][·•]?[0-9A-HJ-NP-Z]{{4,5}}[0-9A-HJ-NP-Z挂学警港澳]"
_ALNUM = set("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")


def _tail_ok(tail: str) -> bool:
    if len(tail) == 5:
        body = tail[:4] if tail[-1] in "挂学警港澳" else tail
        return all(c in _ALNUM for c in body) and sum(c.isdigit() for c in tail) >= 2
    if len(tail) == 6:  # new energy: D/F (now A-K) first and four digits, or five digits then D/F
        small = tail[0] in "ABCDEFGHJK" and tail[1] in _ALNUM and tail[2:].isdigit()
        large = tail[:5].isdigit() and tail[5] in "DF"
        return small or large
    return False


def validate(value: str, params: Params) -> Verdict | None:
    plate = value.replace("·", "").replace("•", "")
    if not _tail_ok(plate[2:]):
        return None
    return Verdict(plate, 0.8)


DETECTOR = Detector(
    name="cn_plate",
    shapes=(Shape(PLATE, left="none", utf8=True),),
    validate=validate,
    category="pi.vehicle.plate",
    mask="plate",
    hints=frozenset({"cph", "cphm", "hphm", "chepai", "plate", "plateno", "platenumber", "licenseplate",
                     "车牌", "车牌号", "号牌号码"}),
    context=("车牌", "号牌", "plate"),
    priority=50,
    description="Vehicle plate: province, letter, 5 characters (6 for new-energy), no I/O",
)

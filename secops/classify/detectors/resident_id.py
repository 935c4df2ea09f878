"""cn_resident_id: 18-digit resident ID (GB 11643-1999), incl. HK/Macau/Taiwan residence permits."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict, masked_len

ID18 = r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
ID18_MASKED = r"[1-9][0-9]{1,5}\*{6,12}[0-9]{1,4}[0-9Xx]"


def validate(value: str, params: Params) -> Verdict | None:
    if not v.resident_id18(value):
        return None
    canonical = value.upper()
    return Verdict(canonical, 0.95, identity=canonical, birth=v.birth_date(value[6:14]), region=value[:6])


def validate_masked(value: str) -> bool:
    return masked_len(value, 18, 6) and v.region_ok(value[:2] + "0101")


DETECTOR = Detector(
    name="cn_resident_id",
    shapes=(Shape(ID18), Shape(ID18_MASKED, masked=True)),
    validate=validate,
    validate_masked=validate_masked,
    category="pi.identity",
    mask="id",
    hints=frozenset({"sfzh", "sfzhm", "gmsfhm", "zjhm", "zjh", "sfz", "shenfenzheng", "sfzhaoma", "idcard",
                     "idno", "idnumber", "certno", "certnum", "identityno", "identitycard", "idcardno",
                     "shbzhm", "身份证号", "身份证", "公民身份号码", "证件号码", "证件号", "身份证号码",
                     "社会保障号码", "居住证号"}),
    context=("身份证", "证件号", "公民身份", "居住证", "sfzh", "idcard"),
    subject_rank=100,
    priority=100,
    description="18-digit resident ID: MOD 11-2 check, calendar date, GB/T 2260 region of any era",
)

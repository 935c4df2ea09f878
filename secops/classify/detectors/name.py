"""cn_name: Chinese personal names, only with evidence: a name field, a context key, or an adjacent ID."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import (
    HAN,
    KEY_SEP,
    Detector,
    Params,
    Shape,
    Verdict,
    key_alternation,
    strip_key,
)
from secops.classify.detectors.surnames import COMPOUND, NOT_NAMES, has_surname

HINTS = frozenset({"xm", "xingming", "djrxm", "czrxm", "frxm", "fddbr", "fddbrxm", "lxr", "lxrxm", "hzxm",
                   "brxm", "jhrxm", "sqrxm", "sqr", "realname", "real_name", "fullname", "full_name", "truename",
                   "true_name", "name", "custname", "cust_name", "姓名", "申请人", "联系人", "户主", "法定代表人",
                   "法人", "患者", "病人", "监护人", "经办人", "收件人", "登记人", "持卡人", "当事人"})
NAME = f"[{HAN}]{{2,4}}"
MASKED_NAME = f"[{HAN}]{{1,2}}\\*{{1,3}}[{HAN}]?"
_HAN_SEP = "[\"']?[ \\t]{0,2}(?:[:=]|为|是)?[ \\t]{0,2}[\"']?"


def _shapes(hints: frozenset[str], context: tuple[str, ...]) -> tuple[Shape, ...]:
    ascii_keys = frozenset(k for k in hints if k.isascii())
    han_keys = frozenset(k for k in hints | frozenset(context) if not k.isascii())
    shapes = [Shape(r"[0-9]{17}[0-9Xx]" + NAME, right="han", utf8=True, exclusive=False)]  # 身份证号4601...239张三
    if ascii_keys:
        keyed = key_alternation(ascii_keys) + KEY_SEP
        shapes += [Shape(keyed + NAME, right="han", utf8=True, exclusive=False, caseless=True),
                   Shape(keyed + MASKED_NAME, right="han", utf8=True, exclusive=False, caseless=True, masked=True)]
    if han_keys:
        keyed = key_alternation(han_keys) + _HAN_SEP
        shapes += [Shape(keyed + f"[{HAN}]{{2,3}}", left="none", right="none", utf8=True, exclusive=False),
                   Shape(keyed + MASKED_NAME, left="none", right="han", utf8=True, exclusive=False, masked=True)]
    return tuple(shapes)


# a third character that ends a name in running text: 申请人张三于今日办理
_TRAILERS = frozenset("于在的已向为是和与等办申到来去说称因将被把对从今")


def _name_part(value: str, params: Params) -> str:
    if value[:1].isdigit():
        return value[18:]
    name = strip_key(value, params.get("hints", HINTS))
    if len(name) == 3 and name[2] in _TRAILERS and name[:2] not in COMPOUND:
        name = name[:2]
    return name


def validate(value: str, params: Params) -> Verdict | None:
    name = _name_part(value, params)
    if not 2 <= len(name) <= 4 or not has_surname(name) or name in NOT_NAMES:
        return None
    if value[:1].isdigit():  # only right after a valid resident ID
        return Verdict(name, 0.6) if v.resident_id18(value[:18]) else None
    if len(name) == 4 and name[:2] not in COMPOUND:
        return None
    return Verdict(name, 0.8)


def validate_masked(value: str) -> bool:
    name = strip_key(value, HINTS)
    return 2 <= len(name) <= 4 and has_surname(name.replace("*", "") or "*")


DETECTOR = Detector(
    name="cn_name",
    shapes=_shapes(HINTS, ()),
    shape_factory=_shapes,
    validate=validate,
    validate_masked=validate_masked,
    category="pi.basic.name",
    mask="name",
    hints=HINTS,
    priority=30,
    description="Chinese personal name (surname list) after a name field, a context key or a valid ID",
)

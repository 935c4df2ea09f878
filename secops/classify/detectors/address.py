"""cn_address: Chinese addresses after an address field or context key, with >= 2 admin levels."""

from __future__ import annotations

import re

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

HINTS = frozenset({"dz", "zz", "jtzz", "hjdz", "hjszd", "xzz", "jzd", "jzdz", "txdz", "lxdz", "address", "addr",
                   "home_addr", "homeaddress", "homeaddr", "住址", "地址", "户籍地址", "现住址", "家庭住址",
                   "居住地址", "通讯地址", "联系地址", "户籍地", "现居住地"})
VALUE = f"[{HAN}0-9A-Za-z#\\-]{{6,}}"
_ADMIN = re.compile(r"省|自治区|市|自治州|地区|盟|区|县|旗|镇|乡|街道")
_STREET = re.compile(r"路|街|巷|号|栋|幢|单元|室|村|组|弄|大道|小区|苑|楼")
_ORG = re.compile(r"政府|委员会|人民法院|检察院|公安局|局|厅|办公室|管理中心|服务中心|大厦")


def _shapes(hints: frozenset[str], context: tuple[str, ...]) -> tuple[Shape, ...]:
    ascii_keys = frozenset(k for k in hints if k.isascii())
    han_keys = frozenset(k for k in hints | frozenset(context) if not k.isascii())
    shapes = []
    if ascii_keys:
        shapes.append(Shape(key_alternation(ascii_keys) + KEY_SEP + VALUE, right="address", utf8=True, exclusive=False,
                            caseless=True))
    if han_keys:
        sep = "[\"']?[ \\t]{0,2}(?:[:=]|为|是|在)?[ \\t]{0,2}[\"']?"
        shapes.append(Shape(key_alternation(han_keys) + sep + VALUE, left="none",
                            right="address", utf8=True, exclusive=False))
    return tuple(shapes)


def validate(value: str, params: Params) -> Verdict | None:
    address = strip_key(value, params.get("hints", HINTS))
    if len(_ADMIN.findall(address)) < 2 or not _STREET.search(address):
        return None
    return Verdict(address, 0.8, variant="org" if _ORG.search(address) else "")


DETECTOR = Detector(
    name="cn_address",
    shapes=_shapes(HINTS, ()),
    shape_factory=_shapes,
    validate=validate,
    category="pi.contact.address",
    mask="address",
    hints=HINTS,
    priority=30,
    description="Chinese address after an address field or key: >= 2 admin levels and a street token",
)

"""cn_landline: fixed-line numbers with area code (Hainan 0898 + 8 digits); 400/800 are organisational."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

LANDLINE = r"0(?:10|2[0-9]|[3-9][0-9]{2})[- ]?[2-9][0-9]{6,7}"
SERVICE = r"[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}"


def _split(value: str) -> tuple[str, str, bool]:
    for sep in ("-", " "):
        if sep in value:
            head, _, tail = value.partition(sep)
            return head, tail.replace(sep, ""), True
    area_len = 3 if value[1] in "12" else 4
    return value[:area_len], value[area_len:], False


def validate(value: str, params: Params) -> Verdict | None:
    if value[:3] in ("400", "800"):
        digits = value.replace("-", "").replace(" ", "")
        return Verdict(digits, 0.7, variant="org") if len(digits) == 10 else None
    area, local, separated = _split(value)
    if (area[1] in "12" and len(area) != 3) or (area[1] not in "12" and len(area) != 4):
        return None
    if (area == "0898" and len(local) != 8) or not local.isdigit():
        return None
    return Verdict(area + local, 0.6 if separated else 0.4, identity="")


DETECTOR = Detector(
    name="cn_landline",
    shapes=(Shape(LANDLINE, left="alnum_dot", right="alnum_dot"), Shape(SERVICE, left="alnum_dot", right="alnum_dot")),
    validate=validate,
    category="pi.contact.basic",
    mask="phone",
    hints=frozenset({"gddh", "bgdh", "lxdh", "dh", "tel", "telephone", "phone", "landline", "fax", "cz",
                     "固定电话", "办公电话", "联系电话", "电话", "传真"}),
    context=("电话", "座机", "tel", "phone"),
    anti_hints=frozenset({"ts", "time", "timestamp", "reqid", "traceid", "orderno", "seq", "pid", "port"}),
    priority=45,
    description="Landline: area code + 7-8 digit local number starting 2-9; 0898 takes 8 digits",
)

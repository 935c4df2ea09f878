"""cn_mobile: mainland mobile numbers; allocated prefixes are data (``params.prefixes``)."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict, masked_len, strip_separators

PREFIXES = (
    [f"13{d}" for d in range(10)] + ["145", "147", "149"] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + ["162", "165", "166", "167"] + [f"17{d}" for d in range(9)] + [f"18{d}" for d in range(10)]
    + [f"19{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
)


def _number(value: str) -> str | None:
    v = value[1:] if value.startswith("+") else value
    if v.startswith("86") and len(strip_separators(v)) == 13:
        v = v[2:].lstrip(" -")
    digits = strip_separators(v)
    if len(digits) != 11 or not digits.isdigit():
        return None
    if digits != v:  # separators only as 3-4-4 groups: 138-0013-8000, 138 0013 8000
        groups = v.replace("-", " ").split(" ")
        if [len(g) for g in groups] != [3, 4, 4]:
            return None
    return digits


def validate(value: str, params: Params) -> Verdict | None:
    digits = _number(value)
    if digits is None or digits[:3] not in params.get("prefixes", PREFIXES):
        return None
    return Verdict(digits, 0.8, identity=digits)


def validate_masked(value: str) -> bool:
    return masked_len(value, 11, 3)


DETECTOR = Detector(
    name="cn_mobile",
    shapes=(
        Shape(r"(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}"),
        Shape(r"1[3-9][0-9]{1,3}\*{3,6}[0-9]{2,4}", masked=True),
    ),
    validate=validate,
    validate_masked=validate_masked,
    category="pi.contact",
    mask="mobile",
    hints=frozenset({"sjh", "sjhm", "shouji", "shoujihao", "lxdh", "yddh", "dh", "lxfs", "mobile", "phone",
                     "tel", "telephone", "cellphone", "mobileno", "phoneno", "phonenumber", "mobilephone",
                     "手机号", "手机", "手机号码", "联系电话", "电话", "联系方式"}),
    context=("手机", "电话", "联系方式", "mobile", "phone", "tel"),
    anti_hints=frozenset({"ts", "time", "timestamp", "reqid", "requestid", "traceid", "trace", "spanid",
                          "orderno", "orderid", "order", "seq", "serial", "msgid", "txid", "pid", "uid"}),
    subject_rank=50,
    priority=70,
    params={"prefixes": PREFIXES},
    description="Mainland mobile: allocated prefix list, optional +86, 3-4-4 separators",
)

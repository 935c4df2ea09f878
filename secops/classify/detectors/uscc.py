"""cn_uscc: unified social credit code (GB 32100-2015)."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict

USCC = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"


def validate(value: str, params: Params) -> Verdict | None:
    if not v.uscc(value):
        return None
    confidence = 0.9 if v.org_code(value[8:17]) else 0.7
    if value.isdigit() and v.birth_date(value[6:14]) is not None:
        confidence = 0.3  # an ID-shaped digit run (e.g. a mistyped ID): only with a USCC field name
    # 92...: 个体工商户, a natural person's business
    return Verdict(value, confidence, variant="individual" if value.startswith("92") else "")


DETECTOR = Detector(
    name="cn_uscc",
    shapes=(Shape(USCC),),
    validate=validate,
    category="org.public_registry",
    mask="code",
    hints=frozenset({"tyshxydm", "shxydm", "xydm", "uscc", "creditcode", "socialcreditcode",
                     "统一社会信用代码", "信用代码"}),
    context=("信用代码", "uscc"),
    anti_hints=frozenset({"sfzh", "sfzhm", "gmsfhm", "zjhm", "idcard", "idno", "certno", "orderno", "order", "orderid",
                          "tradeno", "trade", "txid", "trace",
                          "traceid", "reqid", "sn", "serial"}),
    priority=90,
    description="Unified social credit code: GB 32100 alphabet, region digits, mod-31 check",
)

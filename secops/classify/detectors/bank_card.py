"""bank_card: payment card numbers. Luhn raises confidence but is no gate: real cards fail it."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict, strip_separators

MASKED = r"[0-9]{4,6}[ -]?\*{4,9}(?:[ -]?\*{4}){0,2}[ -]?[0-9]{4}"


def _grouping_ok(value: str) -> bool:
    if value.isdigit():
        return True
    groups = value.replace("-", " ").split(" ")
    return all(3 <= len(g) <= 6 for g in groups if g) and "" not in groups


def validate(value: str, params: Params) -> Verdict | None:
    digits = strip_separators(value)
    if not 16 <= len(digits) <= 19 or not digits.isdigit() or not _grouping_ok(value):
        return None
    unionpay = digits.startswith(tuple(params.get("bin_prefixes", ("62",))))
    confidence = 0.3  # real cards fail Luhn (hutool#2510): it raises confidence, it is no gate
    if v.luhn(digits):
        confidence = 0.6 if unionpay and len(digits) in (16, 19) else 0.45
    return Verdict(digits, confidence, identity=digits)


def validate_masked(value: str) -> bool:
    n = len(strip_separators(value))
    return 16 <= n <= 19


DETECTOR = Detector(
    name="bank_card",
    shapes=(
        Shape(r"4(?:[ -]?[0-9]){15,18}"),
        Shape(r"(?:62|5[1-5]|60|9[45])(?:[ -]?[0-9]){14,17}"),
        Shape(MASKED, masked=True),
    ),
    validate=validate,
    validate_masked=validate_masked,
    category="pi.finance",
    mask="card",
    hints=frozenset({"yhkh", "yhzh", "kahao", "yinhangka", "zhanghao", "zhanghu", "bankcard", "cardno",
                     "cardnum", "cardnumber", "bankcardno", "accountno", "acctno", "acct", "pan",
                     "银行卡号", "银行卡", "卡号", "账号", "银行账号", "账户"}),
    context=("卡号", "银行卡", "账号", "储蓄卡", "信用卡", "card"),
    anti_hints=frozenset({"order", "orderno", "orderid", "trace", "traceid", "trade", "tradeno", "reqid",
                          "requestid", "seq", "serial", "txid", "sn", "msgid", "spanid", "ts", "timestamp"}),
    subject_rank=60,
    priority=60,
    params={"bin_prefixes": ["62"]},
    description="Payment card: 16-19 digits with a card prefix; UnionPay+Luhn alone, others need evidence",
)

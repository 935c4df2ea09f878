"""Deterministic synthetic identifiers (valid checksums) for rule tests and the bench corpus.

Value ``n`` of a kind is always the same and distinct values of ``n`` give distinct identifiers.
"""

from __future__ import annotations

import datetime as dt

from secops.classify import validators as v

REGIONS = ("110105", "310104", "440106", "460105", "460106", "442101", "510107", "330106", "420102", "610104")
_EPOCH = dt.date(1950, 1, 1)
_DAYS = 20000


def resident_id(n: int, *, birth_year: int | None = None) -> str:
    region = REGIONS[n % len(REGIONS)]
    rest = n // len(REGIONS)
    if birth_year is not None:
        born = dt.date(birth_year, 1, 1) + dt.timedelta(days=rest % 365)
        rest //= 365
    else:
        born = _EPOCH + dt.timedelta(days=rest % _DAYS)
        rest //= _DAYS
    body = f"{region}{born:%Y%m%d}{rest % 1000:03d}"
    return body + v.id18_check_char(body)


def mobile(n: int) -> str:
    prefixes = ("138", "139", "150", "186", "177", "199", "135", "158")
    return prefixes[n % len(prefixes)] + f"{(n // len(prefixes)) % 10**8:08d}"


def bank_card(n: int) -> str:
    body = f"622202{n % 10**12:012d}"
    for d in "0123456789":
        if v.luhn(body + d):
            return body + d
    raise AssertionError("unreachable: one Luhn digit always exists")


def email(n: int) -> str:
    return f"user{n}@example.com.cn"


KEYS = {"cn_resident_id": "sfzh", "cn_mobile": "sjhm", "bank_card": "yhkh", "email": "email"}


def values(detector: str, count: int, *, seed: int = 0, birth_year: int | None = None) -> list[str]:
    start = seed * count
    if detector == "cn_resident_id":
        return [resident_id(start + i, birth_year=birth_year) for i in range(count)]
    make = {"cn_mobile": mobile, "bank_card": bank_card, "email": email}[detector]
    return [make(start + i) for i in range(count)]


def text(detector: str, count: int, *, seed: int = 0, birth_year: int | None = None) -> str:
    """A DLP-style record listing ``count`` distinct values behind their field name."""
    key = KEYS[detector]
    return ";".join(f"{key}={value}" for value in values(detector, count, seed=seed, birth_year=birth_year))

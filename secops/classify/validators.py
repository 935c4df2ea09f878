"""Exact check-digit and structure validators for Chinese identifiers (classification.md §2).

Pure functions on already-normalized ASCII strings. Each returns a bool or a small value; none raises
on bad input.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Final

_ID_WEIGHTS: Final[tuple[int, ...]] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"

# GB/T 2260 provinces (first two digits), any era; 71 Taiwan, 81/82/83 HK/Macau/Taiwan residence permits.
PROVINCES: Final = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_PERMIT_PROVINCES: Final = frozenset({71, 81, 82, 83})

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS: Final[tuple[int, ...]] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES: Final = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ORG_WEIGHTS: Final[tuple[int, ...]] = (3, 7, 9, 10, 5, 8, 4, 2)
_VIN_TRANSLIT: Final = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS: Final[tuple[int, ...]] = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_TW_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # A=10 ... in the official order


def id18_check_char(body17: str) -> str:
    """Check character of 17 ASCII digits (validators run on every candidate: plain loops, no int())."""
    total = 0
    for i in range(17):
        total += (ord(body17[i]) - 48) * _ID_WEIGHTS[i]
    return _ID_CHECK[total % 11]


def region_ok(code6: str) -> bool:
    """First six digits are a plausible GB/T 2260 code of any era (no birth-year era check)."""
    if len(code6) != 6 or not code6.isdigit() or not code6.isascii():
        return False
    province = (ord(code6[0]) - 48) * 10 + ord(code6[1]) - 48
    city = (ord(code6[2]) - 48) * 10 + ord(code6[3]) - 48
    if province not in PROVINCES:
        return False
    if province in _PERMIT_PROVINCES:
        return True
    return 1 <= city <= 70 or city == 90


def birth_date(yyyymmdd: str) -> dt.date | None:
    try:
        date = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return date if date.year >= 1850 else None


def resident_id18(value: str) -> bool:
    """ISO 7064 MOD 11-2 check, a real calendar date and a GB/T 2260 region of any era."""
    if len(value) != 18 or not value[:17].isdigit() or not value.isascii():
        return False
    if value[17].upper() != id18_check_char(value[:17]):
        return False
    return region_ok(value[:6]) and birth_date(value[6:14]) is not None


def upgrade_id15(value: str) -> str | None:
    """The 18-digit form of a valid legacy 15-digit ID (year 19YY), or None."""
    if len(value) != 15 or not value.isdigit() or not value.isascii() or not region_ok(value[:6]):
        return None
    if birth_date("19" + value[6:12]) is None:
        return None
    body = value[:6] + "19" + value[6:]
    return body + id18_check_char(body)


def uscc(value: str) -> bool:
    """GB 32100-2015 unified social credit code: alphabet, region digits and mod-31 check."""
    if len(value) != 18:
        return False
    total = 0
    for i in range(17):
        code = _USCC_VALUES.get(value[i], -1)
        if code < 0:
            return False
        total += code * _USCC_WEIGHTS[i]
    if value[17] not in _USCC_VALUES or not value[2:8].isdigit() or int(value[2:4]) not in PROVINCES:
        return False
    return USCC_ALPHABET[(31 - total % 31) % 31] == value[17]


def org_code(value: str) -> bool:
    """GB 11714-1997 organization code, ``XXXXXXXX-C`` or without the dash."""
    v = value.replace("-", "")
    if len(v) != 9 or not v[:8].isalnum() or not v[:8].isascii() or v[:8].upper() != v[:8]:
        return False
    total = sum(int(c, 36) * w for c, w in zip(v[:8], _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    expected = "X" if c == 10 else "0" if c == 11 else str(c)
    return v[8] == expected


def luhn(digits: str) -> bool:
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    n = len(digits)
    for i in range(n):
        d = ord(digits[n - 1 - i]) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def vin(value: str) -> bool:
    """ISO 3779 VIN with the position-9 check digit (carried by Chinese and North American VINs)."""
    v = value.upper()
    if len(v) != 17:
        return False
    total = 0
    for i in range(17):  # a plain loop (runs on every 17-character candidate)
        n = _VIN_TRANSLIT.get(v[i], -1)
        if n < 0:
            return False
        total += n * _VIN_WEIGHTS[i]
    r = total % 11
    return v[8] == ("X" if r == 10 else str(r))


def hk_id(value: str) -> bool:
    """Hong Kong identity card: ``A123456(3)`` / ``AB1234567``; values space=36, A=10; weights 9..2."""
    v = value.upper().replace("(", "").replace(")", "")
    if not 8 <= len(v) <= 9:
        return False
    letters, digits, check = v[:-7], v[-7:-1], v[-1]
    if not letters.isalpha() or not digits.isdigit() or not (check.isdigit() or check == "A"):
        return False
    chars = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters]
    values = chars + [int(d) for d in digits]
    total = sum(val * w for val, w in zip(values, range(9, 1, -1), strict=True))
    c = 11 - total % 11
    expected = "A" if c == 10 else "0" if c == 11 else str(c)
    return check == expected


def tw_id(value: str) -> bool:
    """Taiwan national ID: letter + 1|2 + 8 digits, letter map and weights 1,9,8,...,1 mod 10."""
    v = value.upper()
    if len(v) != 10 or v[0] not in _TW_LETTERS or v[1] not in "12" or not v[1:].isdigit():
        return False
    n = _TW_LETTERS.index(v[0]) + 10
    total = n // 10 + (n % 10) * 9
    total += sum(int(d) * w for d, w in zip(v[1:9], range(8, 0, -1), strict=True)) + int(v[9])
    return total % 10 == 0


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())

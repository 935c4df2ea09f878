"""The last line of defence before a notification leaves: mask any raw identifier still in the text.

Alerts carry masked samples already; this catches a raw resident ID, mobile number or bank card number
that reached an annotation anyway. Masked forms are those of ``secops.classify.masking``
(``4601**********123X``, ``138****8000``); text already masked has ``*`` in it and is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from secops.classify.masking import mask

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}" + _DATE + r"\d{3}[\dXx](?![0-9A-Za-z])")
_RESIDENT_ID15 = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}" + _DATE + r"\d{3}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _mobile(m: re.Match[str]) -> str:
    value = m.group(0)
    return value[:-11] + mask("cn_mobile", value[-11:])


def _card(m: re.Match[str]) -> str:
    value = m.group(0)
    return mask("bank_card", value) if _luhn(value) else value


def redact_text(text: str) -> str:
    """Mask raw identifiers (secops.classify.masking shapes) left in ``text``."""
    text = _RESIDENT_ID.sub(lambda m: mask("cn_resident_id", m.group(0)), text)
    text = _RESIDENT_ID15.sub(lambda m: mask("cn_resident_id15", m.group(0)), text)
    text = _MOBILE.sub(_mobile, text)
    return _CARD.sub(_card, text)


def redact(value: Any) -> Any:
    """Mask identifiers in a string, or in every string inside mappings and sequences."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value

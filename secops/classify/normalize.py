"""Input normalization before scanning: NFKC (full-width digits), URL-decoding, JSON ``\\uXXXX``.

Each step runs only when the text needs it, so plain ASCII lines cost three membership tests.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
# CEF custom fields: ``cs1Label=sfzh cs1=...`` -> ``sfzh=...`` so field-name hints see the real name
_CEF_LABEL = re.compile(
    r"\b((?:cs|cn|cfp|flexString|flexNumber|flexDate|deviceCustomString)\d{1,2})Label=([^\s=]{1,64})")


def _unescape(match: re.Match[str]) -> str:
    ch = chr(int(match.group(1), 16))
    return ch if not 0xD800 <= ord(ch) <= 0xDFFF else match.group(0)


def _cef_labels(text: str) -> str:
    labels = dict(_CEF_LABEL.findall(text))
    if not labels:
        return text
    names = "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
    return re.sub(rf"(?<=\s)({names})=", lambda m: labels[m.group(1)] + "=", text)


def normalize(text: str) -> str:
    if "Label=" in text:
        text = _cef_labels(text)
    if "%" in text and _PCT.search(text):
        text = unquote(text, errors="replace")
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(_unescape, text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text

"""Input normalization before scanning: NFKC (full-width digits), URL-decoding, JSON ``\\uXXXX``.

Each step runs only when the text needs it, so plain ASCII lines cost three membership tests.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")


def _unescape(match: re.Match[str]) -> str:
    ch = chr(int(match.group(1), 16))
    return ch if not 0xD800 <= ord(ch) <= 0xDFFF else match.group(0)


def normalize(text: str) -> str:
    if "%" in text and _PCT.search(text):
        text = unquote(text, errors="replace")
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(_unescape, text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text

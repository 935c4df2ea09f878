"""Input normalization before scanning: NFKC (full-width digits), URL-decoding, JSON ``\\uXXXX``.

Each step runs only when the text needs it, so plain ASCII lines cost three membership tests.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import unquote

_JSON_ESCAPE: Final = re.compile(r"\\u([0-9a-fA-F]{4})")
_PCT: Final = re.compile(r"%[0-9A-Fa-f]{2}")
# CEF custom fields: ``cs1Label=sfzh cs1=...`` -> ``sfzh=...`` so field-name hints see the real name. A label is
# ``<custom key>Label=<name>`` with the key at a word boundary; found from the literal "Label=" (a fast search),
# then the key is checked just before it.
_CUSTOM_KEYS = r"(?:cs|cn|cfp|flexString|flexNumber|flexDate|deviceCustomString)\d{1,2}"
_LABEL_VALUE: Final = re.compile(r"Label=([^\s=]{1,64})")
_LABEL_KEY: Final = re.compile(rf"\b({_CUSTOM_KEYS})\Z")
_LONGEST_KEY: Final = len("deviceCustomString") + 2


def _unescape(match: re.Match[str]) -> str:
    ch = chr(int(match.group(1), 16))
    return ch if not 0xD800 <= ord(ch) <= 0xDFFF else match.group(0)


def _labels(text: str) -> dict[str, str]:
    """Custom key -> label name, as ``dict(re.findall(r"\\b(<key>)Label=([^\\s=]{1,64})", text))`` would give."""
    labels: dict[str, str] = {}
    consumed = 0  # a label's value may swallow what looks like the next key, as a left-to-right scan would
    for m in _LABEL_VALUE.finditer(text):
        start = m.start()
        key = _LABEL_KEY.search(text, max(0, start - _LONGEST_KEY), start)
        if key is None or key.start() < consumed:
            continue
        labels[key.group(1)] = m.group(1)
        consumed = m.end()
    return labels


def _cef_labels(text: str) -> str:
    labels = _labels(text)
    if not labels:
        return text
    cuts: list[tuple[int, int, str]] = []  # every ``<key>=`` after whitespace, renamed in one pass
    for key, name in labels.items():
        needle = key + "="
        i = text.find(needle)
        while i >= 0:
            if i > 0 and text[i - 1].isspace():
                cuts.append((i, i + len(key), name))
            i = text.find(needle, i + 1)
    if not cuts:
        return text
    cuts.sort()
    parts: list[str] = []
    last = 0
    for start, end, name in cuts:
        parts.append(text[last:start])
        parts.append(name)
        last = end
    parts.append(text[last:])
    return "".join(parts)


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

"""Input normalization before scanning: NFKC (full-width digits), URL-decoding, JSON ``\\uXXXX``.

Each step runs only when the text needs it, so plain ASCII lines cost three membership tests.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_JSON_ESCAPE: Final = re.compile(r"\\u([0-9a-fA-F]{4})")
_PCT_RUN: Final = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# CEF custom fields: ``cs1Label=sfzh cs1=...`` -> ``sfzh=...`` so field-name hints see the real name. A label is
# ``<custom key>Label=<name>`` with the key at a word boundary (``\b(<key>)Label=([^\s=]{1,64})``, left to
# right, as re.findall reads it); found from the literal "Label=", then the key is read backwards from it.
_CUSTOM_KEYS: Final[tuple[str, ...]] = ("cs", "cn", "cfp", "flexString", "flexNumber", "flexDate",
                                        "deviceCustomString")


def _unescape(match: re.Match[str]) -> str:
    ch = chr(int(match.group(1), 16))
    return ch if not 0xD800 <= ord(ch) <= 0xDFFF else match.group(0)


def _percent_decoded(match: re.Match[str]) -> str:
    """A run of %XX escapes as ``urllib.parse.unquote(errors="replace")`` decodes it (without its per-call
    splitting of the whole text in Python)."""
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "replace")


def _labels(text: str) -> dict[str, str]:
    r"""Custom key -> label name, as ``dict(re.findall(r"\b(<key>)Label=([^\s=]{1,64})", text))`` would give."""
    labels: dict[str, str] = {}
    consumed = 0  # a label's value may swallow what looks like the next key, as a left-to-right scan would
    pos = 0
    size = len(text)
    while (i := text.find("Label=", pos)) >= 0:
        start = i + 6
        end = start
        limit = min(size, start + 64)
        while end < limit and text[end] != "=" and not text[end].isspace():
            end += 1
        if end == start:  # no name: the scan goes on from the next character
            pos = i + 1
            continue
        pos = end
        key = _label_key(text, i)
        if key and i - len(key) >= consumed:
            labels[key] = text[start:end]
            consumed = end
    return labels


def _label_key(text: str, i: int) -> str:
    r"""``\b(<key>)\d{1,2}`` ending at ``i``, or ""."""
    digits = 0
    while digits < 3 and i - digits > 0 and text[i - digits - 1].isdecimal():
        digits += 1
    if digits == 0 or digits == 3:
        return ""
    head = i - digits
    for name in _CUSTOM_KEYS:
        begin = head - len(name)
        if begin >= 0 and text.startswith(name, begin):
            if begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):  # not at a word boundary
                return ""
            return text[begin:i]
    return ""


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
    if "%" in text:
        text = _PCT_RUN.sub(_percent_decoded, text)
    if "\\" in text and "\\u" in text:  # a one-character search first: fast on wide (non-ASCII) strings
        text = _JSON_ESCAPE.sub(_unescape, text)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):  # the check alone is cheaper
        text = unicodedata.normalize("NFKC", text)
    return text

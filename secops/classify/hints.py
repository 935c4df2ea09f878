"""Field-name hints: the key token just before a value (``"sfzh":"``, ``sfzh=``, ``SFZH='``, ``<sfzh>``).

Keys are matched as whole tokens after splitting snake_case, camelCase, dots and ``[]``; never as
substrings (``lxdh`` turns up inside base64 blobs). Role prefixes (``djr`` 登记人, ``czr`` 操作人, ...) are
stripped, so ``djrsfzh`` is a resident-ID field. Chinese keys match when they end with a hint
(``申请人身份证号`` ends with ``身份证号``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

_SPLIT: Final = re.compile(r"[._\-\[\]@]+")
_CAMEL: Final = re.compile(r"[a-z0-9]+|[A-Z][a-z0-9]*")
ROLE_PREFIXES: Final[tuple[str, ...]] = ("djr", "czr", "fddbr", "fr", "lxr", "hz", "br", "jhr", "sqr", "brlxr")
WINDOW_CHARS: Final = 64


def _table(chars: bytes) -> bytes:
    return bytes([1 if c in chars else 0 for c in range(256)])


# byte classes as 256-entry tables (one index per byte on the hot path)
_ALNUM: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_KEY_CHAR: Final = _table(_ALNUM + b"_.-[]@")
_XML_CHAR: Final = _table(_ALNUM + b"_.-")
_QUOTE: Final = _table(b"\"'")
_BLANK: Final = _table(b" \t")


def key_before_utf8(buf: bytes, start: int, gap: int = WINDOW_CHARS) -> str:
    """The key token right before ``buf[start]`` (UTF-8 bytes), or "" when the value does not follow a key:
    ``[ \\t]{0,2}["']?[ \\t]{0,2}[=:][ \\t]{0,2}["']?`` then ``[A-Za-z0-9_.\\-\\[\\]@]{1,49}`` or up to 12 Han
    characters, or ``<key>`` (XML), read backwards without decoding a window; a key never starts with a digit.
    ``gap`` bounds how many blanks and quotes may sit between the separator and the value."""
    j = start - 1
    if j < 0:
        return ""
    if buf[j] == 62:  # '>': an XML element <key>value
        return _xml_key(buf, j)
    # [ \t]{0,2}["']?[ \t]{0,2} then [=:], read backwards
    i = _blanks(buf, j)
    if i >= 0 and _QUOTE[buf[i]]:
        i -= 1
    i = _blanks(buf, i)
    if i < 0 or j - i > gap or (buf[i] != 61 and buf[i] != 58):  # '=' or ':'
        return ""
    # then [ \t]{0,2}["']? and the key
    i = _blanks(buf, i - 1)
    if i >= 0 and _QUOTE[buf[i]]:
        i -= 1
    if i < 0:
        return ""
    end = i + 1
    while i >= 0 and end - i <= 49 and _KEY_CHAR[buf[i]]:
        i -= 1
    if i + 1 < end:
        return _ascii_key(buf, i + 1, end)
    return _han_key(buf, end)


def _blanks(buf: bytes, i: int) -> int:
    """Up to two blanks ending at ``i``, skipped backwards."""
    if i >= 0 and _BLANK[buf[i]]:
        i -= 1
        if i >= 0 and _BLANK[buf[i]]:
            i -= 1
    return i


def _xml_key(buf: bytes, j: int) -> str:
    i = j - 1
    while i >= 0 and j - 1 - i < 50 and _XML_CHAR[buf[i]]:
        i -= 1
    n = j - 1 - i
    if n < 1 or n > 49 or i < 0 or buf[i] != 60:  # '<'
        return ""
    return _ascii_key(buf, i + 1, j)


def _han_key(buf: bytes, end: int) -> str:
    """[\u4e00-\u9fa5]{1,12} ending at ``end``: three UTF-8 bytes each."""
    i = end - 1
    chars = 0
    while chars < 12 and i >= 2 and 0xE4 <= buf[i - 2] <= 0xE9:
        cp = ((buf[i - 2] & 0x0F) << 12) | ((buf[i - 1] & 0x3F) << 6) | (buf[i] & 0x3F)
        if cp < 0x4E00 or cp > 0x9FA5:
            break
        i -= 3
        chars += 1
    return buf[i + 1:end].decode() if chars else ""


def _ascii_key(buf: bytes, lo: int, hi: int) -> str:
    return "" if 48 <= buf[lo] <= 57 else buf[lo:hi].decode("ascii")  # a key never starts with a digit


def key_tokens(key: str) -> frozenset[str]:
    """Lower-cased whole tokens of a field name, their concatenation, and role-prefix-stripped forms."""
    if not key.isascii():
        return frozenset({key})
    parts: list[str] = []
    for chunk in _SPLIT.split(key):
        parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    tokens = set(parts)
    if parts:
        tokens.add("".join(parts))
        tokens.add(parts[-1])
    for token in list(tokens):
        for prefix in ROLE_PREFIXES:
            if token.startswith(prefix) and len(token) > len(prefix) + 1:
                tokens.add(token[len(prefix):])
    return frozenset(tokens)


class HintIndex:
    """Maps a field name to the detectors it hints at (and those it argues against), with a bounded cache."""

    def __init__(self, hints: Mapping[str, Iterable[str]], anti: Mapping[str, Iterable[str]],
                 *, max_cache: int = 4096) -> None:
        self._ascii: dict[str, set[str]] = {}
        self._han: list[tuple[str, str]] = []
        self._anti: dict[str, set[str]] = {}
        for detector, words in hints.items():
            for word in words:
                if word.isascii():
                    self._ascii.setdefault(word.lower(), set()).add(detector)
                else:
                    self._han.append((word, detector))
        for detector, words in anti.items():
            for word in words:
                self._anti.setdefault(word.lower(), set()).add(detector)
        self._cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._max_cache = max_cache

    def lookup(self, key: str) -> tuple[frozenset[str], frozenset[str]]:
        """(detectors hinted, detectors argued against) by field name ``key``."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._compute(key)
            if len(self._cache) >= self._max_cache:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def _compute(self, key: str) -> tuple[frozenset[str], frozenset[str]]:
        if not key:
            return frozenset(), frozenset()
        if not key.isascii():
            return frozenset(d for word, d in self._han if key.endswith(word)), frozenset()
        tokens = key_tokens(key)
        pro: set[str] = set()
        con: set[str] = set()
        for token in tokens:
            pro |= self._ascii.get(token, set())
            con |= self._anti.get(token, set())
        return frozenset(pro), frozenset(con - pro)

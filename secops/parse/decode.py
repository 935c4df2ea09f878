"""Bytes -> text for one record: UTF-8 first, GB18030 where configured, otherwise replace and flag."""

from __future__ import annotations

import codecs

from secops.errors import ParseError

FLAG_INVALID_UTF8 = "invalid_utf8_replaced"

# C0 controls other than TAB, LF, VT, FF, CR and ESC, plus DEL.
_CONTROL = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_MAX_CONTROL_RATIO = 0.1


def _is_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    controls = len(data) - len(data.translate(None, _CONTROL))
    return controls > 0 and controls > len(data) * _MAX_CONTROL_RATIO


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode(data: bytes, encoding: str | None = None) -> tuple[str, tuple[str, ...]]:
    """Decode one record. Returns ``(text, flags)``; raises ``ParseError("binary")`` on binary garbage.

    UTF-8 is always tried first. If it fails and ``encoding`` names another codec (``gb18030`` in
    practice) that codec is tried strictly. Failing both, the bytes are decoded as UTF-8 with U+FFFD
    replacements and the flag ``invalid_utf8_replaced`` is returned. A leading BOM is removed.
    """
    if _is_binary(data):
        raise ParseError("binary", f"{len(data)} bytes with NUL or control characters")
    text = _strict(data, "utf-8")
    flags: tuple[str, ...] = ()
    if text is None and encoding is not None and codecs.lookup(encoding).name != "utf-8":
        text = _strict(data, encoding)
    if text is None:
        text = data.decode("utf-8", errors="replace")
        flags = (FLAG_INVALID_UTF8,)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, flags

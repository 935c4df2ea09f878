"""Byte-aware truncation: fit a message into a vendor's cap before sending, with "and N more" and a link."""

from __future__ import annotations

from collections.abc import Callable


def more_suffix(count: int, link: str, language: str) -> str:
    if language == "en":
        return f"\n… and {count} more: {link}" if link else f"\n… and {count} more"
    return f"\n……另有 {count} 条，详见 {link}" if link else f"\n……另有 {count} 条"


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form fits ``max_bytes`` (never splits a character)."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[: max(0, max_bytes)].decode("utf-8", errors="ignore")


def fit_lines(text: str, max_bytes: int, *, link: str = "", language: str = "zh-CN") -> str:
    """Keep whole lines while they fit, then say how many lines were left out and where to see them."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        suffix = more_suffix(len(lines) - index, link, language)
        cost = len(line.encode("utf-8")) + (1 if kept else 0)
        if used + cost + len(suffix.encode("utf-8")) > max_bytes:
            if not kept:  # the first line alone is too long: cut it
                room = max_bytes - len(suffix.encode("utf-8")) - 1
                kept.append(cut_utf8(line, room) + "…")
                return "\n".join(kept) + more_suffix(len(lines) - 1, link, language)
            return "\n".join(kept) + suffix
        kept.append(line)
        used += cost
    return "\n".join(kept)


def fit_body(build: Callable[[str], bytes], text: str, max_bytes: int, *, link: str, language: str) -> bytes:
    """Serialize with ``build(text)``; shrink ``text`` until the whole body fits ``max_bytes``."""
    body = build(text)
    budget = len(text.encode("utf-8"))
    for _ in range(8):  # each round removes at least the measured excess
        if len(body) <= max_bytes:
            return body
        budget -= len(body) - max_bytes + 64
        text = fit_lines(text, max(budget, 64), link=link, language=language)
        body = build(text)
    return body

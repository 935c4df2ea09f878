"""The one error tree. Third-party errors are wrapped at the boundary with ``raise ... from err``."""

from __future__ import annotations

from dataclasses import dataclass


class SecopsError(Exception):
    """Base of every error secops raises on purpose."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found while loading a file: where it is and what was expected.

    Validators return these instead of raising, so that all problems in a file are reported together.
    ``line`` and ``col`` are 1-based; 0 means unknown.
    """

    path: str
    line: int
    col: int
    message: str
    level: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.level}: {self.message}"


class ConfigError(SecopsError):
    """A config, rule or playbook file is invalid; carries every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class ParseError(SecopsError):
    """One input record could not be parsed. ``reason`` is a bounded metric label value."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class StoreUnavailable(SecopsError):
    """The store cannot take writes right now (locked, disk full, cluster down)."""


class RegistryError(SecopsError):
    """An unknown ``type`` was asked of a registry."""

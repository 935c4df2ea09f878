from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_rule(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a rule file under tmp_path/rules (or another folder given as 'folder/name.yml')."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / (name if "/" in name else f"rules/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write

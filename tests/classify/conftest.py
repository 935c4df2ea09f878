from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PACK = ROOT / "rules" / "classification"
KEY = b"test-hmac-key-0123456789abcdef"


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    """A copy of the default pack that a test may edit."""
    target = tmp_path / "classification"
    target.mkdir()
    for f in DEFAULT_PACK.glob("*.yaml"):
        (target / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.fixture
def small_pack(tmp_path: Path) -> Path:
    """Grades, categories and the item rules of the default pack (fast to test)."""
    target = tmp_path / "small"
    target.mkdir()
    for name in ("00-grades.yaml", "10-categories.yaml", "20-items.yaml"):
        (target / name).write_text((DEFAULT_PACK / name).read_text(encoding="utf-8"), encoding="utf-8")
    return target

from __future__ import annotations

import pytest

from secops.classify.config import ClassificationSettings, resolve_hmac_key
from secops.classify.masking import for_channel, mask

CASES = [
    ("cn_resident_id", "460105199003071239", "4601**********1239"),
    ("cn_resident_id", "46010520150307118X", "4601**********118X"),
    ("cn_mobile", "13800138000", "138****8000"),
    ("bank_card", "6222021234567890128", "622202*********0128"),
    ("email", "zhang.san@example.com", "z***@example.com"),
    ("cn_name", "张三", "张*"),
    ("cn_name", "欧阳娜娜", "欧阳**"),
    ("credential", "Zx9!kq2L", "******"),
    ("ipv4", "8.8.4.4", "8.8.*.*"),
    ("cn_plate", "琼A12345", "琼A***45"),
    ("unknown_custom", "ABCDEFGHIJ", "AB******IJ"),
]


@pytest.mark.parametrize(("detector", "value", "expected"), CASES)
def test_mask_shape_per_detector(detector: str, value: str, expected: str) -> None:
    assert mask(detector, value) == expected


@pytest.mark.parametrize(("detector", "value", "_"), CASES)
def test_mask_never_returns_the_raw_value(detector: str, value: str, _: str) -> None:
    assert mask(detector, value) != value


def test_channel_policy_defaults_to_masked() -> None:
    settings = ClassificationSettings(channel_policies={"ledger": "masked_hash"})
    assert for_channel("cn_mobile", "13800138000", settings.policy_for("wecom")) == "138****8000"
    hashed = for_channel("cn_mobile", "13800138000", settings.policy_for("ledger"), hmac_key=b"k" * 16)
    assert hashed.startswith("138****8000#")
    assert "13800138000" not in hashed


def test_settings_refuse_unknown_options() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ClassificationSettings.model_validate({"hmac_key": "env:X", "hmac_secret": "x"})


def test_hmac_key_from_env_and_generated_file(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    settings = ClassificationSettings(hmac_key="env:K", generate_key_file=None)
    assert resolve_hmac_key(settings, {"K": "0123456789abcdef0123"}) == b"0123456789abcdef0123"
    generated = ClassificationSettings(hmac_key="env:MISSING", generate_key_file=base / "k.key")
    first = resolve_hmac_key(generated, {})
    assert len(first) >= 16
    assert resolve_hmac_key(generated, {}) == first  # stable across restarts
    assert (base / "k.key").stat().st_mode & 0o777 == 0o600

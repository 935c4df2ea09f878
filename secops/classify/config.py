"""Classification settings, mounted by the root config under ``classification:``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.classify.masking import Policy
from secops.errors import ConfigError, Issue

MIN_KEY_BYTES = 16


class ClassificationSettings(BaseModel):
    """``classification:`` in secops.yaml.

    ``hmac_key`` is a reference, never the key itself: ``env:NAME`` (an environment variable) or
    ``file:PATH``. The key makes distinct-people counts (keyed hashes) comparable across restarts; rotate
    it only at a calendar-year boundary, since year-to-date counters cannot survive a new key. When the
    reference cannot be resolved and ``generate_key_file`` is set, a random key is created there (mode
    0600) so the embedded default works on one machine with nothing configured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    hmac_key: str = Field("env:SECOPS_CLASSIFICATION_HMAC_KEY", pattern=r"^(env|file):.+$")
    generate_key_file: Path | None = Path("var/classification-hmac.key")
    grade_aliases: str | None = None  # display-name set from the pack's ``aliases`` (e.g. zhejiang)
    engine: Literal["auto", "hyperscan", "re2"] = "auto"
    # what a channel (alerts, notifications, exports, console, ledger, logs) may see of a found value;
    # anything not listed gets "masked"
    channel_policies: dict[str, Policy] = Field(default_factory=dict)

    def policy_for(self, channel: str) -> Policy:
        return self.channel_policies.get(channel, "masked")


def resolve_hmac_key(settings: ClassificationSettings, environ: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key bytes; ConfigError when it cannot be found or is shorter than 16 bytes."""
    env = os.environ if environ is None else environ
    kind, _, ref = settings.hmac_key.partition(":")
    value: bytes | None = None
    if kind == "env" and env.get(ref):
        value = env[ref].encode()
    elif kind == "file" and Path(ref).is_file():
        value = Path(ref).read_bytes().strip()
    if value is None and settings.generate_key_file is not None:
        value = _generated(settings.generate_key_file)
    if value is None:
        raise ConfigError([Issue("classification.hmac_key", 0, 0, f"cannot resolve {settings.hmac_key!r}")])
    if len(value) < MIN_KEY_BYTES:
        raise ConfigError([Issue("classification.hmac_key", 0, 0,
                                 f"the key behind {settings.hmac_key!r} is shorter than {MIN_KEY_BYTES} bytes")])
    return value


def _generated(path: Path) -> bytes:
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key

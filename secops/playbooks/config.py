"""Settings for the playbook component, mounted under the root key ``playbooks:``.

Secrets are references (``{env: NAME}`` or ``{file: PATH}``), never inline values.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from secops.errors import SecopsError


class SecretRef(BaseModel):
    """Where a secret lives: exactly one of ``env`` or ``file``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret reference takes exactly one of 'env' or 'file'")
        return self

    def resolve(self) -> str:
        """The secret value; raises SecopsError naming the reference (never the value)."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecopsError(f"secret environment variable {self.env} is not set")
            return value
        try:
            return Path(str(self.file)).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise SecopsError(f"cannot read secret file {self.file}: {err.strerror}") from err

    def available(self) -> bool:
        if self.env is not None:
            return self.env in os.environ
        return Path(str(self.file)).is_file()

    def describe(self) -> str:
        return f"env:{self.env}" if self.env is not None else f"file:{self.file}"


class PlaybookSettings(BaseModel):
    """``playbooks:`` in secops.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[str] = Field(default_factory=lambda: ["./playbooks"])
    time_zone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    public_base_url: str = "http://127.0.0.1:8080"
    ack_link_secret: SecretRef | None = None
    ack_link_ttl_seconds: float = Field(default=900.0, gt=0, le=86400)
    tick_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    max_concurrent_sends: int = Field(default=8, ge=1, le=256)
    template_render_seconds: float = Field(default=0.5, gt=0, le=10)
    template_max_output_bytes: int = Field(default=65536, ge=1024, le=4 * 1024 * 1024)

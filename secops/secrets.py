"""Secrets come from references, never inline: ``{env: NAME}`` or ``{file: PATH}``."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

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

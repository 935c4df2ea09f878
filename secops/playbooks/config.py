"""Settings for the playbook component, mounted under the root key ``playbooks:``.

Secrets are references (``{env: NAME}`` or ``{file: PATH}``), never inline values.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from secops.secrets import SecretRef


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


__all__ = ["PlaybookSettings", "SecretRef"]

"""Console settings (``console:`` in secops.yaml once the root settings mount it; defaults otherwise)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HANDOVER_ALERTNAME = "ShiftHandoverUnconfirmed"


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_ttl_seconds: float = Field(default=12 * 3600.0, gt=60, le=7 * 86400)
    cookie_secure: bool | None = None  # None: Secure when playbooks.public_base_url is https
    handover_tier: str = "duty"  # 值班员 tier whose hand-off produces a handover sheet
    supervisor_tier: str = "lead"  # 值班长 tier, paged through the playbooks when nobody confirms
    silent_source_seconds: float = Field(default=600.0, gt=0)  # a source quiet this long is a blind spot
    coverage_days: int = Field(default=7, ge=1, le=31)  # how far ahead coverage gaps are looked for
    resolved_window_seconds: float = Field(default=3600.0, gt=0)  # resolved alerts shown this long

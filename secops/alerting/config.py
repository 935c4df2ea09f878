"""Config models for the ``alerting:`` and ``alertmanager:`` root keys of secops.yaml."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleAlerting(_Strict):
    """Per-rule overrides under ``alerting.rules.<rule_id>`` (a site's tuning without editing the rule)."""

    quiet_seconds: float | None = Field(default=None, gt=0)


class AlertingSettings(_Strict):
    """The alert lifecycle (``alerting:``).

    ``quiet_seconds`` applies to detections whose rule sets no quiet period (``quiet_seconds <= 0``).
    ``repeat_suppression_seconds``: after an alert resolves, matches of the same label set within this
    long are counted, not re-fired (0 turns it off). An alert that starts ``flap_threshold`` times within
    ``flap_window_seconds`` is marked ``flapping`` and its quiet period is multiplied by
    ``flap_quiet_multiplier`` (``flap_threshold: 0`` turns it off).
    """

    quiet_seconds: float = Field(default=300.0, gt=0)
    update_interval_seconds: float = Field(default=60.0, ge=0)
    repeat_suppression_seconds: float = Field(default=0.0, ge=0)
    flap_threshold: int = Field(default=3, ge=0)
    flap_window_seconds: float = Field(default=3600.0, gt=0)
    flap_quiet_multiplier: float = Field(default=4.0, ge=1)
    history_seconds: float = Field(default=3600.0, gt=0)
    max_active_alerts: int = Field(default=50_000, gt=0)
    max_event_ids: int = Field(default=20, ge=0)
    rules: dict[str, RuleAlerting] = Field(default_factory=dict)

    def quiet_for(self, rule_id: str, detection_quiet_seconds: float) -> float:
        """Quiet period: config override for the rule, else the rule's own, else the default."""
        override = self.rules.get(rule_id)
        if override is not None and override.quiet_seconds is not None:
            return override.quiet_seconds
        return detection_quiet_seconds if detection_quiet_seconds > 0 else self.quiet_seconds


class AlertmanagerSettings(_Strict):
    """The Alertmanager API v2 producer (``alertmanager:``). Every URL is a peer; each gets every alert."""

    urls: list[str] = Field(min_length=1)
    resend_interval_seconds: float = Field(default=60.0, gt=0)
    resolved_resend_seconds: float = Field(default=300.0, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    backoff_initial_seconds: float = Field(default=1.0, gt=0)
    backoff_max_seconds: float = Field(default=60.0, gt=0)
    max_alerts_per_request: int = Field(default=1000, gt=0)
    generator_url: str | None = None  # template with {alert_id} and {rule_id}; default from http.public_url

    @field_validator("urls")
    @classmethod
    def _check_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r}: expected an http:// or https:// URL of an Alertmanager")
        if len(set(value)) != len(value):
            raise ValueError("the same Alertmanager URL is listed twice")
        return value

"""Forward the notified alerts to Alertmanager (API v2 ``POST /api/v2/alerts``), e.g. a provincial peer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.actions.http import dumps, post


class AlertmanagerChannel(ChannelModel):
    type: Literal["alertmanager"] = "alertmanager"
    urls: list[str] = Field(min_length=1)
    resend_hold_seconds: float = Field(default=240.0, gt=0)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def am_alerts(message: Message, now: float, hold: float) -> list[dict[str, Any]]:
    out = []
    for alert in message.alerts:
        resolved = alert.get("status") == "resolved"
        ends = float(alert.get("ends_at") or now) if resolved else now + hold
        out.append({
            "labels": dict(alert.get("labels", {})),
            "annotations": dict(alert.get("annotations", {})),
            "startsAt": _iso(float(alert.get("starts_at", now))),
            "endsAt": _iso(ends),
            "generatorURL": message.link,
        })
    return out


@dataclass(slots=True)
class AlertmanagerAction:
    channel: str
    model: AlertmanagerChannel
    ctx: BuildContext
    type_name: str = "alertmanager"
    limits: VendorLimits | None = None
    robot_count: int = 0
    per_person: bool = False

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        body = dumps(am_alerts(message, self.ctx.clock.now(), self.model.resend_hold_seconds))
        results = [
            await post(self.ctx.http, f"{url.rstrip('/')}/api/v2/alerts", body=body,
                       timeout=self.model.timeout_seconds)
            for url in self.model.urls
        ]
        if any(r.outcome is Outcome.SENT for r in results):
            return SendResult(Outcome.SENT)
        return results[0]


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> AlertmanagerAction:
    if not isinstance(model, AlertmanagerChannel):
        raise TypeError("alertmanager action needs an AlertmanagerChannel")
    return AlertmanagerAction(channel, model, ctx)

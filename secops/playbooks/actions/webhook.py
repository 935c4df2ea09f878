"""Generic webhook: a JSON body, HMAC-SHA256 signed over ``"<timestamp>.<body>"`` when a secret is set.

Headers: ``X-Secops-Timestamp`` (Unix seconds), ``X-Secops-Signature: sha256=<hex>``, ``Idempotency-Key``.
A receiver recomputes ``hmac_sha256(secret, f"{timestamp}.".encode() + body)`` and compares.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, SendResult, VendorLimits
from secops.playbooks.actions.http import dumps, post
from secops.playbooks.actions.logsafe import protect_urls
from secops.playbooks.config import SecretRef


class WebhookChannel(ChannelModel):
    type: Literal["webhook"] = "webhook"
    url: str
    url_is_secret: bool = False
    secret: SecretRef | None = None
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def message_json(message: Message, channel: str) -> dict[str, Any]:
    return {
        "version": "1",
        "channel": channel,
        "kind": message.kind,
        "title": message.title,
        "text": message.text,
        "alerts": list(message.alerts),
        "link": message.link,
        "ack_links": [{"person": p, "url": u} for p, u in message.ack_links],
        "idempotency_key": message.idempotency_key,
        "sent_at": message.sent_at,
    }


@dataclass(slots=True)
class WebhookAction:
    channel: str
    model: WebhookChannel
    ctx: BuildContext
    secret: str | None
    type_name: str = "webhook"
    limits: VendorLimits | None = None
    robot_count: int = 0
    per_person: bool = False

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        body = dumps(message_json(message, self.channel))
        ts = int(self.ctx.clock.now())
        headers = {"X-Secops-Timestamp": str(ts), "Idempotency-Key": message.idempotency_key}
        if self.secret is not None:
            headers["X-Secops-Signature"] = webhook_signature(self.secret, ts, body)
        return await post(self.ctx.http, self.model.url, body=body, timeout=self.model.timeout_seconds,
                          headers=headers)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> WebhookAction:
    if not isinstance(model, WebhookChannel):
        raise TypeError("webhook action needs a WebhookChannel")
    secret = model.secret.resolve() if model.secret else None
    if model.url_is_secret:
        protect_urls([model.url])
    return WebhookAction(channel, model, ctx, secret)

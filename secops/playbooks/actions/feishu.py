"""Feishu/Lark custom bot (自定义机器人): an interactive card with a link button, 签名校验 signing.

Signing (vendor docs) is DingTalk's mirror image: ``key = f"{ts_s}\\n{secret}"``; ``sign =
base64(HMAC_SHA256(key=key, msg=b""))``; ``timestamp`` (seconds, as a string) and ``sign`` go in the JSON
body. Limits: 100 a minute and 5 a second per robot; throttling (11232, 9499) clusters on the :00 and :30
marks, so sends avoid them. Body cap: 20 KB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, SendResult, VendorLimits
from secops.playbooks.actions.http import classify_code, dumps, post, vendor_code
from secops.playbooks.actions.logsafe import protect_urls
from secops.playbooks.config import SecretRef
from secops.playbooks.textfit import fit_body

MAX_BODY_BYTES = 20 * 1024
THROTTLE_CODES = frozenset({11232, 9499})
LIMITS = VendorLimits(per_minute=100, per_second=5, penalty_seconds=60.0, avoid_half_hour_marks=True)


class FeishuRobot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: SecretRef
    secret: SecretRef | None = None


class FeishuChannel(ChannelModel):
    type: Literal["feishu"] = "feishu"
    robots: list[FeishuRobot] = Field(min_length=1)


def feishu_sign(secret: str, ts_s: int) -> str:
    key = f"{ts_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _card(message: Message, text: str) -> dict[str, Any]:
    mentions = "".join(f'<at id="{m}"></at>' for m in message.mentions)
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": text + (f"\n{mentions}" if mentions else "")}]
    buttons = [
        {"tag": "button", "type": "primary", "url": url, "text": {"tag": "plain_text", "content": f"确认 Ack: {p}"}}
        for p, url in message.ack_links
    ]
    if buttons:
        elements.append({"tag": "action", "actions": buttons})
    return {"header": {"title": {"tag": "plain_text", "content": message.title}}, "elements": elements}


def _check(reply: Any) -> SendResult:
    code = vendor_code(reply, "code", "StatusCode")
    return classify_code(code, THROTTLE_CODES, str(reply.get("msg", "")) if isinstance(reply, dict) else "")


@dataclass(slots=True)
class FeishuAction:
    channel: str
    model: FeishuChannel
    ctx: BuildContext
    robots: list[tuple[str, str | None]]
    type_name: str = "feishu"
    limits: VendorLimits | None = LIMITS
    per_person: bool = False

    @property
    def robot_count(self) -> int:
        return len(self.robots)

    def body(self, message: Message, secret: str | None, ts_s: int) -> bytes:
        def build(text: str) -> bytes:
            payload: dict[str, Any] = {"msg_type": "interactive", "card": _card(message, text)}
            if secret:
                payload["timestamp"] = str(ts_s)
                payload["sign"] = feishu_sign(secret, ts_s)
            return dumps(payload)

        language = self.model.language or "zh-CN"
        return fit_body(build, message.text, MAX_BODY_BYTES, link=message.link, language=language)

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        url, secret = self.robots[robot]
        body = self.body(message, secret, int(self.ctx.clock.now()))
        return await post(self.ctx.http, url, body=body, timeout=self.model.timeout_seconds, vendor=_check)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> FeishuAction:
    if not isinstance(model, FeishuChannel):
        raise TypeError("feishu action needs a FeishuChannel")
    robots = [(r.url.resolve(), r.secret.resolve() if r.secret else None) for r in model.robots]
    protect_urls([u for u, _ in robots])
    return FeishuAction(channel, model, ctx, robots)

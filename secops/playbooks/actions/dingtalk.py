"""DingTalk custom group robot (自定义机器人): markdown with @mobiles, 加签 signing.

Signing (vendor docs): ``string_to_sign = f"{ts_ms}\\n{secret}"``; ``sign = urlencode(base64(
HMAC_SHA256(key=secret, msg=string_to_sign)))``; ``&timestamp=<ts_ms>&sign=<sign>`` go on the URL.
Limits: 20 messages a minute per robot, then the robot is blocked 10 minutes (errcode 130101); the body
must stay under 20000 bytes (errcode 460101).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote_plus

from pydantic import BaseModel, ConfigDict, Field

from secops.playbooks.actions.base import (
    BuildContext,
    ChannelModel,
    Message,
    SendResult,
    VendorLimits,
)
from secops.playbooks.actions.http import classify_code, dumps, post, vendor_code
from secops.playbooks.actions.logsafe import protect_urls
from secops.playbooks.config import SecretRef
from secops.playbooks.textfit import fit_body

MAX_BODY_BYTES = 20000
THROTTLE_CODES = frozenset({130101})
LIMITS = VendorLimits(per_minute=20, penalty_seconds=600.0)


class DingtalkRobot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: SecretRef
    secret: SecretRef | None = None


class DingtalkChannel(ChannelModel):
    type: Literal["dingtalk"] = "dingtalk"
    robots: list[DingtalkRobot] = Field(min_length=1)
    keyword: str = ""  # a custom keyword the robot requires, put in the title


def dingtalk_sign(secret: str, ts_ms: int) -> str:
    string_to_sign = f"{ts_ms}\n{secret}"
    mac = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(mac).decode("ascii"))


def _markdown(message: Message) -> str:
    lines = [message.text]
    for person, url in message.ack_links:
        lines.append(f"\n[确认 / Ack: {person}]({url})")
    if message.mentions:
        lines.append("\n" + " ".join(f"@{m}" for m in message.mentions))
    return "\n".join(lines)


def _check(reply: Any) -> SendResult:
    code = vendor_code(reply, "errcode")
    return classify_code(code, THROTTLE_CODES, str(reply.get("errmsg", "")) if isinstance(reply, dict) else "")


@dataclass(slots=True)
class DingtalkAction:
    channel: str
    model: DingtalkChannel
    ctx: BuildContext
    robots: list[tuple[str, str | None]]
    type_name: str = "dingtalk"
    limits: VendorLimits | None = LIMITS
    per_person: bool = False

    @property
    def robot_count(self) -> int:
        return len(self.robots)

    def body(self, message: Message, language: str) -> bytes:
        title = f"{self.model.keyword} {message.title}".strip()

        def build(text: str) -> bytes:
            payload = {
                "msgtype": "markdown",
                "markdown": {"title": title, "text": text},
                "at": {"atMobiles": list(message.mentions), "isAtAll": False},
            }
            return dumps(payload)

        return fit_body(build, _markdown(message), MAX_BODY_BYTES, link=message.link, language=language)

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        url, secret = self.robots[robot]
        if secret:
            ts_ms = int(self.ctx.clock.now() * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts_ms}&sign={dingtalk_sign(secret, ts_ms)}"
        body = self.body(message, self.model.language or "zh-CN")
        return await post(self.ctx.http, url, body=body, timeout=self.model.timeout_seconds, vendor=_check)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> DingtalkAction:
    if not isinstance(model, DingtalkChannel):
        raise TypeError("dingtalk action needs a DingtalkChannel")
    robots = [(r.url.resolve(), r.secret.resolve() if r.secret else None) for r in model.robots]
    protect_urls([u for u, _ in robots])
    return DingtalkAction(channel, model, ctx, robots)

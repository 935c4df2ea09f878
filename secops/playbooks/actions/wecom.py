"""WeCom group robot (群机器人 / 消息推送): markdown with ``<@userid>`` mentions.

There is no signature: the ``key`` in the URL is the only credential, so the whole URL is a secret and is
never logged (robots are named by index and a hash). Limits: 20 messages a minute per robot; markdown
content at most 4096 bytes (errcode 40058), text content at most 2048 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, SendResult, VendorLimits
from secops.playbooks.actions.http import classify_code, dumps, post, vendor_code
from secops.playbooks.actions.logsafe import protect_urls
from secops.playbooks.config import SecretRef
from secops.playbooks.textfit import fit_lines

CONTENT_CAP_BYTES = {"markdown": 4096, "text": 2048}
THROTTLE_CODES = frozenset({45009, 45033})
LIMITS = VendorLimits(per_minute=20, penalty_seconds=60.0)


class WecomRobot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: SecretRef  # the whole URL (it carries the key)


class WecomChannel(ChannelModel):
    type: Literal["wecom"] = "wecom"
    robots: list[WecomRobot] = Field(min_length=1)
    msgtype: Literal["markdown", "text"] = "markdown"


def _check(reply: Any) -> SendResult:
    code = vendor_code(reply, "errcode")
    return classify_code(code, THROTTLE_CODES, str(reply.get("errmsg", "")) if isinstance(reply, dict) else "")


@dataclass(slots=True)
class WecomAction:
    channel: str
    model: WecomChannel
    ctx: BuildContext
    urls: list[str]
    type_name: str = "wecom"
    limits: VendorLimits | None = LIMITS
    per_person: bool = False

    @property
    def robot_count(self) -> int:
        return len(self.urls)

    def payload(self, message: Message) -> dict[str, Any]:
        language = self.model.language or "zh-CN"
        tail = "".join(f"\n[确认 Ack: {p}]({u})" for p, u in message.ack_links)
        if self.model.msgtype == "markdown":
            tail += "\n" + " ".join(f"<@{m}>" for m in message.mentions) if message.mentions else ""
        cap = CONTENT_CAP_BYTES[self.model.msgtype] - len(tail.encode())
        content = fit_lines(f"**{message.title}**\n{message.text}", cap, link=message.link, language=language)
        if self.model.msgtype == "markdown":
            return {"msgtype": "markdown", "markdown": {"content": content + tail}}
        return {"msgtype": "text", "text": {"content": content + tail, "mentioned_list": list(message.mentions)}}

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        body = dumps(self.payload(message))
        return await post(self.ctx.http, self.urls[robot], body=body, timeout=self.model.timeout_seconds,
                          vendor=_check)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> WecomAction:
    if not isinstance(model, WecomChannel):
        raise TypeError("wecom action needs a WecomChannel")
    urls = [r.url.resolve() for r in model.robots]
    protect_urls(urls)
    return WecomAction(channel, model, ctx, urls)

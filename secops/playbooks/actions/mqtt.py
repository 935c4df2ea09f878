"""MQTT publish (display walls in the duty room): the webhook JSON body, QoS 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import aiomqtt
from pydantic import Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.actions.http import dumps
from secops.playbooks.actions.webhook import message_json
from secops.playbooks.config import SecretRef


class MqttChannel(ChannelModel):
    type: Literal["mqtt"] = "mqtt"
    url: str = "mqtt://127.0.0.1:1883"
    topic: str = "secops/notifications"
    client_id: str = "secops-notify"
    qos: int = Field(default=1, ge=0, le=2)
    retain: bool = False
    username: SecretRef | None = None
    password: SecretRef | None = None


@dataclass(slots=True)
class MqttAction:
    channel: str
    model: MqttChannel
    ctx: BuildContext
    username: str | None
    password: str | None
    type_name: str = "mqtt"
    limits: VendorLimits | None = None
    robot_count: int = 0
    per_person: bool = False

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        parts = urlsplit(self.model.url)
        payload = dumps(message_json(message, self.channel))
        try:
            async with aiomqtt.Client(
                hostname=parts.hostname or "127.0.0.1", port=parts.port or 1883, identifier=self.model.client_id,
                username=self.username, password=self.password, timeout=self.model.timeout_seconds,
            ) as client:
                await client.publish(self.model.topic, payload, qos=self.model.qos, retain=self.model.retain,
                                     timeout=self.model.timeout_seconds)
        except aiomqtt.MqttError as err:
            return SendResult(Outcome.RETRY, f"MQTT error ({type(err).__name__})")
        return SendResult(Outcome.SENT)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> MqttAction:
    if not isinstance(model, MqttChannel):
        raise TypeError("mqtt action needs an MqttChannel")
    username = model.username.resolve() if model.username else None
    password = model.password.resolve() if model.password else None
    return MqttAction(channel, model, ctx, username, password)

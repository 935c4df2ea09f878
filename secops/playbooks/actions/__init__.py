"""Playbook actions: one module per channel type, all registered in ``ACTIONS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from secops.playbooks.actions import alertmanager, dingtalk, email, feishu, mqtt, sms, webhook, wecom
from secops.playbooks.actions.base import Action, BuildContext, ChannelModel
from secops.registry import Registry


@dataclass(frozen=True, slots=True)
class ActionType:
    model: type[ChannelModel]
    build: Callable[[str, ChannelModel, BuildContext], Action]
    external: bool  # leaves the organisation (public IM, SMS): always masked
    per_person: bool  # one message per person (needs a contact address)
    robot: bool  # group robot: contacts give @mentions, budgets apply


def _registry() -> Registry[ActionType]:
    reg: Registry[ActionType] = Registry("action")
    reg.add("webhook", ActionType(webhook.WebhookChannel, webhook.build, False, False, False))
    reg.add("wecom", ActionType(wecom.WecomChannel, wecom.build, True, False, True))
    reg.add("dingtalk", ActionType(dingtalk.DingtalkChannel, dingtalk.build, True, False, True))
    reg.add("feishu", ActionType(feishu.FeishuChannel, feishu.build, True, False, True))
    reg.add("email", ActionType(email.EmailChannel, email.build, False, True, False))
    reg.add("sms", ActionType(sms.SmsChannel, sms.build, True, True, False))
    reg.add("mqtt", ActionType(mqtt.MqttChannel, mqtt.build, False, False, False))
    reg.add("alertmanager", ActionType(alertmanager.AlertmanagerChannel, alertmanager.build, False, False, False))
    return reg


ACTIONS: Registry[ActionType] = _registry()

__all__ = ["ACTIONS", "Action", "ActionType", "BuildContext", "ChannelModel"]

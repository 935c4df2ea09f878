"""Channels built from the playbook set: one action per configured channel, or a stand-in that fails
every send when the channel's secret cannot be resolved (so the daemon still starts and fails over)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from secops.errors import SecopsError
from secops.playbooks.actions import ACTIONS, Action, BuildContext
from secops.playbooks.actions.base import ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.loader import PlaybookSet

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnavailableAction:
    """A channel whose secret cannot be resolved: every send fails with the reason, so the fallback channel
    takes over and ``notifications_total{outcome="failed"}`` shows it. The daemon still starts (the
    embedded default has robots with no secrets set); ``secops check`` warns about it."""

    channel: str
    model: ChannelModel
    reason: str

    @property
    def type_name(self) -> str:
        return self.model.type

    @property
    def limits(self) -> VendorLimits | None:
        return None

    @property
    def robot_count(self) -> int:
        return 0

    @property
    def per_person(self) -> bool:
        return False

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        return SendResult(Outcome.FAILED, f"channel not configured: {self.reason}")


def build_actions(pset: PlaybookSet, ctx: BuildContext) -> dict[str, Action]:
    """One action per configured channel; a channel whose secret cannot be resolved fails every send."""
    actions: dict[str, Action] = {}
    for cid, model in pset.channels.items():
        try:
            actions[cid] = ACTIONS.get(model.type).build(cid, model, ctx)
        except SecopsError as err:
            log.warning("channel %s is unavailable: %s", cid, err)
            actions[cid] = UnavailableAction(cid, model, str(err))
    return actions

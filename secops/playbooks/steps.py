"""The step machine: a pure function of (group state, playbook, on-call, now) that says whom to notify.

Steps run in order: ``notify``/``escalate`` plan notifications and move on; ``wait_for_ack`` holds until
its timeout (an ack moves the group out of the machine); ``repeat`` waits, then starts over from the
first step, up to ``times`` times. Nothing here sends or stores anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from secops.playbooks.loader import Playbook, PlaybookSet
from secops.playbooks.model import NotifySpec, RepeatSpec
from secops.playbooks.state import GroupState

MAX_STEPS_PER_ADVANCE = 64


@dataclass(frozen=True, slots=True)
class Target:
    """One planned notification: a channel and the people it reaches there."""

    channel: str
    persons: tuple[str, ...]  # () for a group channel nobody is @-ed on
    kind: str  # page, escalation, update, ack, resolved, flapping
    template: str
    step_ref: str  # "<iteration>.<index>" for steps, or a kind-specific reference
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class StepEvent:
    kind: str  # escalation, ack_timeout, repeat, exhausted
    detail: str


def plan_notify(pset: PlaybookSet, spec: NotifySpec, now: float, *, kind: str, step_ref: str) -> list[Target]:
    if spec.time_intervals and not pset.intervals.any_active(spec.time_intervals, now):
        return []
    persons = list(dict.fromkeys([*spec.people, *(pset.oncall.who(spec.tier, now) if spec.tier else ())]))
    template = spec.template or kind
    channels = spec.channels or list(dict.fromkeys(
        c.channel for p in persons if p in pset.people for c in pset.people[p].contacts if c.channel in pset.channels
    ))
    targets = []
    for channel in channels:
        kind_info = pset.channel_types[channel]
        reached = [p for p in persons
                   if p in pset.people and any(c.channel == channel for c in pset.people[p].contacts)]
        if kind_info.per_person:
            targets += [Target(channel, (p,), kind, template, step_ref, spec.tier) for p in reached]
        else:
            targets.append(Target(channel, tuple(reached), kind, template, step_ref, spec.tier))
    return targets


def targets_for_paged(g: GroupState, pset: PlaybookSet, *, kind: str, template: str, step_ref: str) -> list[Target]:
    """Everyone already paged, on the channels they were paged on (and only them)."""
    by_channel: dict[str, list[str]] = {}
    for person, channel in g.paged:
        by_channel.setdefault(channel, [])
        if person:
            by_channel[channel].append(person)
    targets = []
    for channel, persons in by_channel.items():
        if channel not in pset.channel_types:
            continue
        if pset.channel_types[channel].per_person:
            targets += [Target(channel, (p,), kind, template, step_ref) for p in persons]
        else:
            targets.append(Target(channel, tuple(persons), kind, template, step_ref))
    return targets


def advance(g: GroupState, pb: Playbook, pset: PlaybookSet, now: float) -> tuple[list[Target], list[StepEvent]]:
    """Run the step machine of ``g`` up to ``now``; mutates ``g`` and returns what to notify."""
    steps = pb.model.steps
    targets: list[Target] = []
    events: list[StepEvent] = []
    for _ in range(MAX_STEPS_PER_ADVANCE):
        if g.phase == "pending":
            if g.next_at is not None and now < g.next_at:
                break
            g.phase, g.step, g.next_at = "active", 0, None
        if g.phase != "active":
            break
        if g.step >= len(steps):
            g.phase, g.next_at = "exhausted", None
            events.append(StepEvent("exhausted", "no more steps"))
            break
        step = steps[g.step]
        ref = f"{g.iteration}.{g.step}"
        if step.notify is not None or step.escalate is not None:
            spec = step.notify or step.escalate
            kind = "page" if step.notify is not None else "escalation"
            if spec is not None:
                targets += plan_notify(pset, spec, now, kind=kind, step_ref=ref)
                if kind == "escalation":
                    events.append(StepEvent("escalation", f"tier {spec.tier or '-'} step {g.step + 1}"))
            g.step += 1
            continue
        if not _wait(g, step.wait_for_ack.timeout_seconds if step.wait_for_ack else None, step.repeat, now, events):
            break
    return targets, events


def _wait(g: GroupState, timeout: float | None, repeat: RepeatSpec | None, now: float, events: list[StepEvent]) -> bool:
    """Handle a wait or repeat step; True when the machine may go on now."""
    if isinstance(repeat, RepeatSpec) and g.iteration >= repeat.times:
        g.phase, g.next_at = "exhausted", None
        events.append(StepEvent("exhausted", f"repeated {repeat.times} times"))
        return False
    delay = timeout if timeout is not None else (repeat.every_seconds if isinstance(repeat, RepeatSpec) else 0.0)
    if not g.waiting:
        g.waiting, g.next_at = True, now + delay
        return False
    if g.next_at is not None and now < g.next_at:
        return False
    g.waiting, g.next_at = False, None
    if isinstance(repeat, RepeatSpec):
        g.iteration += 1
        g.step = 0
        events.append(StepEvent("repeat", f"iteration {g.iteration}"))
    else:
        events.append(StepEvent("ack_timeout", f"step {g.step + 1}"))
        g.step += 1
    return True

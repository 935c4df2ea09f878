"""Cross-reference checks over a merged playbook set: errors for broken references, warnings for gaps in
on-call coverage, people who cannot be reached, secrets not set and a holiday calendar out of date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from secops.errors import Issue
from secops.playbooks.config import SecretRef
from secops.playbooks.model import NotifySpec, PlaybookModel

if TYPE_CHECKING:
    from secops.playbooks.loader import Origin, PlaybookSet, _Merged

DEFAULT_TEMPLATES = ("page", "escalation", "update", "ack", "resolved", "flapping", "digest", "reminder")


def cross_check(m: _Merged, pset: PlaybookSet, now: float) -> list[Issue]:
    issues: list[Issue] = []
    issues += _check_channels(m)
    issues += _check_people(m)
    issues += _check_oncall(m, pset)
    seen: dict[str, Origin] = {}
    for pb, origin in m.playbooks:
        if pb.id in seen:
            issues.append(_at(origin, ("id",), f"playbook id {pb.id!r} is used twice"))
        seen[pb.id] = origin
        issues += _check_playbook(m, pset, pb, origin)
    issues += _check_tests(m)
    issues += _check_templates(pset, m)
    issues += _warn_coverage(m, pset, now)
    issues += _warn_calendar(m, pset, now)
    return issues


def _at(origin: Origin, sub: tuple[str | int, ...], message: str, level: str = "error") -> Issue:
    doc, loc = origin
    return doc.issue((*loc, *sub), message, level)


Loc = tuple[str | int, ...]


def _secret_refs(model: BaseModel, path: Loc = ()) -> Iterator[tuple[Loc, SecretRef]]:
    for name in type(model).model_fields:
        value: Any = getattr(model, name)
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            sub = (*path, name) if index is None else (*path, name, index)
            if isinstance(item, SecretRef):
                yield sub, item
            elif isinstance(item, BaseModel):
                yield from _secret_refs(item, sub)


def _check_channels(m: _Merged) -> list[Issue]:
    issues = []
    for cid, (model, kind, origin) in m.channels.items():
        if kind.external and model.masking != "strict":
            issues.append(_at(origin, ("masking",), f"channel {cid!r} leaves the organisation ({model.type}); "
                                                    "masking must stay 'strict'"))
        if model.fallback is not None and model.fallback not in m.channels:
            issues.append(_at(origin, ("fallback",), f"unknown fallback channel {model.fallback!r}"))
        for sub, ref in _secret_refs(model):
            if not ref.available():
                issues.append(_at(origin, sub, f"secret {ref.describe()} is not set here", "warning"))
        if _fallback_cycle(m, cid):
            issues.append(_at(origin, ("fallback",), f"fallback chain from {cid!r} loops back to itself"))
    return issues


def _fallback_cycle(m: _Merged, start: str) -> bool:
    seen = {start}
    current = m.channels[start][0].fallback
    while current is not None and current in m.channels:
        if current in seen:
            return current == start
        seen.add(current)
        current = m.channels[current][0].fallback
    return False


def _check_people(m: _Merged) -> list[Issue]:
    issues = []
    for pid, (person, origin) in m.people.items():
        if not person.contacts:
            issues.append(_at(origin, (), f"person {pid!r} has no contacts and cannot be reached", "warning"))
        for i, contact in enumerate(person.contacts):
            entry = m.channels.get(contact.channel)
            if entry is None:
                issues.append(_at(origin, ("contacts", i, "channel"), f"unknown channel {contact.channel!r}"))
            elif entry[1].per_person and not contact.to:
                issues.append(_at(origin, ("contacts", i), f"a {entry[0].type} contact needs 'to' (an address)"))
    return issues


def _check_oncall(m: _Merged, pset: PlaybookSet) -> list[Issue]:
    if m.oncall is None:
        return []
    model, origin = m.oncall
    issues = []
    tier_ids = [t.id for t in model.tiers]
    for i, tier in enumerate(model.tiers):
        if tier_ids.count(tier.id) > 1:
            issues.append(_at(origin, ("tiers", i, "id"), f"tier id {tier.id!r} is used twice"))
        members = (tier.rotation.members if tier.rotation else []) + tier.members
        where = ("rotation", "members") if tier.rotation else ("members",)
        issues += [_at(origin, ("tiers", i, *where), f"unknown person {p!r}") for p in members if p not in m.people]
        if not tier.rotation and not tier.members:
            issues.append(_at(origin, ("tiers", i), f"tier {tier.id!r} has neither rotation nor members"))
        issues += [_at(origin, ("tiers", i, "active_time_intervals"), f"unknown time interval {n!r}")
                   for n in tier.active_time_intervals if n not in m.intervals]
    for i, o in enumerate(model.overrides):
        if o.tier not in tier_ids:
            issues.append(_at(origin, ("overrides", i, "tier"), f"unknown tier {o.tier!r}"))
        for key, pid in (("person", o.person), ("replaces", o.replaces)):
            if pid is not None and pid not in m.people:
                issues.append(_at(origin, ("overrides", i, key), f"unknown person {pid!r}"))
        if o.end <= o.start:
            issues.append(_at(origin, ("overrides", i, "to"), "override ends before it starts"))
    return issues


def _check_playbook(m: _Merged, pset: PlaybookSet, pb: PlaybookModel, origin: Origin) -> list[Issue]:
    issues = [_at(origin, (key,), f"unknown time interval {n!r}")
              for key in ("active_time_intervals", "mute_time_intervals")
              for n in getattr(pb, key) if n not in m.intervals]
    for i, step in enumerate(pb.steps):
        spec = step.notify or step.escalate
        if spec is not None:
            issues += _check_notify(m, pset, spec, origin, ("steps", i, step.kind), pb.id, i)
    for key, name in (("on_ack", pb.on_ack.template), ("on_resolve", pb.on_resolve.template)):
        if not any(pset.templates.has(lang, name) for lang in ("zh-CN", "en")) and name not in DEFAULT_TEMPLATES:
            issues.append(_at(origin, (key, "template"), f"unknown template {name!r}"))
    return issues


def _check_notify(m: _Merged, pset: PlaybookSet, spec: NotifySpec, origin: Origin, loc: tuple[str | int, ...],
                  pid: str, index: int) -> list[Issue]:
    issues = []
    tiers = pset.oncall.tier_ids()
    if spec.tier is not None and spec.tier not in tiers:
        issues.append(_at(origin, (*loc, "tier"), f"unknown tier {spec.tier!r}; tiers: {', '.join(tiers) or '(none)'}"))
    issues += [_at(origin, (*loc, "people"), f"unknown person {p!r}") for p in spec.people if p not in m.people]
    issues += [_at(origin, (*loc, "channels"), f"unknown channel {c!r}") for c in spec.channels if c not in m.channels]
    issues += [_at(origin, (*loc, "time_intervals"), f"unknown time interval {n!r}")
               for n in spec.time_intervals if n not in m.intervals]
    if spec.template is not None and not any(pset.templates.has(lang, spec.template) for lang in ("zh-CN", "en")):
        issues.append(_at(origin, (*loc, "template"), f"unknown template {spec.template!r}"))
    for person in _spec_people(pset, spec):
        if person in m.people and not _reachable(m, person, spec.channels):
            issues.append(_at(origin, loc, f"person {person!r} cannot be reached by playbook {pid!r} step {index + 1}"
                                           f" (no contact on {', '.join(spec.channels) or 'any channel'})", "warning"))
    return issues


def _spec_people(pset: PlaybookSet, spec: NotifySpec) -> list[str]:
    people = list(spec.people)
    tier = pset.oncall.tier(spec.tier) if spec.tier else None
    if tier is not None:
        people += (tier.rotation.members if tier.rotation else []) + tier.members
    return list(dict.fromkeys(people))


def _reachable(m: _Merged, person: str, channels: list[str]) -> bool:
    contacts = m.people[person][0].contacts
    known = [c for c in contacts if c.channel in m.channels]
    if not channels:
        return bool(known)
    return any(c.channel in channels for c in known) or any(
        not m.channels[c][1].per_person and not m.channels[c][1].robot for c in channels if c in m.channels)


def _check_tests(m: _Merged) -> list[Issue]:
    issues = []
    for test, origin in m.tests:
        for i, e in enumerate(test.expect):
            if e.channel not in m.channels:
                issues.append(_at(origin, ("expect", i, "channel"), f"unknown channel {e.channel!r}"))
            if e.person and e.person not in m.people:
                issues.append(_at(origin, ("expect", i, "person"), f"unknown person {e.person!r}"))
    return issues


def _check_templates(pset: PlaybookSet, m: _Merged) -> list[Issue]:
    if not m.playbooks:
        return []
    missing = [n for n in DEFAULT_TEMPLATES if not pset.templates.has("zh-CN", n)]
    if not missing:
        return []
    doc, loc = m.playbooks[0][1]
    return [doc.issue(loc, f"no zh-CN template for {', '.join(missing)}; plain text is used", "warning")]


def _warn_coverage(m: _Merged, pset: PlaybookSet, now: float) -> list[Issue]:
    if m.oncall is None:
        return []
    model, origin = m.oncall
    issues = []
    for i, tier in enumerate(model.tiers):
        gaps = pset.oncall.gaps(tier.id, now)
        if gaps:
            first = datetime.fromtimestamp(gaps[0][0], pset.oncall.zone).strftime("%Y-%m-%d %H:%M")
            hours = sum(b - a for a, b in gaps) / 3600
            issues.append(_at(origin, ("tiers", i), f"tier {tier.id!r} has nobody on duty for {hours:.1f} h in the "
                                                    f"next 14 days, first at {first}", "warning"))
    return issues


def _warn_calendar(m: _Merged, pset: PlaybookSet, now: float) -> list[Issue]:
    year = datetime.fromtimestamp(now, pset.oncall.zone).year
    origin = m.calendar_origin
    cal = pset.intervals.calendar
    if origin is None:
        if not m.intervals:
            return []
        doc, loc = next(iter(m.intervals.values()))[1]
        return [doc.issue(loc, "no holiday calendar: holidays and 调休 working days are unknown", "warning")]
    if not cal.covers(year):
        return [_at(origin, ("years",), f"holiday calendar does not cover {year}; update it", "warning")]
    if year in cal.provisional_years:
        return [_at(origin, ("provisional_years",), f"holiday calendar for {year} is provisional (statutory days "
                                                    "only, no 调休); update it from the State Council notice",
                    "warning")]
    return []

"""Template contexts and console views built from group state (pure functions)."""

from __future__ import annotations

from typing import Any

from secops.playbooks.compose import TABLE_HEAD, alert_view, local_time
from secops.playbooks.loader import Playbook, PlaybookSet
from secops.playbooks.silences import Silence
from secops.playbooks.state import AlertEntry, GroupState
from secops.playbooks.steps import Target


def person_name(pset: PlaybookSet, person: str) -> str:
    p = pset.people.get(person)
    return p.name if p else person


def template_context(
    pset: PlaybookSet, g: GroupState, pb: Playbook, t: Target, *, language: str, console_url: str,
    ack_links: tuple[tuple[str, str], ...], now: float,
) -> dict[str, Any]:
    zone = pset.oncall.zone
    entries = list(g.alerts.values()) if t.kind == "resolved" else (g.firing() or list(g.alerts.values()))
    views = [alert_view(a, zone, language) for a in entries]
    tier = pset.oncall.tier(t.tier) if t.tier else None
    flapping = pb.model.flapping
    ack = None
    if g.ack is not None:
        ack = {"person": g.ack.person, "person_name": person_name(pset, g.ack.person),
               "at": local_time(g.ack.at, zone), "comment": g.ack.comment, "via": g.ack.via}
    return {
        "kind": t.kind, "language": language, "playbook": {"id": pb.id, "name": pb.model.name},
        "alerts": views, "first": views[0] if views else {}, "count": len(views),
        "firing_count": len(g.firing()), "resolved_count": len(g.alerts) - len(g.firing()),
        "group": dict(g.group_labels), "ack": ack,
        "step": {"index": g.step, "iteration": g.iteration, "tier": t.tier, "tier_name": tier.name if tier else ""},
        "recipients": [person_name(pset, p) for p in t.persons],
        "ack_links": [{"person": p, "url": u} for p, u in ack_links],
        "console_url": console_url, "now": local_time(now, zone),
        "flapping": {"transitions": flapping.transitions if flapping else 0,
                     "window_minutes": int(flapping.window_seconds // 60) if flapping else 0},
        "labels_th": TABLE_HEAD.get(language, TABLE_HEAD["en"]),
        "ack_label": "确认告警" if language == "zh-CN" else "Acknowledge",
        "silence": None,
    }


def digest_context(pset: PlaybookSet, entries: list[AlertEntry], *, language: str, console_url: str,
                   now: float) -> dict[str, Any]:
    views = [alert_view(a, pset.oncall.zone, language) for a in entries]
    return {"kind": "digest", "language": language, "alerts": views, "first": views[0] if views else {},
            "count": len(views), "console_url": console_url, "now": local_time(now, pset.oncall.zone),
            "playbook": {"id": "", "name": ""}, "labels_th": TABLE_HEAD.get(language, TABLE_HEAD["en"]),
            "ack_links": [], "ack_label": "", "silence": None}


def silence_context(pset: PlaybookSet, s: Silence, *, language: str, console_url: str) -> dict[str, Any]:
    zone = pset.oncall.zone
    return {"kind": "reminder", "language": language, "alerts": [], "first": {}, "count": 0,
            "console_url": console_url, "ack_links": [], "silence": {
                "id": s.id, "owner": s.owner, "reason": s.reason, "ends_at": local_time(s.ends_at, zone),
                "matchers": list(s.matchers), "ticket": s.ticket}}


def step_description(pb: Playbook | None, g: GroupState) -> dict[str, Any]:
    if pb is None or g.phase not in ("pending", "active") or g.step >= len(pb.model.steps):
        return {"index": None, "kind": None}
    step = pb.model.steps[g.step]
    spec = step.notify or step.escalate
    return {"index": g.step + 1, "kind": step.kind, "tier": spec.tier if spec else None, "iteration": g.iteration}


def alert_status(g: GroupState, pb: Playbook | None, a: AlertEntry, silence: Silence | None) -> dict[str, Any]:
    ack = None
    if g.ack is not None:
        ack = {"person": g.ack.person, "at": g.ack.at, "comment": g.ack.comment, "via": g.ack.via}
    return {
        "id": a.id, "fingerprint": a.fingerprint, "status": a.status, "labels": dict(a.labels),
        "annotations": dict(a.annotations), "starts_at": a.starts_at, "last_seen": a.last_seen,
        "ends_at": a.ends_at, "count": a.count,
        "incident": g.incident, "playbook": g.playbook, "phase": g.phase, "flapping": g.flapping,
        "ack": ack, "silenced_by": silence.id if silence else None,
        "escalation": {**step_description(pb, g), "next_at": g.next_at},
        "paged": [{"person": p, "channel": c} for p, c in g.paged],
        "deliveries": dict(g.deliveries), "timeline": list(g.timeline[-20:]),
    }

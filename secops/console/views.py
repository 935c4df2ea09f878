"""What the console shows, as plain data: alert rows, silences and pipeline health (pure functions).

Rows carry masked values only: labels and annotations are masked by the detection stage, and every
free text (summary, samples, ack comment, notes, delivery details) passes ``redact_text`` once more here,
so a raw identifier that slipped into an annotation still never reaches a browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from secops.model.alert import Alert
from secops.playbooks.loader import Playbook, PlaybookSet
from secops.playbooks.redact import redact_text
from secops.playbooks.silences import Silence
from secops.playbooks.state import AlertEntry, GroupState
from secops.playbooks.views import person_name, step_description

MAX_TEXT = 400
MAX_SAMPLES = 6
NOTE_EVENT = "note"


IDENTITY_LABELS = ("alertname", "rule_id", "severity", "data_grade")


@lru_cache(maxsize=65536)
def _redacted(text: str) -> str:
    return redact_text(text)


def _text(value: object, limit: int = MAX_TEXT) -> str:
    """Masked, bounded text (label values and summaries repeat across snapshots: the masking is cached)."""
    return _redacted(str(value))[:limit] if value else ""


def samples_list(raw: str) -> list[str]:
    """``{"cn_resident_id": ["4601**********123X"]}`` (the samples annotation) as ``detector: value`` lines."""
    if not raw:
        return []
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return [_text(raw, 200)]
    out: list[str] = []
    if isinstance(data, Mapping):
        for detector, values in data.items():
            for v in values if isinstance(values, list) else [values]:
                out.append(f"{detector}: {_text(v, 80)}")
    else:
        out.append(_text(raw, 200))
    return out[:MAX_SAMPLES]


def category_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
    for source, key in ((annotations, "category"), (annotations, "data_category"), (labels, "data_category")):
        if source.get(key):
            return _text(source[key], 80)
    return ""


def silence_view(s: Silence, pset: PlaybookSet | None = None) -> dict[str, Any]:
    name = person_name(pset, s.owner) if pset is not None else s.owner
    return {"id": s.id, "matchers": list(s.matchers), "owner": s.owner, "owner_name": name,
            "reason": _text(s.reason), "ticket": _text(s.ticket, 200), "created_at": s.created_at,
            "starts_at": s.starts_at, "ends_at": s.ends_at, "status": s.status, "approver": s.approver,
            "approver_name": person_name(pset, s.approver) if pset is not None and s.approver else s.approver}


def quiet_reason(g: GroupState, pb: Playbook | None, pset: PlaybookSet, silence: Silence | None,
                 now: float) -> dict[str, Any] | None:
    """Why a firing alert is not paging anyone now (None: it is, or will after group_wait)."""
    if silence is not None:
        return {"reason": "silenced", "silence": silence.id}
    if g.ack is not None:
        return {"reason": "acked"}
    if pb is None:
        return {"reason": "unrouted"}
    if g.flapping:
        return {"reason": "flapping"}
    iv = pset.intervals
    active = pb.model.active_time_intervals
    if active and not iv.any_active(active, now):
        return {"reason": "muted", "detail": ", ".join(active)}
    muted = [name for name in pb.model.mute_time_intervals if iv.any_active([name], now)]
    if muted:
        return {"reason": "muted", "detail": ", ".join(muted)}
    if g.phase == "exhausted":
        return {"reason": "exhausted"}
    return None


def _ack(g: GroupState, pset: PlaybookSet) -> dict[str, Any] | None:
    if g.ack is None:
        return None
    return {"person": g.ack.person, "name": person_name(pset, g.ack.person), "at": g.ack.at,
            "comment": _text(g.ack.comment), "via": g.ack.via}


def _notes(g: GroupState) -> list[dict[str, Any]]:
    out = []
    for at, event, detail in g.timeline:
        if event == NOTE_EVENT:
            person, _, text = str(detail).partition("\x1f")
            out.append({"at": at, "person": person, "text": _text(text)})
    return out


def _deliveries(g: GroupState) -> dict[str, dict[str, Any]]:
    return {ch: {"outcome": d.get("outcome", ""), "at": d.get("at"), "kind": d.get("kind", ""),
                 "detail": _text(d.get("detail", ""), 160)} for ch, d in g.deliveries.items()}


def _base(labels: Mapping[str, str], annotations: Mapping[str, str]) -> dict[str, Any]:
    return {
        "labels": {k: _text(v, 200) for k, v in labels.items() if k not in IDENTITY_LABELS},
        "alertname": labels.get("alertname", ""), "rule_id": labels.get("rule_id", ""),
        "severity": labels.get("severity", ""), "grade": labels.get("data_grade", ""),
        "category": category_of(labels, annotations),
        "summary": _text(annotations.get("summary", "")), "samples": samples_list(annotations.get("samples", "")),
    }


@dataclass(frozen=True, slots=True)
class GroupPart:
    """What every alert of one group shares (computed once per group, not once per alert)."""

    fields: dict[str, Any]
    quiet: dict[str, Any] | None  # why the group is quiet, silences aside (they match per alert)
    changed_at: float


def group_part(g: GroupState, pb: Playbook | None, pset: PlaybookSet, now: float) -> GroupPart:
    fields = {"incident": g.incident, "playbook": g.playbook, "group": dict(g.group_labels), "phase": g.phase,
              "flapping": g.flapping, "ack": _ack(g, pset), "deliveries": _deliveries(g), "notes": _notes(g),
              "escalation": {**step_description(pb, g), "next_at": g.next_at}}
    changed = max([g.ack.at if g.ack else 0.0, *(float(t[0]) for t in g.timeline[-1:])])
    return GroupPart(fields, quiet_reason(g, pb, pset, None, now), changed)


def group_row(part: GroupPart, a: AlertEntry, silence: Silence | None, *, shared: bool = True) -> dict[str, Any]:
    """One alert's row; with ``shared=False`` the group's fields are left out (sent once per group)."""
    quiet = None
    if a.status == "firing":
        quiet = {"reason": "silenced", "silence": silence.id} if silence is not None else part.quiet
    return {
        **_base(a.labels, a.annotations), **(part.fields if shared else {"incident": part.fields["incident"]}),
        "id": a.id, "status": a.status, "count": a.count, "starts_at": a.starts_at, "last_seen": a.last_seen,
        "ends_at": a.ends_at, "changed_at": max(a.starts_at, a.ends_at or 0.0, part.changed_at), "quiet": quiet,
    }


def book_row(a: Alert) -> dict[str, Any]:
    """An alert no playbook tracks (no playbooks configured, or none routes it)."""
    return {
        **_base(a.labels, a.annotations),
        "id": a.id, "incident": "", "playbook": "", "group": {"alertname": a.labels.get("alertname", "")},
        "status": a.status.value, "phase": "unrouted", "flapping": False, "count": a.count,
        "starts_at": a.starts_at, "last_seen": a.last_seen, "ends_at": a.ends_at,
        "changed_at": max(a.starts_at, a.ends_at or 0.0), "ack": None,
        "escalation": {"index": None, "kind": None, "next_at": None}, "deliveries": {},
        "quiet": {"reason": "unrouted"} if a.status.value == "firing" else None, "notes": [],
    }


def visible(row: Mapping[str, Any], now: float, resolved_window: float) -> bool:
    if row["status"] == "firing":
        return True
    ends = row.get("ends_at") or 0.0
    return bool(ends >= now - resolved_window)


def state_of(row: Mapping[str, Any]) -> str:
    """The counter a row belongs to: unacked, acked, silenced or resolved."""
    if row["status"] != "firing":
        return "resolved"
    quiet = row.get("quiet") or {}
    if quiet.get("reason") == "silenced":
        return "silenced"
    return "acked" if row.get("ack") else "unacked"


def counters(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    out = {"unacked": 0, "acked": 0, "silenced": 0, "resolved": 0}
    for row in rows:
        out[state_of(row)] += 1
    return out

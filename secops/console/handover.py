"""Shift handover (交接班): a sheet at each hand-off, confirmed by the incoming operator.

At each hand-off of the 值班员 tier (the rotation moves to the next person) — or when an operator starts a
handover by hand — the console writes a handover sheet: open, acknowledged and silenced alerts, running
escalations, notes and silences. Until the incoming operator confirms it:

- the outgoing operator stays on duty (an on-call override the playbooks page by), and
- a ``ShiftHandoverUnconfirmed`` alert is open in the playbooks; the handover playbook
  (``match: ['alertname="ShiftHandoverUnconfirmed"']``, ``group_wait_seconds`` = the N minutes allowed)
  pages the 值班长 tier when the wait ends. Confirming resolves that alert before anyone is paged.

Sheets and confirmations go to the ledger; sheets are kept in the store (``console.handover``), so a
restart neither loses an open sheet nor raises a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from secops.clock import Clock
from secops.console.config import HANDOVER_ALERTNAME, ConsoleSettings
from secops.console.views import state_of
from secops.errors import SecopsError
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, fingerprint
from secops.playbooks.oncall import OnCall, OverrideModel
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.views import person_name
from secops.store.base import Store

NS = "console.handover"
STATE_KEY = "_state"
HOLD_DAYS = 30
MAX_ITEMS = 200


class HandoverError(SecopsError):
    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(slots=True)
class Sheet:
    id: str
    tier: str
    outgoing: list[str]
    incoming: list[str]
    created_at: float
    started_by: str  # "rotation" or the operator who started it
    content: dict[str, Any]
    alert: dict[str, Any]  # the ShiftHandoverUnconfirmed alert (id, fingerprint, labels, starts_at)
    status: str = "open"  # open, confirmed, superseded
    confirmed_by: str = ""
    confirmed_at: float | None = None
    comment: str = ""
    by_incoming: bool = False
    history: list[list[Any]] = field(default_factory=list)


def _brief(row: Mapping[str, Any]) -> dict[str, Any]:
    ack = row.get("ack") or {}
    return {"id": row["id"], "alertname": row["alertname"], "severity": row["severity"], "grade": row["grade"],
            "summary": row["summary"], "count": row["count"], "starts_at": row["starts_at"],
            "state": state_of(row), "ack_by": ack.get("person", ""), "ack_comment": ack.get("comment", ""),
            "escalation": row.get("escalation"), "notes": row.get("notes", [])}


def sheet_content(rows: list[dict[str, Any]], silences: list[dict[str, Any]]) -> dict[str, Any]:
    """What the incoming operator takes over: the alerts by state, running escalations, notes, silences."""
    firing = [r for r in rows if r["status"] == "firing" and r["alertname"] != HANDOVER_ALERTNAME]
    by_state: dict[str, list[dict[str, Any]]] = {"unacked": [], "acked": [], "silenced": []}
    for r in firing:
        by_state[state_of(r)].append(_brief(r))
    escalations = [_brief(r) for r in firing
                   if r["phase"] in ("pending", "active") and (r.get("escalation") or {}).get("next_at")]
    notes = [{"alert_id": r["id"], "alertname": r["alertname"], **n} for r in firing for n in r.get("notes", [])]
    return {"open": by_state["unacked"][:MAX_ITEMS], "acked": by_state["acked"][:MAX_ITEMS],
            "silenced": by_state["silenced"][:MAX_ITEMS], "escalations": escalations[:MAX_ITEMS],
            "notes": notes[-MAX_ITEMS:], "silences": [s for s in silences if s["status"] != "expired"][:MAX_ITEMS],
            "totals": {k: len(v) for k, v in by_state.items()}}


class Handover:
    def __init__(self, *, runner: PlaybookRunner, store: Store, clock: Clock, settings: ConsoleSettings,
                 content: Callable[[], dict[str, Any]], publish: Callable[[str, dict[str, Any]], None]) -> None:
        self.runner = runner
        self.store = store
        self.clock = clock
        self.settings = settings
        self.base_oncall: OnCall = runner.pset.oncall
        self._content = content
        self._publish = publish
        self.sheets: dict[str, Sheet] = {}
        self._last_people: list[str] | None = None
        self._loaded = False

    # ---- state ---------------------------------------------------------------------------------------
    async def load(self) -> None:
        if self._loaded:
            return
        for key, raw in await self.store.kv_scan(NS):
            data = orjson.loads(raw)
            if key == STATE_KEY:
                self._last_people = data.get("last_people")
            else:
                self.sheets[key] = Sheet(**data)
        self._loaded = True
        sheet = self.open_sheet()
        if sheet is not None:
            self._hold(sheet)

    async def _save(self, sheet: Sheet | None = None) -> None:
        if sheet is not None:
            await self.store.kv_put(NS, sheet.id, orjson.dumps(asdict(sheet)))
        await self.store.kv_put(NS, STATE_KEY, orjson.dumps({"last_people": self._last_people}))

    def open_sheet(self) -> Sheet | None:
        found = [s for s in self.sheets.values() if s.status == "open"]
        return max(found, key=lambda s: s.created_at) if found else None

    def recent(self, limit: int = 10) -> list[Sheet]:
        return sorted(self.sheets.values(), key=lambda s: -s.created_at)[:limit]

    # ---- hand-off detection --------------------------------------------------------------------------
    async def tick(self, now: float) -> Sheet | None:
        """Called every runner tick: a change of the people on the handover tier starts a handover."""
        await self.load()
        people = list(self.base_oncall.shift(self.settings.handover_tier, now).people)
        if self._last_people is None:
            self._last_people = people
            await self._save()
            return None
        if people == self._last_people:
            return None
        outgoing, self._last_people = self._last_people, people
        if not outgoing or self._taken_over_early(people, now):  # from a gap, or handed over early by hand
            await self._save()
            return None
        return await self.start(now, by="rotation", outgoing=outgoing, incoming=people)

    def _taken_over_early(self, people: list[str], now: float) -> bool:
        latest = self.recent(1)
        return bool(latest) and latest[0].status == "confirmed" and latest[0].incoming == people \
            and latest[0].created_at > now - 86400

    async def start(self, now: float, *, by: str, outgoing: list[str] | None = None,
                    incoming: list[str] | None = None) -> Sheet:
        """Write a handover sheet and open the unconfirmed-handover alert (by rotation or by hand)."""
        await self.load()
        tier = self.settings.handover_tier
        if outgoing is None or incoming is None:  # by hand: to whoever the rotation brings next
            current = self.runner.pset.oncall.shift(tier, now)
            outgoing = list(current.people) if outgoing is None else outgoing
            upcoming = self.base_oncall.shift(tier, current.until + 1).people if current.until else ()
            incoming = list(upcoming) if incoming is None else incoming
        previous = self.open_sheet()
        if previous is not None:
            await self._close(previous, "superseded", by, now)
        sid = hashlib.sha256(f"{tier}\x00{now}\x00{outgoing}\x00{incoming}".encode()).hexdigest()[:16]
        alert = self._alert(sid, outgoing, incoming, now)
        sheet = Sheet(sid, tier, outgoing, incoming, now, by, self._content(), _alert_dict(alert))
        sheet.history.append([now, "created", by])
        self.sheets[sid] = sheet
        await self._save(sheet)
        self._hold(sheet)
        await self.store.ledger_append("handover", {"event": "sheet", "sheet_id": sid, "tier": tier,
                                                    "outgoing": outgoing, "incoming": incoming, "principal": by,
                                                    "content": sheet.content})
        await self.runner.handle([AlertChange(ChangeKind.FIRED, alert)])
        self._publish("handover", {"sheet": sid})
        return sheet

    async def confirm(self, sheet_id: str, *, person: str, comment: str = "") -> Sheet:
        await self.load()
        sheet = self.sheets.get(sheet_id)
        if sheet is None:
            raise HandoverError("not_found", f"no handover sheet {sheet_id}")
        if sheet.status != "open":
            raise HandoverError("conflict", f"handover sheet {sheet_id} is {sheet.status}")
        names = {p for p in sheet.outgoing} | {person_name(self.runner.pset, p) for p in sheet.outgoing}
        if person in names:
            raise HandoverError("same_person", "the outgoing operator cannot confirm their own handover")
        now = self.clock.now()
        incoming_names = set(sheet.incoming) | {person_name(self.runner.pset, p) for p in sheet.incoming}
        sheet.by_incoming = person in incoming_names
        sheet.comment = comment
        await self._close(sheet, "confirmed", person, now)
        return sheet

    async def _close(self, sheet: Sheet, status: str, person: str, now: float) -> None:
        sheet.status = status
        if status == "confirmed":
            sheet.confirmed_by, sheet.confirmed_at = person, now
        sheet.history.append([now, status, person])
        await self._save(sheet)
        self.runner.set_oncall(self.base_oncall)
        await self.store.ledger_append("handover", {"event": status, "sheet_id": sheet.id, "principal": person,
                                                    "comment": sheet.comment, "by_incoming": sheet.by_incoming,
                                                    "at": now})
        a = _alert_from(sheet.alert)
        resolved = Alert(a.id, a.fingerprint, a.labels, a.annotations, AlertStatus.RESOLVED, a.starts_at, now, now)
        await self.runner.handle([AlertChange(ChangeKind.RESOLVED, resolved)])
        self._publish("handover", {"sheet": sheet.id})

    # ---- effects -------------------------------------------------------------------------------------
    def _hold(self, sheet: Sheet) -> None:
        """The outgoing operator stays on duty until the sheet is confirmed."""
        model = self.base_oncall.model
        if model is None or not sheet.outgoing:
            return
        zone = self.base_oncall.zone
        start = datetime.fromtimestamp(sheet.created_at - 1, zone)
        hold = OverrideModel.model_validate({"tier": sheet.tier, "person": sheet.outgoing[0],
                                             "from": start, "to": start + timedelta(days=HOLD_DAYS),
                                             "reason": "交接班未确认 / handover not confirmed"})
        held = model.model_copy(update={"overrides": [*model.overrides, hold]})
        self.runner.set_oncall(OnCall(held, self.base_oncall.people, self.base_oncall.intervals))

    def _alert(self, sid: str, outgoing: list[str], incoming: list[str], now: float) -> Alert:
        pset = self.runner.pset
        out = "、".join(person_name(pset, p) for p in outgoing) or "—"
        inc = "、".join(person_name(pset, p) for p in incoming) or "—（无人接班）"
        labels = {"alertname": HANDOVER_ALERTNAME, "rule_id": "console.handover", "severity": "high",
                  "data_grade": "", "tier": self.settings.handover_tier}
        fp = fingerprint(labels)
        annotations = {"summary": f"交接班待确认：{out} → {inc}",
                       "description": f"handover {sid}: {out} stays on duty until {inc} confirms the sheet"}
        return Alert(alert_id(fp, now), fp, labels, annotations, AlertStatus.FIRING, now, now)

    def view(self, sheet: Sheet) -> dict[str, Any]:
        pset = self.runner.pset
        alert = self._handover_group(sheet.alert["id"])
        return {**asdict(sheet), "outgoing_names": [person_name(pset, p) for p in sheet.outgoing],
                "incoming_names": [person_name(pset, p) for p in sheet.incoming],
                "supervisor_paged": alert.get("paged", False), "page_due_at": alert.get("next_at")}

    def _handover_group(self, aid: str) -> dict[str, Any]:
        for g in self.runner.groups.values():
            if aid in g.alerts:
                paged = bool(g.paged) or any(d.get("kind") in ("page", "escalation") for d in g.deliveries.values())
                return {"paged": paged, "next_at": g.next_at if g.phase == "pending" else None}
        return {}


def _alert_dict(a: Alert) -> dict[str, Any]:
    return {"id": a.id, "fingerprint": a.fingerprint, "labels": dict(a.labels), "annotations": dict(a.annotations),
            "starts_at": a.starts_at}


def _alert_from(d: Mapping[str, Any]) -> Alert:
    return Alert(d["id"], d["fingerprint"], dict(d["labels"]), dict(d["annotations"]), AlertStatus.FIRING,
                 d["starts_at"], d["starts_at"])

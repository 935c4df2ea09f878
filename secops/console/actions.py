"""Bulk actions from the console: ack, resolve, escalate, note or silence a selection of alerts.

Each alert goes through the same runner call as its single-alert endpoint, so owner, comment and ledger
entry are the same; the answer lists what happened to each id. A bulk silence makes one silence per
distinct alert group (the group's labels as matchers), so an IMP/CORE group still waits for approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secops.errors import SecopsError
from secops.playbooks.redact import redact_text
from secops.playbooks.runner import AckRefused, AlertNotFound, PlaybookRunner
from secops.playbooks.silences import SilenceError

if TYPE_CHECKING:
    from secops.console.service import ConsoleService

MAX_IDS = 1000
ACTIONS = ("ack", "resolve", "escalate", "note", "silence")


def clean_text(value: object, limit: int) -> str:
    return redact_text(str(value or "")).strip()[:limit]


def _ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError('"ids" must be a non-empty list of alert ids')
    if len(ids) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} alerts per bulk action")
    return list(dict.fromkeys(ids))


def group_matchers(labels: dict[str, str]) -> list[str]:
    """Matchers that select exactly one alert group: one equality matcher per group label."""
    def quote(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"')

    return [f'{k}="{quote(v)}"' for k, v in sorted(labels.items())]


async def _one(runner: PlaybookRunner, service: ConsoleService, action: str, aid: str, person: str,
               body: dict[str, Any]) -> dict[str, Any]:
    comment = clean_text(body.get("comment", ""), 1000)
    if action == "ack":
        r = await runner.ack(aid, person=person, comment=comment, via="console")
        return {"ok": True, "already": r.already, "by": r.person}
    if action == "escalate":
        await runner.escalate_now(aid, person=person)
    elif action == "note":
        await runner.add_note(aid, person=person, text=comment)
    elif action == "resolve":
        await resolve(service, aid, person=person, comment=comment)
    return {"ok": True}


async def resolve(service: ConsoleService, aid: str, *, person: str, comment: str) -> None:
    """Resolve by hand through the alert lifecycle (store, Alertmanager, playbooks), or through the
    playbooks alone for an alert only they track (the handover alert); to the ledger with the operator."""
    runner = service.runner
    assert runner is not None
    changes = None
    if service.lifecycle is not None:
        try:
            changes = await service.lifecycle.resolve(aid, principal=person, comment=comment)
        except AlertNotFound:
            changes = None
    if changes:
        await runner.handle(list(changes))
    else:
        await runner.resolve(aid, person=person, comment=comment)
    await service.audit("resolve", person, alert_id=aid, comment=comment)


async def _silences(runner: PlaybookRunner, ids: list[str], person: str, body: dict[str, Any],
                    now: float) -> dict[str, dict[str, Any]]:
    reason = clean_text(body.get("reason", ""), 1000)
    try:
        ends_at = float(body["ends_at"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError('"ends_at" (epoch seconds) is required for a silence') from err
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    results: dict[str, dict[str, Any]] = {}
    for aid in ids:
        found = [g for g in runner.groups.values() if aid in g.alerts]
        if not found:
            results[aid] = {"ok": False, "error": f"no alert {aid} in any playbook"}
            continue
        g = max(found, key=lambda g: g.created_at)
        groups.setdefault(tuple(sorted(g.group_labels.items())), []).append(aid)
    for labels, members in groups.items():
        try:
            s = await runner.silence(matchers=group_matchers(dict(labels)), owner=person, reason=reason,
                                     ends_at=ends_at, ticket=clean_text(body.get("ticket", ""), 200))
            outcome: dict[str, Any] = {"ok": True, "silence": s.id, "status": s.status}
        except SilenceError as err:
            outcome = {"ok": False, "error": str(err)}
        results.update({aid: outcome for aid in members})
    return results


async def bulk(service: ConsoleService, body: dict[str, Any], *, person: str) -> dict[str, Any]:
    action = body.get("action")
    if action not in ACTIONS:
        raise ValueError(f'"action" must be one of {", ".join(ACTIONS)}')
    ids = _ids(body)
    runner = service.runner
    if runner is None:
        raise ValueError("playbooks are not running")
    if action == "silence":
        return {"action": action, "results": await _silences(runner, ids, person, body, service.clock.now())}
    if action == "note" and not clean_text(body.get("comment", ""), 10):
        raise ValueError("a note needs text")
    results: dict[str, dict[str, Any]] = {}
    for aid in ids:
        try:
            results[aid] = await _one(runner, service, str(action), aid, person, body)
        except (AlertNotFound, AckRefused, SecopsError, ValueError) as err:
            results[aid] = {"ok": False, "error": str(err)}
    return {"action": action, "results": results}

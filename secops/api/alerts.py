"""Alerts, acks, silences and signed ack links over HTTP.

Routes (roles come from the role table in ``secops.api.app``; ``/ack/{token}`` is public because the signed,
single-use token is the credential):

- ``GET  /api/v1/alerts`` (``?state=firing`` for firing only), ``GET /api/v1/alerts/{id}``
- ``POST /api/v1/alerts/{id}/ack`` ``{"comment": "..."}``; ``POST /api/v1/alerts/{id}/resolve``;
  ``POST /api/v1/alerts/{id}/escalate``; ``POST /api/v1/alerts/{id}/notes`` ``{"text": "..."}``
- ``GET/POST /api/v1/silences``, ``POST /api/v1/silences/{id}/approve``, ``POST /api/v1/silences/{id}/expire``
- ``GET /api/v1/oncall`` (who is on duty), ``GET /api/v1/status`` (robot budgets, outbox)
- ``GET /ack/{token}`` shows a confirmation page (IM clients prefetch links, so GET never acks);
  ``POST /ack/{token}`` acknowledges for the person the link is bound to.

Services come from ``request.app.state.playbooks`` (a PlaybookRunner) and, when present,
``request.app.state.alerts`` (the alert lifecycle, for manual resolve); the caller from
``request.state.principal``.
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from secops.api.util import read_json_object
from secops.errors import SecopsError, StoreUnavailable
from secops.playbooks.acklink import AckLinkError
from secops.playbooks.redact import redact_text
from secops.playbooks.runner import AckRefused, AlertNotFound, PlaybookRunner
from secops.playbooks.silences import SilenceError

MAX_BODY_BYTES = 64 * 1024


def _runner(request: Request) -> PlaybookRunner | None:
    return getattr(request.app.state, "playbooks", None)


def _who(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    return str(getattr(principal, "name", "") or "")


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


async def _json(request: Request) -> dict[str, Any]:
    return await read_json_object(request, max_bytes=MAX_BODY_BYTES)


def _unavailable() -> Response:
    return _error(503, "playbooks are not running")


async def _audit(request: Request, kind: str, payload: dict[str, Any]) -> None:
    """A ledger record for an action the runner does not record itself."""
    store = getattr(request.app.state, "store", None)
    if store is not None:
        with contextlib.suppress(StoreUnavailable):
            await store.ledger_append(kind, payload)


async def list_alerts(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    firing_only = request.query_params.get("state") == "firing"
    return JSONResponse({"alerts": runner.list_alerts(include_resolved=not firing_only)})


async def get_alert(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        return JSONResponse(runner.alert_status(request.path_params["id"]))
    except AlertNotFound as err:
        return _error(404, str(err))


async def ack_alert(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        body = await _json(request)
        comment = str(body.get("comment", ""))
        result = await runner.ack(request.path_params["id"], person=_who(request), comment=comment, via="api")
    except ValueError as err:
        return _error(400, str(err))
    except AlertNotFound as err:
        return _error(404, str(err))
    except AckRefused as err:
        return _error(409, str(err))
    return JSONResponse(asdict(result), status_code=200)


async def resolve_alert(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    alert_id = request.path_params["id"]
    try:
        body = await _json(request)
        comment = str(body.get("comment", ""))
        lifecycle = getattr(request.app.state, "alerts", None)
        resolver = getattr(lifecycle, "resolve", None)
        if resolver is not None:  # the alert lifecycle owns alert state; it hands back the changes
            changes = await resolver(alert_id, principal=_who(request), comment=comment)
            await runner.handle(list(changes))
            await _audit(request, "console", {"event": "resolve", "principal": _who(request), "alert_id": alert_id,
                                              "comment": redact_text(comment)[:1000]})
        else:
            await runner.resolve(alert_id, person=_who(request), comment=comment)
    except ValueError as err:
        return _error(400, str(err))
    except AlertNotFound as err:
        return _error(404, str(err))
    return JSONResponse({"id": alert_id, "resolved_by": _who(request)})


async def escalate_alert(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        await runner.escalate_now(request.path_params["id"], person=_who(request))
    except AlertNotFound as err:
        return _error(404, str(err))
    except AckRefused as err:
        return _error(409, str(err))
    return JSONResponse({"id": request.path_params["id"], "escalated_by": _who(request)})


async def add_note(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        body = await _json(request)
        note = await runner.add_note(request.path_params["id"], person=_who(request), text=str(body.get("text", "")))
    except ValueError as err:
        return _error(400, str(err))
    except AlertNotFound as err:
        return _error(404, str(err))
    return JSONResponse(note, status_code=201)


def _silence_json(s: Any) -> dict[str, Any]:
    return asdict(s)


async def list_silences(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    return JSONResponse({"silences": [_silence_json(s) for s in runner.silences.items.values()]})


async def create_silence(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        body = await _json(request)
        matchers = body.get("matchers")
        if not isinstance(matchers, list) or not all(isinstance(m, str) for m in matchers):
            raise ValueError('"matchers" must be a list of strings such as alertname="x"')
        s = await runner.silence(
            matchers=matchers, owner=_who(request), reason=str(body.get("reason", "")),
            ends_at=float(body["ends_at"]), starts_at=float(body["starts_at"]) if "starts_at" in body else None,
            remind_before_seconds=float(body.get("remind_before_seconds", 900)), ticket=str(body.get("ticket", "")),
        )
    except (ValueError, KeyError, TypeError) as err:
        return _error(400, f"invalid silence: {err}")
    except SilenceError as err:
        return _error(400, str(err))
    return JSONResponse(_silence_json(s), status_code=201 if s.status == "active" else 202)


async def approve_silence(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        s = await runner.approve_silence(request.path_params["id"], approver=_who(request))
    except SilenceError as err:
        status = {"not_found": 404, "same_person": 403}.get(err.reason, 409)
        return _error(status, str(err))
    return JSONResponse(_silence_json(s))


async def expire_silence(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    try:
        s = await runner.expire_silence(request.path_params["id"], person=_who(request))
    except SilenceError as err:
        return _error(404 if err.reason == "not_found" else 409, str(err))
    return JSONResponse(_silence_json(s))


async def oncall(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    return JSONResponse({"tiers": runner.oncall_now()})


async def status(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _unavailable()
    return JSONResponse({"robots": runner.robot_status(), "outbox": runner.pending_deliveries()})


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<link rel="stylesheet" href="/console/static/ack.css"></head>
<body class="ack-page"><h2>{title}</h2><p>{text}</p>{form}</body></html>"""


def _page(title: str, text: str, status_code: int = 200, form: str = "") -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), text=html.escape(text), form=form),
                        status_code=status_code)


_REFUSED = {"expired": (410, "链接已过期 / link expired"), "used": (410, "链接已使用 / link already used"),
            "bad_signature": (403, "链接无效 / invalid link"), "malformed": (400, "链接无效 / invalid link"),
            "disabled": (404, "未启用确认链接 / ack links are disabled")}


async def ack_link_page(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _page("不可用 / unavailable", "playbooks are not running", 503)
    try:
        claim = runner.check_ack_link(request.path_params["token"])
    except AckLinkError as err:
        code, text = _REFUSED.get(err.reason, (400, "invalid link"))
        return _page("无法确认 / cannot acknowledge", text, code)
    form = '<form method="post"><button type="submit">确认告警 / Acknowledge</button></form>'
    return _page("确认告警 / Acknowledge", f"告警 {claim.alert_id}，确认人 {claim.person}", 200, form)


async def ack_link_post(request: Request) -> Response:
    runner = _runner(request)
    if runner is None:
        return _page("不可用 / unavailable", "playbooks are not running", 503)
    try:
        result = await runner.ack_link(request.path_params["token"])
    except AckLinkError as err:
        code, text = _REFUSED.get(err.reason, (400, "invalid link"))
        return _page("无法确认 / cannot acknowledge", text, code)
    except (AlertNotFound, AckRefused) as err:
        return _page("无法确认 / cannot acknowledge", str(err), 409)
    except SecopsError as err:
        return _page("无法确认 / cannot acknowledge", str(err), 400)
    text = f"已由 {result.person} 确认 / acknowledged by {result.person}"
    if result.already:
        text = f"此前已由 {result.person} 确认 / already acknowledged by {result.person}"
    return _page("已确认 / Acknowledged", text, 200)


def routes() -> list[Route]:
    return [
        Route("/api/v1/alerts", list_alerts, methods=["GET"]),
        Route("/api/v1/alerts/{id}", get_alert, methods=["GET"]),
        Route("/api/v1/alerts/{id}/ack", ack_alert, methods=["POST"]),
        Route("/api/v1/alerts/{id}/resolve", resolve_alert, methods=["POST"]),
        Route("/api/v1/alerts/{id}/escalate", escalate_alert, methods=["POST"]),
        Route("/api/v1/alerts/{id}/notes", add_note, methods=["POST"]),
        Route("/api/v1/silences", list_silences, methods=["GET"]),
        Route("/api/v1/silences", create_silence, methods=["POST"]),
        Route("/api/v1/silences/{id}/approve", approve_silence, methods=["POST"]),
        Route("/api/v1/silences/{id}/expire", expire_silence, methods=["POST"]),
        Route("/api/v1/oncall", oncall, methods=["GET"]),
        Route("/api/v1/status", status, methods=["GET"]),
        Route("/ack/{token}", ack_link_page, methods=["GET"]),
        Route("/ack/{token}", ack_link_post, methods=["POST"]),
    ]

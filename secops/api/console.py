"""The operator console: served at ``GET /`` by the daemon (static page + JSON + server-sent events).

Routes (roles from the role table in ``secops.api.app``):

- ``GET /`` the page; ``GET /console/static/...`` its scripts and styles (public: no data in them)
- ``POST /api/v1/console/login`` (bearer token with the operator role) sets the session cookie;
  ``POST /api/v1/console/logout``; ``GET /api/v1/console/session`` (who am I, CSRF token)
- ``GET /api/v1/console/state`` everything on the screen; ``GET /api/v1/console/stream`` live updates (SSE)
- ``POST /api/v1/console/bulk`` an action on a selection of alerts
- ``GET/POST /api/v1/console/handover``, ``POST /api/v1/console/handover/{id}/confirm``

``build_service`` makes the console's state for ``app.state.console``; ``session_principal`` is the auth
middleware's cookie hook; ``routes()`` the routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from secops.alerting.state import AlertBook
from secops.api.auth import Principal
from secops.api.health import Readiness
from secops.api.hub import Hub
from secops.api.util import read_json_object
from secops.clock import Clock
from secops.console import actions
from secops.console.config import ConsoleSettings
from secops.console.handover import HandoverError
from secops.console.service import ConsoleService
from secops.console.session import COOKIE_NAME, CSRF_HEADER, SAFE_METHODS, SessionCodec, load_or_create_key
from secops.playbooks.runner import PlaybookRunner
from secops.store.base import Store
from secops.telemetry.metrics import Metrics

STATIC = Path(__file__).resolve().parents[1] / "console" / "static"
MAX_BODY_BYTES = 256 * 1024


def build_service(*, state_dir: str | Path, clock: Clock, hub: Hub, metrics: Metrics,
                  runner: PlaybookRunner | None, book: AlertBook | None, store: Store | None,
                  readiness: Callable[[], Readiness] | None, source_keys: Iterable[str],
                  public_url: str = "", settings: ConsoleSettings | None = None,
                  stopping: asyncio.Event | None = None, lifecycle: Any = None) -> ConsoleService:
    """The console's state for ``app.state.console``; hooks itself into the runner (live updates, handover)."""
    settings = settings or ConsoleSettings()
    key = load_or_create_key(Path(state_dir) / "console_session.key")
    secure = settings.cookie_secure if settings.cookie_secure is not None else public_url.startswith("https://")
    codec = SessionCodec(key, clock=clock, ttl_seconds=settings.session_ttl_seconds)
    service = ConsoleService(settings=settings, codec=codec,
                             clock=clock, hub=hub, metrics=metrics, runner=runner, book=book, store=store,
                             readiness=readiness, source_keys=tuple(source_keys), stopping=stopping,
                             secure_cookie=secure, lifecycle=lifecycle)
    service.attach()
    return service


def session_principal(request: Request) -> Principal | None:
    """The principal of a valid console session cookie (a state-changing request also needs its CSRF token)."""
    service: ConsoleService | None = getattr(request.app.state, "console", None)
    value = request.cookies.get(COOKIE_NAME)
    if service is None or not value:
        return None
    session = service.codec.verify(value)
    if session is None:
        return None
    if request.method not in SAFE_METHODS and not service.codec.csrf_ok(session, request.headers.get(CSRF_HEADER)):
        return None
    return session.principal


# ---- helpers -----------------------------------------------------------------------------------------
def _service(request: Request) -> ConsoleService:
    service: ConsoleService | None = getattr(request.app.state, "console", None)
    if service is None:
        raise LookupError("console is not configured")
    return service


def _principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


async def _body(request: Request) -> dict[str, Any]:
    return await read_json_object(request, max_bytes=MAX_BODY_BYTES)


# ---- page --------------------------------------------------------------------------------------------
async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


# ---- session -----------------------------------------------------------------------------------------
async def login(request: Request) -> Response:
    service = _service(request)
    principal = _principal(request)
    value, session = service.codec.issue(principal)
    response = _json({"me": service.me(principal), "csrf": service.codec.csrf_token(session),
                      "expires_at": session.expires_at})
    response.set_cookie(COOKIE_NAME, value, max_age=int(service.codec.ttl_seconds), path="/", httponly=True,
                        samesite="strict", secure=service.secure_cookie)
    await service.audit("login", principal.name)
    return response


async def logout(request: Request) -> Response:
    service = _service(request)
    await service.audit("logout", _principal(request).name)
    response = _json({"signed_out": True})
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=service.secure_cookie)
    return response


async def session_info(request: Request) -> Response:
    service = _service(request)
    principal = _principal(request)
    value = request.cookies.get(COOKIE_NAME, "")
    session = service.codec.verify(value) if value else None
    return _json({"me": service.me(principal), "csrf": service.codec.csrf_token(session) if session else None,
                  "expires_at": session.expires_at if session else None})


# ---- state and stream --------------------------------------------------------------------------------
async def state(request: Request) -> Response:
    service = _service(request)
    value = request.cookies.get(COOKIE_NAME, "")
    session = service.codec.verify(value) if value else None
    csrf = service.codec.csrf_token(session) if session else None
    return _json({**service.snapshot(_principal(request)), "csrf": csrf})


async def stream(request: Request) -> Response:
    service = _service(request)

    async def frames() -> AsyncIterator[bytes]:
        yield b"retry: 2000\n\n"
        async for event, data in service.stream():
            yield b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    return StreamingResponse(frames(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# ---- actions -----------------------------------------------------------------------------------------
async def bulk(request: Request) -> Response:
    service = _service(request)
    try:
        body = await _body(request)
        result = await actions.bulk(service, body, person=_principal(request).name)
    except ValueError as err:
        return _json({"error": str(err)}, 400)
    return _json(result)


async def handover_list(request: Request) -> Response:
    service = _service(request)
    if service.handover is None:
        return _json({"error": "handover needs playbooks and a store"}, 503)
    h = service.handover
    return _json({"open": h.view(s) if (s := h.open_sheet()) else None, "recent": [h.view(x) for x in h.recent()]})


async def handover_start(request: Request) -> Response:
    service = _service(request)
    if service.handover is None:
        return _json({"error": "handover needs playbooks and a store"}, 503)
    sheet = await service.handover.start(service.clock.now(), by=_principal(request).name)
    return _json(service.handover.view(sheet), 201)


async def handover_confirm(request: Request) -> Response:
    service = _service(request)
    if service.handover is None:
        return _json({"error": "handover needs playbooks and a store"}, 503)
    try:
        body = await _body(request)
        sheet = await service.handover.confirm(request.path_params["id"], person=_principal(request).name,
                                               comment=actions.clean_text(body.get("comment", ""), 1000))
    except ValueError as err:
        return _json({"error": str(err)}, 400)
    except HandoverError as err:
        return _json({"error": str(err)}, {"not_found": 404, "same_person": 403}.get(err.reason, 409))
    return _json(service.handover.view(sheet))


def routes() -> list[BaseRoute]:
    return [
        Route("/", index, methods=["GET"]),
        Mount("/console/static", app=StaticFiles(directory=STATIC), name="console-static"),
        Route("/api/v1/console/login", login, methods=["POST"]),
        Route("/api/v1/console/logout", logout, methods=["POST"]),
        Route("/api/v1/console/session", session_info, methods=["GET"]),
        Route("/api/v1/console/state", state, methods=["GET"]),
        Route("/api/v1/console/stream", stream, methods=["GET"]),
        Route("/api/v1/console/bulk", bulk, methods=["POST"]),
        Route("/api/v1/console/handover", handover_list, methods=["GET"]),
        Route("/api/v1/console/handover", handover_start, methods=["POST"]),
        Route("/api/v1/console/handover/{id}/confirm", handover_confirm, methods=["POST"]),
    ]

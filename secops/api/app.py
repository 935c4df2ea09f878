"""The HTTP application: one Starlette app, one role table, routes contributed by each area's module."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from secops.api import health, ingest
from secops.api.auth import AuthMiddleware, FailureHook, Principal, Rule, TokenBook, rule
from secops.console.security import SecurityMiddleware

# Who may call what. Everything under /api/ must be listed; an unlisted /api/ path is refused.
ROLE_TABLE: list[Rule] = [
    rule("POST", "/api/v1/events", ["ingest"]),
    rule("GET", "/api/v1/alerts", ["operator", "auditor"]),
    rule("GET", "/api/v1/alerts/{id}", ["operator", "auditor"]),
    rule("POST", "/api/v1/alerts/{id}/ack", ["operator"]),
    rule("POST", "/api/v1/alerts/{id}/resolve", ["operator"]),
    rule("POST", "/api/v1/alerts/{id}/escalate", ["operator"]),
    rule("POST", "/api/v1/alerts/{id}/notes", ["operator"]),
    rule("GET", "/api/v1/silences", ["operator", "auditor"]),
    rule("POST", "/api/v1/silences", ["operator"]),
    rule("POST", "/api/v1/silences/{id}/approve", ["operator"]),
    rule("POST", "/api/v1/silences/{id}/expire", ["operator"]),
    rule("GET", "/api/v1/incidents", ["operator", "auditor"]),
    rule("GET", "/api/v1/audit/export", ["auditor"]),
    rule("POST", "/api/v1/rules/reload", ["rule_editor"]),
    rule("GET", "/api/v1/oncall", ["operator", "auditor"]),
    rule("GET", "/api/v1/status", ["operator", "auditor"]),
    # the operator console (secops.api.console); /api/v1/console/login takes the bearer token itself
    rule("POST", "/api/v1/console/login", ["operator"]),
    rule("POST", "/api/v1/console/logout", ["operator"]),
    rule("GET", "/api/v1/console/session", ["operator"]),
    rule("GET", "/api/v1/console/state", ["operator"]),
    rule("GET", "/api/v1/console/stream", ["operator"]),
    rule("POST", "/api/v1/console/bulk", ["operator"]),
    rule("GET", "/api/v1/console/handover", ["operator"]),
    rule("POST", "/api/v1/console/handover", ["operator"]),
    rule("POST", "/api/v1/console/handover/{id}/confirm", ["operator"]),
]


async def _openapi(request: Request) -> Response:
    paths: dict[str, dict[str, Any]] = {}
    for r in request.app.state.role_table:
        path = r.pattern.pattern[1:-1].replace("[^/]+", "{id}")
        paths.setdefault(path, {})[r.method.lower()] = {
            "security": [{"bearer": []}],
            "x-roles": sorted(r.roles | {"admin"}),
            "responses": {"401": {"description": "no or invalid token"}, "403": {"description": "wrong role"}},
        }
    for public in ("/healthz", "/readyz", "/metrics"):
        paths[public] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return JSONResponse({
        "openapi": "3.1.0",
        "info": {"title": "secops", "version": request.app.state.version},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    })


async def _reload(request: Request) -> Response:
    reloader = request.app.state.reload_rules
    if reloader is None:
        return JSONResponse({"error": "rule reload is not available"}, status_code=503)
    issues = await reloader()
    errors = [str(i) for i in issues if i.level == "error"]
    return JSONResponse({"reloaded": not errors, "errors": errors}, status_code=200 if not errors else 422)


def build_app(*, state: dict[str, Any], tokens: TokenBook, extra_routes: Sequence[BaseRoute] = (),
              on_auth_failure: FailureHook | None = None, role_table: Sequence[Rule] = ROLE_TABLE,
              session: Callable[[Request], Principal | None] | None = None) -> Starlette:
    routes: list[BaseRoute] = [
        *health.routes(),
        *ingest.routes(),
        Route("/openapi.json", _openapi, methods=["GET"]),
        Route("/api/v1/rules/reload", _reload, methods=["POST"]),
        *extra_routes,
    ]
    app = Starlette(routes=routes, middleware=[
        Middleware(SecurityMiddleware),  # CSP and other headers on every response; CSRF for cookie sessions
        Middleware(AuthMiddleware, tokens=tokens, table=list(role_table), on_failure=on_auth_failure,
                   session=session),
    ])
    state.setdefault("reload_rules", None)
    state.setdefault("http_source", None)
    state["role_table"] = list(role_table)
    for key, value in state.items():
        setattr(app.state, key, value)
    return app

"""``GET /api/v1/incidents``: incidents (an alert and its history) filtered and paginated.

Query parameters: ``from`` and ``to`` (ISO 8601 or epoch seconds; bound the alert's start), ``grade``,
``severity``, ``rule`` and ``state`` (each comma-separated or repeated; ``state`` is firing, acknowledged or
resolved), ``limit`` (1-1000, default 100), ``cursor`` (the ``next_cursor`` of the previous page) and
``history=1`` to include each incident's changes, acks and notification attempts. Newest first.
The store comes from ``request.app.state.store``; roles are enforced by the auth middleware.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from secops.errors import StoreUnavailable
from secops.store.bundle import parse_time
from secops.store.records import INCIDENT_STATES, IncidentQuery

MAX_LIMIT = 1000


class BadQuery(ValueError):
    """A query parameter the endpoint cannot use; answered with 400."""


def _multi(request: Request, name: str) -> tuple[str, ...]:
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return tuple(values)


def _time(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_time(raw)
    except ValueError as err:
        raise BadQuery(f"{name}: {err}") from err


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "100")
    try:
        limit = int(raw)
    except ValueError:
        raise BadQuery(f"limit: expected an integer from 1 to {MAX_LIMIT}, got {raw!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit: expected an integer from 1 to {MAX_LIMIT}, got {limit}")
    return limit


def parse_query(request: Request) -> IncidentQuery:
    """The filters of a request; raises BadQuery naming the parameter that is wrong."""
    states = _multi(request, "state")
    unknown = [s for s in states if s not in INCIDENT_STATES]
    if unknown:
        raise BadQuery(f"state: unknown {', '.join(unknown)}; valid states: {', '.join(INCIDENT_STATES)}")
    return IncidentQuery(
        start=_time(request, "from"), end=_time(request, "to"), grades=_multi(request, "grade"),
        severities=_multi(request, "severity"), rules=_multi(request, "rule"), states=states,
        limit=_limit(request), cursor=request.query_params.get("cursor", ""),
    )


async def list_incidents(request: Request) -> Response:
    try:
        query = parse_query(request)
        page = await request.app.state.store.query_incidents(query)
    except ValueError as err:  # BadQuery, or a cursor the store did not hand out
        return JSONResponse({"error": str(err)}, status_code=400)
    except StoreUnavailable as err:
        return JSONResponse({"error": f"store unavailable: {err}"}, status_code=503)
    items: list[dict[str, Any]] = [i.to_dict() for i in page.items]
    if request.query_params.get("history") in ("1", "true"):
        for item in items:
            item["history"] = await request.app.state.store.incident_history(item["id"])
    return JSONResponse({"items": items, "count": len(items), "next_cursor": page.next_cursor or None})


def routes() -> list[Route]:
    return [Route("/api/v1/incidents", list_incidents, methods=["GET"])]

"""HTTP ingest: ``POST /api/v1/events`` with NDJSON or a JSON array (role ``ingest``).

The response is sent only after every event in the body is durably handled (stored or dead-lettered), so a
2xx means the events are safe and a client that gets no answer can retry: the body's events keep their ids
when the client sends an ``Idempotency-Key`` header, and the duplicates are removed downstream. A full
pipeline answers 429 and a stopping daemon 503, both with Retry-After: nothing is accepted and then dropped.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from secops.model.event import RawEvent, Ticket
from secops.pipeline import ShuttingDown
from secops.sources.http import HttpIngest


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _busy(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"Retry-After": "1"})


async def post_events(request: Request) -> Response:
    source: HttpIngest | None = request.app.state.http_source
    if source is None:
        return JSONResponse({"error": "no http source is configured"}, status_code=404)
    if not source.accepting:
        return _busy(503, "shutting down")
    if source.ctx.pipeline.room() <= 0:
        return _busy(429, "pipeline full")
    try:
        body = await _read_body(request, source.settings.max_body_bytes)
    except BodyTooLarge:
        return JSONResponse({"error": f"body over {source.settings.max_body_bytes} bytes"}, status_code=413)
    if not body.strip():
        return JSONResponse({"error": "empty body"}, status_code=400)
    done = asyncio.Event()
    raw = RawEvent(source.key, body, source.ctx.clock.now(),
                   position=source.position(request.headers.get("idempotency-key")),
                   meta={"split": "1"}, ticket=Ticket(done.set))
    source.telemetry.received()
    try:
        await source.ctx.pipeline.submit(raw)
    except ShuttingDown:
        return _busy(503, "shutting down")
    await done.wait()
    return JSONResponse({"status": "stored"}, status_code=200)


def routes() -> list[Route]:
    return [Route("/api/v1/events", post_events, methods=["POST"])]

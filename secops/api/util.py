"""Small helpers shared by the HTTP handlers."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request


async def read_json_object(request: Request, *, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); ValueError with a message a client can act on."""
    body = await request.body()
    if len(body) > max_bytes:
        raise ValueError(f"body over {max_bytes} bytes")
    if not body.strip():
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise ValueError(f"invalid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data

"""One place that turns an HTTP exchange into an Outcome: 5xx/timeout/refused retry, 4xx does not."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from secops.playbooks.actions.base import Outcome, SendResult

VendorCheck = Callable[[Any], SendResult]


def ok_always(_: Any) -> SendResult:
    return SendResult(Outcome.SENT)


async def post(
    http: httpx.AsyncClient,
    url: str,
    *,
    body: bytes,
    timeout: float,  # noqa: ASYNC109 - passed to httpx per request
    headers: Mapping[str, str] | None = None,
    vendor: VendorCheck = ok_always,
) -> SendResult:
    """POST ``body``; classify transport errors and status codes; let ``vendor`` read a 2xx reply."""
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    try:
        resp = await http.post(url, content=body, headers=all_headers, timeout=timeout)
    except httpx.TimeoutException as err:
        return SendResult(Outcome.RETRY, f"timeout ({type(err).__name__})")
    except httpx.TransportError as err:
        return SendResult(Outcome.RETRY, f"transport error ({type(err).__name__})")
    if resp.status_code >= 500:
        return SendResult(Outcome.RETRY, f"HTTP {resp.status_code}", status=resp.status_code)
    if resp.status_code == 429:
        return SendResult(Outcome.THROTTLED, "HTTP 429", status=429)
    if resp.status_code >= 400:
        return SendResult(Outcome.FAILED, f"HTTP {resp.status_code}", status=resp.status_code)
    try:
        reply = orjson.loads(resp.content) if resp.content else None
    except orjson.JSONDecodeError:
        reply = None
    result = vendor(reply)
    return SendResult(result.outcome, result.detail, resp.status_code, result.vendor_code)


def vendor_code(reply: Any, *keys: str) -> int | None:
    if not isinstance(reply, dict):
        return None
    for key in keys:
        value = reply.get(key)
        if isinstance(value, int):
            return value
    return None


def classify_code(code: int | None, throttle_codes: frozenset[int], message: str) -> SendResult:
    if code in (None, 0):
        return SendResult(Outcome.SENT)
    if code in throttle_codes:
        return SendResult(Outcome.THROTTLED, f"vendor throttle code {code}", vendor_code=code)
    return SendResult(Outcome.FAILED, f"vendor error code {code}: {message[:200]}", vendor_code=code)


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)

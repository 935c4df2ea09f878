"""``secops alerts list|ack|resolve|silence``: operator actions through the daemon's HTTP API.

The token comes from ``SECOPS_TOKEN`` (never a command-line argument, which other users could read in
the process list); the daemon's address from ``--url`` or the config's ``http.address``.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from secops.errors import SecopsError

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float:
    match = _DURATION.match(text.strip())
    if match is None:
        raise SecopsError(f"bad duration {text!r}: use a number and s, m, h or d (e.g. 2h)")
    return int(match.group(1)) * _UNITS[match.group(2)]


class ApiClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout_seconds: float = 30) -> None:
        token = token if token is not None else os.environ.get("SECOPS_TOKEN")
        if not token:
            raise SecopsError("set SECOPS_TOKEN to an operator token (secops token create --role operator)")
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_seconds,
                                    headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client.request(method, path, json=body)
        except httpx.HTTPError as err:
            raise SecopsError(f"cannot reach the daemon at {self._client.base_url}: {err}") from err
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            raise SecopsError(f"{method} {path}: {response.status_code} {detail}")
        return response.json()


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).astimezone().strftime("%m-%d %H:%M:%S")


def run_list(client: ApiClient, *, firing_only: bool, out: TextIO) -> int:
    alerts = client.call("GET", "/api/v1/alerts" + ("?state=firing" if firing_only else ""))["alerts"]
    print(f"{'ID':<22}{'STATUS':<10}{'SEVERITY':<10}{'GRADE':<6}{'SINCE':<16}{'ACK':<14}ALERT", file=out)
    for a in alerts:
        labels = a.get("labels", {})
        ack = (a.get("ack") or {}).get("person", "-")
        print(f"{a['id']:<22}{a.get('status', ''):<10}{labels.get('severity', ''):<10}"
              f"{labels.get('data_grade', '') or '-':<6}{_when(a.get('starts_at')):<16}{ack:<14}"
              f"{labels.get('alertname', '')}", file=out)
    print(f"{len(alerts)} alert(s)", file=out)
    return 0


def run_ack(client: ApiClient, alert_id: str, *, comment: str, out: TextIO) -> int:
    result = client.call("POST", f"/api/v1/alerts/{alert_id}/ack", {"comment": comment})
    note = " (already acknowledged)" if result.get("already") else ""
    print(f"acknowledged {alert_id} by {result.get('person')}{note}", file=out)
    return 0


def run_resolve(client: ApiClient, alert_id: str, *, comment: str, out: TextIO) -> int:
    result = client.call("POST", f"/api/v1/alerts/{alert_id}/resolve", {"comment": comment})
    print(f"resolved {alert_id} by {result.get('resolved_by')}", file=out)
    return 0


def run_silence(client: ApiClient, matchers: list[str], *, reason: str, duration: str, out: TextIO) -> int:
    if not reason.strip():
        raise SecopsError("a silence needs a --reason")
    ends_at = time.time() + duration_seconds(duration)
    result = client.call("POST", "/api/v1/silences", {"matchers": matchers, "reason": reason, "ends_at": ends_at})
    silence = result.get("silence", result)
    print(f"silence {silence.get('id')} {silence.get('status', '')} until {_when(ends_at)}", file=out)
    return 0

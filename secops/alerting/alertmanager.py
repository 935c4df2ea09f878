"""Alertmanager API v2 producer: push alert changes to every configured peer.

Protocol (Alertmanager docs/alerts_api.md, and what Prometheus does):
- ``POST {url}/api/v2/alerts`` with a JSON array; labels are the alert's identity.
- A firing alert is resent about every ``resend_interval_seconds`` with ``endsAt = now + 4 x interval``,
  so a missed send or two does not resolve it, and a dead producer lets it expire.
- A resolved alert is sent with ``endsAt <= now`` and resent for ``resolved_resend_seconds`` (5 minutes),
  so a restarted Alertmanager still sends the resolved notification.
- Every peer gets every alert (no load balancer: Alertmanager peers dedup notifications themselves).
  Each peer has its own task, its own progress and its own capped, jittered retry backoff.

``update`` never blocks; ``run`` is the long-running loop; ``send_pending`` sends what is due once
(for shutdown and for tests driven by a FakeClock).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from secops.alerting.config import AlertmanagerSettings
from secops.clock import Clock
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind
from secops.telemetry.metrics import Metrics

log = logging.getLogger("secops.alerting.alertmanager")

CHANNEL = "alertmanager"
DEFAULT_GENERATOR_URL = "http://127.0.0.1:8080/?alert={alert_id}"
_LABEL_NAME_BAD = re.compile(r"[^a-zA-Z0-9_]")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class _Tracked:
    alert: Alert
    version: int  # value of the client's change counter when this alert last changed
    resolved_mono: float | None = None  # monotonic time the resolve was learned


@dataclass(slots=True)
class _Peer:
    url: str
    endpoint: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    sent_version: int = 0  # every change up to this version has reached the peer
    last_full_mono: float | None = None  # when every current alert was last sent
    failures: int = 0


def check_generator_url(template: str) -> None:
    """Raise ValueError unless ``template`` formats with ``{alert_id}`` and ``{rule_id}`` only."""
    try:
        template.format(alert_id="x", rule_id="x")
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"generator_url {template!r}: only {{alert_id}} and {{rule_id}} may be used") from err


def build_client(
    settings: AlertmanagerSettings,
    *,
    client: httpx.AsyncClient,
    clock: Clock,
    metrics: Metrics | None = None,
    public_url: str | None = None,
) -> AlertmanagerClient:
    """The client ``alertmanager:`` describes; links point at ``public_url`` (``http.public_url``)."""
    generator_url = settings.generator_url
    if generator_url is None:
        base = public_url or "http://127.0.0.1:8080"
        generator_url = base.rstrip("/") + "/?alert={alert_id}"
    return AlertmanagerClient(
        settings.urls,
        client=client,
        clock=clock,
        resend_interval_seconds=settings.resend_interval_seconds,
        resolved_resend_seconds=settings.resolved_resend_seconds,
        generator_url=generator_url,
        timeout_seconds=settings.timeout_seconds,
        backoff_initial_seconds=settings.backoff_initial_seconds,
        backoff_max_seconds=settings.backoff_max_seconds,
        max_alerts_per_request=settings.max_alerts_per_request,
        metrics=metrics,
    )


def label_name(name: str) -> str:
    """A valid Alertmanager label name: other characters become ``_`` (``source.ip`` -> ``source_ip``)."""
    cleaned = _LABEL_NAME_BAD.sub("_", name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def rfc3339(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")


class AlertmanagerClient:
    """Push alerts to Alertmanager peers per the v2 producer protocol."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        client: httpx.AsyncClient,
        clock: Clock,
        resend_interval_seconds: float = 60.0,
        resolved_resend_seconds: float = 300.0,
        generator_url: str = DEFAULT_GENERATOR_URL,
        timeout_seconds: float = 10.0,
        backoff_initial_seconds: float = 1.0,
        backoff_max_seconds: float = 60.0,
        max_alerts_per_request: int = 1000,
        metrics: Metrics | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not urls:
            raise ValueError("at least one Alertmanager URL is needed")
        check_generator_url(generator_url)
        self._peers = [_Peer(u, u.rstrip("/") + "/api/v2/alerts") for u in urls]
        self._client = client
        self._clock = clock
        self._interval = resend_interval_seconds
        self._resolved_keep = resolved_resend_seconds
        self._generator_url = generator_url
        self._timeout = timeout_seconds
        self._backoff = (backoff_initial_seconds, backoff_max_seconds)
        self._batch = max_alerts_per_request
        self._metrics = metrics
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._alerts: dict[str, _Tracked] = {}  # by fingerprint: the label set is the identity
        self._version = 0

    # -- input ------------------------------------------------------------------------------------------
    def update(self, changes: Sequence[AlertChange]) -> None:
        """Take alert changes (never blocks); peers are woken to send them."""
        changed = False
        for change in changes:
            changed |= self._apply(change)
        if changed:
            for peer in self._peers:
                peer.wake.set()

    def _apply(self, change: AlertChange) -> bool:
        alert = change.alert
        current = self._alerts.get(alert.fingerprint)
        if current is not None and alert.starts_at < current.alert.starts_at:
            return False  # a stale change of an older alert with the same labels
        self._version += 1
        resolved = change.kind is ChangeKind.RESOLVED or alert.status is AlertStatus.RESOLVED
        self._alerts[alert.fingerprint] = _Tracked(
            alert, self._version, self._clock.monotonic() if resolved else None
        )
        return True

    def tracked(self) -> list[Alert]:
        """Alerts this client is sending now (firing, and resolved ones still being resent)."""
        return [t.alert for t in self._alerts.values()]

    # -- output -----------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Send until cancelled: one named task per peer in one TaskGroup."""
        async with asyncio.TaskGroup() as group:
            for peer in self._peers:
                group.create_task(self._peer_loop(peer), name=f"alertmanager-push {peer.url}")

    async def send_pending(self) -> bool:
        """Send what is due to every peer once, no retry; True when every peer took it."""
        results = [await self._send_due(peer) for peer in self._peers]
        return all(results)

    async def _peer_loop(self, peer: _Peer) -> None:
        while True:
            peer.wake.clear()
            if await self._send_due(peer):
                peer.failures = 0
                await self._wait(peer, self._until_resend(peer))
            else:
                peer.failures += 1
                await self._sleep(self._backoff_delay(peer.failures))

    def _until_resend(self, peer: _Peer) -> float:
        if peer.last_full_mono is None:
            return self._interval
        return max(0.0, peer.last_full_mono + self._interval - self._clock.monotonic())

    def _backoff_delay(self, failures: int) -> float:
        initial, cap = self._backoff
        ceiling = min(cap, initial * 2.0 ** min(failures - 1, 30))
        return ceiling * (0.5 + 0.5 * self._rng.random())

    async def _wait(self, peer: _Peer, seconds: float) -> None:
        """Sleep ``seconds`` or until ``update`` wakes the peer, whichever comes first."""
        if peer.wake.is_set():
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(peer.wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)  # reap them, even on cancel

    async def _send_due(self, peer: _Peer) -> bool:
        self._prune()
        mono = self._clock.monotonic()
        full = peer.last_full_mono is None or mono - peer.last_full_mono >= self._interval
        version = self._version
        due = [t.alert for t in self._alerts.values() if full or t.version > peer.sent_version]
        if not due:
            return True
        now = self._clock.now()
        payload = [self._postable(alert, now) for alert in due]
        for start in range(0, len(payload), self._batch):
            if not await self._post(peer, payload[start : start + self._batch]):
                return False
        peer.sent_version = max(peer.sent_version, version)
        if full:
            peer.last_full_mono = mono
        return True

    def _prune(self) -> None:
        mono = self._clock.monotonic()
        for fp in [
            fp for fp, t in self._alerts.items()
            if t.resolved_mono is not None and mono - t.resolved_mono >= self._resolved_keep
        ]:
            del self._alerts[fp]

    async def _post(self, peer: _Peer, body: list[dict[str, object]]) -> bool:
        try:
            response = await self._client.post(peer.endpoint, json=body, timeout=self._timeout)
        except httpx.HTTPError as err:
            log.warning("alertmanager %s unreachable: %s", peer.url, err)
            self._count("failed")
            return False
        if response.status_code // 100 == 2:
            self._count("sent")
            return True
        log.warning("alertmanager %s answered %d: %s", peer.url, response.status_code, response.text[:200])
        self._count("failed")
        return False

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.notifications_total.labels(CHANNEL, outcome).inc()

    def _postable(self, alert: Alert, now: float) -> dict[str, object]:
        if alert.status is AlertStatus.RESOLVED:
            ends_at = min(alert.ends_at if alert.ends_at is not None else now, now)
            starts_at = min(alert.starts_at, ends_at)
        else:
            ends_at = now + 4 * self._interval
            starts_at = alert.starts_at
        return {
            "labels": postable_labels(alert.labels),
            "annotations": postable_annotations(alert),
            "startsAt": rfc3339(starts_at),
            "endsAt": rfc3339(ends_at),
            "generatorURL": self._generator_url.format(
                alert_id=alert.id, rule_id=alert.labels.get("rule_id", "")
            ),
        }


def postable_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Alert labels as Alertmanager takes them: valid names, empty values dropped (empty means absent)."""
    return {label_name(k): v for k, v in sorted(labels.items()) if v}


def postable_annotations(alert: Alert) -> dict[str, str]:
    """The alert's (already masked) annotations plus id, count and first/last seen."""
    annotations = {label_name(k): v for k, v in alert.annotations.items()}
    annotations.update(
        alert_id=alert.id,
        count=str(alert.count),
        first_seen=rfc3339(alert.starts_at),
        last_seen=rfc3339(alert.last_seen),
    )
    return annotations

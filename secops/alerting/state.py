"""The alert lifecycle: detections in, alert changes out. Pure: every time is passed in.

Identity is the label set (``fingerprint``). The first detection of a label set fires an alert whose id is
``alert_id(fingerprint, starts_at)`` with ``starts_at`` the detection's event time, so replaying the same
input gives the same ids. Later detections update the alert; ``UPDATED`` changes go out at most once per
``update_interval_seconds`` per alert (``tick`` flushes the rest). An alert resolves when its rule's quiet
period passes without a match (``ends_at = last_seen + quiet``, whatever the tick cadence) or when a
closing rule's detection closes it. ``snapshot``/``restore`` carry the whole state across a restart.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from secops.alerting.config import AlertingSettings
from secops.errors import SecopsError
from secops.model.alert import (
    Alert,
    AlertChange,
    AlertStatus,
    ChangeKind,
    Detection,
    alert_from_dict,
    alert_id,
    alert_to_dict,
    fingerprint,
)
from secops.telemetry.metrics import Metrics

log = logging.getLogger("secops.alerting.state")

SNAPSHOT_VERSION = 1


class AlertStateError(SecopsError):
    """A snapshot could not be restored (corrupt or from an unknown version)."""


@dataclass(slots=True)
class _Open:
    alert: Alert
    quiet_seconds: float
    reported_at: float  # event time of the last change emitted for this alert
    dirty: bool = False  # updated since the last emitted change


@dataclass(slots=True)
class _Past:
    alert: Alert  # the last resolved alert of this fingerprint
    starts: list[float] = field(default_factory=list)  # start times of recent alerts, for flapping
    suppressed: int = 0


@dataclass(frozen=True, slots=True)
class BookStats:
    active: int
    suppressed: int  # matches not re-fired: repeat suppression and late events of resolved alerts
    overflow: int  # new alerts refused because max_active_alerts was reached


class AlertBook:
    """Alert state for one daemon (or one replay). Not thread-safe; call from one task."""

    def __init__(self, settings: AlertingSettings | None = None, *, metrics: Metrics | None = None) -> None:
        self._settings = settings if settings is not None else AlertingSettings()
        self._metrics = metrics
        self._open: dict[str, _Open] = {}
        self._past: dict[str, _Past] = {}
        self._suppressed = 0
        self._overflow = 0
        self._gauge_keys: set[tuple[str, str]] = set()

    # -- queries ----------------------------------------------------------------------------------------
    def active(self) -> list[Alert]:
        """Firing alerts, oldest first."""
        return sorted((o.alert for o in self._open.values()), key=lambda a: (a.starts_at, a.id))

    def get(self, ident: str) -> Alert | None:
        """A firing alert, or the last resolved alert of its label set, by id."""
        for entry in self._open.values():
            if entry.alert.id == ident:
                return entry.alert
        for past in self._past.values():
            if past.alert.id == ident:
                return past.alert
        return None

    def recently_resolved(self, since: float) -> list[Alert]:
        """Resolved alerts with ``ends_at >= since`` (to resend to Alertmanager after a restart)."""
        found = [p.alert for p in self._past.values() if (p.alert.ends_at or 0.0) >= since]
        return sorted(found, key=lambda a: (a.ends_at or 0.0, a.id))

    def stats(self) -> BookStats:
        return BookStats(len(self._open), self._suppressed, self._overflow)

    # -- transitions ------------------------------------------------------------------------------------
    def observe(self, detections: Iterable[Detection], now: float) -> list[AlertChange]:
        """Apply detections in order (event time from each detection); ``now`` flushes due updates."""
        changes: list[AlertChange] = []
        for detection in detections:
            if detection.closes:
                changes.extend(self._close(detection))
            else:
                changes.extend(self._record(detection))
        changes.extend(self._flush_updates(now))
        self._account(changes)
        return changes

    def tick(self, now: float) -> list[AlertChange]:
        """Resolve alerts quiet for their quiet period by ``now``; flush rate-limited updates."""
        changes: list[AlertChange] = []
        for fp, entry in list(self._open.items()):
            if now > entry.alert.last_seen + entry.quiet_seconds:
                changes.append(self._resolve(fp, entry.alert.last_seen + entry.quiet_seconds))
        changes.extend(self._flush_updates(now))
        self._prune(now)
        self._account(changes)
        return changes

    def resolve(self, ident: str, now: float) -> AlertChange | None:
        """Resolve a firing alert by hand (operator action); None when no firing alert has that id."""
        for fp, entry in self._open.items():
            if entry.alert.id == ident:
                change = self._resolve(fp, max(now, entry.alert.last_seen))
                self._account([change])
                return change
        return None

    # -- internals --------------------------------------------------------------------------------------
    def _record(self, d: Detection) -> list[AlertChange]:
        labels = d.labels()
        fp = fingerprint(labels)
        changes: list[AlertChange] = []
        entry = self._open.get(fp)
        if entry is not None and d.timestamp > entry.alert.last_seen + entry.quiet_seconds:
            changes.append(self._resolve(fp, entry.alert.last_seen + entry.quiet_seconds))
            entry = None
        if entry is not None:
            changes.extend(self._update(entry, d))
            return changes
        fired = self._fire(fp, labels, d)
        if fired is not None:
            changes.append(fired)
        return changes

    def _update(self, entry: _Open, d: Detection) -> list[AlertChange]:
        old = entry.alert
        entry.alert = dataclasses.replace(
            old,
            annotations=_annotations(old.annotations, d),
            last_seen=max(old.last_seen, d.timestamp),
            count=old.count + 1,
            event_ids=_event_ids(old.event_ids, d.event_ids, self._settings.max_event_ids),
        )
        if d.timestamp - entry.reported_at >= self._settings.update_interval_seconds:
            entry.reported_at = d.timestamp
            entry.dirty = False
            return [AlertChange(ChangeKind.UPDATED, entry.alert)]
        entry.dirty = True
        return []

    def _fire(self, fp: str, labels: dict[str, str], d: Detection) -> AlertChange | None:
        past = self._past.get(fp)
        if past is not None and self._suppress(past, d.timestamp):
            past.suppressed += 1
            self._suppressed += 1
            return None
        if len(self._open) >= self._settings.max_active_alerts:
            self._overflow += 1
            log.warning("alert not raised: %d alerts active (max_active_alerts)", len(self._open))
            return None
        quiet = self._settings.quiet_for(d.rule_id, d.quiet_seconds)
        annotations = _annotations({}, d)
        if past is not None and self._flapping(past, d.timestamp):
            quiet *= self._settings.flap_quiet_multiplier
            annotations["flapping"] = "true"
        alert = Alert(
            id=alert_id(fp, d.timestamp),
            fingerprint=fp,
            labels=labels,
            annotations=annotations,
            status=AlertStatus.FIRING,
            starts_at=d.timestamp,
            last_seen=d.timestamp,
            count=1,
            event_ids=_event_ids((), d.event_ids, self._settings.max_event_ids),
        )
        self._open[fp] = _Open(alert, quiet, reported_at=d.timestamp)
        if past is not None:
            past.starts.append(d.timestamp)
        return AlertChange(ChangeKind.FIRED, alert)

    def _suppress(self, past: _Past, t: float) -> bool:
        ends_at = past.alert.ends_at or past.alert.last_seen
        if t <= ends_at:  # a late match inside an alert that has already resolved
            return True
        return t - ends_at < self._settings.repeat_suppression_seconds

    def _flapping(self, past: _Past, t: float) -> bool:
        """Forget starts outside the flap window; True when this start reaches the threshold."""
        window_start = t - self._settings.flap_window_seconds
        past.starts[:] = [s for s in past.starts if s >= window_start]
        threshold = self._settings.flap_threshold
        return threshold > 0 and len(past.starts) + 1 >= threshold

    def _close(self, d: Detection) -> list[AlertChange]:
        closes = set(d.closes)
        group = dict(d.group)
        changes = []
        for fp, entry in list(self._open.items()):
            labels = entry.alert.labels
            if labels.get("rule_id") not in closes or entry.alert.starts_at > d.timestamp:
                continue
            if all(labels.get(k, v) == v for k, v in group.items()):
                changes.append(self._resolve(fp, d.timestamp))
        return changes

    def _resolve(self, fp: str, ends_at: float) -> AlertChange:
        entry = self._open.pop(fp)
        alert = dataclasses.replace(entry.alert, status=AlertStatus.RESOLVED, ends_at=ends_at)
        past = self._past.get(fp)
        if past is None:
            self._past[fp] = _Past(alert, starts=[alert.starts_at])
        else:
            past.alert = alert
        return AlertChange(ChangeKind.RESOLVED, alert)

    def _flush_updates(self, now: float) -> list[AlertChange]:
        changes = []
        interval = self._settings.update_interval_seconds
        for entry in self._open.values():
            if entry.dirty and now - entry.reported_at >= interval:
                entry.dirty = False
                entry.reported_at = now
                changes.append(AlertChange(ChangeKind.UPDATED, entry.alert))
        return changes

    def _prune(self, now: float) -> None:
        keep = max(
            self._settings.history_seconds,
            self._settings.repeat_suppression_seconds,
            self._settings.flap_window_seconds,
        )
        for fp in [fp for fp, p in self._past.items() if (p.alert.ends_at or 0.0) < now - keep]:
            del self._past[fp]

    def _account(self, changes: list[AlertChange]) -> None:
        metrics = self._metrics
        if metrics is None or not changes:
            return
        for change in changes:
            if change.kind is ChangeKind.FIRED:
                labels = change.alert.labels
                metrics.alerts_fired_total.labels(labels.get("rule_id", ""), labels.get("severity", "")).inc()
        self._set_gauge()

    def _set_gauge(self) -> None:
        if self._metrics is None:
            return
        counts: dict[tuple[str, str], int] = {}
        for entry in self._open.values():
            key = (entry.alert.labels.get("severity", ""), entry.alert.labels.get("data_grade") or "none")
            counts[key] = counts.get(key, 0) + 1
        self._gauge_keys |= counts.keys()
        for key in self._gauge_keys:
            self._metrics.alerts_active.labels(*key).set(counts.get(key, 0))

    # -- persistence ------------------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The whole state as bytes (JSON), for the key-value store."""
        doc = {
            "version": SNAPSHOT_VERSION,
            "open": [
                {"alert": alert_to_dict(e.alert), "quiet_seconds": e.quiet_seconds,
                 "reported_at": e.reported_at, "dirty": e.dirty}
                for e in self._open.values()
            ],
            "past": [
                {"alert": alert_to_dict(p.alert), "starts": p.starts, "suppressed": p.suppressed}
                for p in self._past.values()
            ],
            "suppressed": self._suppressed,
            "overflow": self._overflow,
        }
        return orjson.dumps(doc)

    def restore(self, blob: bytes) -> None:
        """Replace the state with a snapshot. Raises AlertStateError and keeps the state on a bad blob."""
        try:
            doc = orjson.loads(blob)
            if not isinstance(doc, dict) or doc.get("version") != SNAPSHOT_VERSION:
                raise ValueError(f"expected a version {SNAPSHOT_VERSION} snapshot")
            opened = {e.alert.fingerprint: e for e in map(_open_from, doc["open"])}
            past = {p.alert.fingerprint: p for p in map(_past_from, doc["past"])}
            suppressed, overflow = int(doc.get("suppressed", 0)), int(doc.get("overflow", 0))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise AlertStateError(f"cannot restore alert state: {err}") from err
        self._open, self._past = opened, past
        self._suppressed, self._overflow = suppressed, overflow
        self._set_gauge()


def _annotations(old: Mapping[str, str], d: Detection) -> dict[str, str]:
    merged = {**old, **d.annotations}
    if d.rule_hash:
        merged["rule_hash"] = d.rule_hash
    return merged


def _event_ids(old: tuple[str, ...], new: tuple[str, ...], limit: int) -> tuple[str, ...]:
    if len(old) >= limit:
        return old
    return (*old, *(e for e in new if e not in old))[:limit]


def _as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected an object")
    return value


def _open_from(value: Any) -> _Open:
    item = _as_dict(value, "open alert")
    alert = alert_from_dict(_as_dict(item["alert"], "alert"))
    if alert.status is not AlertStatus.FIRING:
        raise ValueError(f"open alert {alert.id} is not firing")
    return _Open(alert, float(item["quiet_seconds"]), float(item["reported_at"]), bool(item.get("dirty")))


def _past_from(value: Any) -> _Past:
    item = _as_dict(value, "resolved alert")
    alert = alert_from_dict(_as_dict(item["alert"], "alert"))
    if alert.status is not AlertStatus.RESOLVED:
        raise ValueError(f"resolved alert {alert.id} is not resolved")
    starts = [float(s) for s in item.get("starts", [])]
    return _Past(alert, starts, int(item.get("suppressed", 0)))

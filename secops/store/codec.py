"""Plain-data forms of the values the store keeps, shared by backends, the journal and the export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from secops.model.alert import AlertChange, ChangeKind, alert_from_dict, alert_to_dict
from secops.model.event import Event


def dumps(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (Chinese kept as is)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def event_to_dict(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "source": event.source,
        "timestamp": event.timestamp,
        "received_at": event.received_at,
        "fields": event.fields,
        "flags": list(event.flags),
    }


def event_from_dict(d: Mapping[str, Any]) -> Event:
    return Event(
        id=str(d["id"]),
        source=str(d["source"]),
        timestamp=float(d["timestamp"]),
        received_at=float(d["received_at"]),
        fields=dict(d["fields"]),
        flags=tuple(d.get("flags", ())),
    )


def change_to_dict(change: AlertChange) -> dict[str, Any]:
    return {"kind": change.kind.value, "alert": alert_to_dict(change.alert)}


def change_from_dict(d: Mapping[str, Any]) -> AlertChange:
    return AlertChange(kind=ChangeKind(d["kind"]), alert=alert_from_dict(d["alert"]))


def change_time(change: AlertChange) -> float:
    """When a change happened: the end for a resolution, the last match otherwise."""
    alert = change.alert
    if change.kind is ChangeKind.RESOLVED and alert.ends_at is not None:
        return alert.ends_at
    return alert.last_seen


_IDENTITY = frozenset({"alertname", "rule_id", "severity", "data_grade"})


def change_ledger_payload(change: AlertChange) -> dict[str, Any]:
    """What the ledger records for an alert state change (labels and annotations are masked upstream)."""
    a = change.alert
    labels = a.labels
    return {
        "change": change.kind.value,
        "alert_id": a.id,
        "fingerprint": a.fingerprint,
        "alertname": labels.get("alertname", ""),
        "rule_id": labels.get("rule_id", ""),
        "severity": labels.get("severity", ""),
        "data_grade": labels.get("data_grade", ""),
        "group": {k: v for k, v in labels.items() if k not in _IDENTITY},
        "summary": a.annotations.get("summary", ""),
        "starts_at": a.starts_at,
        "last_seen": a.last_seen,
        "ends_at": a.ends_at,
        "count": a.count,
    }

"""Alerts, incident history, acks, notifications, silences and summaries on Elasticsearch."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from secops.model.alert import AlertChange, alert_to_dict
from secops.store.codec import change_ledger_payload, change_time
from secops.store.ledger import LedgerKind
from secops.store.records import (
    Ack,
    ClassificationSummary,
    Incident,
    IncidentPage,
    IncidentQuery,
    Silence,
)
from secops.store.sqlite_incidents import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from secops.store.elasticsearch import ElasticsearchStore


def _history_id(alert_id: str, kind: str, at: float, count: int) -> str:
    return hashlib.sha256(f"{alert_id}\x00{kind}\x00{at!r}\x00{count}".encode()).hexdigest()[:32]


def _alert_doc(change: AlertChange, now: float) -> dict[str, Any]:
    a, labels = change.alert, change.alert.labels
    return {"id": a.id, "fingerprint": a.fingerprint, "rule_id": labels.get("rule_id", ""),
            "alertname": labels.get("alertname", ""), "severity": labels.get("severity", ""),
            "grade": labels.get("data_grade", ""), "status": a.status.value, "starts_at": a.starts_at,
            "last_seen": a.last_seen, "ends_at": a.ends_at, "count": a.count, "doc": alert_to_dict(a),
            "updated_at": now}


async def write_changes(s: ElasticsearchStore, changes: Sequence[AlertChange]) -> None:
    from secops.store.elasticsearch import month

    index = f"{s.settings.index_prefix}-incidents-*"
    keyed = [(c, _history_id(c.alert.id, c.kind.value, change_time(c), c.alert.count)) for c in changes]
    await s.refresh(index)
    found = await s.search_all(index, {"ids": {"values": [k for _, k in keyed]}}, [{"id": "asc"}])
    seen = {str(d["id"]) for d in found}
    new = []
    for change, key in keyed:
        if key not in seen:
            seen.add(key)
            new.append((change, key))
    if not new:
        return
    async with s.ledger_lock:
        now = s.clock.now()
        actions: list[dict[str, Any]] = []
        recs = s.stage(now, LedgerKind.ALERT, [change_ledger_payload(c) for c, _ in new], actions)
        for (change, key), rec in zip(new, recs, strict=True):
            at = change_time(change)
            actions.append({"_op_type": "create", "_index": f"{s.settings.index_prefix}-incidents-{month(at)}",
                            "_id": key, "_source": {"id": key, "alert_id": change.alert.id,
                                                    "kind": change.kind.value, "at": at, "ledger_seq": rec.seq,
                                                    "doc": alert_to_dict(change.alert)}})
            upsert: dict[str, Any] = {"_op_type": "update", "_index": s.ix_alerts, "_id": change.alert.id,
                                      "doc": _alert_doc(change, now), "doc_as_upsert": True}
            actions.append(upsert)
        await s.commit(actions, recs)


async def record_op(s: ElasticsearchStore, kind: str, alert_id: str, at: float, payload: Mapping[str, Any],
                    extra: list[dict[str, Any]] | None = None) -> int:
    async with s.ledger_lock:
        actions: list[dict[str, Any]] = list(extra or [])
        recs = s.stage(at, kind, [payload], actions)
        actions.append({"_op_type": "index", "_index": s.ix_ops, "_id": f"{kind}-{s.settings.chain_id}-{recs[0].seq}",
                        "_source": {"type": kind, "alert_id": alert_id, "at": at, "doc": dict(payload)}})
        await s.commit(actions, recs)
        return recs[0].seq


async def record_ack(s: ElasticsearchStore, ack: Ack) -> int:
    existing = await s.search(s.ix_alerts, {"ids": {"values": [ack.alert_id]}}, sort=[{"id": "asc"}], size=1)
    extra = []
    if existing and existing[0].get("acked_at") is None:
        extra.append({"_op_type": "update", "_index": s.ix_alerts, "_id": ack.alert_id,
                      "doc": {"acked_by": ack.principal, "acked_at": ack.at}})
    return await record_op(s, LedgerKind.ACK, ack.alert_id, ack.at, ack.payload(), extra)


async def record_silence(s: ElasticsearchStore, silence: Silence) -> int:
    doc = {"_op_type": "index", "_index": s.ix_ops, "_id": f"silence-{silence.id}",
           "_source": {"type": "silence", "id": silence.id, "starts_at": silence.starts_at,
                       "ends_at": silence.ends_at, "doc": silence.payload()}}
    return await record_op(s, LedgerKind.SILENCE, "", silence.created_at, silence.payload(), [doc])


async def active_silences(s: ElasticsearchStore, at: float) -> list[Silence]:
    q = {"bool": {"filter": [{"term": {"type": "silence"}}, {"range": {"starts_at": {"lte": at}}},
                             {"range": {"ends_at": {"gt": at}}}]}}
    out = []
    for d in await s.search_all(s.ix_ops, q, [{"id": "asc"}]):
        p = d["doc"]
        out.append(Silence(p["silence_id"], tuple(sorted(p["matchers"].items())), p["starts_at"], p["ends_at"],
                           p["created_by"], p["reason"], p["created_at"]))
    return out


def _summary_id(x: ClassificationSummary) -> str:
    return hashlib.sha256(f"{x.bucket_start!r}\x00{x.source}\x00{x.grade}\x00{x.category}".encode()).hexdigest()[:32]


async def write_summaries(s: ElasticsearchStore, rows: Sequence[ClassificationSummary]) -> None:
    current = {r.bucket_start: r for r in await summaries(s, min(r.bucket_start for r in rows),
                                                          max(r.bucket_start for r in rows) + 1)} if rows else {}
    merged: dict[str, ClassificationSummary] = {}
    for r in rows:
        key = _summary_id(r)
        base = merged.get(key) or next((c for c in current.values() if _summary_id(c) == key), None)
        merged[key] = r if base is None else ClassificationSummary(
            r.bucket_start, r.source, r.grade, r.category, base.events + r.events, base.findings + r.findings,
            max(base.distinct_subjects, r.distinct_subjects))
    await s.bulk([{"_op_type": "index", "_index": s.ix_ops, "_id": f"summary-{k}",
                   "_source": {"type": "summary", "at": v.bucket_start,
                               "doc": [v.bucket_start, v.source, v.grade, v.category, v.events, v.findings,
                                       v.distinct_subjects]}} for k, v in merged.items()], refresh=True)


async def summaries(s: ElasticsearchStore, start: float, end: float) -> list[ClassificationSummary]:
    q = {"bool": {"filter": [{"term": {"type": "summary"}}, {"range": {"at": {"gte": start, "lt": end}}}]}}
    rows = [ClassificationSummary(*d["doc"]) for d in await s.search_all(s.ix_ops, q, [{"at": "asc"}])]
    return sorted(rows, key=lambda r: (r.bucket_start, r.source, r.grade, r.category))


_STATE = {
    "firing": {"bool": {"filter": [{"term": {"status": "firing"}}],
                        "must_not": [{"exists": {"field": "acked_at"}}]}},
    "acknowledged": {"bool": {"filter": [{"term": {"status": "firing"}}, {"exists": {"field": "acked_at"}}]}},
    "resolved": {"term": {"status": "resolved"}},
}


def _filters(q: IncidentQuery) -> list[dict[str, Any]]:
    f: list[dict[str, Any]] = []
    rng = {k: v for k, v in (("gte", q.start), ("lt", q.end)) if v is not None}
    if rng:
        f.append({"range": {"starts_at": rng}})
    for field, values in (("grade", q.grades), ("severity", q.severities), ("rule_id", q.rules)):
        if values:
            f.append({"terms": {field: list(values)}})
    if q.states:
        f.append({"bool": {"should": [_STATE[x] for x in q.states], "minimum_should_match": 1}})
    return f


def _incident(d: dict[str, Any]) -> Incident:
    doc = d["doc"]
    state = "resolved" if d["status"] == "resolved" else (
        "acknowledged" if d.get("acked_at") is not None else "firing")
    return Incident(d["id"], d["fingerprint"], d["rule_id"], d["alertname"], d["severity"], d["grade"], state,
                    d["starts_at"], d["last_seen"], d.get("ends_at"), d["count"], dict(doc["labels"]),
                    dict(doc["annotations"]), d.get("acked_by"), d.get("acked_at"))


async def query(s: ElasticsearchStore, q: IncidentQuery) -> IncidentPage:
    after = list(decode_cursor(q.cursor)) if q.cursor else None
    await s.refresh(s.ix_alerts)
    docs = await s.search(s.ix_alerts, {"bool": {"filter": _filters(q)}},
                          sort=[{"starts_at": "desc"}, {"id": "desc"}], size=q.limit + 1, search_after=after)
    items = [_incident(d) for d in docs[: q.limit]]
    more = len(docs) > q.limit
    return IncidentPage(items, encode_cursor(items[-1].starts_at, items[-1].id) if more and items else "")


async def history(s: ElasticsearchStore, alert_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    index = f"{s.settings.index_prefix}-incidents-*"
    await s.refresh(index)
    for d in await s.search_all(index, {"term": {"alert_id": alert_id}}, [{"at": "asc"}]):
        out.append({"type": "change", "change": d["kind"], "at": d["at"], "status": d["doc"]["status"],
                    "count": d["doc"]["count"], "ledger_seq": d["ledger_seq"]})
    for d in await s.search_all(s.ix_ops, {"term": {"alert_id": alert_id}}, [{"at": "asc"}]):
        p = d["doc"]
        if d["type"] == "ack":
            out.append({"type": "ack", "at": p["at"], "principal": p["principal"], "comment": p["comment"]})
        elif d["type"] == "notification":
            out.append({"type": "notification", "at": p["at"], "channel": p["channel"], "target": p["target"],
                        "outcome": p["outcome"], "attempt": p["attempt"]})
    return sorted(out, key=lambda d: (d["at"], d["type"]))


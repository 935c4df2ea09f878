"""Alerts, incidents (an alert and its history), notifications, acks, silences and classification
summaries on an open SQLite connection; every state change is also a ledger record in the same transaction.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Sequence
from typing import Any

from secops.model.alert import AlertChange, alert_to_dict
from secops.store.codec import change_ledger_payload, change_time, dumps, loads
from secops.store.ledger import LedgerKind
from secops.store.records import (
    Ack,
    ClassificationSummary,
    Incident,
    IncidentPage,
    IncidentQuery,
    NotificationAttempt,
    Silence,
)
from secops.store.sqlite_ledger import LedgerWriter

_UPSERT_ALERT = """
INSERT INTO alerts (id, fingerprint, rule_id, alertname, severity, grade, status, starts_at, last_seen,
                    ends_at, count, doc, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen,
    ends_at = excluded.ends_at, count = excluded.count, doc = excluded.doc, updated_at = excluded.updated_at
"""


def _existing(conn: sqlite3.Connection, ids: list[str]) -> set[tuple[str, str, float, int]]:
    found: set[tuple[str, str, float, int]] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i: i + 500]
        rows = conn.execute("SELECT alert_id, kind, at, count FROM alert_history WHERE alert_id IN "
                            f"({', '.join('?' * len(chunk))})", chunk)
        found.update((str(a), str(k), float(t), int(c)) for a, k, t, c in rows)
    return found


def write_changes(conn: sqlite3.Connection, lw: LedgerWriter, changes: Sequence[AlertChange],
                  now: float) -> int:
    """Store changes not seen before (keyed by alert, kind, time and count); return how many were new."""
    seen = _existing(conn, sorted({c.alert.id for c in changes}))
    new: list[tuple[AlertChange, tuple[str, str, float, int], str]] = []
    for change in changes:
        a = change.alert
        key = (a.id, change.kind.value, change_time(change), a.count)
        if key not in seen:
            seen.add(key)
            new.append((change, key, dumps(alert_to_dict(a)).decode()))
    records = lw.stage_many(now, LedgerKind.ALERT, [change_ledger_payload(c) for c, _, _ in new])
    conn.executemany("INSERT INTO alert_history (alert_id, kind, at, count, doc, ledger_seq) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [(*key, doc, r.seq) for (_, key, doc), r in zip(new, records,
                                                                                                   strict=True)])
    rows = []
    for change, _, doc in new:
        a, labels = change.alert, change.alert.labels
        rows.append((a.id, a.fingerprint, labels.get("rule_id", ""), labels.get("alertname", ""),
                     labels.get("severity", ""), labels.get("data_grade", ""), a.status.value, a.starts_at,
                     a.last_seen, a.ends_at, a.count, doc, now))
    conn.executemany(_UPSERT_ALERT, rows)
    return len(new)


def record_notification(conn: sqlite3.Connection, lw: LedgerWriter, n: NotificationAttempt) -> int:
    conn.execute("INSERT INTO notifications (alert_id, channel, target, outcome, attempt, at, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (n.alert_id, n.channel, n.target, n.outcome, n.attempt, n.at, n.detail))
    return lw.stage(n.at, LedgerKind.NOTIFICATION, n.payload()).seq


def record_ack(conn: sqlite3.Connection, lw: LedgerWriter, ack: Ack) -> int:
    conn.execute("INSERT INTO acks (alert_id, principal, at, comment) VALUES (?, ?, ?, ?)",
                 (ack.alert_id, ack.principal, ack.at, ack.comment))
    conn.execute("UPDATE alerts SET acked_by = ?, acked_at = ? WHERE id = ? AND acked_at IS NULL",
                 (ack.principal, ack.at, ack.alert_id))
    return lw.stage(ack.at, LedgerKind.ACK, ack.payload()).seq


def record_silence(conn: sqlite3.Connection, lw: LedgerWriter, s: Silence) -> int:
    conn.execute("INSERT OR REPLACE INTO silences (id, matchers, starts_at, ends_at, created_by, reason, "
                 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (s.id, dumps(dict(s.matchers)).decode(), s.starts_at, s.ends_at, s.created_by, s.reason,
                  s.created_at))
    return lw.stage(s.created_at, LedgerKind.SILENCE, s.payload()).seq


def active_silences(conn: sqlite3.Connection, at: float) -> list[Silence]:
    rows = conn.execute("SELECT id, matchers, starts_at, ends_at, created_by, reason, created_at FROM silences "
                        "WHERE starts_at <= ? AND ends_at > ? ORDER BY id", (at, at)).fetchall()
    return [Silence(i, tuple(sorted(loads(m).items())), s, e, c, r, ca) for i, m, s, e, c, r, ca in rows]


def write_summaries(conn: sqlite3.Connection, summaries: Sequence[ClassificationSummary]) -> None:
    conn.executemany(
        "INSERT INTO classification_summaries (bucket_start, source, grade, category, events, findings, "
        "distinct_subjects) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
        "events = events + excluded.events, findings = findings + excluded.findings, "
        "distinct_subjects = MAX(distinct_subjects, excluded.distinct_subjects)",
        [(s.bucket_start, s.source, s.grade, s.category, s.events, s.findings, s.distinct_subjects)
         for s in summaries])


def summaries(conn: sqlite3.Connection, start: float, end: float) -> list[ClassificationSummary]:
    rows = conn.execute("SELECT bucket_start, source, grade, category, events, findings, distinct_subjects "
                        "FROM classification_summaries WHERE bucket_start >= ? AND bucket_start < ? "
                        "ORDER BY bucket_start, source, grade, category", (start, end)).fetchall()
    return [ClassificationSummary(*r) for r in rows]


# --- queries ------------------------------------------------------------------------------------------

_STATE_SQL = {
    "firing": "(status = 'firing' AND acked_at IS NULL)",
    "acknowledged": "(status = 'firing' AND acked_at IS NOT NULL)",
    "resolved": "(status = 'resolved')",
}


def encode_cursor(starts_at: float, alert_id: str) -> str:
    return base64.urlsafe_b64encode(dumps([starts_at, alert_id])).decode()


def decode_cursor(cursor: str) -> tuple[float, str]:
    """Raise ValueError on a cursor this store did not hand out."""
    try:
        starts_at, alert_id = loads(base64.urlsafe_b64decode(cursor.encode()))
        return float(starts_at), str(alert_id)
    except (ValueError, TypeError) as err:
        raise ValueError(f"invalid cursor {cursor!r}") from err


def _in(column: str, values: tuple[str, ...], where: list[str], args: list[Any]) -> None:
    if values:
        where.append(f"{column} IN ({', '.join('?' * len(values))})")
        args.extend(values)


def _where(q: IncidentQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if q.start is not None:
        where.append("starts_at >= ?")
        args.append(q.start)
    if q.end is not None:
        where.append("starts_at < ?")
        args.append(q.end)
    _in("grade", q.grades, where, args)
    _in("severity", q.severities, where, args)
    _in("rule_id", q.rules, where, args)
    if q.states:
        where.append("(" + " OR ".join(_STATE_SQL[s] for s in q.states) + ")")
    if q.cursor:
        starts_at, alert_id = decode_cursor(q.cursor)
        where.append("(starts_at < ? OR (starts_at = ? AND id < ?))")
        args.extend((starts_at, starts_at, alert_id))
    return where, args


def _incident(row: sqlite3.Row | tuple[Any, ...]) -> Incident:
    (id_, fp, rule, name, sev, grade, status, starts, last, ends, count, doc, acked_by, acked_at) = row
    d = loads(doc)
    state = "resolved" if status == "resolved" else ("acknowledged" if acked_at is not None else "firing")
    return Incident(id_, fp, rule, name, sev, grade, state, starts, last, ends, count, dict(d["labels"]),
                    dict(d["annotations"]), acked_by, acked_at)


def query_incidents(conn: sqlite3.Connection, q: IncidentQuery) -> IncidentPage:
    """Newest first (by start time, then id); keyset pagination through ``next_cursor``."""
    where, args = _where(q)
    sql = ("SELECT id, fingerprint, rule_id, alertname, severity, grade, status, starts_at, last_seen, ends_at, "
           "count, doc, acked_by, acked_at FROM alerts"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY starts_at DESC, id DESC LIMIT ?")
    rows = conn.execute(sql, (*args, q.limit + 1)).fetchall()
    items = [_incident(r) for r in rows[: q.limit]]
    more = len(rows) > q.limit
    return IncidentPage(items, encode_cursor(items[-1].starts_at, items[-1].id) if more and items else "")


def history(conn: sqlite3.Connection, alert_id: str) -> list[dict[str, Any]]:
    """The incident's changes, acks and notification attempts, oldest first."""
    out: list[dict[str, Any]] = []
    for kind, at, doc, seq in conn.execute(
            "SELECT kind, at, doc, ledger_seq FROM alert_history WHERE alert_id = ?", (alert_id,)):
        d = loads(doc)
        out.append({"type": "change", "change": kind, "at": at, "status": d["status"], "count": d["count"],
                    "ledger_seq": seq})
    for principal, at, comment in conn.execute(
            "SELECT principal, at, comment FROM acks WHERE alert_id = ?", (alert_id,)):
        out.append({"type": "ack", "at": at, "principal": principal, "comment": comment})
    for channel, target, outcome, attempt, at in conn.execute(
            "SELECT channel, target, outcome, attempt, at FROM notifications WHERE alert_id = ?", (alert_id,)):
        out.append({"type": "notification", "at": at, "channel": channel, "target": target,
                    "outcome": outcome, "attempt": attempt})
    return sorted(out, key=lambda d: (d["at"], d["type"]))


def purge_before(conn: sqlite3.Connection, cutoff: float) -> int:
    """Remove incidents that ended before ``cutoff`` with their history, acks and notifications."""
    old = "SELECT id FROM alerts WHERE status = 'resolved' AND ends_at < ?"
    for table, column in (("alert_history", "alert_id"), ("acks", "alert_id"), ("notifications", "alert_id")):
        conn.execute(f"DELETE FROM {table} WHERE {column} IN ({old})", (cutoff,))
    conn.execute("DELETE FROM silences WHERE ends_at < ?", (cutoff,))
    conn.execute("DELETE FROM classification_summaries WHERE bucket_start < ?", (cutoff,))
    return conn.execute("DELETE FROM alerts WHERE status = 'resolved' AND ends_at < ?", (cutoff,)).rowcount

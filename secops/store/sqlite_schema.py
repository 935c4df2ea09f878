"""SQLite schema of the embedded store. ``SCHEMA_VERSION`` goes up with every change."""

from __future__ import annotations

SCHEMA_VERSION = 1

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA temp_store=MEMORY",
)

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, timestamp REAL NOT NULL, received_at REAL NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
CREATE TABLE IF NOT EXISTS kv (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, rule_id TEXT NOT NULL, alertname TEXT NOT NULL,
    severity TEXT NOT NULL, grade TEXT NOT NULL, status TEXT NOT NULL, starts_at REAL NOT NULL,
    last_seen REAL NOT NULL, ends_at REAL, count INTEGER NOT NULL, doc TEXT NOT NULL,
    acked_by TEXT, acked_at REAL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_starts ON alerts (starts_at);
CREATE TABLE IF NOT EXISTS alert_history (
    alert_id TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL, count INTEGER NOT NULL,
    doc TEXT NOT NULL, ledger_seq INTEGER NOT NULL, PRIMARY KEY (alert_id, kind, at, count)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL,
    outcome TEXT NOT NULL, attempt INTEGER NOT NULL, at REAL NOT NULL, detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_alert ON notifications (alert_id);
CREATE TABLE IF NOT EXISTS acks (
    id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, principal TEXT NOT NULL, at REAL NOT NULL,
    comment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acks_alert ON acks (alert_id);
CREATE TABLE IF NOT EXISTS silences (
    id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at REAL NOT NULL, ends_at REAL NOT NULL,
    created_by TEXT NOT NULL, reason TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS classification_summaries (
    bucket_start REAL NOT NULL, source TEXT NOT NULL, grade TEXT NOT NULL, category TEXT NOT NULL,
    events INTEGER NOT NULL, findings INTEGER NOT NULL, distinct_subjects INTEGER NOT NULL,
    PRIMARY KEY (bucket_start, source, grade, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_ts ON ledger (ts);
CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, ts REAL NOT NULL, signature TEXT NOT NULL
);
"""

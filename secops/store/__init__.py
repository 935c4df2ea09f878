"""Incident store (SQLite default, Elasticsearch), hash-chained ledger, export and verification."""

from secops.store.base import AuditStore, FullStore, IncidentStore, Store
from secops.store.config import ElasticsearchStoreSettings, SqliteStoreSettings, StoreSettings
from secops.store.factory import open_store

__all__ = [
    "AuditStore",
    "ElasticsearchStoreSettings",
    "FullStore",
    "IncidentStore",
    "SqliteStoreSettings",
    "Store",
    "StoreSettings",
    "open_store",
]

"""Build the configured store backend."""

from __future__ import annotations

from secops.clock import Clock
from secops.store.base import FullStore
from secops.store.config import ElasticsearchStoreSettings, SqliteStoreSettings
from secops.store.ledger import Signer
from secops.telemetry.metrics import Metrics


def load_signer(settings: SqliteStoreSettings | ElasticsearchStoreSettings) -> Signer | None:
    """The Ed25519 checkpoint/manifest signer from ``signing_key_path``, or None when not configured."""
    if settings.signing_key_path is None:
        return None
    return Signer.from_pem_file(settings.signing_key_path)


async def open_store(settings: SqliteStoreSettings | ElasticsearchStoreSettings, *, clock: Clock,
                     metrics: Metrics | None = None) -> FullStore:
    """Open (and create if needed) the store; raises StoreUnavailable when the backend is unreachable."""
    signer = load_signer(settings)
    if isinstance(settings, SqliteStoreSettings):
        from secops.store.sqlite import SqliteStore

        store: FullStore = await SqliteStore.open(settings, clock=clock, metrics=metrics, signer=signer)
        if metrics is not None:
            metrics.store_up.set(1)
        return store
    from secops.store.elasticsearch import ElasticsearchStore

    es: FullStore = await ElasticsearchStore.open(settings, clock=clock, metrics=metrics, signer=signer)
    if metrics is not None:
        metrics.store_up.set(1)
    return es

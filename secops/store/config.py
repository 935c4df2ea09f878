"""Store settings: the ``store:`` block of secops.yaml, tagged by ``type``.

Retention can never be set below 180 days: Article 21 of the Cybersecurity Law of the PRC requires network
logs be kept no less than six months, so a shorter setting is refused when the config is loaded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MIN_RETENTION_DAYS = 180

RETENTION_EXPLANATION = (
    "is under the legal minimum of {minimum} days: the Cybersecurity Law of the PRC (Article 21) requires "
    "network logs be kept no less than six months; set {minimum} or more"
)


class _StoreCommon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(default=MIN_RETENTION_DAYS, description="alerts, incidents and ledger")
    events_retention_days: int = Field(default=MIN_RETENTION_DAYS, description="masked events")
    checkpoint_every_records: int = Field(default=1000, ge=1, le=1_000_000)
    signing_key_path: str | None = Field(
        default=None, description="Ed25519 private key (PEM, PKCS#8) that signs checkpoints and manifests"
    )
    journal_dir: str = "./var/journal"
    journal_max_bytes: int = Field(default=256 * 1024 * 1024, ge=64 * 1024)

    @field_validator("retention_days", "events_retention_days")
    @classmethod
    def _legal_minimum(cls, value: int) -> int:
        if value < MIN_RETENTION_DAYS:
            raise ValueError(f"{value} days " + RETENTION_EXPLANATION.format(minimum=MIN_RETENTION_DAYS))
        return value


class SqliteStoreSettings(_StoreCommon):
    """The embedded default: one SQLite file in WAL mode."""

    type: Literal["sqlite"] = "sqlite"
    path: str = "./var/secops.db"
    busy_timeout_seconds: float = Field(default=5.0, ge=0.0, le=600.0)


class ElasticsearchStoreSettings(_StoreCommon):
    """A shared Elasticsearch 8.x cluster (the client's major version is pinned to 8)."""

    type: Literal["elasticsearch"]
    urls: list[str] = Field(min_length=1)
    index_prefix: str = Field(default="secops", pattern=r"^[a-z][a-z0-9_-]{0,40}$")
    chain_id: str = Field(default="node-1", pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$",
                          description="one ledger chain per daemon writing to the cluster")
    request_timeout_seconds: float = Field(default=10.0, gt=0.0, le=300.0)
    max_retries: int = Field(default=2, ge=0, le=10)
    api_key_file: str | None = None
    bulk_chunk_size: int = Field(default=500, ge=1, le=10_000)

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r}: expected an http:// or https:// URL")
        return urls


StoreSettings = Annotated[SqliteStoreSettings | ElasticsearchStoreSettings, Field(discriminator="type")]

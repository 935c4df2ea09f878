from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from secops.errors import ConfigError
from secops.store.config import ElasticsearchStoreSettings, SqliteStoreSettings, StoreSettings
from secops.yamlio import load_text, validate

ADAPTER: TypeAdapter[SqliteStoreSettings | ElasticsearchStoreSettings] = TypeAdapter(StoreSettings)


def test_store_settings_default_sqlite_keeps_180_days() -> None:
    s = ADAPTER.validate_python({"type": "sqlite"})
    assert isinstance(s, SqliteStoreSettings)
    assert s.retention_days == 180
    assert s.path == "./var/secops.db"


def test_store_settings_elasticsearch_by_type() -> None:
    s = ADAPTER.validate_python({"type": "elasticsearch", "urls": ["http://127.0.0.1:9200"]})
    assert isinstance(s, ElasticsearchStoreSettings)


def test_retention_under_180_days_refused_with_explanation_and_position() -> None:
    doc = load_text("type: sqlite\npath: ./x.db\nretention_days: 90\n", "secops.yaml")
    with pytest.raises(ConfigError) as info:
        validate(SqliteStoreSettings, doc)
    text = str(info.value)
    assert "secops.yaml:3:17" in text
    assert "90 days is under the legal minimum of 180 days" in text
    assert "Cybersecurity Law" in text


def test_event_retention_under_180_days_refused() -> None:
    with pytest.raises(ValueError, match="six months"):
        ADAPTER.validate_python({"type": "sqlite", "events_retention_days": 30})


def test_unknown_option_refused() -> None:
    with pytest.raises(ValueError, match="Extra inputs"):
        ADAPTER.validate_python({"type": "sqlite", "pathh": "x"})


def test_elasticsearch_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="expected an http"):
        ADAPTER.validate_python({"type": "elasticsearch", "urls": ["127.0.0.1:9200"]})

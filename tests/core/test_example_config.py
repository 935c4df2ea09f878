"""deploy/secops.example.yaml validates and mentions every option of every settings model."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from pydantic import BaseModel

from secops.check import collect
from secops.settings import Settings
from secops.sources.config import FileSource, HttpSource, MqttSource, SyslogSource
from secops.store.config import ElasticsearchStoreSettings, SqliteStoreSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "secops.example.yaml"


def option_names(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for candidate in (info.annotation, *get_args(info.annotation)):  # X, X | None, dict[str, X]
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                names |= option_names(candidate)
    return names


def test_example_config_has_no_errors() -> None:
    errors = [i for i in collect(str(EXAMPLE)) if i.level == "error"]
    assert errors == []


def test_example_config_documents_every_option() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    models = [Settings, MqttSource, SyslogSource, HttpSource, FileSource, SqliteStoreSettings,
              ElasticsearchStoreSettings]
    missing = sorted(n for m in models for n in option_names(m) if f"{n}:" not in text)
    assert missing == []

"""The root config model. One YAML file; every error is reported as ``path:line:col: message``."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secops import yamlio
from secops.alerting.config import AlertingSettings, AlertmanagerSettings
from secops.classify.config import ClassificationSettings
from secops.console.config import ConsoleSettings
from secops.errors import ConfigError, Issue
from secops.playbooks.config import PlaybookSettings
from secops.sources.config import HttpSource, SourceSettings, SyslogSource
from secops.store.config import SqliteStoreSettings, StoreSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(_Strict):
    address: str = "127.0.0.1:8080"
    public_url: str | None = None  # how operators reach the console; used in links and generatorURL


class TokenEntry(_Strict):
    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[Literal["ingest", "operator", "rule_editor", "auditor", "admin"]] = Field(min_length=1)


class AuthSettings(_Strict):
    tokens: list[TokenEntry] = Field(default_factory=list)


class RulesSettings(_Strict):
    paths: list[str] = Field(default_factory=lambda: ["./rules"])
    local_paths: list[str] = Field(default_factory=list)  # site additions and overrides
    watch: bool = True
    expand: dict[str, list[str]] = Field(default_factory=dict)  # Sigma %placeholder% values
    lateness_seconds: float = Field(default=60.0, ge=0)  # how late an event may arrive and still count


class PipelineSettings(_Strict):
    queue_max_records: int = Field(default=20_000, gt=0)
    batch_max_records: int = Field(default=1_000, gt=0)
    batch_max_seconds: float = Field(default=0.0, ge=0)  # extra wait to grow a batch; 0 = take what is queued
    shutdown_deadline_seconds: float = Field(default=20.0, gt=0)
    dead_letter_dir: str = "./var/deadletter"
    external_zones: list[str] = Field(default_factory=lambda: ["internet"])
    store_events: bool = True


class LogSettings(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["json", "text"] = "json"


def _zones(value: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, cidrs in value.items():
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as err:
                raise ValueError(f"zone {name}: {err}") from err
    return value


class Settings(_Strict):
    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    http: HttpSettings = HttpSettings()
    zones: dict[str, list[str]] = Field(default_factory=dict)
    store: StoreSettings = SqliteStoreSettings()
    rules: RulesSettings = RulesSettings()
    playbooks: PlaybookSettings = PlaybookSettings()
    console: ConsoleSettings = ConsoleSettings()
    alertmanager: AlertmanagerSettings | None = None
    alerting: AlertingSettings = AlertingSettings()
    classification: ClassificationSettings = ClassificationSettings()
    auth: AuthSettings = AuthSettings()
    pipeline: PipelineSettings = PipelineSettings()
    log: LogSettings = LogSettings()
    state_dir: str = "./var"

    @field_validator("zones")
    @classmethod
    def _check_zones(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _zones(value)


EMBEDDED_DEFAULT: dict[str, Any] = {
    "sources": {
        "syslog": {"type": "syslog", "mode": "both", "address": "127.0.0.1:5514"},
        "http": {"type": "http"},
    },
}


def default_settings() -> Settings:
    """The embedded default: SQLite under ./var, HTTP on 127.0.0.1:8080, syslog UDP+TCP on 127.0.0.1:5514."""
    return Settings.model_validate(EMBEDDED_DEFAULT)


def load_settings(path: str | Path | None) -> Settings:
    """Load and validate a config file; ``None`` gives the embedded default. Raises ConfigError."""
    if path is None:
        return default_settings()
    doc = yamlio.load_file(path)
    if doc.data is None:
        doc.data = {}
    settings = yamlio.validate(Settings, doc)
    issues = cross_check(settings, doc)
    if any(i.level == "error" for i in issues):
        raise ConfigError(issues)
    return settings


def cross_check(settings: Settings, doc: yamlio.Document) -> list[Issue]:
    """Checks that span sections: one HTTP ingest source at most, no two listeners on one address."""
    issues: list[Issue] = []
    http_sources = [k for k, v in settings.sources.items() if isinstance(v, HttpSource)]
    for extra in http_sources[1:]:
        issues.append(doc.issue(("sources", extra), f"sources.{extra}: only one http source may be configured"))
    issues.extend(_format_issues(settings, doc))
    seen: dict[str, str] = {}
    for key, source in settings.sources.items():
        if isinstance(source, SyslogSource):
            if source.address in seen:
                message = f"sources.{key}.address: {source.address} already used by {seen[source.address]}"
                issues.append(doc.issue(("sources", key, "address"), message))
            seen[source.address] = key
    return issues


def _format_issues(settings: Settings, doc: yamlio.Document) -> list[Issue]:
    from secops.parse import ParserOptions, options_problems

    issues = []
    for key, source in settings.sources.items():
        options = ParserOptions(format=source.format, log_format=source.log_format,
                                encoding=None if source.encoding == "utf-8" else source.encoding)
        for problem in options_problems(options):
            where = "log_format" if "log_format" in problem else "format"
            issues.append(doc.issue(("sources", key, where), f"sources.{key}.{where}: {problem}"))
    return issues

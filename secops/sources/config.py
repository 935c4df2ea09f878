"""Source settings, one model per ``type`` (a discriminated union keyed by ``type``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secops.secrets import SecretRef


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsSettings(_Strict):
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify: bool = True


class SourceBase(_Strict):
    format: str = "auto"
    encoding: Literal["utf-8", "gb18030"] = "utf-8"
    log_format: str | None = None  # nginx log_format for access logs; "combined" when unset
    max_record_bytes: int = Field(default=65536, gt=0)


def _address(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("expected host:port, e.g. 127.0.0.1:5514")
    return value


class MqttSource(SourceBase):
    type: Literal["mqtt"]
    url: str = "mqtt://127.0.0.1:1883"
    topics: list[str] = Field(min_length=1)
    client_id: str = Field(min_length=1)
    protocol: Literal["3.1.1", "5"] = "5"
    qos: Literal[0, 1] = 1
    shared_group: str | None = None
    session_expiry_seconds: int = Field(default=86400, ge=0)
    username: str | None = None
    password: SecretRef | None = None
    tls: TlsSettings | None = None
    keepalive_seconds: int = Field(default=30, gt=0)
    reconnect_min_seconds: float = Field(default=0.5, gt=0)
    reconnect_max_seconds: float = Field(default=30.0, gt=0)
    max_inflight_messages: int = Field(default=1000, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("mqtt://", "mqtts://")):
            raise ValueError("expected mqtt://host:port or mqtts://host:port")
        return value


class SyslogSource(SourceBase):
    type: Literal["syslog"]
    mode: Literal["udp", "tcp", "both"] = "both"
    address: str = "127.0.0.1:5514"
    tls: TlsSettings | None = None
    format: str = "syslog"
    max_connections: int = Field(default=256, gt=0)
    udp_receive_buffer_bytes: int = Field(default=4 * 1024 * 1024, gt=0)

    @field_validator("address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        return _address(value)


class HttpSource(SourceBase):
    type: Literal["http"]
    format: str = "json"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_events_per_request: int = Field(default=100_000, gt=0)


class FileSource(SourceBase):
    type: Literal["file"]
    paths: list[str] = Field(min_length=1)
    start_at: Literal["beginning", "end"] = "beginning"
    poll_interval_seconds: float = Field(default=0.25, gt=0)
    read_chunk_bytes: int = Field(default=1024 * 1024, gt=0)
    glob_interval_seconds: float = Field(default=2.0, gt=0)


SourceSettings = Annotated[MqttSource | SyslogSource | HttpSource | FileSource, Field(discriminator="type")]

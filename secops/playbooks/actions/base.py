"""What every action (one module per channel type) shares: config base, message, outcome, limits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from secops.clock import Clock


class RetryModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=4, ge=1, le=20)
    initial_backoff_seconds: float = Field(default=2.0, gt=0, le=3600)
    max_backoff_seconds: float = Field(default=300.0, gt=0, le=86400)


class ChannelModel(BaseModel):
    """Options every channel has. A channel type adds its own (and its ``type`` literal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    retry: RetryModel = Field(default_factory=lambda: RetryModel())
    fallback: str | None = None  # channel to use after a dead letter or a throttle with no robot left
    masking: Literal["strict", "annotations"] = "strict"
    language: Literal["zh-CN", "en"] | None = None


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # 5xx, timeout, connection refused: try again later
    FAILED = "failed"  # 4xx or a vendor error that will not go away
    THROTTLED = "throttled"  # a vendor throttle code: use another robot or the fallback


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    status: int | None = None
    vendor_code: int | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered notification, already masked for the channel it goes to."""

    kind: str  # page, escalation, update, ack, resolved, flapping, digest, reminder
    title: str
    text: str  # markdown-ish body for IM, plain text for SMS/email text part
    idempotency_key: str
    html: str | None = None
    mentions: tuple[str, ...] = ()  # robot @ targets
    recipients: tuple[str, ...] = ()  # addresses on per-person channels
    link: str = ""  # console link for "and N more"
    ack_links: tuple[tuple[str, str], ...] = ()  # (person display name, signed URL)
    alerts: tuple[Mapping[str, Any], ...] = ()  # masked structured alert summaries
    sent_at: float = 0.0


@dataclass(frozen=True, slots=True)
class VendorLimits:
    """Per-robot budget from a vendor's published limits."""

    per_minute: int
    per_second: int | None = None
    penalty_seconds: float = 0.0  # how long the vendor blocks a robot after a throttle code
    avoid_half_hour_marks: bool = False


class Action(Protocol):
    @property
    def channel(self) -> str: ...

    @property
    def type_name(self) -> str: ...

    @property
    def model(self) -> ChannelModel: ...

    @property
    def limits(self) -> VendorLimits | None: ...

    @property
    def robot_count(self) -> int:
        """0 for channels without a budget."""
        ...

    @property
    def per_person(self) -> bool:
        """One message per person (email, sms) or one per step (robots, webhook, mqtt)."""
        ...

    async def send(self, message: Message, *, robot: int = 0) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class BuildContext:
    http: httpx.AsyncClient
    clock: Clock


def redact_url(url: str) -> str:
    """A URL safe for logs: scheme, host and a short hash; never the path or query (which hold keys)."""
    parts = urlsplit(url)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{parts.scheme}://{parts.hostname or '?'}/…#{digest}"


def robot_id(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:12]

"""The playbook YAML boundary: typed, ``extra="forbid"`` models for every section of a playbook file.

A playbook directory holds any number of YAML files; each may carry any of the top-level sections below,
and the loader merges them (an id defined twice is an error naming both places).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from secops.playbooks.holidays import CalendarModel
from secops.playbooks.matchers import parse_matcher
from secops.playbooks.oncall import OncallModel, PersonModel
from secops.playbooks.timeintervals import TimeIntervalModel

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_matchers(values: list[str]) -> list[str]:
    for value in values:
        parse_matcher(value)
    return values


class NotifySpec(_M):
    """Who and how: a tier (whoever is on it now), named people, or only the listed group channels."""

    tier: str | None = None
    people: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)  # empty: each person's own contacts
    template: str | None = None
    time_intervals: list[str] = Field(default_factory=list)  # only send while one of these is active

    @model_validator(mode="after")
    def _target(self) -> NotifySpec:
        if self.tier is None and not self.people and not self.channels:
            raise ValueError("notify needs a 'tier', 'people' or 'channels'")
        return self


class WaitSpec(_M):
    timeout_seconds: float = Field(gt=0, le=7 * 86400)


class RepeatSpec(_M):
    every_seconds: float = Field(gt=0, le=7 * 86400)
    times: int = Field(default=3, ge=1, le=100)


class Step(_M):
    """Exactly one of ``notify``, ``escalate``, ``wait_for_ack`` or ``repeat``."""

    notify: NotifySpec | None = None
    escalate: NotifySpec | None = None
    wait_for_ack: WaitSpec | None = None
    repeat: RepeatSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        given = [k for k in ("notify", "escalate", "wait_for_ack", "repeat") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a step takes exactly one of notify, escalate, wait_for_ack, repeat")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("notify", "escalate", "wait_for_ack", "repeat") if getattr(self, k) is not None)


class RateLimit(_M):
    max_notifications: int = Field(ge=1, le=100000)
    per_seconds: float = Field(gt=0, le=86400)


class OnAck(_M):
    notify_paged: bool = True  # tell everyone already paged who took it
    template: str = "ack"


class OnResolve(_M):
    notify_paged: bool = True  # a resolved notice to everyone paged, and only them
    template: str = "resolved"


class Flapping(_M):
    transitions: int = Field(default=4, ge=2, le=100)
    window_seconds: float = Field(default=900.0, gt=0, le=86400)


class PlaybookModel(_M):
    id: str = Field(pattern=ID_PATTERN)
    name: str = ""
    match: list[str] = Field(default_factory=list)
    continue_matching: bool = Field(default=False, alias="continue")
    group_by: list[str] | None = None  # None: one group per alert fingerprint
    group_wait_seconds: float = Field(default=0.0, ge=0, le=3600)
    group_interval_seconds: float = Field(default=300.0, ge=0, le=86400)
    rate_limit: RateLimit | None = None
    active_time_intervals: list[str] = Field(default_factory=list)
    mute_time_intervals: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    on_ack: OnAck = Field(default_factory=lambda: OnAck())
    on_resolve: OnResolve = Field(default_factory=lambda: OnResolve())
    flapping: Flapping | None = Field(default_factory=lambda: Flapping())
    language: Literal["zh-CN", "en"] | None = None

    @field_validator("match")
    @classmethod
    def _matchers(cls, values: list[str]) -> list[str]:
        return _check_matchers(values)


class TestAlert(_M):
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)


class TestEvent(_M):
    """Something that happens to the alert ``after_seconds`` from the test's start."""

    after_seconds: float = Field(ge=0, le=30 * 86400)
    fire: bool = False
    resolve: bool = False
    ack: str | None = None  # person id

    @model_validator(mode="after")
    def _one(self) -> TestEvent:
        if sum([self.fire, self.resolve, self.ack is not None]) != 1:
            raise ValueError("an event is exactly one of fire: true, resolve: true, ack: <person>")
        return self


class TestExpect(_M):
    after_seconds: float = Field(ge=0)
    channel: str
    kind: str = "page"
    person: str = ""  # "" for group channels without a person


class PlaybookTestModel(_M):
    name: str
    at: datetime
    alert: TestAlert
    events: list[TestEvent] = Field(default_factory=list)
    expect: list[TestExpect] = Field(default_factory=list)
    expect_exactly: bool = True  # nothing else may be sent
    run_seconds: float = Field(default=3600.0, gt=0, le=30 * 86400)


class PlaybookFile(_M):
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)  # validated per type by the registry
    time_intervals: dict[str, list[TimeIntervalModel]] = Field(default_factory=dict)
    playbooks: list[PlaybookModel] = Field(default_factory=list)
    tests: list[PlaybookTestModel] = Field(default_factory=list)
    people: dict[str, PersonModel] = Field(default_factory=dict)
    oncall: OncallModel | None = None
    calendar: CalendarModel | None = None

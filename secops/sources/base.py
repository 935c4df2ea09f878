"""What every source shares: the registry, the context it is built with, and its telemetry."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from secops.clock import Clock
from secops.deadletter import DeadLetter, Rejected
from secops.pipeline import Pipeline
from secops.registry import Registry
from secops.telemetry.metrics import Metrics


@dataclass(frozen=True, slots=True)
class SourceContext:
    pipeline: Pipeline
    metrics: Metrics
    clock: Clock
    state_dir: Path
    dead_letter: DeadLetter


class Source(Protocol):
    key: str

    @property
    def ready(self) -> bool:
        """Connected (or listening) and taking input."""
        ...

    async def run(self) -> None:
        """Run until cancelled; reconnect on failure."""
        ...

    def stop_intake(self) -> None:
        """Stop taking new input; what was handed to the pipeline still completes and is acknowledged."""
        ...

    async def close(self) -> None:
        """After the pipeline drained: flush acknowledgements and offsets, then make ``run`` return."""
        ...


SourceFactory = Callable[[str, Any, SourceContext], Source]
SOURCES: Registry[SourceFactory] = Registry("source")


class SourceTelemetry:
    """The counters every source keeps, bound to its key."""

    def __init__(self, key: str, ctx: SourceContext) -> None:
        self.key = key
        self._ctx = ctx
        self._received = ctx.metrics.events_received_total.labels(key)
        self._last = ctx.metrics.source_last_event_timestamp_seconds.labels(key)
        self._up = ctx.metrics.source_up.labels(key)
        self._up.set(0)

    def received(self) -> None:
        """A delivery arrived. Records are counted in ``events_received_total`` by the pipeline after
        splitting, so a message carrying many events counts each of them."""
        self._last.set(self._ctx.clock.now())

    def up(self, value: bool) -> None:
        self._up.set(1 if value else 0)

    def reject(self, reason: str, detail: str, raw: bytes, position: str = "") -> None:
        """Count and dead-letter input that never becomes a record (oversized line, bad framing)."""
        self._received.inc()
        self._ctx.metrics.events_rejected_total.labels(self.key, reason).inc()
        self._ctx.dead_letter.write([Rejected(self.key, reason, detail, raw, self._ctx.clock.now(), position)])

    def dropped(self) -> None:
        self._received.inc()
        self._ctx.metrics.events_dropped_total.labels(self.key).inc()


class Backoff:
    """Capped exponential backoff with full jitter."""

    def __init__(self, minimum: float, maximum: float) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self._attempt = 0

    def next(self) -> float:
        ceiling = min(self.maximum, self.minimum * (2**self._attempt))
        self._attempt += 1
        return random.uniform(self.minimum, max(self.minimum, ceiling))

    def reset(self) -> None:
        self._attempt = 0

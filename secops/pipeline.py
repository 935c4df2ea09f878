"""The event pipeline: bounded intake queue -> micro-batches -> pure processing -> durable sink -> ack.

Sources hand ``RawEvent``s to ``Pipeline.submit`` (waits for room: backpressure, for MQTT and files and
HTTP) or ``Pipeline.offer`` (never waits: UDP syslog counts a drop instead). One consumer task takes
micro-batches in arrival order, runs the synchronous ``process`` stage on each raw event (split, decode,
parse, normalize, classify, detect), then awaits the ``sink`` (store the events, dead-letter the rejects,
hand alerts on). Only after the sink returns are the raw events' tickets released, which is when the source
acknowledges upstream: nothing acknowledged upstream is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from secops.clock import Clock
from secops.deadletter import Rejected
from secops.model.alert import Detection
from secops.model.event import Event, RawEvent
from secops.telemetry.metrics import Metrics

log = logging.getLogger("secops.pipeline")


@dataclass(slots=True)
class Batch:
    """What one micro-batch produced."""

    events: list[Event] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)
    raws: list[RawEvent] = field(default_factory=list)


Process = Callable[[RawEvent, Batch], None]
Finish = Callable[[Batch], None]
Sink = Callable[[Batch], Awaitable[None]]


class Pipeline:
    """One bounded queue and one consumer, so processing order equals arrival order."""

    def __init__(
        self,
        *,
        process: Process,
        sink: Sink,
        finish: Finish | None = None,
        metrics: Metrics,
        clock: Clock,
        queue_max_records: int = 20_000,
        batch_max_records: int = 1_000,
        batch_max_seconds: float = 0.0,
    ) -> None:
        self._process = process
        self._finish = finish
        self._sink = sink
        self._metrics = metrics
        self._clock = clock
        self._queue: asyncio.Queue[RawEvent] = asyncio.Queue(maxsize=queue_max_records)
        self._batch_max = batch_max_records
        self._batch_seconds = batch_max_seconds
        self._accepting = True
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_flight = 0
        metrics.queue_capacity.labels("intake").set(queue_max_records)

    # -- intake ---------------------------------------------------------------------------------------
    @property
    def accepting(self) -> bool:
        return self._accepting

    def room(self) -> int:
        return self._queue.maxsize - self._queue.qsize()

    def fill_ratio(self) -> float:
        return self._queue.qsize() / self._queue.maxsize

    async def submit(self, raw: RawEvent) -> None:
        """Wait for room, then enqueue (backpressure). Raises ``ShuttingDown`` once intake has stopped."""
        if not self._accepting:
            raise ShuttingDown
        self._idle.clear()
        await self._queue.put(raw)
        self._metrics.queue_depth.labels("intake").set(self._queue.qsize())

    def offer(self, raw: RawEvent) -> bool:
        """Enqueue if there is room now; False when full or shutting down (the caller counts the drop)."""
        if not self._accepting:
            return False
        try:
            self._queue.put_nowait(raw)
        except asyncio.QueueFull:
            return False
        self._idle.clear()
        return True

    def stop_intake(self) -> None:
        self._accepting = False

    async def drained(self) -> None:
        """Return once everything enqueued so far has gone through the sink."""
        await self._idle.wait()

    # -- consumer -------------------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            raws = await self._next_batch()
            self._in_flight = len(raws)
            try:
                await self._handle(raws)
            finally:
                self._in_flight = 0
                self._metrics.queue_depth.labels("intake").set(self._queue.qsize())
                if self._queue.empty():
                    self._idle.set()

    async def _next_batch(self) -> list[RawEvent]:
        first = await self._queue.get()
        raws = [first]
        deadline = self._clock.monotonic() + self._batch_seconds
        while len(raws) < self._batch_max:
            try:
                raws.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                break
            try:
                raws.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return raws

    async def _handle(self, raws: Sequence[RawEvent]) -> None:
        started = self._clock.monotonic()
        batch = Batch(raws=list(raws))
        for raw in raws:
            self._process(raw, batch)
        if self._finish is not None:
            self._finish(batch)
        # The sink retries internally until the store takes the batch; if it raises, the raws are not
        # acknowledged, so upstream redelivers them.
        await self._sink(batch)
        for raw in raws:
            if raw.ticket is not None:
                raw.ticket.close()
        self._metrics.batch_seconds.observe(self._clock.monotonic() - started)


class ShuttingDown(Exception):
    """Intake has stopped; the caller should not acknowledge upstream."""

"""The ``http`` source: it has no socket of its own; the API server's ``POST /api/v1/events`` feeds it
(see secops/api/ingest.py)."""

from __future__ import annotations

import asyncio
import itertools

from secops.sources.base import SOURCES, SourceContext, SourceTelemetry
from secops.sources.config import HttpSource


class HttpIngest:
    """The ``http`` source: it has no socket of its own; the API server's ingest route feeds it."""

    def __init__(self, key: str, settings: HttpSource, ctx: SourceContext) -> None:
        self.key = key
        self.settings = settings
        self.ctx = ctx
        self.telemetry = SourceTelemetry(key, ctx)
        self._accepting = True
        self._closing = asyncio.Event()
        self._seq = itertools.count()

    @property
    def ready(self) -> bool:
        return self._accepting

    @property
    def accepting(self) -> bool:
        return self._accepting and self.ctx.pipeline.accepting

    def stop_intake(self) -> None:
        self._accepting = False

    async def close(self) -> None:
        self._accepting = False
        self._closing.set()

    async def run(self) -> None:
        self.telemetry.up(True)
        try:
            await self._closing.wait()
        finally:
            self.telemetry.up(False)

    def position(self, idempotency_key: str | None) -> str:
        return f"key:{idempotency_key}" if idempotency_key else f"req:{self.ctx.clock.now():.6f}:{next(self._seq)}"


SOURCES.add("http", HttpIngest)

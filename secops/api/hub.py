"""A small publish/subscribe hub for live updates (server-sent events to open consoles).

Each subscriber has a bounded queue; a subscriber that falls behind loses its oldest updates and gets a
``resync`` marker instead, so a slow browser never slows the daemon and always knows to reload its view.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Update:
    seq: int
    kind: str  # e.g. alert, delivery, ack, silence, handover, health, resync
    data: dict[str, Any]


class Hub:
    def __init__(self, *, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[Update]] = set()
        self._seq = itertools.count(1)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        update = Update(next(self._seq), kind, data)
        for queue in self._subscribers:
            if queue.full():
                _drop_for_resync(queue, update.seq)
            else:
                queue.put_nowait(update)

    async def subscribe(self) -> AsyncIterator[Update]:
        queue: asyncio.Queue[Update] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)


def _drop_for_resync(queue: asyncio.Queue[Update], seq: int) -> None:
    """Empty the queue and leave one resync marker: the subscriber must reload its whole view."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(Update(seq, "resync", {}))

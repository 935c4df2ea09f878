"""Events as they travel the pipeline.

A source turns bytes into ``RawEvent``s (one per message, datagram, line or request body); the pipeline
splits a raw event into records, parses and normalizes each into an ``Event``. ``Event.fields`` holds
Elastic Common Schema names as flat dotted keys (``source.ip``, ``url.path``, ``data.grade``); see
docs/fields.md for the full table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Ticket:
    """Tracks one upstream delivery until every record in it is durably handled.

    A source attaches a ticket to a RawEvent and acknowledges upstream (MQTT PUBACK, file offset commit,
    HTTP response) only from ``on_done``. The pipeline adds one pending unit per record it derives from
    the raw event and calls ``release`` once the record is stored or dead-lettered.
    """

    __slots__ = ("_closed", "_fired", "_on_done", "_pending")

    def __init__(self, on_done: Callable[[], None]) -> None:
        self._on_done = on_done
        self._pending = 0
        self._closed = False
        self._fired = False

    def hold(self, count: int = 1) -> None:
        self._pending += count

    def release(self, count: int = 1) -> None:
        self._pending -= count
        self._maybe_fire()

    def close(self) -> None:
        """No more records will be derived; fire once all held ones are released."""
        self._closed = True
        self._maybe_fire()

    @property
    def done(self) -> bool:
        return self._fired

    def _maybe_fire(self) -> None:
        if self._closed and self._pending <= 0 and not self._fired:
            self._fired = True
            self._on_done()


@dataclass(frozen=True, slots=True)
class RawEvent:
    """Undecoded bytes from one source delivery.

    ``position`` is whatever identifies the delivery within its source across redelivery (an MQTT topic,
    ``path:inode:offset`` for a file line, empty for a request body); it feeds the stable event id.
    """

    source: str
    data: bytes
    received_at: float
    position: str = ""
    meta: Mapping[str, str] = field(default_factory=dict)
    ticket: Ticket | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One normalized event. ``fields`` may gain ``data.*`` keys from classification."""

    id: str
    source: str
    timestamp: float  # event time, seconds since the epoch (UTC)
    received_at: float
    fields: dict[str, Any]
    flags: tuple[str, ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def event_id(source: str, position: str, index: int, record: bytes) -> str:
    """Stable id: the same record redelivered from the same place gets the same id."""
    h = hashlib.blake2b(digest_size=16)
    h.update(source.encode())
    h.update(b"\x00")
    h.update(position.encode())
    h.update(b"\x00")
    h.update(str(index).encode())
    h.update(b"\x00")
    h.update(record)
    return h.hexdigest()

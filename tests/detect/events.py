"""Events built the way the parsers do: flat dotted ECS fields, event time in seconds."""

from __future__ import annotations

from typing import Any

from secops.model.event import Event, event_id

T0 = 1_772_416_800.0  # 2026-03-02T02:00:00Z


def ev(fields: dict[str, Any], t: float = 0.0, *, source: str = "test", n: int | None = None) -> Event:
    ident = event_id(source, "pos", n if n is not None else int(t * 1000), repr(sorted(fields.items())).encode())
    return Event(id=ident, source=source, timestamp=T0 + t, received_at=T0 + t, fields=dict(fields))

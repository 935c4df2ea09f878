"""Frozen value types shared by every stage."""

from secops.model.event import Event, RawEvent, Ticket, event_id

__all__ = ["Event", "RawEvent", "Ticket", "event_id"]

"""The pure middle of the pipeline for one raw event: split, decode, parse, normalize, then the hooks
(classification, detection) that the daemon plugs in. No I/O and no wall clock here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from secops.deadletter import Rejected
from secops.errors import ParseError
from secops.model.alert import Detection
from secops.model.event import Event, RawEvent, event_id
from secops.parse import ParserOptions, build_parser, decode, split_records
from secops.parse.normalize import Normalizer
from secops.pipeline import Batch
from secops.telemetry.metrics import Metrics

log = logging.getLogger("secops.processing")

Parser = Callable[[str], dict[str, Any]]


class Enricher(Protocol):
    def __call__(self, events: Sequence[Event]) -> object:
        """Add fields to a batch of events in place (classification writes ``data.*``)."""
        ...


class Detector(Protocol):
    def process(self, event: Event) -> list[Detection]: ...


@dataclass(frozen=True, slots=True)
class SourceFormat:
    parser: Parser
    encoding: str | None
    max_record_bytes: int


def source_formats(sources: Mapping[str, Any]) -> dict[str, SourceFormat]:
    """One compiled parser per source (raises on an unknown format or a bad log_format)."""
    out = {}
    for key, s in sources.items():
        options = ParserOptions(format=s.format, encoding=s.encoding if s.encoding != "utf-8" else None,
                                log_format=s.log_format)
        out[key] = SourceFormat(build_parser(options), options.encoding, s.max_record_bytes)
    return out


class Processor:
    """Turns each RawEvent into Events (or Rejected records) and runs the hooks, filling a Batch."""

    def __init__(self, *, formats: Mapping[str, SourceFormat], normalizer: Normalizer, metrics: Metrics,
                 enrichers: Sequence[Enricher] = (), detectors: Sequence[Detector] = (),
                 finishers: Sequence[Enricher] = ()) -> None:
        self.formats = dict(formats)
        self.normalizer = normalizer
        self.metrics = metrics
        self.enrichers = list(enrichers)
        self.detectors = list(detectors)
        self.finishers = list(finishers)  # after detection, before the store: masking
        self._received = {k: metrics.events_received_total.labels(k) for k in self.formats}

    def __call__(self, raw: RawEvent, batch: Batch) -> None:
        fmt = self.formats[raw.source]
        if raw.meta.get("split") == "1":
            try:
                records = split_records(raw.data)
            except ParseError as err:
                self._reject(batch, raw, err.reason, err.detail, raw.data)
                return
        else:
            records = [raw.data]
        self._received[raw.source].inc(len(records))
        for index, record in enumerate(records):
            self._event(batch, raw, fmt, index, record)

    def finish(self, batch: Batch) -> None:
        """After every raw event of the batch is parsed: enrich the batch, detect event by event, then run the
        finishers (masking). A finisher that fails raises: an unmasked event must not reach the store."""
        try:
            for enrich in self.enrichers:
                enrich(batch.events)
        except Exception:  # a rule-engine bug must not stop the daemon; the events are still stored
            log.exception("classification failed on a batch of %d events", len(batch.events))
            self.metrics.events_rejected_total.labels("pipeline", "hook_error").inc()
        for event in batch.events:
            self._detect(event, batch)
        for finish in self.finishers:
            finish(batch.events)

    def _event(self, batch: Batch, raw: RawEvent, fmt: SourceFormat, index: int, record: bytes) -> None:
        if len(record) > fmt.max_record_bytes:
            self._reject(batch, raw, "too_long", f"record of {len(record)} bytes", record[:256])
            return
        try:
            text, flags = decode(record, fmt.encoding)
            fields = fmt.parser(text)
            timestamp, fields = self.normalizer.normalize(fields, raw=text, received_at=raw.received_at)
        except ParseError as err:
            self._reject(batch, raw, err.reason, err.detail, record)
            return
        except Exception as err:  # a parser bug must not stop the daemon: keep the record and say so
            log.exception("parser failed on a record from %s", raw.source)
            self._reject(batch, raw, "parser_error", type(err).__name__, record)
            return
        explicit = fields.get("event.id")
        eid = (event_id(raw.source, "event.id", 0, str(explicit).encode()) if explicit
               else event_id(raw.source, raw.position, index, record))
        batch.events.append(Event(eid, raw.source, timestamp, raw.received_at, fields, flags))

    def _detect(self, event: Event, batch: Batch) -> None:
        try:
            for detector in self.detectors:
                batch.detections.extend(detector.process(event))
        except Exception:  # a rule-engine bug must not stop the daemon; the event is still stored
            log.exception("detection failed on event %s from %s", event.id, event.source)
            self.metrics.events_rejected_total.labels(event.source, "hook_error").inc()

    def _reject(self, batch: Batch, raw: RawEvent, reason: str, detail: str, data: bytes) -> None:
        self.metrics.events_rejected_total.labels(raw.source, reason).inc()
        batch.rejects.append(Rejected(raw.source, reason, detail, data, raw.received_at, raw.position))

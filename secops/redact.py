"""Masking events before they are stored: a raw identifier found in a log is itself sensitive.

Classification has already counted what each event holds (``data.findings.*``). For the few events with
findings, the values are located again with the classifier's own scanner and every string field that holds
one gets the masked form instead (``110105********1234``). A field whose value only matches after
normalization (full-width digits, URL- or JSON-escaped) is stored in its normalized, masked form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from secops.classify.engine import Classifier, event_text
from secops.classify.normalize import normalize
from secops.classify.types import Hit
from secops.model.event import Event

_SKIP = ("data.",)


def has_findings(fields: dict[str, Any]) -> bool:
    return any(k.startswith("data.findings.") and v for k, v in fields.items())


def redact_fields(fields: dict[str, Any], hits: Sequence[Hit]) -> int:
    """Replace raw values of ``hits`` in every string field; returns how many fields changed."""
    raw = [h for h in hits if not h.masked and h.value and h.value != h.masked_value]
    if not raw:
        return 0
    raw.sort(key=lambda h: len(h.value), reverse=True)  # longer values first: an ID before a phone in it
    changed = 0
    for key, value in fields.items():
        if not isinstance(value, str) or key.startswith(_SKIP):
            continue
        masked = _mask_text(value, raw)
        if masked != value:
            fields[key] = masked
            changed += 1
    return changed


def _mask_text(text: str, hits: Sequence[Hit]) -> str:
    out = text
    for hit in hits:
        if hit.value in out:
            out = out.replace(hit.value, hit.masked_value)
    if any(h.value in normalize(out) for h in hits):
        out = normalize(out)
        for hit in hits:
            out = out.replace(hit.value, hit.masked_value)
    return out


class Redactor:
    """Masks a batch of classified events in place (call after detection, before the store).

    ``classify`` is the enricher to run in its place: it classifies the batch and keeps each event's
    findings, so masking needs no second scan. Events classified some other way are scanned again."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self._hits: dict[str, list[Hit]] = {}

    def classify(self, events: Sequence[Event]) -> None:
        hits: list[list[Hit]] = []
        self.classifier.classify_events(events, hits_out=hits)
        self._hits = {e.id: h for e, h in zip(events, hits, strict=True) if h}

    def __call__(self, events: Sequence[Event]) -> None:
        known, self._hits = self._hits, {}
        todo = [e for e in events if has_findings(e.fields)]
        rescan = [e for e in todo if e.id not in known]
        if rescan:
            for event, hits in zip(rescan, self.classifier.ruleset.extractor.extract(
                    [event_text(e.fields) for e in rescan]), strict=True):
                known[event.id] = hits
        for event in todo:
            redact_fields(event.fields, known.get(event.id, []))

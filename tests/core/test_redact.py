"""Events are masked before they reach the store."""

from __future__ import annotations

import pytest

from secops.classify.engine import Classifier
from secops.model.event import Event
from secops.redact import Redactor
from secops.settings import default_settings
from secops.topology import build_classifier


def resident_id(base: str = "11010519900307123") -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return base + "10X98765432"[sum(int(a) * b for a, b in zip(base, weights, strict=True)) % 11]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    c = build_classifier(default_settings(), metrics=None)
    assert c is not None
    return c


def classify_and_redact(classifier: Classifier, fields: dict[str, object]) -> Event:
    """Both paths mask alike: the daemon's (findings kept from classification) and a second scan."""
    kept = Event("e1", "test", 0.0, 0.0, dict(fields))
    redactor = Redactor(classifier)
    redactor.classify([kept])
    redactor([kept])
    rescanned = Event("e1", "test", 0.0, 0.0, dict(fields))
    classifier.classify_events([rescanned])
    Redactor(classifier)([rescanned])
    strip = {k: v for k, v in kept.fields.items() if not k.startswith("data.")}
    assert strip == {k: v for k, v in rescanned.fields.items() if not k.startswith("data.")}
    return kept


def test_raw_id_masked_in_every_field(classifier: Classifier) -> None:
    rid = resident_id()
    event = classify_and_redact(classifier, {
        "event.original": f'{{"sfzh":"{rid}","mobile":"13912345678"}}',
        "message": f"lookup sfzh={rid}",
        "user.id": rid,
    })
    assert event.fields["data.findings.cn_resident_id"] == 1
    for key, value in event.fields.items():
        assert rid not in str(value), key
    assert "1101**********" in event.fields["event.original"]


def test_url_encoded_id_is_stored_normalized_and_masked(classifier: Classifier) -> None:
    rid = resident_id()
    encoded = "".join(f"%{ord(ch):02X}" for ch in rid)
    event = classify_and_redact(classifier, {"event.original": f"GET /q?sfzh={encoded} HTTP/1.1",
                                             "url.query": f"sfzh={encoded}"})
    for key in ("event.original", "url.query"):
        assert encoded not in event.fields[key]
        assert rid not in event.fields[key]


def test_event_without_findings_is_untouched(classifier: Classifier) -> None:
    fields = {"event.original": "GET /index.html HTTP/1.1", "message": "ok"}
    event = classify_and_redact(classifier, fields)
    assert event.fields["event.original"] == fields["event.original"]
    assert event.fields["message"] == "ok"

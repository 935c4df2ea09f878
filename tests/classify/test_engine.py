from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client import CollectorRegistry

from secops.classify import synth
from secops.classify.engine import Classifier
from secops.model.event import Event
from secops.telemetry.metrics import Metrics
from tests.classify.conftest import DEFAULT_PACK, KEY


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load([DEFAULT_PACK], hmac_key=KEY)


def ts(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def test_classify_event_writes_data_fields_and_metrics() -> None:
    metrics = Metrics(CollectorRegistry())
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, metrics=metrics)
    event = Event("e1", "gw", ts("2026-03-01T10:00:00+08:00"), 0.0,
                  {"event.original": "GET /q?sfzh=460105199003071239&sjhm=13800138000"})
    result = c.classify(event)
    f = event.fields
    assert (f["data.grade"], f["data.category"]) == ("L4", "pi.identity")
    assert f["data.findings.cn_resident_id"] == 1
    assert f["data.findings.cn_mobile"] == 1
    assert f["data.subjects"] == 1  # one person: the ID outranks the mobile
    assert f["data.samples"] == {"cn_resident_id": ["4601**********1239"], "cn_mobile": ["138****8000"]}
    data = repr({k: v for k, v in f.items() if k.startswith("data.")})
    assert "460105199003071239" not in data
    assert "13800138000" not in data
    assert result.rules
    assert "item-floor" in result.rules
    reg = metrics.registry
    assert reg.get_sample_value("secops_findings_total", {"detector": "cn_mobile"}) == 1
    assert reg.get_sample_value("secops_events_graded_total", {"grade": "L4"}) == 1


def test_event_without_original_scans_field_values_with_their_names(classifier: Classifier) -> None:
    event = Event("e2", "db", 0.0, 0.0, {"user.name": "ops", "labels.sfzh": "460105199003071239"})
    assert classifier.classify(event).findings == {"cn_resident_id": 1}


def test_highest_grade_wins_and_records_deciders(classifier: Classifier) -> None:
    r = classifier.classify_text("xm=张三&sjhm=13800138000&email=a@example.com")
    assert r.grade == "L4"
    assert r.rules == ("profiled-person",)
    assert set(r.detectors) >= {"cn_name", "cn_mobile"}
    assert "GB/T 35273-2020" in r.explanation


def test_zhejiang_alias_is_display_only() -> None:
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, alias_set="zhejiang")
    event = Event("e3", "gw", 0.0, 0.0, {"message": "sfzh=460105199003071239"})
    c.classify(event)
    assert (event.fields["data.grade"], event.fields["data.grade_name"]) == ("L4", "敏感数据")


def test_window_uses_event_time_not_wall_clock(classifier: Classifier) -> None:
    classifier.ruleset.reset_windows()
    fields = {"source.ip": "10.9.9.9", "destination.zone": "internet"}
    first = classifier.classify_text(synth.text("cn_resident_id", 600, seed=7), fields,
                                     timestamp=ts("2020-01-01T10:00:00+08:00"))
    second = classifier.classify_text(synth.text("cn_resident_id", 600, seed=8), fields,
                                      timestamp=ts("2020-01-01T10:09:00+08:00"))
    assert first.grade == "L4"
    assert second.grade == "IMP"
    classifier.ruleset.reset_windows()


def test_windows_skip_events_without_time(classifier: Classifier) -> None:
    classifier.ruleset.reset_windows()
    r = classifier.classify_text(synth.text("cn_resident_id", 1200), {"destination.zone": "internet"})
    assert "bulk-sensitive-egress" not in r.matched_rules


def test_short_hmac_key_refused() -> None:
    from secops.errors import ConfigError

    with pytest.raises(ConfigError):
        Classifier.load([DEFAULT_PACK], hmac_key=b"short")

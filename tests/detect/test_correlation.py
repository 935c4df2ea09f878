"""Correlation rules in event time: every type, group-by, aliases, chaining, absence, snapshot/restore."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secops.detect.engine import DetectionEngine
from secops.model.alert import Detection
from tests.detect.events import ev

BASE = """title: failed login
id: login_fail
name: login_fail
logsource: {category: webserver}
detection:
  sel:
    url.path: /api/login
    http.response.status_code: 401
  condition: sel
---
title: login ok
id: login_ok
name: login_ok
logsource: {category: webserver}
detection:
  sel:
    url.path: /api/login
    http.response.status_code: 200
  condition: sel
---
title: export
id: export
name: export
logsource: {category: webserver}
detection:
  sel:
    url.path|startswith: /api/export
  condition: sel
"""


def corr(body: str, *, rid: str = "c1") -> str:
    return f"title: correlation {rid}\nid: {rid}\nlevel: high\ncorrelation:\n{body}"


def fail(ip: str = "203.0.113.5", user: str = "alice", t: float = 0.0, n: int | None = None) -> object:
    return ev({"url.path": "/api/login", "http.response.status_code": 401, "source.ip": ip, "user.name": user},
              t, n=n)


def ok(ip: str = "203.0.113.5", t: float = 0.0) -> object:
    return ev({"url.path": "/api/login", "http.response.status_code": 200, "source.ip": ip}, t)


def export(ip: str = "203.0.113.5", t: float = 0.0, rows: int = 1) -> object:
    return ev({"url.path": "/api/export/x", "source.ip": ip, "db.rows": rows, "user.name": "bob"}, t)


@pytest.fixture
def engine_for(write_rule: Callable[[str, str], Path], tmp_path: Path) -> Callable[[str], DetectionEngine]:
    def make(correlation: str) -> DetectionEngine:
        write_rule("base.yml", BASE)
        write_rule("corr.yml", correlation)
        return DetectionEngine.load([tmp_path / "rules"])
    return make


def run(engine: DetectionEngine, events: list[object]) -> list[Detection]:
    out: list[Detection] = []
    for e in events:
        out.extend(engine.process(e))  # type: ignore[arg-type]
    return out


EVENT_COUNT = corr("  type: event_count\n  rules: [login_fail]\n  group-by: [source.ip]\n  timespan: 5m\n"
                   "  condition: {gte: 5}\n")


def test_event_count_fires_once_at_threshold(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    out = run(engine, [fail(t=i * 10) for i in range(6)])
    assert [d.rule_id for d in out] == ["c1"]
    assert out[0].timestamp == fail(t=40).timestamp  # type: ignore[attr-defined]
    assert out[0].annotations["count"] == "5"


def test_event_count_groups_by_source(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    out = run(engine, [fail(ip=f"203.0.113.{i % 2}", t=i) for i in range(8)])
    assert out == []


def test_event_count_window_slides(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    assert run(engine, [fail(t=i * 100) for i in range(5)]) == []  # at most 4 inside any 300 s window
    engine = engine_for(EVENT_COUNT)
    assert run(engine, [fail(t=i * 80) for i in range(5)]) == []  # 320 s > 300 s: never 5 in one window


def test_referenced_rule_does_not_alert_alone_and_group_is_masked(
        engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    out = run(engine, [fail(t=i) for i in range(5)])
    [d] = out
    (key, value), = d.group
    assert key == "source_ip"
    assert "203.0.113.5" not in value
    assert value == run(engine_for(EVENT_COUNT), [fail(t=i) for i in range(5)])[0].group[0][1]  # stable


def test_generate_true_also_emits_base_rule(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT.replace("correlation:\n", "generate: true\ncorrelation:\n"))
    out = run(engine, [fail(t=i) for i in range(5)])
    assert [d.rule_id for d in out] == ["login_fail"] * 5 + ["c1"]


def test_value_count_counts_distinct_users(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(corr("  type: value_count\n  rules: [login_fail]\n  group-by: [source.ip]\n"
                             "  timespan: 10m\n  condition: {gte: 3, field: user.name}\n"))
    assert run(engine, [fail(user="a", t=1), fail(user="a", t=2), fail(user="b", t=3)]) == []
    assert [d.rule_id for d in run(engine, [fail(user="c", t=4)])] == ["c1"]


@pytest.mark.parametrize(("ctype", "cond", "rows", "fires"), [
    ("value_sum", "gt: 1000", [400, 400, 300], True),
    ("value_sum", "gt: 1000", [400, 400, 100], False),
    ("value_avg", "gte: 500", [100, 900], True),
    ("value_avg", "gte: 500", [100, 800], False),
    ("value_percentile", "gte: 900, percentile: 50", [950, 950, 10], True),
    ("value_percentile", "gte: 900, percentile: 50", [10, 10, 950], False),
])
def test_value_aggregations(engine_for: Callable[[str], DetectionEngine], ctype: str, cond: str,
                            rows: list[int], fires: bool) -> None:
    engine = engine_for(corr(f"  type: {ctype}\n  rules: [export]\n  group-by: [source.ip]\n  timespan: 1h\n"
                             f"  condition: {{{cond}, field: db.rows}}\n"))
    out = run(engine, [export(t=i, rows=r) for i, r in enumerate(rows)])
    assert bool(out) is fires


TEMPORAL = corr("  type: {t}\n  rules: [login_fail, login_ok]\n  group-by: [source.ip]\n  timespan: 10m\n")


def test_temporal_any_order(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(TEMPORAL.format(t="temporal"))
    assert [d.rule_id for d in run(engine, [ok(t=1), fail(t=2)])] == ["c1"]


def test_temporal_ordered_needs_order(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(TEMPORAL.format(t="temporal_ordered"))
    assert run(engine, [ok(t=1), fail(t=2)]) == []
    assert [d.rule_id for d in run(engine, [ok(t=3)])] == ["c1"]


def test_temporal_outside_timespan_does_not_fire(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(TEMPORAL.format(t="temporal"))
    assert run(engine, [fail(t=0), ok(t=601)]) == []


def test_aliases_join_different_fields(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(corr("  type: temporal\n  rules: [login_ok, export]\n  group-by: [actor]\n"
                             "  timespan: 10m\n  aliases:\n    actor:\n      login_ok: source.ip\n"
                             "      export: client.address\n"))
    events = [ok(ip="198.51.100.7", t=1),
              ev({"url.path": "/api/export/all", "client.address": "198.51.100.7"}, 2)]
    [d] = run(engine, events)
    assert d.group[0][0] == "actor"


def test_chained_correlation(engine_for: Callable[[str], DetectionEngine]) -> None:
    text = EVENT_COUNT.replace("gte: 5", "gte: 3") + "---\n" + corr(
        "  type: temporal_ordered\n  rules: [c1, login_ok]\n  group-by: [source.ip]\n  timespan: 10m\n",
        rid="bruteforce_then_success")
    engine = engine_for(text)
    out = run(engine, [fail(t=1), fail(t=2), fail(t=3), ok(t=4)])
    assert [d.rule_id for d in out] == ["bruteforce_then_success"]


ABSENCE = corr("  type: temporal_ordered\n  rules: [login_fail, login_ok]\n  group-by: [source.ip]\n"
               "  timespan: 10m\n  condition: login_fail and not login_ok\n")


def test_absence_fires_when_b_does_not_follow_a(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(ABSENCE)
    assert run(engine, [fail(t=0)]) == []
    assert engine.advance(fail(t=599).timestamp) == []  # type: ignore[attr-defined]
    [d] = engine.advance(fail(t=600).timestamp)  # type: ignore[attr-defined]
    assert d.rule_id == "c1"
    assert engine.advance(fail(t=2000).timestamp) == []  # type: ignore[attr-defined]


def test_absence_cancelled_when_b_follows(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(ABSENCE)
    run(engine, [fail(t=0), ok(t=300)])
    assert engine.advance(fail(t=900).timestamp) == []  # type: ignore[attr-defined]


SILENT = corr("  type: event_count\n  rules: [login_ok]\n  group-by: [secops.source]\n  timespan: 10m\n"
              "  condition: {lt: 1}\n")


def test_source_gone_silent(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(SILENT)
    run(engine, [ok(t=0)])
    assert engine.advance(ok(t=500).timestamp) == []  # type: ignore[attr-defined]
    [d] = engine.advance(ok(t=601).timestamp)  # type: ignore[attr-defined]
    assert d.group == (("secops_source", "test"),)
    assert engine.advance(ok(t=1300).timestamp) == []  # type: ignore[attr-defined]  # fires once per silence
    run(engine, [ok(t=1400)])
    assert len(engine.advance(ok(t=2100).timestamp)) == 1  # type: ignore[attr-defined]  # re-armed


def test_busy_source_keeps_one_entry_and_still_goes_silent(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(SILENT)
    run(engine, [ok(t=i * 0.01) for i in range(20_000)])  # a busy source: 20k events in 200 s
    assert len(engine.snapshot()) < 2_000, "an `lt: 1` window needs the latest event only"
    assert engine.advance(ok(t=700).timestamp) == []  # type: ignore[attr-defined]  # last event at 199.99
    assert len(engine.advance(ok(t=800.5).timestamp)) == 1  # type: ignore[attr-defined]


LT_THREE = corr("  type: event_count\n  rules: [login_ok]\n  group-by: [secops.source]\n  timespan: 10m\n"
                "  condition: {lt: 3}\n")


def test_capped_window_counts_exactly_below_the_bound(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(LT_THREE)
    run(engine, [ok(t=float(t)) for t in (0, 100, 200, 300, 400)])  # kept: the latest three
    assert engine.advance(ok(t=700).timestamp) == []  # type: ignore[attr-defined]  # (100, 700] holds 3
    assert len(engine.advance(ok(t=801).timestamp)) == 1  # type: ignore[attr-defined]  # (201, 801] holds 2


def test_expected_source_that_never_sent(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(SILENT + "secops:\n  expected_groups: [{secops.source: gateway}]\n")
    assert engine.advance(ok(t=0).timestamp) == []  # type: ignore[attr-defined]
    [d] = engine.advance(ok(t=601).timestamp)  # type: ignore[attr-defined]
    assert d.group == (("secops_source", "gateway"),)


def test_snapshot_restore_mid_window_fires_exactly_once(engine_for: Callable[[str], DetectionEngine],
                                                        write_rule: Callable[[str, str], Path],
                                                        tmp_path: Path) -> None:
    first = engine_for(EVENT_COUNT)
    events = [fail(t=i * 10, n=i) for i in range(7)]
    assert run(first, events[:3]) == []
    blob = first.snapshot()
    # the process is killed; a new one restores the snapshot, and the source redelivers from event 2
    second = DetectionEngine.load([tmp_path / "rules"])
    second.restore(blob)
    out = run(second, events[2:])
    assert [d.rule_id for d in out] == ["c1"]
    assert out[0].timestamp == events[4].timestamp  # type: ignore[attr-defined]


def test_redelivered_events_are_not_counted_twice(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    events = [fail(t=i * 10, n=i) for i in range(4)]
    assert run(engine, events + events) == []
    assert [d.rule_id for d in run(engine, [fail(t=50, n=9)])] == ["c1"]


def test_reload_keeps_windows(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    run(engine, [fail(t=i) for i in range(4)])
    assert not [i for i in engine.reload() if i.level == "error"]
    assert [d.rule_id for d in run(engine, [fail(t=5)])] == ["c1"]


def test_late_event_is_left_out_of_windows(engine_for: Callable[[str], DetectionEngine]) -> None:
    engine = engine_for(EVENT_COUNT)
    run(engine, [fail(t=1000 + i) for i in range(4)])
    engine.advance(fail(t=1100).timestamp)  # type: ignore[attr-defined]
    assert run(engine, [fail(t=10)]) == []  # older than watermark - 60 s lateness


def test_unknown_rule_reference_is_an_error(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("base.yml", BASE)
    write_rule("corr.yml", EVENT_COUNT.replace("[login_fail]", "[login_fial]"))
    from secops.detect.loader import check
    assert any("unknown rule 'login_fial'" in i.message and i.line == 6 for i in check([tmp_path / "rules"]))

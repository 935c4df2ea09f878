"""AlertBook: fire once, stay firing, resolve, close, survive a restart, stable ids, suppression."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from secops.alerting.config import AlertingSettings, RuleAlerting
from secops.alerting.state import AlertBook, AlertStateError
from secops.clock import FakeClock
from secops.model.alert import AlertChange, AlertStatus, ChangeKind, Detection, Severity, alert_id, fingerprint
from secops.telemetry.metrics import Metrics


def det(
    t: float,
    *,
    rule: str = "web-sqli",
    src: str = "10.1.*.*",
    grade: str = "L3",
    quiet: float = 300.0,
    closes: tuple[str, ...] = (),
    event: str = "",
    severity: Severity = Severity.HIGH,
) -> Detection:
    return Detection(
        rule_id=rule,
        alertname="WebSqlInjection",
        severity=severity,
        timestamp=t,
        group=(("source_ip", src),),
        data_grade=grade,
        event_ids=(event,) if event else (),
        annotations={"summary": "SQL 注入尝试", "sample": "138****8000"},
        rule_hash="abc123",
        quiet_seconds=quiet,
        closes=closes,
    )


def kinds(changes: list[AlertChange]) -> list[str]:
    return [c.kind.value for c in changes]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_first_detection_fires_one_alert_with_label_identity(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    changes = book.observe([det(t0, event="e1")], t0)
    assert kinds(changes) == ["fired"]
    alert = changes[0].alert
    assert dict(alert.labels) == {
        "alertname": "WebSqlInjection", "rule_id": "web-sqli", "severity": "high", "data_grade": "L3",
        "source_ip": "10.1.*.*",
    }
    assert alert.fingerprint == fingerprint(alert.labels)
    assert alert.id == alert_id(alert.fingerprint, t0)
    assert alert.status is AlertStatus.FIRING
    assert alert.annotations["rule_hash"] == "abc123"
    assert book.active() == [alert]


def test_repeated_detections_stay_one_alert_and_count(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(update_interval_seconds=60))
    t0 = clock.now()
    fired = book.observe([det(t0, event="e1")], t0)
    later = book.observe([det(t0 + i, event=f"e{i + 1}") for i in range(1, 10)], t0 + 9)
    assert kinds(fired) == ["fired"]
    assert later == []  # a busy alert does not emit a change per event
    (alert,) = book.active()
    assert alert.id == fired[0].alert.id
    assert alert.count == 10
    assert alert.last_seen == t0 + 9
    assert alert.event_ids[:3] == ("e1", "e2", "e3")


def test_updates_are_rate_limited_and_flushed_by_tick(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(update_interval_seconds=60))
    t0 = clock.now()
    book.observe([det(t0)], t0)
    assert book.observe([det(t0 + 30)], t0 + 30) == []
    assert book.tick(t0 + 59) == []
    flushed = book.tick(t0 + 60)
    assert kinds(flushed) == ["updated"]
    assert flushed[0].alert.count == 2
    assert book.tick(t0 + 200) == []  # nothing new since the flush
    updated = book.observe([det(t0 + 201)], t0 + 201)
    assert kinds(updated) == ["updated"]  # interval since the last emitted change has passed
    assert updated[0].alert.count == 3


def test_alert_resolves_after_quiet_period_with_end_at_last_match_plus_quiet(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    book.observe([det(t0, quiet=120)], t0)
    book.observe([det(t0 + 50, quiet=120)], t0 + 50)
    assert "resolved" not in kinds(book.tick(t0 + 170))  # exactly last_seen + quiet: still firing
    changes = book.tick(t0 + 500)
    assert kinds(changes) == ["resolved"]
    resolved = changes[0].alert
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.ends_at == t0 + 170  # independent of when tick ran
    assert book.active() == []
    assert book.get(resolved.id) == resolved


def test_match_after_quiet_gap_resolves_old_and_fires_new_without_tick(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(flap_threshold=0))
    t0 = clock.now()
    first = book.observe([det(t0, quiet=60)], t0)[0].alert
    changes = book.observe([det(t0 + 1000, quiet=60)], t0 + 1000)
    assert kinds(changes) == ["resolved", "fired"]
    assert changes[0].alert.id == first.id
    assert changes[0].alert.ends_at == t0 + 60
    assert changes[1].alert.id == alert_id(first.fingerprint, t0 + 1000) != first.id


def test_closing_rule_resolves_matching_group_only(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    book.observe([det(t0, src="10.1.*.*"), det(t0, src="10.2.*.*")], t0)
    close = det(t0 + 10, rule="web-sqli-closed", src="10.1.*.*", closes=("web-sqli",))
    changes = book.observe([close], t0 + 10)
    assert kinds(changes) == ["resolved"]
    assert changes[0].alert.labels["source_ip"] == "10.1.*.*"
    assert changes[0].alert.ends_at == t0 + 10
    assert [a.labels["source_ip"] for a in book.active()] == ["10.2.*.*"]


def test_closing_detection_opens_no_alert_of_its_own(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    changes = book.observe([det(t0, rule="vpn-logout", closes=("vpn-anomaly",))], t0)
    assert changes == []
    assert book.active() == []


def test_restart_via_snapshot_neither_refires_nor_forgets(clock: FakeClock) -> None:
    settings = AlertingSettings(update_interval_seconds=60)
    book = AlertBook(settings)
    t0 = clock.now()
    fired = book.observe([det(t0, src="a"), det(t0, src="b")], t0)
    book.observe([det(t0 + 5, src="a")], t0 + 5)
    blob = book.snapshot()

    restarted = AlertBook(settings)
    restarted.restore(blob)
    assert restarted.active() == book.active()
    again = restarted.observe([det(t0 + 10, src="a")], t0 + 10)
    assert "fired" not in kinds(again)
    assert {a.id for a in restarted.active()} == {c.alert.id for c in fired}
    assert next(a for a in restarted.active() if a.labels["source_ip"] == "a").count == 3
    resolved = restarted.tick(t0 + 10 + 301)
    assert sorted(kinds(resolved)) == ["resolved", "resolved"]  # quiet timers survived the restart


def test_restore_rejects_corrupt_snapshot_and_keeps_state(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    book.observe([det(t0)], t0)
    before = book.active()
    for blob in (b"not json", b'{"version": 99}', b'{"version": 1, "open": [{"alert": {}}], "past": []}'):
        with pytest.raises(AlertStateError, match="cannot restore alert state"):
            book.restore(blob)
    assert book.active() == before


def test_same_input_replayed_gives_same_ids_whatever_the_tick_cadence(clock: FakeClock) -> None:
    t0 = clock.now()
    detections = [det(t0 + s, src=src, quiet=60) for s, src in
                  [(0, "a"), (10, "b"), (50, "a"), (200, "a"), (230, "b"), (900, "b")]]

    def run(tick_before_each: bool) -> list[tuple[str, str, float | None]]:
        book = AlertBook(AlertingSettings(flap_threshold=0))
        out = []
        for d in detections:
            if tick_before_each:
                out += book.tick(d.timestamp - 0.5)
            out += book.observe([d], d.timestamp)
        out += book.tick(t0 + 10_000)
        return [(c.kind.value, c.alert.id, c.alert.ends_at) for c in out if c.kind is not ChangeKind.UPDATED]

    assert run(False) == run(False)
    assert sorted(run(False)) == sorted(run(True))
    assert len([k for k, _, _ in run(False) if k == "fired"]) == 5


def test_repeat_suppression_holds_refire_within_window(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(repeat_suppression_seconds=600, flap_threshold=0))
    t0 = clock.now()
    book.observe([det(t0, quiet=60)], t0)
    book.tick(t0 + 100)  # resolved at t0 + 60
    assert book.observe([det(t0 + 300, quiet=60)], t0 + 300) == []  # 240 s after resolving: held
    assert book.stats().suppressed == 1
    refired = book.observe([det(t0 + 700, quiet=60)], t0 + 700)  # 640 s after: fires again
    assert kinds(refired) == ["fired"]


def test_repeat_suppression_off_refires_at_once(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(repeat_suppression_seconds=0, flap_threshold=0))
    t0 = clock.now()
    book.observe([det(t0, quiet=60)], t0)
    book.tick(t0 + 100)
    assert kinds(book.observe([det(t0 + 120, quiet=60)], t0 + 120)) == ["fired"]


def test_late_match_inside_a_resolved_alert_does_not_refire(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    fired = book.observe([det(t0)], t0)[0].alert
    book.resolve(fired.id, t0 + 100)
    assert book.observe([det(t0 + 50)], t0 + 120) == []
    assert book.stats().suppressed == 1


def test_flapping_alert_is_marked_and_held_longer(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(flap_threshold=3, flap_window_seconds=3600, flap_quiet_multiplier=4))
    t = clock.now()
    starts = []
    for _ in range(3):
        starts += [c.alert for c in book.observe([det(t, quiet=60)], t) if c.kind is ChangeKind.FIRED]
        t += 200
    assert [a.annotations.get("flapping") for a in starts] == [None, None, "true"]
    third = starts[2]
    assert book.tick(third.starts_at + 61) == []  # held: quiet 60 x 4
    assert kinds(book.tick(third.starts_at + 241)) == ["resolved"]


def test_operator_resolve_by_id(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    fired = book.observe([det(t0)], t0)[0].alert
    change = book.resolve(fired.id, t0 + 30)
    assert change is not None
    assert change.kind is ChangeKind.RESOLVED
    assert change.alert.ends_at == t0 + 30
    assert book.resolve(fired.id, t0 + 40) is None
    assert book.resolve("no-such-id", t0 + 40) is None


def test_rule_override_sets_quiet_period(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(rules={"web-sqli": RuleAlerting(quiet_seconds=30)}))
    t0 = clock.now()
    book.observe([det(t0, quiet=600)], t0)
    assert kinds(book.tick(t0 + 31)) == ["resolved"]


def test_default_quiet_applies_when_rule_sets_none(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(quiet_seconds=45))
    t0 = clock.now()
    book.observe([det(t0, quiet=0)], t0)
    assert book.tick(t0 + 44) == []
    assert kinds(book.tick(t0 + 46)) == ["resolved"]


def test_max_active_alerts_bounds_state(clock: FakeClock) -> None:
    book = AlertBook(AlertingSettings(max_active_alerts=2))
    t0 = clock.now()
    changes = book.observe([det(t0, src=s) for s in ("a", "b", "c")], t0)
    assert kinds(changes) == ["fired", "fired"]
    assert book.stats().overflow == 1


def _sample(registry: CollectorRegistry, name: str, labels: dict[str, str]) -> float | None:
    return registry.get_sample_value(name, labels)


def test_metrics_count_fired_and_track_active(clock: FakeClock) -> None:
    metrics = Metrics(CollectorRegistry())
    book = AlertBook(metrics=metrics)
    t0 = clock.now()
    book.observe([det(t0, src="a", grade="L4"), det(t0, src="b", grade="L4"), det(t0 + 1, src="a", grade="L4")],
                 t0 + 1)
    reg = metrics.registry
    assert _sample(reg, "secops_alerts_fired_total", {"rule": "web-sqli", "severity": "high"}) == 2
    assert _sample(reg, "secops_alerts_active", {"severity": "high", "grade": "L4"}) == 2
    book.tick(t0 + 1000)
    assert _sample(reg, "secops_alerts_active", {"severity": "high", "grade": "L4"}) == 0


def test_restore_sets_active_gauge_without_counting_fired(clock: FakeClock) -> None:
    t0 = clock.now()
    first = AlertBook()
    first.observe([det(t0)], t0)
    metrics = Metrics(CollectorRegistry())
    book = AlertBook(metrics=metrics)
    book.restore(first.snapshot())
    reg = metrics.registry
    assert _sample(reg, "secops_alerts_active", {"severity": "high", "grade": "L3"}) == 1
    assert _sample(reg, "secops_alerts_fired_total", {"rule": "web-sqli", "severity": "high"}) is None


def test_recently_resolved_lists_alerts_to_resend(clock: FakeClock) -> None:
    book = AlertBook()
    t0 = clock.now()
    book.observe([det(t0, src="a", quiet=10), det(t0 + 500, src="b", quiet=10)], t0 + 500)
    book.tick(t0 + 1000)
    assert [a.labels["source_ip"] for a in book.recently_resolved(t0 + 400)] == ["b"]

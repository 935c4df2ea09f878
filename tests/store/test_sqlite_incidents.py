"""Incidents: alert changes, acks, notifications, silences, queries and retention on the SQLite store."""

from __future__ import annotations

import pytest

from secops.clock import FakeClock
from secops.model.alert import AlertChange, ChangeKind
from secops.store.records import Ack, ClassificationSummary, IncidentQuery, NotificationAttempt, Silence
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_store
from tests.store.store_factories import alert, fired, resolved


async def test_alert_change_is_stored_once_and_ledgered(store: SqliteStore) -> None:
    await store.write_alert_changes([fired(1), fired(2)])
    await store.write_alert_changes([fired(1)])  # redelivered
    page = await store.query_incidents(IncidentQuery())
    assert sorted(i.id for i in page.items) == sorted([alert(1).id, alert(2).id])
    recs = await store.ledger_records()
    assert [r.kind for r in recs] == ["alert", "alert"]
    assert recs[0].payload()["summary"].startswith("检测到居民身份证号 4601**********123X")


async def test_incident_history_has_changes_ack_and_notifications(store: SqliteStore) -> None:
    a = alert(3)
    await store.write_alert_changes([fired(3)])
    await store.write_alert_changes([AlertChange(ChangeKind.UPDATED, alert(3, count=4))])
    await store.record_notification(NotificationAttempt(a.id, "wecom", "值班组", "sent", 1, a.starts_at + 2))
    await store.record_ack(Ack(a.id, "duty-desk", a.starts_at + 60, "已处理"))
    await store.write_alert_changes([resolved(3)])
    hist = await store.incident_history(a.id)
    assert [h["type"] for h in hist] == ["change", "notification", "change", "ack", "change"]
    assert [h.get("change") for h in hist if h["type"] == "change"] == ["fired", "updated", "resolved"]
    kinds = [r.kind for r in await store.ledger_records()]
    assert kinds == ["alert", "alert", "notification", "ack", "alert"]
    assert (await verify_store(store)).ok


async def test_query_filters_by_grade_severity_rule_state_and_time(store: SqliteStore) -> None:
    await store.write_alert_changes([fired(i) for i in range(40)])
    await store.write_alert_changes([resolved(i) for i in range(0, 40, 10)])
    await store.record_ack(Ack(alert(1).id, "duty-desk", 1.0))
    only_l4 = await store.query_incidents(IncidentQuery(grades=("L4",), limit=100))
    assert only_l4.items
    assert all(i.grade == "L4" for i in only_l4.items)
    crit = await store.query_incidents(IncidentQuery(severities=("critical",), rules=("rule-3",), limit=100))
    assert {(i.severity, i.rule_id) for i in crit.items} == {("critical", "rule-3")}
    resolved_page = await store.query_incidents(IncidentQuery(states=("resolved",)))
    assert len(resolved_page.items) == 4
    acked = await store.query_incidents(IncidentQuery(states=("acknowledged",)))
    assert [i.id for i in acked.items] == [alert(1).id]
    t0 = alert(0).starts_at
    window = await store.query_incidents(IncidentQuery(start=t0 + 5, end=t0 + 10))
    assert sorted(i.starts_at - t0 for i in window.items) == [5, 6, 7, 8, 9]


async def test_pagination_walks_every_incident_once_newest_first(store: SqliteStore) -> None:
    await store.write_alert_changes([fired(i) for i in range(25)])
    seen, cursor = [], ""
    for _ in range(10):
        page = await store.query_incidents(IncidentQuery(limit=10, cursor=cursor))
        seen.extend(i.starts_at for i in page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 25
    assert seen == sorted(seen, reverse=True)


async def test_bad_cursor_is_value_error(store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        await store.query_incidents(IncidentQuery(cursor="nonsense!"))


async def test_silences_are_stored_active_and_ledgered(store: SqliteStore) -> None:
    s = Silence("s1", (("rule_id", "rule-1"),), 100.0, 200.0, "duty-desk", "变更窗口", 99.0)
    await store.record_silence(s)
    assert await store.active_silences(150.0) == [s]
    assert await store.active_silences(250.0) == []
    assert s.matches({"rule_id": "rule-1", "severity": "high"})
    assert (await store.ledger_records())[-1].kind == "silence"


async def test_classification_summaries_accumulate(store: SqliteStore) -> None:
    row = ClassificationSummary(0.0, "syslog_in", "L4", "个人信息", 10, 12, 3)
    await store.write_classification_summaries([row, row])
    await store.write_classification_summaries([])
    assert await store.classification_summaries(0.0, 60.0) == [
        ClassificationSummary(0.0, "syslog_in", "L4", "个人信息", 20, 24, 3)]


async def test_retention_purge_keeps_chain_verifiable(store: SqliteStore, clock: FakeClock) -> None:
    await store.write_alert_changes([fired(i) for i in range(10)])
    await store.write_alert_changes([resolved(i) for i in range(10)])
    clock.advance(200 * 86400)
    await store.write_alert_changes([fired(100)])
    result = await store.purge_expired()
    assert result.ledger_records == 20
    assert result.alerts == 10
    assert result.anchor_seq == 20
    records = await store.ledger_records()
    assert [r.seq for r in records] == [21, 22]
    assert records[-1].kind == "retention"
    report = await verify_store(store)
    assert report.ok, str(report)
    page = await store.query_incidents(IncidentQuery())
    assert [i.id for i in page.items] == [alert(100).id]

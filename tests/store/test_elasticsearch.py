"""The Elasticsearch store against the HTTP double in tests/fakes (no ES server can run on this machine)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from secops.clock import FakeClock
from secops.errors import StoreUnavailable
from secops.store.config import ElasticsearchStoreSettings
from secops.store.elasticsearch import ElasticsearchStore
from secops.store.es_templates import lifecycle_policy, monthly_template, state_template
from secops.store.export import export_bundle
from secops.store.factory import open_store
from secops.store.records import Ack, IncidentQuery, NotificationAttempt
from secops.store.resilient import ResilientStore
from secops.store.verify import verify_bundle, verify_store
from tests.fakes.es_double import EsDouble
from tests.store.store_factories import alert, event, fired, resolved

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch"


@pytest.fixture
def double() -> Iterator[EsDouble]:
    with EsDouble() as d:
        yield d


@pytest.fixture
async def es(double: EsDouble, clock: FakeClock) -> AsyncIterator[ElasticsearchStore]:
    settings = ElasticsearchStoreSettings(type="elasticsearch", urls=[double.url], max_retries=0,
                                          checkpoint_every_records=10)
    store = await ElasticsearchStore.open(settings, clock=clock)
    yield store
    await store.close()


async def test_open_installs_lifecycle_policy_and_templates(es: ElasticsearchStore, double: EsDouble) -> None:
    assert set(double.state.policies) == {"secops-retention"}
    assert set(double.state.templates) == {"secops-events", "secops-incidents", "secops-state"}
    delete_after = double.state.policies["secops-retention"]["policy"]["phases"]["delete"]["min_age"]
    assert delete_after == "211d"  # 180 days + the month an index stays open
    accept = {k.lower(): v for k, v in double.state.requests[0].headers.items()}["accept"]
    assert "compatible-with=8" in accept  # client pinned to the 8.x major


def test_deploy_files_match_what_the_store_installs() -> None:
    assert json.loads((DEPLOY / "ilm-policy.json").read_text()) == lifecycle_policy(180)
    assert json.loads((DEPLOY / "index-template-events.json").read_text()) == monthly_template(
        "secops", "events", "secops-retention")
    assert json.loads((DEPLOY / "index-template-incidents.json").read_text()) == monthly_template(
        "secops", "incidents", "secops-retention")
    assert json.loads((DEPLOY / "index-template-state.json").read_text()) == state_template("secops")


async def test_events_bulk_into_monthly_indices_idempotently(es: ElasticsearchStore, double: EsDouble) -> None:
    await es.write_events([event(i) for i in range(1200)])
    await es.write_events([event(i) for i in range(1100, 1300)])
    assert await es.count_events() == 1300
    assert len(await es.event_ids()) == 1300
    assert "secops-events-2026.01" in double.state.indices
    bulk_posts = [r for r in double.state.requests if r.path == "/_bulk"]
    assert len(bulk_posts) >= 3  # chunk_size 500: 1200 docs -> 3 POSTs


async def test_kv_roundtrip(es: ElasticsearchStore) -> None:
    await es.kv_put("esc", "b", b"2")
    await es.kv_put("esc", "a", b"1")
    assert await es.kv_get("esc", "a") == b"1"
    assert await es.kv_get("esc", "zz") is None
    assert await es.kv_scan("esc") == [("a", b"1"), ("b", b"2")]
    await es.kv_delete("esc", "a")
    await es.kv_delete("esc", "a")
    assert await es.kv_scan("esc") == [("b", b"2")]


async def test_incidents_history_ack_and_query(es: ElasticsearchStore) -> None:
    await es.write_alert_changes([fired(i) for i in range(12)])
    await es.write_alert_changes([fired(3)])  # duplicate: ignored
    await es.write_alert_changes([resolved(5)])
    a = alert(4)
    await es.record_notification(NotificationAttempt(a.id, "sms", "138****8000", "sent", 1, a.starts_at + 1))
    await es.record_ack(Ack(a.id, "duty-desk", a.starts_at + 2, "收到"))
    page = await es.query_incidents(IncidentQuery(limit=5))
    assert len(page.items) == 5
    nxt = await es.query_incidents(IncidentQuery(limit=50, cursor=page.next_cursor))
    assert len(page.items) + len(nxt.items) == 12
    acked = await es.query_incidents(IncidentQuery(states=("acknowledged",)))
    assert [i.id for i in acked.items] == [a.id]
    done = await es.query_incidents(IncidentQuery(states=("resolved",)))
    assert [i.id for i in done.items] == [alert(5).id]
    hist = await es.incident_history(a.id)
    assert [h["type"] for h in hist] == ["change", "notification", "ack"]
    kinds = [r.kind for r in await es.ledger_records()]
    assert kinds == ["alert"] * 13 + ["notification", "ack"]
    assert (await verify_store(es)).ok


async def test_ledger_tamper_in_cluster_names_first_bad_seq(es: ElasticsearchStore, double: EsDouble) -> None:
    for i in range(25):
        await es.ledger_append("config_reload", {"n": i, "by": "管理员"})
    assert (await verify_store(es)).ok
    doc = double.state.indices["secops-ledger-node-1"]["7"]
    doc["body"] = doc["body"].replace('"n":6', '"n":9')
    report = await verify_store(es)
    assert (report.ok, report.first_bad_seq) == (False, 7)
    del double.state.indices["secops-ledger-node-1"]["25"]
    del double.state.indices["secops-ledger-node-1"]["24"]
    doc["body"] = doc["body"].replace('"n":9', '"n":6')
    report = await verify_store(es)
    assert (report.ok, report.first_bad_seq) == (False, 24)


async def test_export_from_elasticsearch_verifies(es: ElasticsearchStore, clock: FakeClock, tmp_path: Path) -> None:
    await es.write_alert_changes([fired(i) for i in range(30)])
    clock.advance(5)
    result = await export_bundle(es, start=0, end=clock.now(), fmt="csv", out_dir=tmp_path / "b", clock=clock)
    assert result.records == 30
    assert verify_bundle(tmp_path / "b").ok


async def test_cluster_down_is_store_unavailable_and_spool_drains(double: EsDouble, clock: FakeClock,
                                                                  tmp_path: Path) -> None:
    settings = ElasticsearchStoreSettings(type="elasticsearch", urls=[double.url], max_retries=0)
    inner = await open_store(settings, clock=clock)
    double.state.down = True
    with pytest.raises(StoreUnavailable):
        await inner.write_events([event(1)])
    assert await inner.ping() is False
    store = ResilientStore(inner, tmp_path / "j", 1 << 20, retry_initial_seconds=0.02, retry_max_seconds=0.1)
    await store.write_events([event(i) for i in range(10)])
    await store.ledger_append("handover", {"to": "乙班"})
    assert not store.healthy
    assert store.backlog == 11
    double.state.down = False
    for _ in range(1000):  # poll, bounded: at most about 20 s
        if store.healthy:
            break
        await asyncio.sleep(0.02)
    assert store.healthy
    assert await store.count_events() == 10
    assert [r.kind for r in await store.ledger_records()] == ["handover"]
    await store.close()

"""GET /api/v1/incidents through the real app and auth middleware, on a real SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from secops.api import incidents
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.clock import FakeClock
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, fingerprint
from secops.store.config import SqliteStoreSettings
from secops.store.records import Ack
from secops.store.sqlite import SqliteStore
from secops.telemetry.metrics import Metrics

T0 = 1_767_225_600.0
TOKENS = {"operator": "sct_op", "auditor": "sct_au", "ingest": "sct_in"}


def _alert(i: int) -> Alert:
    labels = {"alertname": "敏感数据外发", "rule_id": f"rule-{i % 3}", "severity": ("high", "low")[i % 2],
              "data_grade": ("L4", "L3")[i % 2]}
    fp = fingerprint({**labels, "n": str(i)})
    return Alert(alert_id(fp, T0 + i), fp, labels, {"summary": f"第{i}次"}, AlertStatus.FIRING, T0 + i, T0 + i)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    store = await SqliteStore.open(SqliteStoreSettings(path=str(tmp_path / "s.db")), clock=FakeClock())
    await store.write_alert_changes([AlertChange(ChangeKind.FIRED, _alert(i)) for i in range(30)])
    await store.record_ack(Ack(_alert(4).id, "duty-desk", T0 + 100, "已处理"))
    tokens = TokenBook([TokenEntry(role, hash_token(tok), (role,)) for role, tok in TOKENS.items()])
    app = build_app(state={"metrics": Metrics(), "store": store}, tokens=tokens,
                    extra_routes=incidents.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c
    await store.close()


def _auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("ingest", 403), ("operator", 200), ("auditor", 200)])
async def test_incidents_roles(client: httpx.AsyncClient, role: str | None, status: int) -> None:
    r = await client.get("/api/v1/incidents", headers=_auth(role) if role else {})
    assert r.status_code == status


async def test_incidents_filter_by_grade_severity_rule(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/incidents", params={"grade": "L4", "severity": "high", "rule": "rule-0,rule-1"},
                         headers=_auth("operator"))
    body = r.json()
    assert r.status_code == 200
    assert body["count"] > 0
    assert {(i["grade"], i["severity"]) for i in body["items"]} == {("L4", "high")}
    assert {i["rule_id"] for i in body["items"]} <= {"rule-0", "rule-1"}


async def test_incidents_filter_by_time_and_state_with_history(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/incidents", params={"from": "2026-01-01T00:00:03Z", "to": T0 + 6,
                                                      "state": "acknowledged", "history": "1"},
                         headers=_auth("auditor"))
    items = r.json()["items"]
    assert [i["id"] for i in items] == [_alert(4).id]
    assert items[0]["acked_by"] == "duty-desk"
    assert [h["type"] for h in items[0]["history"]] == ["change", "ack"]


async def test_incidents_pagination_visits_all(client: httpx.AsyncClient) -> None:
    ids: list[str] = []
    params: dict[str, str] = {"limit": "7"}
    for _ in range(10):
        body = (await client.get("/api/v1/incidents", params=params, headers=_auth("operator"))).json()
        ids.extend(i["id"] for i in body["items"])
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(ids) == 30
    assert len(set(ids)) == 30


@pytest.mark.parametrize(("params", "needle"), [
    ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"state": "sleeping"}, "state: unknown sleeping"),
    ({"from": "yesterday"}, "from: invalid time"), ({"cursor": "garbage"}, "invalid cursor"),
])
async def test_incidents_bad_parameters_are_400(client: httpx.AsyncClient, params: dict[str, str],
                                                needle: str) -> None:
    r = await client.get("/api/v1/incidents", params=params, headers=_auth("operator"))
    assert r.status_code == 400
    assert needle in r.json()["error"]

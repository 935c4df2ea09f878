"""The console's HTTP surface through the real app: sign-in cookie, CSRF, CSP, roles, state and bulk actions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from secops.console.session import COOKIE_NAME
from tests.console.harness import Harness, bearer, harness


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as h:
        yield h


async def test_page_has_strict_csp_and_no_inline_script(env: Harness) -> None:
    resp = await env.client.get("/")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in resp.text and "style=" not in resp.text


async def test_login_sets_httponly_samesite_cookie(env: Harness) -> None:
    resp = await env.client.post("/api/v1/console/login", headers=bearer("zs"))
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


async def test_signed_out_state_is_refused(env: Harness) -> None:
    assert (await env.client.get("/api/v1/console/state")).status_code == 401


async def test_signed_out_stream_is_refused(env: Harness) -> None:
    assert (await env.client.get("/api/v1/console/stream")).status_code == 401


async def test_wrong_role_cannot_sign_in(env: Harness) -> None:
    assert (await env.client.post("/api/v1/console/login", headers=bearer("ing"))).status_code == 403


async def test_wrong_role_cannot_read_console_state(env: Harness) -> None:
    assert (await env.client.get("/api/v1/console/state", headers=bearer("aud"))).status_code == 403


async def test_session_reads_state(env: Harness) -> None:
    await env.fire()
    await env.login("zs")
    state = (await env.client.get("/api/v1/console/state")).json()
    assert (state["me"]["display_name"], len(state["rows"])) == ("张三", 1)


async def test_post_without_csrf_token_is_refused(env: Harness) -> None:
    a = await env.fire()
    await env.login("zs")
    resp = await env.client.post(f"/api/v1/alerts/{a.id}/ack", json={"comment": "x"})
    assert resp.status_code == 403
    assert env.runner.alert_status(a.id)["ack"] is None


async def test_post_with_wrong_origin_is_refused(env: Harness) -> None:
    a = await env.fire()
    csrf = await env.login("zs")
    resp = await env.client.post(f"/api/v1/alerts/{a.id}/ack", json={},
                                 headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})
    assert resp.status_code == 403


async def test_post_with_csrf_token_acks_as_session_user(env: Harness) -> None:
    a = await env.fire()
    csrf = await env.login("zs")
    resp = await env.client.post(f"/api/v1/alerts/{a.id}/ack", json={"comment": "处理中"},
                                 headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 200
    assert env.ledger("ack")[0]["principal"] == "zhang_san"


async def test_logout_clears_cookie(env: Harness) -> None:
    csrf = await env.login("zs")
    await env.client.post("/api/v1/console/logout", headers={"X-CSRF-Token": csrf})
    assert COOKIE_NAME not in env.client.cookies
    assert (await env.client.get("/api/v1/console/state")).status_code == 401


async def test_note_is_masked_shown_and_ledgered(env: Harness) -> None:
    a = await env.fire()
    resp = await env.client.post(f"/api/v1/alerts/{a.id}/notes", headers=bearer("zs"),
                                 json={"text": "联系人 13800138000 已通知"})
    assert resp.status_code == 201
    (row,) = env.service.rows()
    assert row["notes"][0]["text"] == "联系人 138****8000 已通知"
    assert env.ledger("note")[0]["principal"] == "zhang_san"


async def test_empty_note_is_refused(env: Harness) -> None:
    a = await env.fire()
    resp = await env.client.post(f"/api/v1/alerts/{a.id}/notes", headers=bearer("zs"), json={"text": " "})
    assert resp.status_code == 400


async def test_bulk_ack_acks_each_group(env: Harness) -> None:
    one = await env.fire(name="外发一")
    two = await env.fire(name="外发二")
    resp = await env.client.post("/api/v1/console/bulk", headers=bearer("zs"),
                                 json={"action": "ack", "ids": [one.id, two.id], "comment": "批量确认"})
    assert [r["ok"] for r in resp.json()["results"].values()] == [True, True]
    assert {e["alert_id"] for e in env.ledger("ack")} == {one.id, two.id}


async def test_bulk_silence_of_imp_group_waits_for_approval(env: Harness) -> None:
    a = await env.fire(grade="IMP")
    resp = await env.client.post("/api/v1/console/bulk", headers=bearer("zs"),
                                 json={"action": "silence", "ids": [a.id], "reason": "变更窗口",
                                       "ends_at": env.clock.now() + 3600})
    assert resp.json()["results"][a.id]["status"] == "pending_approval"


async def test_bulk_unknown_action_is_refused(env: Harness) -> None:
    resp = await env.client.post("/api/v1/console/bulk", headers=bearer("zs"), json={"action": "drop", "ids": ["x"]})
    assert resp.status_code == 400


async def test_handover_confirm_over_http(env: Harness) -> None:
    await env.runner.tick()
    started = await env.client.post("/api/v1/console/handover", headers=bearer("zs"))
    sheet_id = started.json()["id"]
    resp = await env.client.post(f"/api/v1/console/handover/{sheet_id}/confirm", headers=bearer("ls"),
                                 json={"comment": "接班"})
    assert (resp.status_code, resp.json()["status"]) == (200, "confirmed")


async def test_handover_confirm_by_outgoing_is_forbidden(env: Harness) -> None:
    await env.runner.tick()
    started = await env.client.post("/api/v1/console/handover", headers=bearer("zs"))
    resp = await env.client.post(f"/api/v1/console/handover/{started.json()['id']}/confirm", headers=bearer("zs"))
    assert resp.status_code == 403

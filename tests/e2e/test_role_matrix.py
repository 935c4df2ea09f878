"""Every HTTP endpoint in the role table, against the running daemon: no token, a wrong-role token and a
right-role token. The table itself is what the auth middleware enforces, so this covers every endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from secops.api.app import ROLE_TABLE
from secops.api.auth import ROLES, hash_token
from tests.support.daemon import DaemonProcess

pytestmark = pytest.mark.e2e
TOKENS = {role: f"sct_matrix_{role}" for role in ROLES}


def concrete(pattern: str) -> str:
    return pattern[1:-1].replace("[^/]+", "does-not-exist")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    tmp = tmp_path_factory.mktemp("matrix")
    config = {"sources": {"api": {"type": "http"}},
              "auth": {"tokens": [{"name": f"{r}-user", "sha256": hash_token(t), "roles": [r]}
                                  for r, t in TOKENS.items()]}}
    d = DaemonProcess(tmp, config).start(wait_ready=True)
    yield d
    d.stop()


class Status:
    def __init__(self, code: int) -> None:
        self.status_code = code


def call(daemon: DaemonProcess, method: str, path: str, token: str | None) -> Status:
    """Only the status matters: the body is not read, so streams (SSE, exports) do not hold the test."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = b'{"message":"matrix"}' if method == "POST" else None
    with httpx.stream(method, daemon.base_url + path, headers=headers, content=body, timeout=30) as response:
        return Status(response.status_code)


CASES = [(r.method, concrete(r.pattern.pattern), sorted(r.roles)) for r in ROLE_TABLE]


@pytest.mark.parametrize(("method", "path", "allowed"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_endpoint_roles(daemon: DaemonProcess, method: str, path: str, allowed: list[str]) -> None:
    assert call(daemon, method, path, None).status_code == 401
    assert call(daemon, method, path, "sct_not_a_token").status_code == 401
    wrong = [r for r in ROLES if r not in allowed and r != "admin"]
    for role in wrong:
        assert call(daemon, method, path, TOKENS[role]).status_code == 403, role
    for role in [*allowed, "admin"]:
        status = call(daemon, method, path, TOKENS[role]).status_code
        assert status not in (401, 403), f"{role} refused with {status}"


def test_failed_authentication_is_in_the_ledger(daemon: DaemonProcess) -> None:
    import sqlite3

    call(daemon, "GET", "/api/v1/incidents", "sct_intruder")
    with sqlite3.connect(f"file:{daemon.db_path}?mode=ro", uri=True, timeout=10) as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM ledger")]
    assert "auth_failure" in kinds


def test_public_endpoints_need_no_token(daemon: DaemonProcess) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert httpx.get(daemon.base_url + path, timeout=10).status_code == 200, path

"""Bearer-token authentication and the role table every HTTP endpoint is checked against.

Tokens are stored as SHA-256 hashes in config and compared in constant time. Roles: ingest, operator,
rule_editor, auditor, admin (admin may do everything). The role table is the one place that says who may
call what; ``AuthMiddleware`` enforces it before any endpoint runs, so an endpoint cannot forget a check.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

ROLES = ("ingest", "operator", "rule_editor", "auditor", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    roles: frozenset[str]

    def has(self, allowed: Iterable[str]) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(allowed))


@dataclass(frozen=True, slots=True)
class TokenEntry:
    name: str
    sha256: str
    roles: tuple[str, ...]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "sct_" + secrets.token_urlsafe(32)


class TokenBook:
    def __init__(self, entries: Sequence[TokenEntry]) -> None:
        self._entries = list(entries)

    def authenticate(self, token: str) -> Principal | None:
        digest = hash_token(token)
        found: Principal | None = None
        for entry in self._entries:  # no early exit: the time taken does not depend on which entry matched
            if hmac.compare_digest(digest, entry.sha256):
                found = Principal(entry.name, frozenset(entry.roles))
        return found


@dataclass(frozen=True, slots=True)
class Rule:
    method: str
    pattern: re.Pattern[str]
    roles: frozenset[str]  # empty: public


def rule(method: str, path: str, roles: Iterable[str]) -> Rule:
    regex = "^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"
    return Rule(method, re.compile(regex), frozenset(roles))


FailureHook = Callable[[str, str, str], Awaitable[None]]  # (reason, method, path)


class AuthMiddleware:
    """Authenticates ``Authorization: Bearer`` (or an authenticated console session) and applies the table.

    A path under /api/ that is not in the table still needs a valid credential (any role); other paths
    not in the table are public (health, metrics, console assets, signed ack links). 401 without valid
    credentials, 403 with the wrong role.
    """

    def __init__(self, app: ASGIApp, *, tokens: TokenBook, table: Sequence[Rule],
                 on_failure: FailureHook | None = None,
                 session: Callable[[Request], Principal | None] | None = None) -> None:
        self.app = app
        self.tokens = tokens
        self.table = list(table)
        self.on_failure = on_failure
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        matched = self._match(request.method, scope["path"])
        if matched is None and scope["path"].startswith("/api/"):
            matched = Rule(request.method, re.compile(".*"), frozenset(ROLES))
        if matched is None or not matched.roles:
            scope.setdefault("state", {})["principal"] = self._principal(request)
            await self.app(scope, receive, send)
            return
        principal = self._principal(request)
        if principal is None:
            await self._fail("missing_or_invalid_token", request)
            response: Response = JSONResponse({"error": "authentication required"}, status_code=401,
                                              headers={"WWW-Authenticate": 'Bearer realm="secops"'})
        elif not principal.has(matched.roles):
            await self._fail("wrong_role", request)
            response = JSONResponse({"error": f"role required: {' or '.join(sorted(matched.roles))}"},
                                    status_code=403)
        else:
            scope.setdefault("state", {})["principal"] = principal
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    def _match(self, method: str, path: str) -> Rule | None:
        method = "GET" if method == "HEAD" else method
        for r in self.table:
            if r.method == method and r.pattern.match(path):
                return r
        return None

    def _principal(self, request: Request) -> Principal | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            return self.tokens.authenticate(token.strip())
        if self.session is not None:
            return self.session(request)
        return None

    async def _fail(self, reason: str, request: Request) -> None:
        if self.on_failure is not None:
            await self.on_failure(reason, request.method, request.url.path)

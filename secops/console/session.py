"""Console sign-in sessions: a signed, expiring cookie value and a CSRF token bound to it.

An operator signs in once with their bearer token; the console then uses an HttpOnly, SameSite=Strict
cookie instead. The cookie holds ``name``, ``roles``, a random session id and an expiry, signed with
HMAC-SHA256 under a key kept in the state directory (so sessions survive a restart, and changing the key
signs everybody out). State-changing requests also carry ``X-CSRF-Token``: an HMAC of the session id
that the page fetches from ``GET /api/v1/console/session`` and a cross-site page cannot read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson

from secops.api.auth import Principal
from secops.clock import Clock

COOKIE_NAME = "secops_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    name: str
    roles: frozenset[str]
    sid: str
    expires_at: float

    @property
    def principal(self) -> Principal:
        return Principal(self.name, self.roles)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Issues and checks session cookie values and their CSRF tokens."""

    def __init__(self, key: bytes, *, clock: Clock, ttl_seconds: float) -> None:
        if len(key) < 16:
            raise ValueError("session key must be at least 16 bytes")
        self._key = key
        self._clock = clock
        self.ttl_seconds = ttl_seconds

    def _mac(self, purpose: bytes, data: bytes) -> bytes:
        return hmac.new(self._key, purpose + b"\x00" + data, hashlib.sha256).digest()

    def issue(self, principal: Principal) -> tuple[str, Session]:
        session = Session(principal.name, principal.roles, secrets.token_urlsafe(16),
                          self._clock.now() + self.ttl_seconds)
        body = orjson.dumps({"n": session.name, "r": sorted(session.roles), "s": session.sid,
                             "e": round(session.expires_at, 3)})
        return f"{_b64(body)}.{_b64(self._mac(b'session', body))}", session

    def verify(self, value: str) -> Session | None:
        """The session in a cookie value, or None when it is malformed, forged or expired."""
        body_text, _, mac_text = value.partition(".")
        try:
            body, mac = _unb64(body_text), _unb64(mac_text)
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(mac, self._mac(b"session", body)):
            return None
        try:
            data = orjson.loads(body)
            session = Session(str(data["n"]), frozenset(str(r) for r in data["r"]), str(data["s"]), float(data["e"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        return session if self._clock.now() < session.expires_at else None

    def csrf_token(self, session: Session) -> str:
        return _b64(self._mac(b"csrf", session.sid.encode()))

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))


def load_or_create_key(path: Path) -> bytes:
    """The signing key in ``path`` (created with mode 0600 on first use)."""
    try:
        key = path.read_bytes()
        if len(key) >= KEY_BYTES:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key

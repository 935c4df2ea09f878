"""Response security headers and CSRF enforcement for cookie sessions (an ASGI middleware).

Every response gets a strict Content-Security-Policy (scripts, styles and connections from this origin
only; no inline script or style, no framing), ``nosniff``, ``no-referrer`` and ``DENY`` framing. A
state-changing request under ``/api/`` that would be authenticated by the console cookie (it has the cookie
and no bearer token) must carry the session's ``X-CSRF-Token`` and, when the browser sends one, a same-origin
``Origin``; otherwise it is refused with 403 before any endpoint runs.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secops.console.session import COOKIE_NAME, CSRF_HEADER, SAFE_METHODS

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; media-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._csrf_refusal(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        if refusal is not None:
            await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _csrf_refusal(self, scope: Scope) -> str | None:
        method = scope["method"]
        if method in SAFE_METHODS or not scope["path"].startswith("/api/"):
            return None
        headers = Headers(scope=scope)
        if headers.get("authorization", "").lower().startswith("bearer "):
            return None  # a bearer token is not sent by browsers on their own: no CSRF risk
        conn = HTTPConnection(scope)
        cookie = conn.cookies.get(COOKIE_NAME)
        console = getattr(getattr(scope.get("app"), "state", None), "console", None)
        if not cookie or console is None:
            return None  # the auth middleware refuses it (401) if the path needs a principal
        session = console.codec.verify(cookie)
        if session is None:
            return None
        origin = headers.get("origin")
        if origin is not None and _netloc(origin) != headers.get("host", ""):
            return "cross-origin request refused"
        if not console.codec.csrf_ok(session, headers.get(CSRF_HEADER)):
            return "CSRF token missing or invalid"
        return None


def _netloc(origin: str) -> str:
    """``host:port`` of an Origin header (the scheme may differ behind a TLS-terminating proxy)."""
    return origin.partition("://")[2].rstrip("/")

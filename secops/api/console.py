"""The operator console: served at ``GET /`` by the daemon (see issue 7; not built yet).

``routes()`` contributes the console's routes; ``session_principal`` authenticates a console session cookie
for the auth middleware (None until the console has sign-in).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.routing import BaseRoute

from secops.api.auth import Principal


def routes() -> list[BaseRoute]:
    return []


session_principal: Callable[[Request], Principal | None] | None = None

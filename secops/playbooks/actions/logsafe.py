"""Keep secret URLs out of logs. httpx logs every request URL at INFO; a robot URL (WeCom key, DingTalk
access token, Feishu hook token) is a credential, so a filter on the ``httpx`` logger rewrites any URL
that starts with a registered secret URL to its redacted form (scheme, host and a short hash)."""

from __future__ import annotations

import logging
import threading

from secops.playbooks.actions.base import redact_url


class SecretUrlFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__("secops-secret-urls")
        self._prefixes: set[str] = set()
        self._lock = threading.Lock()

    def add(self, url: str) -> None:
        base = url.split("?", 1)[0] if "key=" not in url and "access_token=" not in url else url
        with self._lock:
            self._prefixes.add(base)

    def hide(self, text: str) -> str:
        with self._lock:
            prefixes = list(self._prefixes)
        for prefix in prefixes:
            if text.startswith(prefix):
                return redact_url(text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(self.hide(str(a)) if "://" in str(a) else a for a in record.args)
        if isinstance(record.msg, str) and "://" in record.msg:
            record.msg = " ".join(self.hide(w) for w in record.msg.split(" "))
        return True


_FILTER = SecretUrlFilter()


def protect_urls(urls: list[str]) -> None:
    """Register secret URLs and make sure the filter sits on the loggers that print request URLs."""
    for url in urls:
        _FILTER.add(url)
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

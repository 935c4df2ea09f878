"""Sigma taxonomy field names -> secops event fields (ECS), per log source category.

Rules written against the Sigma taxonomy (``c-ip``, ``cs-uri-query``, ``sc-status`` ...) load unchanged:
their field names are rewritten when the rule is compiled. Names not in the table (ECS names, ``data.*``)
pass through. SigmaHQ webserver rules mostly put URL paths in ``cs-uri-query``, so it maps to the whole
request target ``url.original``; ``cs-uri-stem`` is ``url.path``.
"""

from __future__ import annotations

from collections.abc import Mapping

_WEB: dict[str, str] = {
    "c-ip": "source.ip",
    "c-port": "source.port",
    "s-ip": "destination.ip",
    "s-port": "destination.port",
    "s-sitename": "service.name",
    "s-computername": "host.name",
    "cs-method": "http.request.method",
    "cs-uri": "url.original",
    "cs-uri-query": "url.original",
    "cs-uri-stem": "url.path",
    "cs-uri-extension": "url.extension",
    "cs-user-agent": "user_agent.original",
    "c-useragent": "user_agent.original",
    "cs-useragent": "user_agent.original",
    "cs-referer": "http.request.referrer",
    "cs-referrer": "http.request.referrer",
    "cs-username": "user.name",
    "cs-host": "url.domain",
    "cs-version": "http.version",
    "cs-cookie": "http.request.cookie",
    "cs-bytes": "http.request.bytes",
    "sc-bytes": "http.response.bytes",
    "sc-status": "http.response.status_code",
    "sc-substatus": "http.response.substatus",
    "sc-win32-status": "http.response.win32_status",
    "time-taken": "event.duration",
    "date": "@timestamp",
    "time": "@timestamp",
}

_PROXY: dict[str, str] = {
    **_WEB,
    "c-uri": "url.original",
    "c-uri-query": "url.query",
    "c-uri-stem": "url.path",
    "c-uri-extension": "url.extension",
    "c-uri-scheme": "url.scheme",
    "r-dns": "destination.domain",
    "r-ip": "destination.ip",
    "r-port": "destination.port",
    "cs-auth-group": "user.group.name",
    "x-virus-id": "threat.indicator.name",
}

_FIREWALL: dict[str, str] = {
    "src_ip": "source.ip",
    "src_port": "source.port",
    "dst_ip": "destination.ip",
    "dst_port": "destination.port",
    "action": "event.action",
    "username": "user.name",
    "protocol": "network.transport",
    "src_zone": "source.zone",
    "dst_zone": "destination.zone",
    "bytes_in": "source.bytes",
    "bytes_out": "destination.bytes",
}

_DNS: dict[str, str] = {
    "query": "dns.question.name",
    "QueryName": "dns.question.name",
    "answer": "dns.answers.data",
    "record_type": "dns.question.type",
    "QueryType": "dns.question.type",
    "parent_domain": "dns.question.registered_domain",
    "response_code": "dns.response_code",
    "src_ip": "source.ip",
    "dst_ip": "destination.ip",
}

FIELD_MAPS: Mapping[str, Mapping[str, str]] = {
    "webserver": _WEB,
    "proxy": _PROXY,
    "firewall": _FIREWALL,
    "dns": _DNS,
}

# ECS ``event.category`` values and the Sigma log source categories they stand for (prefilter routing)
ECS_CATEGORIES: Mapping[str, frozenset[str]] = {
    "web": frozenset({"webserver", "proxy"}),
    "network": frozenset({"firewall", "proxy", "dns", "network_connection"}),
    "database": frozenset({"database"}),
    "authentication": frozenset({"authentication"}),
    "iam": frozenset({"iam"}),
}
ROUTED: frozenset[str] = frozenset().union(*ECS_CATEGORIES.values())


def field_map(category: str | None) -> Mapping[str, str]:
    return FIELD_MAPS.get(category or "", {})


def event_categories(fields: Mapping[str, object]) -> frozenset[str] | None:
    """Sigma categories an event can belong to; None when it gives no hint (every rule is a candidate)."""
    found: set[str] = set()
    declared = fields.get("event.category")
    for value in declared if isinstance(declared, list) else [declared]:
        if isinstance(value, str):
            found |= ECS_CATEGORIES.get(value.lower(), frozenset())
    if "url.original" in fields or "http.request.method" in fields:
        found |= ECS_CATEGORIES["web"]
    if "dns.question.name" in fields:
        found.add("dns")
    return frozenset(found) if found else None

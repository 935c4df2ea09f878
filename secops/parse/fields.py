"""Field-name helpers shared by the parsers: vendor aliases onto ECS names, integer coercion, URL split.

Aliases are looked up by a canonical form of the key (lower case, without ``-``, ``_``, ``.``, spaces and a
trailing H3C field code such as ``(1003)``), so ``src_ip``, ``srcIP``, ``source-ip`` and ``SrcIPAddr(1003)``
all reach ``source.ip``. The canonical lookup is memoised per raw key (bounded).
"""

from __future__ import annotations

import re
from typing import Any

_ALIASES: dict[str, tuple[str, ...]] = {
    "source.ip": ("srcip", "sourceip", "sip", "src", "sourceaddress", "srcaddr", "srcipaddr", "clientip",
                  "remoteaddr", "cip", "源ip", "源地址", "源ip地址"),
    "destination.ip": ("dstip", "destip", "destinationip", "dip", "dst", "destinationaddress", "dstaddr",
                       "dstipaddr", "serverip", "目的ip", "目的地址", "目标ip", "目的ip地址", "目标地址"),
    "source.port": ("srcport", "sourceport", "sport", "spt", "clientport", "源端口"),
    "destination.port": ("dstport", "destport", "destinationport", "dport", "dpt", "serverport", "目的端口",
                         "目标端口"),
    "source.nat.ip": ("natsrcip", "natsrcipaddr", "srcnatip", "sourcenatip"),
    "source.nat.port": ("natsrcport", "srcnatport", "sourcenatport"),
    "destination.nat.ip": ("natdstip", "natdstipaddr", "dstnatip", "destinationnatip"),
    "destination.nat.port": ("natdstport", "dstnatport", "destinationnatport"),
    "user.name": ("user", "username", "uname", "loginname", "account", "用户", "用户名", "账号"),
    "host.name": ("hostname",),
    "observer.name": ("devname", "devicename", "设备名", "设备名称"),
    "http.request.method": ("method", "requestmethod", "httpmethod", "请求方法"),
    "http.response.status_code": ("status", "statuscode", "httpstatus", "responsecode", "httpresponsecode",
                                  "状态码"),
    "url.original": ("url", "uri", "requesturi", "requesturl", "访问url"),
    "url.path": ("path", "urlpath"),
    "url.query": ("query", "querystring", "args"),
    "user_agent.original": ("useragent", "ua", "httpuseragent"),
    "http.request.referrer": ("referer", "referrer", "httpreferer"),
    "message": ("msg", "消息"),
    "event.action": ("action", "act", "动作", "系统动作", "处理动作", "处置动作"),
    "network.transport": ("proto",),
    "observer.ingress.zone": ("srczone", "sourcezone", "srczonename", "fromzone", "源区域"),
    "observer.egress.zone": ("dstzone", "destinationzone", "dstzonename", "tozone", "目的区域"),
    "rule.name": ("rule", "rulename", "policy", "policyname", "策略名称", "规则名称", "策略名"),
    "log.level": ("level", "loglevel"),
    "process.pid": ("pid",),
    "@timestamp": ("timestamp", "time", "ts", "datetime", "eventtime", "logtime", "时间", "发生时间",
                   "日志时间"),
}

# Extra aliases that only hold in firewall key=value logs (``protocol=6`` is a transport there, while a
# JSON web log's ``protocol`` is usually ``HTTP/1.1``).
_FIREWALL_ALIASES: dict[str, tuple[str, ...]] = {
    "network.transport": ("protocol", "协议"),
    "user.name": ("suser",),
}

ALIASES: dict[str, str] = {alias: target for target, names in _ALIASES.items() for alias in names}
FIREWALL_ALIASES: dict[str, str] = {
    **ALIASES, **{alias: target for target, names in _FIREWALL_ALIASES.items() for alias in names}
}

INT_FIELDS: tuple[str, ...] = (
    "source.port", "destination.port", "source.nat.port", "destination.nat.port",
    "http.response.status_code", "process.pid", "http.response.body.bytes", "http.response.bytes",
    "http.request.bytes", "log.syslog.priority", "event.severity",
)

_INT_SET = frozenset(INT_FIELDS)
_CODE_SUFFIX = re.compile(r"\(\d+\)$")
_STRIP = str.maketrans("", "", "-_. ")
_CACHE_MAX = 4096


def canonical(key: str) -> str:
    """The lookup form of a vendor key: ``SrcIPAddr(1003)`` -> ``srcipaddr``."""
    if key.endswith(")"):
        key = _CODE_SUFFIX.sub("", key)
    return key.lower().translate(_STRIP)


class AliasTable:
    """Raw key -> ECS name (or None), memoised; the hot path is one dict lookup per key. Dotted keys
    are already ECS-style names and never aliased."""

    __slots__ = ("_table", "cache")

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table
        self.cache: dict[str, str | None] = {}  # read directly on hot paths

    def get(self, key: str) -> str | None:
        try:
            return self.cache[key]
        except KeyError:
            pass
        target = None if "." in key else self._table.get(canonical(key))
        if len(self.cache) < _CACHE_MAX:
            self.cache[key] = target
        return target


COMMON = AliasTable(ALIASES)
FIREWALL = AliasTable(FIREWALL_ALIASES)


def coerce_ints(out: dict[str, Any]) -> None:
    """Turn digit strings of integer ECS fields into ints (``"443"`` -> 443); leave anything else alone."""
    for name in _INT_SET.intersection(out):
        value = out[name]
        if type(value) is str and value.isdigit() and len(value) < 19:
            out[name] = int(value)


def _authority(host: str, out: dict[str, Any]) -> None:
    if host.startswith("["):
        domain, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        domain, _, port = host.partition(":")
    if domain:
        out.setdefault("url.domain", domain)
    if port.isdigit() and len(port) <= 5:
        out.setdefault("url.port", int(port))


def split_url(original: str, out: dict[str, Any]) -> None:
    """Fill ``url.path``/``url.query`` (and scheme/domain for absolute URLs) from a request target."""
    target = original
    if "://" in original[:12]:
        scheme, _, rest = original.partition("://")
        out.setdefault("url.scheme", scheme.lower())
        host, slash, target = rest.partition("/")
        target = slash + target
        if host:
            _authority(host.rpartition("@")[2], out)
    path, qmark, query = target.partition("?")
    path = path.partition("#")[0]
    if path:
        out.setdefault("url.path", path)
    if qmark:
        out.setdefault("url.query", query.partition("#")[0])


def apply_aliases(out: dict[str, Any], pairs: list[tuple[str, str]]) -> None:
    """Move each raw key to its ECS name unless that name is already set (the explicit ECS key wins)."""
    for key, target in pairs:
        if target not in out and key in out:
            out[target] = out.pop(key)

"""A small Elasticsearch HTTP double on 127.0.0.1 for the store tests (no ES server can run here).

It implements only what secops' Elasticsearch store calls: ``HEAD /`` (ping), ILM ``PUT _ilm/policy``,
``PUT _index_template``, ``POST _bulk`` (index, create, update with ``doc_as_upsert``, delete),
``_search`` (match_all, term, terms, range, ids, exists, bool; sort and search_after), ``_count``,
``_refresh`` and ``_doc`` get/delete; it answers with ``X-Elastic-Product: Elasticsearch`` as the client
requires. ``down = True`` makes every request answer 503 (an outage). Every request is recorded.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class EsState:
    indices: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    templates: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, Any] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matching(self, pattern: str) -> list[str]:
        names = set()
        for part in pattern.split(","):
            names.update(n for n in self.indices if fnmatch.fnmatchcase(n, part))
        return sorted(names)


# --- query evaluation ------------------------------------------------------------------------------------


def _range(value: Any, spec: dict[str, Any]) -> bool:
    if value is None:
        return False
    ops = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
           "lte": lambda a, b: a <= b}
    return all(ops[k](value, v) for k, v in spec.items() if k in ops)


def matches(doc_id: str, src: dict[str, Any], q: dict[str, Any]) -> bool:
    (kind, spec), = q.items()
    if kind == "match_all":
        return True
    if kind == "ids":
        return doc_id in spec["values"]
    if kind == "term":
        (f, v), = spec.items()
        return src.get(f) == (v["value"] if isinstance(v, dict) else v)
    if kind == "terms":
        (f, vs), = spec.items()
        return src.get(f) in vs
    if kind == "range":
        (f, r), = spec.items()
        return _range(src.get(f), r)
    if kind == "exists":
        return src.get(spec["field"]) is not None
    if kind == "bool":
        must = spec.get("filter", []) + spec.get("must", [])
        if not all(matches(doc_id, src, c) for c in must):
            return False
        if any(matches(doc_id, src, c) for c in spec.get("must_not", [])):
            return False
        should = spec.get("should", [])
        need = spec.get("minimum_should_match", 1 if should and not must else 0)
        return sum(matches(doc_id, src, c) for c in should) >= need
    raise ValueError(f"query {kind!r} not implemented by the double")


def _sort_key(src: dict[str, Any], sort: list[Any]) -> list[Any]:
    out = []
    for s in sort:
        field_name = next(iter(s)) if isinstance(s, dict) else s
        out.append(src.get(field_name))
    return out


def search(state: EsState, index: str, body: dict[str, Any]) -> dict[str, Any]:
    q = body.get("query", {"match_all": {}})
    sort = body.get("sort", [])
    orders = [(next(iter(s.values())) if isinstance(s, dict) else "asc") for s in sort]
    orders = [o["order"] if isinstance(o, dict) else o for o in orders]
    hits = []
    for name in state.matching(index):
        for doc_id, src in state.indices[name].items():
            if matches(doc_id, src, q):
                hits.append((name, doc_id, src, _sort_key(src, sort)))

    def cmp_key(h: tuple[str, str, dict[str, Any], list[Any]]) -> tuple[Any, ...]:
        return tuple(_Ordered(v, o == "desc") for v, o in zip(h[3], orders, strict=True))

    hits.sort(key=cmp_key)
    after = body.get("search_after")
    if after is not None:
        pivot = tuple(_Ordered(v, o == "desc") for v, o in zip(after, orders, strict=True))
        hits = [h for h in hits if cmp_key(h) > pivot]
    size = int(body.get("size", 10))
    return {"took": 1, "timed_out": False, "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": [
        {"_index": n, "_id": i, "_source": s, "sort": k} for n, i, s, k in hits[:size]]}}


class _Ordered:
    """Sort helper: None sorts last; ``desc`` reverses."""

    def __init__(self, value: Any, desc: bool) -> None:
        self.value, self.desc = value, desc

    def _key(self) -> tuple[int, Any]:
        return (1, 0) if self.value is None else (0, self.value)

    def __lt__(self, other: _Ordered) -> bool:
        a, b = self._key(), other._key()
        if a[0] != b[0]:
            return a[0] < b[0]
        return a[1] > b[1] if self.desc else a[1] < b[1]

    def __gt__(self, other: _Ordered) -> bool:
        return other < self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ordered) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


# --- bulk -------------------------------------------------------------------------------------------------


def bulk(state: EsState, default_index: str | None, body: bytes) -> dict[str, Any]:
    lines = [json.loads(x) for x in body.splitlines() if x.strip()]
    items, errors, i = [], False, 0
    while i < len(lines):
        (op, meta), = lines[i].items()
        index, doc_id = meta.get("_index", default_index), meta.get("_id")
        docs = state.indices.setdefault(index, {})
        src = lines[i + 1] if op != "delete" else None
        i += 1 if op == "delete" else 2
        status = 200
        if op == "create" and doc_id in docs:
            status = 409
        elif op in ("create", "index"):
            status = 201 if doc_id not in docs else 200
            docs[doc_id] = src  # type: ignore[assignment]
        elif op == "update":
            if doc_id in docs:
                docs[doc_id] = {**docs[doc_id], **src["doc"]}  # type: ignore[index]
            elif src.get("doc_as_upsert"):  # type: ignore[union-attr]
                docs[doc_id], status = dict(src["doc"]), 201  # type: ignore[index]
            else:
                status = 404
        elif op == "delete":
            status = 200 if docs.pop(doc_id, None) is not None else 404
        item: dict[str, Any] = {"_index": index, "_id": doc_id, "status": status}
        if status >= 400:
            errors = True
            item["error"] = {"type": "version_conflict_engine_exception" if status == 409 else "not_found"}
        items.append({op: item})
    return {"took": 1, "errors": errors, "items": items}


# --- HTTP -------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, payload: Any = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/") if p]
        with state.lock:
            state.requests.append(Recorded(self.command, url.path, dict(self.headers), body))
            if state.down:
                self._send(503, {"error": {"type": "unavailable"}, "status": 503})
                return
            status, payload = route(state, self.command, parts, body, parse_qs(url.query))
        self._send(status, payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def route(state: EsState, method: str, parts: list[str], body: bytes,
          params: dict[str, list[str]]) -> tuple[int, Any]:
    doc = json.loads(body) if body and not (parts and parts[-1] == "_bulk") else {}
    if not parts:
        return 200, {"name": "es-double", "version": {"number": "8.19.0"}, "tagline": "You Know, for Search"}
    if parts[0] == "_ilm" and method == "PUT":
        state.policies[parts[2]] = doc
        return 200, {"acknowledged": True}
    if parts[0] == "_index_template" and method == "PUT":
        state.templates[parts[1]] = doc
        return 200, {"acknowledged": True}
    if parts[-1] == "_bulk":
        return 200, bulk(state, parts[0] if len(parts) == 2 else None, body)
    if parts[-1] == "_search":
        return 200, search(state, parts[0], doc)
    if parts[-1] == "_count":
        q = doc.get("query", {"match_all": {}})
        n = sum(1 for name in state.matching(parts[0]) for i, s in state.indices[name].items() if matches(i, s, q))
        return 200, {"count": n}
    if parts[-1] == "_refresh":
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
    if len(parts) == 3 and parts[1] == "_doc":
        docs = state.indices.get(parts[0], {})
        if method == "GET":
            if parts[2] not in docs:
                return 404, {"_index": parts[0], "_id": parts[2], "found": False}
            return 200, {"_index": parts[0], "_id": parts[2], "found": True, "_source": docs[parts[2]]}
        if method == "DELETE":
            found = docs.pop(parts[2], None) is not None
            return (200 if found else 404), {"result": "deleted" if found else "not_found"}
    return 400, {"error": {"type": "illegal_argument_exception",
                           "reason": f"es-double does not implement {method} /{'/'.join(parts)}"}, "status": 400}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: EsState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class EsDouble:
    """Start with ``with EsDouble() as es:``; ``es.url`` is ``http://127.0.0.1:<free port>``."""

    def __init__(self) -> None:
        self.state = EsState()
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="es-double",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> EsDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

"""The Elasticsearch store: the async client on httpx (``node_class="httpxasync"``), bulk writes with
``helpers.async_bulk``, monthly event and incident indices under a lifecycle policy.

``HttpxAsyncHttpNode`` is the class the name ``"httpxasync"`` selects; passing the class keeps mypy
strict happy. The client's major version is pinned to 8 (``elasticsearch~=8.19``): it sends ``compatible-with=8``, which
Elasticsearch 8 and 9 accept. Each daemon writes its own ledger chain (``chain_id``) to
``<prefix>-ledger-<chain_id>``; appends are serialized in this process. Transport errors, 429 and 5xx
answers become ``StoreUnavailable`` so the resilient wrapper spools.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from elastic_transport import HttpxAsyncHttpNode, TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError, helpers

from secops.clock import Clock
from secops.errors import SecopsError, StoreUnavailable
from secops.model.alert import AlertChange
from secops.model.event import Event
from secops.store import es_incidents
from secops.store.codec import dumps, loads
from secops.store.config import ElasticsearchStoreSettings
from secops.store.es_templates import lifecycle_policy, monthly_template, state_template
from secops.store.ledger import GENESIS, ChainAnchor, Checkpoint, LedgerRecord, Signer, check_kind, make_record
from secops.store.records import (
    Ack,
    ClassificationSummary,
    IncidentPage,
    IncidentQuery,
    NotificationAttempt,
    PurgeResult,
    Silence,
)
from secops.telemetry.metrics import Metrics

PAGE = 5000


def month(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y.%m")


def wrap(err: Exception) -> Exception:
    """Map a client error onto the secops error tree."""
    if isinstance(err, ApiError):
        status = err.meta.status
        if status == 429 or status >= 500:
            return StoreUnavailable(f"elasticsearch answered {status}: {err.message}")
        return SecopsError(f"elasticsearch refused the request ({status}): {err.message}")
    return StoreUnavailable(f"elasticsearch unreachable: {err}")


class ElasticsearchStore:
    def __init__(self, settings: ElasticsearchStoreSettings, client: AsyncElasticsearch, *, clock: Clock,
                 metrics: Metrics | None = None, signer: Signer | None = None) -> None:
        self.settings = settings
        self.es = client
        self.clock = clock
        self._metrics = metrics
        self.signer = signer
        p = settings.index_prefix
        self.ix_alerts, self.ix_kv, self.ix_ops = f"{p}-alerts", f"{p}-kv", f"{p}-ops"
        self.ix_ledger = f"{p}-ledger-{settings.chain_id}"
        self.ledger_lock = asyncio.Lock()
        self.head = ChainAnchor(0, GENESIS)
        self._since_checkpoint = 0

    @classmethod
    async def open(cls, settings: ElasticsearchStoreSettings, *, clock: Clock, metrics: Metrics | None = None,
                   signer: Signer | None = None) -> ElasticsearchStore:
        api_key = None
        if settings.api_key_file is not None:
            api_key = (await asyncio.to_thread(Path(settings.api_key_file).read_text, encoding="utf-8")).strip()
        client = AsyncElasticsearch(settings.urls, node_class=HttpxAsyncHttpNode, api_key=api_key,
                                    request_timeout=settings.request_timeout_seconds,
                                    max_retries=settings.max_retries, retry_on_timeout=True)
        store = cls(settings, client, clock=clock, metrics=metrics, signer=signer)
        try:
            await store.install()
            store.head = await store._anchor_doc("head")
        except BaseException:
            await client.close()
            raise
        return store

    async def install(self) -> None:
        """Put the lifecycle policy and index templates (idempotent)."""
        p = self.settings.index_prefix
        policy = f"{p}-retention"
        try:
            await self.es.ilm.put_lifecycle(name=policy, body=lifecycle_policy(self.settings.retention_days))
            for kind in ("events", "incidents"):
                await self.es.indices.put_index_template(name=f"{p}-{kind}",
                                                         body=monthly_template(p, kind, policy))
            await self.es.indices.put_index_template(name=f"{p}-state", body=state_template(p))
        except (ApiError, TransportError) as err:
            raise wrap(err) from err

    # --- helpers --------------------------------------------------------------------------------------

    async def bulk(self, actions: list[dict[str, Any]], *, refresh: bool = False) -> set[str]:
        """Run bulk actions; return the ids that already existed (409 on create). Other errors raise."""
        if not actions:
            return set()
        try:
            _, errors = await helpers.async_bulk(self.es, actions, chunk_size=self.settings.bulk_chunk_size,
                                                 raise_on_error=False, refresh="wait_for" if refresh else False)
        except (ApiError, TransportError) as err:
            raise wrap(err) from err
        existing: set[str] = set()
        for item in errors if isinstance(errors, list) else []:
            (op,) = item.values()
            status = int(op.get("status", 0))
            if status == 409:
                existing.add(str(op.get("_id")))
            elif status == 429 or status >= 500:
                raise StoreUnavailable(f"elasticsearch bulk item failed ({status})")
            else:
                raise SecopsError(f"elasticsearch refused a document ({status}): {op.get('error')}")
        return existing

    async def search(self, index: str, query: dict[str, Any], *, sort: list[Any], size: int,
                     search_after: list[Any] | None = None) -> list[dict[str, Any]]:
        try:
            resp = await self.es.search(index=index, query=query, sort=sort, size=size, search_after=search_after,
                                        ignore_unavailable=True, allow_no_indices=True)
        except (ApiError, TransportError) as err:
            raise wrap(err) from err
        return [dict(h["_source"], _sort=h.get("sort")) for h in resp["hits"]["hits"]]

    async def search_all(self, index: str, query: dict[str, Any], sort: list[Any],
                         limit: int = 1_000_000) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after: list[Any] | None = None
        while len(out) < limit:
            page = await self.search(index, query, sort=sort, size=min(PAGE, limit - len(out)), search_after=after)
            out.extend(page)
            if len(page) < PAGE:
                break
            after = page[-1]["_sort"]
        return out

    async def refresh(self, index: str) -> None:
        try:
            await self.es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
        except (ApiError, TransportError) as err:
            raise wrap(err) from err

    # --- events ---------------------------------------------------------------------------------------

    async def write_events(self, events: Sequence[Event]) -> None:
        p = self.settings.index_prefix
        await self.bulk([{"_op_type": "create", "_index": f"{p}-events-{month(e.timestamp)}", "_id": e.id,
                          "_source": {"id": e.id, "source": e.source, "timestamp": e.timestamp,
                                      "received_at": e.received_at, "fields": e.fields}} for e in events])

    async def count_events(self) -> int:
        await self.refresh(f"{self.settings.index_prefix}-events-*")
        try:
            resp = await self.es.count(index=f"{self.settings.index_prefix}-events-*", ignore_unavailable=True,
                                       allow_no_indices=True)
        except (ApiError, TransportError) as err:
            raise wrap(err) from err
        return int(resp["count"])

    async def event_ids(self) -> set[str]:
        index = f"{self.settings.index_prefix}-events-*"
        await self.refresh(index)
        return {str(d["id"]) for d in await self.search_all(index, {"match_all": {}}, [{"id": "asc"}])}

    # --- key/value ------------------------------------------------------------------------------------

    @staticmethod
    def _kv_id(namespace: str, key: str) -> str:
        return (namespace + "\x1f" + key).encode().hex()

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        try:
            resp = await self.es.get(index=self.ix_kv, id=self._kv_id(namespace, key))
        except NotFoundError:
            return None
        except (ApiError, TransportError) as err:
            raise wrap(err) from err
        return base64.b64decode(resp["_source"]["value"])

    async def kv_put(self, namespace: str, key: str, value: bytes) -> None:
        await self.bulk([{"_op_type": "index", "_index": self.ix_kv, "_id": self._kv_id(namespace, key),
                          "_source": {"namespace": namespace, "key": key,
                                      "value": base64.b64encode(value).decode()}}], refresh=True)

    async def kv_delete(self, namespace: str, key: str) -> None:
        try:
            await self.es.delete(index=self.ix_kv, id=self._kv_id(namespace, key), refresh=True)
        except NotFoundError:
            return
        except (ApiError, TransportError) as err:
            raise wrap(err) from err

    async def kv_scan(self, namespace: str) -> list[tuple[str, bytes]]:
        docs = await self.search_all(self.ix_kv, {"term": {"namespace": namespace}}, [{"key": "asc"}])
        return [(str(d["key"]), base64.b64decode(d["value"])) for d in docs]

    # --- ledger ---------------------------------------------------------------------------------------

    async def _anchor_doc(self, which: str) -> ChainAnchor:
        raw = await self.kv_get("ledger", f"{which}:{self.settings.chain_id}")
        if raw is None:
            return ChainAnchor(0, GENESIS)
        d = loads(raw)
        return ChainAnchor(int(d["seq"]), str(d["hash"]))

    def stage(self, ts: float, kind: str, payloads: Sequence[Mapping[str, Any]],
              actions: list[dict[str, Any]]) -> list[LedgerRecord]:
        """Add ledger records (and the new head) to ``actions``; call under ``ledger_lock``."""
        prev, seq, recs = self.head.hash, self.head.seq, []
        for payload in payloads:
            seq += 1
            rec = make_record(seq, ts, check_kind(kind), payload, prev)
            recs.append(rec)
            prev = rec.hash
            actions.append({"_op_type": "create", "_index": self.ix_ledger, "_id": str(rec.seq),
                            "_source": {"seq": rec.seq, "ts": rec.ts, "kind": rec.kind, "body": rec.body.decode(),
                                        "hash": rec.hash, "chain": self.settings.chain_id}})
        if recs:
            actions.append(self._anchor_action("head", ChainAnchor(seq, prev)))
        return recs

    def _anchor_action(self, which: str, anchor: ChainAnchor) -> dict[str, Any]:
        key = f"{which}:{self.settings.chain_id}"
        value = base64.b64encode(dumps({"seq": anchor.seq, "hash": anchor.hash})).decode()
        return {"_op_type": "index", "_index": self.ix_kv, "_id": self._kv_id("ledger", key),
                "_source": {"namespace": "ledger", "key": key, "value": value}}

    async def commit(self, actions: list[dict[str, Any]], recs: list[LedgerRecord]) -> None:
        """Write ``actions``; move the head on success, reload it from the cluster on failure."""
        try:
            await self.bulk(actions, refresh=True)
        except BaseException:
            self.head = await self._anchor_doc("head")
            raise
        if recs:
            self.head = ChainAnchor(recs[-1].seq, recs[-1].hash)
            self._since_checkpoint += len(recs)
            if self._since_checkpoint >= self.settings.checkpoint_every_records:
                await self.checkpoint()

    async def ledger_append(self, kind: str, payload: Mapping[str, Any]) -> int:
        async with self.ledger_lock:
            actions: list[dict[str, Any]] = []
            recs = self.stage(self.clock.now(), kind, [payload], actions)
            await self.commit(actions, recs)
            return recs[0].seq

    async def checkpoint(self) -> Checkpoint | None:
        self._since_checkpoint = 0
        head, now = self.head, self.clock.now()
        if head.seq == 0:
            return None
        cp = self.signer.sign_checkpoint(head.seq, head.hash, now) if self.signer else Checkpoint(
            head.seq, head.hash, now)
        existing = await self.bulk([{"_op_type": "create", "_index": self.ix_ops,
                                     "_id": f"checkpoint-{self.settings.chain_id}-{cp.seq}",
                                     "_source": {"type": "checkpoint", "chain": self.settings.chain_id,
                                                 "seq": cp.seq, "hash": cp.hash, "ts": cp.ts,
                                                 "doc": {"signature": cp.signature}}}], refresh=True)
        return None if existing else cp

    async def ledger_state(self) -> tuple[ChainAnchor, ChainAnchor, list[Checkpoint]]:
        docs = await self.search_all(self.ix_ops, {"bool": {"filter": [
            {"term": {"type": "checkpoint"}}, {"term": {"chain": self.settings.chain_id}}]}}, [{"seq": "asc"}])
        cps = [Checkpoint(int(d["seq"]), str(d["hash"]), float(d["ts"]), str(d["doc"]["signature"])) for d in docs]
        return await self._anchor_doc("anchor"), await self._anchor_doc("head"), cps

    async def ledger_seq_range(self, start_ts: float, end_ts: float) -> tuple[int, int] | None:
        q = {"range": {"ts": {"gte": start_ts, "lt": end_ts}}}
        first = await self.search(self.ix_ledger, q, sort=[{"seq": "asc"}], size=1)
        last = await self.search(self.ix_ledger, q, sort=[{"seq": "desc"}], size=1)
        return None if not first else (int(first[0]["seq"]), int(last[0]["seq"]))

    async def ledger_records(self, *, start_ts: float | None = None, end_ts: float | None = None,
                             after_seq: int = 0, limit: int = PAGE) -> list[LedgerRecord]:
        filters: list[dict[str, Any]] = [{"range": {"seq": {"gt": after_seq}}}]
        if start_ts is not None or end_ts is not None:
            rng = {k: v for k, v in (("gte", start_ts), ("lt", end_ts)) if v is not None}
            filters.append({"range": {"ts": rng}})
        docs = await self.search_all(self.ix_ledger, {"bool": {"filter": filters}}, [{"seq": "asc"}], limit=limit)
        return [LedgerRecord(int(d["seq"]), float(d["ts"]), str(d["kind"]), str(d["body"]).encode(),
                             str(d["hash"])) for d in docs]

    # --- incidents (see es_incidents) -----------------------------------------------------------------

    async def write_alert_changes(self, changes: Sequence[AlertChange]) -> None:
        await es_incidents.write_changes(self, changes)

    async def record_notification(self, attempt: NotificationAttempt) -> int:
        return await es_incidents.record_op(self, "notification", attempt.alert_id, attempt.at, attempt.payload())

    async def record_ack(self, ack: Ack) -> int:
        return await es_incidents.record_ack(self, ack)

    async def record_silence(self, silence: Silence) -> int:
        return await es_incidents.record_silence(self, silence)

    async def active_silences(self, at: float) -> list[Silence]:
        return await es_incidents.active_silences(self, at)

    async def write_classification_summaries(self, summaries: Sequence[ClassificationSummary]) -> None:
        await es_incidents.write_summaries(self, summaries)

    async def classification_summaries(self, start: float, end: float) -> list[ClassificationSummary]:
        return await es_incidents.summaries(self, start, end)

    async def query_incidents(self, query: IncidentQuery) -> IncidentPage:
        return await es_incidents.query(self, query)

    async def incident_history(self, alert_id: str) -> list[dict[str, Any]]:
        return await es_incidents.history(self, alert_id)

    async def purge_expired(self) -> PurgeResult:
        """Monthly event and incident indices are deleted by the lifecycle policy; the ledger and alert
        state are not purged on Elasticsearch (see docs/operations.md)."""
        anchor = await self._anchor_doc("anchor")
        return PurgeResult(self.clock.now() - self.settings.retention_days * 86400.0, 0, 0, 0,
                           anchor.seq, anchor.hash)

    async def ping(self) -> bool:
        try:
            return bool(await self.es.ping())
        except (ApiError, TransportError):
            return False

    async def close(self) -> None:
        await self.es.close()

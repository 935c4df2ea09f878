"""HTTP ingest in process: 2xx only after the events are handled, 413, 429 when full, 503 when stopping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson
import pytest

from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.clock import SystemClock
from secops.deadletter import DeadLetter
from secops.pipeline import Batch, Pipeline
from secops.sources.base import SourceContext
from secops.sources.config import HttpSource
from secops.sources.http import HttpIngest
from secops.telemetry.metrics import Metrics

TOKEN = "sct_ingest-test-token"


class Harness:
    def __init__(self, tmp_path: Path, *, queue: int = 100, max_body: int = 1_000_000) -> None:
        self.metrics = Metrics()
        self.gate = asyncio.Event()
        self.gate.set()
        self.in_sink = asyncio.Event()
        self.stored: list[bytes] = []
        self.pipeline = Pipeline(process=self._process, sink=self._sink, metrics=self.metrics, clock=SystemClock(),
                                 queue_max_records=queue)
        ctx = SourceContext(self.pipeline, self.metrics, SystemClock(), tmp_path, DeadLetter(tmp_path / "dl"))
        self.source = HttpIngest("api", HttpSource(type="http", max_body_bytes=max_body), ctx)
        tokens = TokenBook([TokenEntry("feeder", hash_token(TOKEN), ("ingest",)),
                            TokenEntry("desk", hash_token("sct_operator"), ("operator",))])
        self.app = build_app(state={"metrics": self.metrics, "http_source": self.source}, tokens=tokens)

    def _process(self, raw, batch: Batch) -> None:  # type: ignore[no-untyped-def]
        """Nothing to parse here: the sink keeps the raw bodies the pipeline puts in ``batch.raws``."""

    async def _sink(self, batch: Batch) -> None:
        self.in_sink.set()
        await self.gate.wait()
        self.stored.extend(r.data for r in batch.raws)

    def client(self, token: str = TOKEN) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://secops",
                                 headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def harness(tmp_path: Path):  # type: ignore[no-untyped-def]
    h = Harness(tmp_path)
    task = asyncio.create_task(h.pipeline.run())
    yield h
    task.cancel()


async def test_response_comes_after_the_events_are_stored(harness: Harness) -> None:
    harness.gate.clear()
    body = b'{"a":1}\n{"a":2}\n'
    async with harness.client() as client:
        request = asyncio.create_task(client.post("/api/v1/events", content=body))
        await asyncio.sleep(0.1)
        assert not request.done(), "answered before the sink stored the events"
        harness.gate.set()
        response = await request
    assert response.status_code == 200
    assert harness.stored == [body]


async def test_json_array_body_accepted(harness: Harness) -> None:
    async with harness.client() as client:
        response = await client.post("/api/v1/events", content=orjson.dumps([{"a": 1}, {"a": 2}]))
    assert response.status_code == 200


async def test_oversized_body_is_413(tmp_path: Path) -> None:
    h = Harness(tmp_path, max_body=100)
    async with h.client() as client:
        response = await client.post("/api/v1/events", content=b"x" * 101)
    assert response.status_code == 413
    assert h.stored == []


async def test_full_pipeline_is_429_with_retry_after(tmp_path: Path) -> None:
    h = Harness(tmp_path, queue=1)
    h.gate.clear()
    task = asyncio.create_task(h.pipeline.run())
    async with h.client() as client:
        first = asyncio.create_task(client.post("/api/v1/events", content=b'{"n":1}'))
        await asyncio.wait_for(h.in_sink.wait(), 5)  # the consumer took the first body and waits in the sink
        second = asyncio.create_task(client.post("/api/v1/events", content=b'{"n":2}'))
        async with asyncio.timeout(5):
            while h.pipeline.room() > 0:
                await asyncio.sleep(0.01)  # the second body fills the one-slot queue
        third = await client.post("/api/v1/events", content=b'{"n":3}')
        assert third.status_code == 429
        assert third.headers["retry-after"] == "1"
        h.gate.set()
        assert (await first).status_code == 200
        assert (await second).status_code == 200
    task.cancel()
    assert h.stored == [b'{"n":1}', b'{"n":2}'], "the refused body was not half-accepted"


async def test_stopping_daemon_is_503(harness: Harness) -> None:
    harness.source.stop_intake()
    async with harness.client() as client:
        response = await client.post("/api/v1/events", content=b'{"a":1}')
    assert response.status_code == 503
    assert "retry-after" in response.headers


@pytest.mark.parametrize(("token", "status"), [("", 401), ("sct_wrong", 401), ("sct_operator", 403)])
async def test_ingest_needs_the_ingest_role(harness: Harness, token: str, status: int) -> None:
    async with harness.client(token) as client:
        if not token:
            client.headers.pop("Authorization")
        response = await client.post("/api/v1/events", content=b'{"a":1}')
    assert response.status_code == status
    assert harness.stored == []

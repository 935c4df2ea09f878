"""The daemon: builds the topology from settings, runs it in one TaskGroup, and on SIGTERM stops intake,
drains the pipeline, flushes acknowledgements and offsets, and exits 0 within the configured deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from prometheus_client import disable_created_metrics

from secops.alerting.alertmanager import AlertmanagerClient, build_client
from secops.alerting.state import AlertBook
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry
from secops.api.health import Readiness
from secops.clock import Clock, SystemClock
from secops.deadletter import DeadLetter
from secops.errors import StoreUnavailable
from secops.model.alert import AlertChange
from secops.parse.normalize import Normalizer, ZoneMap
from secops.pipeline import Batch, Pipeline
from secops.processing import Processor, source_formats
from secops.settings import Settings
from secops.sources import SOURCES, Source, SourceContext
from secops.sources.http import HttpIngest
from secops.store.base import Store
from secops.store.factory import open_store
from secops.telemetry.metrics import Metrics

log = logging.getLogger("secops.daemon")
SNAPSHOT_NS = "daemon"


class Daemon:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = metrics or Metrics()
        self.state_dir = Path(settings.state_dir)
        self.dead_letter = DeadLetter(settings.pipeline.dead_letter_dir)
        self.alerts = AlertBook(settings.alerting, metrics=self.metrics)
        self.sources: dict[str, Source] = {}
        self.store: Store | None = None
        self.pipeline: Pipeline | None = None
        self.alertmanager: AlertmanagerClient | None = None
        self.http_server: uvicorn.Server | None = None
        self._stop = asyncio.Event()
        self._store_ok = True

    # -- construction --------------------------------------------------------------------------------
    def _processor(self) -> Processor:
        zones = ZoneMap(self.settings.zones, external=self.settings.pipeline.external_zones)
        return Processor(formats=source_formats(self.settings.sources), normalizer=Normalizer(zones),
                         metrics=self.metrics)

    def _build_sources(self, pipeline: Pipeline) -> None:
        ctx = SourceContext(pipeline=pipeline, metrics=self.metrics, clock=self.clock, state_dir=self.state_dir,
                            dead_letter=self.dead_letter)
        for key, source_settings in self.settings.sources.items():
            self.sources[key] = SOURCES.get(source_settings.type)(key, source_settings, ctx)

    def _app_state(self) -> dict[str, Any]:
        http_source = next((s for s in self.sources.values() if isinstance(s, HttpIngest)), None)
        return {"metrics": self.metrics, "readiness": self.readiness, "http_source": http_source,
                "store": self.store, "alerts": self.alerts, "clock": self.clock, "version": _version()}

    def _http_server(self) -> uvicorn.Server:
        entries = [TokenEntry(t.name, t.sha256, tuple(t.roles)) for t in self.settings.auth.tokens]
        app = build_app(state=self._app_state(), tokens=TokenBook(entries), on_auth_failure=self._auth_failed)
        host, _, port = self.settings.http.address.rpartition(":")
        config = uvicorn.Config(app, host=host.strip("[]"), port=int(port), log_config=None, access_log=False,
                                lifespan="off", timeout_graceful_shutdown=5)
        return uvicorn.Server(config)

    # -- readiness -------------------------------------------------------------------------------------
    def readiness(self) -> Readiness:
        checks: dict[str, dict[str, object]] = {}
        for key, source in self.sources.items():
            checks[f"source:{key}"] = {"ok": source.ready}
        pipeline_ok = self.pipeline is not None and self.pipeline.accepting
        checks["pipeline"] = {"ok": pipeline_ok, "fill_ratio": self.pipeline.fill_ratio() if self.pipeline else 0}
        checks["store"] = {"ok": self._store_ok}
        ready = all(bool(c["ok"]) for c in checks.values())
        return Readiness(ready, checks)

    # -- the sink: everything after the pure stages -----------------------------------------------------
    async def _sink(self, batch: Batch) -> None:
        if batch.rejects:
            await asyncio.to_thread(self.dead_letter.write, batch.rejects)
        changes: list[AlertChange] = []
        if batch.detections:
            changes = self.alerts.observe(batch.detections, self.clock.now())
        await self._store_retry(batch, changes)
        processed: dict[str, int] = {}
        for event in batch.events:
            processed[event.source] = processed.get(event.source, 0) + 1
        for source, count in processed.items():
            self.metrics.events_processed_total.labels(source).inc(count)
        if changes:
            self._publish(changes)

    async def _store_retry(self, batch: Batch, changes: list[AlertChange]) -> None:
        """Write until the store takes it: the batch is not acknowledged upstream before that."""
        assert self.store is not None
        delay = 0.1
        while True:
            try:
                if self.settings.pipeline.store_events and batch.events:
                    await self.store.write_events(batch.events)
                if changes:
                    await self.store.write_alert_changes(changes)
                if batch.detections:
                    await self.store.kv_put(SNAPSHOT_NS, "alerts", self.alerts.snapshot())
                self._set_store_ok(True)
                return
            except StoreUnavailable as err:
                self._set_store_ok(False)
                log.warning("store unavailable (%s); retrying in %.1fs", err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _set_store_ok(self, value: bool) -> None:
        self._store_ok = value
        self.metrics.store_up.set(1 if value else 0)

    def _publish(self, changes: list[AlertChange]) -> None:
        if self.alertmanager is not None:
            self.alertmanager.update(changes)

    async def _auth_failed(self, reason: str, method: str, path: str) -> None:
        if self.store is not None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.ledger_append("auth_failure", {"reason": reason, "method": method, "path": path})

    # -- periodic work ----------------------------------------------------------------------------------
    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            changes = self.alerts.tick(self.clock.now())
            if changes:
                await self._store_retry(Batch(), changes)
                assert self.store is not None
                await self.store.kv_put(SNAPSHOT_NS, "alerts", self.alerts.snapshot())
                self._publish(changes)

    async def _restore(self) -> None:
        assert self.store is not None
        blob = await self.store.kv_get(SNAPSHOT_NS, "alerts")
        if blob:
            self.alerts.restore(blob)
            if self.alertmanager is not None:
                self.alertmanager.update([AlertChange(_kind_for(a), a) for a in self.alerts.active()])

    # -- lifecycle --------------------------------------------------------------------------------------
    def request_shutdown(self) -> None:
        self._stop.set()

    async def run(self) -> int:
        disable_created_metrics()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_shutdown)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.store = await open_store(self.settings.store, clock=self.clock, metrics=self.metrics)
        processor = self._processor()
        p = self.settings.pipeline
        self.pipeline = Pipeline(process=processor, sink=self._sink, metrics=self.metrics, clock=self.clock,
                                 queue_max_records=p.queue_max_records, batch_max_records=p.batch_max_records,
                                 batch_max_seconds=p.batch_max_seconds)
        self._build_sources(self.pipeline)
        async with httpx.AsyncClient() as http:
            if self.settings.alertmanager is not None:
                self.alertmanager = build_client(self.settings.alertmanager, client=http, clock=self.clock,
                                                 metrics=self.metrics, public_url=self.settings.http.public_url)
            await self._restore()
            self.http_server = self._http_server()
            try:
                await self._run_tasks()
            finally:
                await self.store.close()
        log.info("stopped")
        return 0

    async def _run_tasks(self) -> None:
        assert self.pipeline is not None
        assert self.http_server is not None
        async with asyncio.TaskGroup() as group:
            background = [
                group.create_task(self.pipeline.run(), name="pipeline"),
                group.create_task(self._ticker(), name="ticker"),
            ]
            if self.alertmanager is not None:
                background.append(group.create_task(self.alertmanager.run(), name="alertmanager"))
            http_task = group.create_task(self.http_server.serve(), name="http")
            source_tasks = [group.create_task(s.run(), name=f"source:{k}") for k, s in self.sources.items()]
            log.info("started: http on %s, sources %s", self.settings.http.address, ", ".join(self.sources) or "none")
            await self._stop.wait()
            await self._shutdown(source_tasks, http_task)
            for task in background:
                task.cancel()

    async def _shutdown(self, source_tasks: list[asyncio.Task[None]], http_task: asyncio.Task[None]) -> None:
        assert self.pipeline is not None
        assert self.http_server is not None
        deadline = self.settings.pipeline.shutdown_deadline_seconds
        log.info("shutting down: intake stopped, draining (deadline %.0fs)", deadline)
        for source in self.sources.values():
            source.stop_intake()
        self.pipeline.stop_intake()
        try:
            await asyncio.wait_for(self.pipeline.drained(), deadline)
        except TimeoutError:
            log.error("pipeline not drained within %.0fs; unacknowledged input will be redelivered", deadline)
        for source in self.sources.values():
            await source.close()
        _, pending = await asyncio.wait(source_tasks, timeout=5) if source_tasks else (set(), set())
        for task in pending:
            task.cancel()
        self.http_server.should_exit = True
        await asyncio.wait({http_task}, timeout=6)


def _kind_for(alert: Any) -> Any:
    from secops.model.alert import AlertStatus, ChangeKind

    return ChangeKind.FIRED if alert.status is AlertStatus.FIRING else ChangeKind.RESOLVED


def _version() -> str:
    import secops

    return secops.__version__

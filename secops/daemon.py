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
from watchfiles import awatch

from secops import gcpolicy
from secops.alerting.alertmanager import AlertmanagerClient, build_client
from secops.alerting.state import AlertBook
from secops.api import alerts as alerts_api
from secops.api import audit, console, incidents
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry
from secops.api.health import Readiness
from secops.api.hub import Hub
from secops.classify.engine import Classifier
from secops.clock import Clock, SystemClock
from secops.deadletter import DeadLetter
from secops.detect.engine import DetectionEngine
from secops.errors import StoreUnavailable
from secops.model.alert import AlertChange, ChangeKind, alert_to_dict
from secops.native import status as native_status
from secops.parse.normalize import Normalizer, ZoneMap
from secops.pipeline import Batch, Pipeline
from secops.playbooks.loader import load_playbooks
from secops.playbooks.runner import AlertNotFound, PlaybookRunner
from secops.processing import Processor, source_formats
from secops.redact import Redactor
from secops.settings import Settings
from secops.sources import SOURCES, Source, SourceContext
from secops.sources.http import HttpIngest
from secops.store.factory import open_store
from secops.store.resilient import ResilientStore
from secops.telemetry.metrics import Metrics
from secops.topology import build_classifier, build_detector, rule_dirs, rules_sha256

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
        self.classifier: Classifier | None = build_classifier(settings, metrics=self.metrics, clock=self.clock)
        self.detector: DetectionEngine = build_detector(settings, metrics=self.metrics)
        self.lateness_seconds = settings.rules.lateness_seconds
        self.sources: dict[str, Source] = {}
        self.store: ResilientStore | None = None
        self.pipeline: Pipeline | None = None
        self.alertmanager: AlertmanagerClient | None = None
        self.playbooks: PlaybookRunner | None = None
        self.hub = Hub()
        self._reload_lock = asyncio.Lock()
        self.http_server: uvicorn.Server | None = None
        self._stop = asyncio.Event()
        self._store_ok = True

    # -- construction --------------------------------------------------------------------------------
    def _processor(self) -> Processor:
        zones = ZoneMap(self.settings.zones, external=self.settings.pipeline.external_zones)
        redactor = Redactor(self.classifier) if self.classifier is not None else None
        enrichers = [redactor.classify] if redactor is not None else []  # classifies and keeps the findings
        finishers = [redactor] if redactor is not None else []
        return Processor(formats=source_formats(self.settings.sources), normalizer=Normalizer(zones),
                         metrics=self.metrics, enrichers=enrichers, detectors=[self.detector], finishers=finishers)

    def _build_sources(self, pipeline: Pipeline) -> None:
        ctx = SourceContext(pipeline=pipeline, metrics=self.metrics, clock=self.clock, state_dir=self.state_dir,
                            dead_letter=self.dead_letter)
        for key, source_settings in self.settings.sources.items():
            self.sources[key] = SOURCES.get(source_settings.type)(key, source_settings, ctx)

    def _app_state(self) -> dict[str, Any]:
        http_source = next((s for s in self.sources.values() if isinstance(s, HttpIngest)), None)
        lifecycle = AlertLifecycle(self)
        operator_console = console.build_service(
            state_dir=self.state_dir, clock=self.clock, hub=self.hub, metrics=self.metrics, runner=self.playbooks,
            book=self.alerts, store=self.store, readiness=self.readiness, source_keys=list(self.settings.sources),
            public_url=self.settings.http.public_url or self.settings.playbooks.public_base_url,
            settings=getattr(self.settings, "console", None), stopping=self._stop, lifecycle=lifecycle)
        return {"metrics": self.metrics, "readiness": self.readiness, "http_source": http_source,
                "store": self.store, "alerts": lifecycle, "book": self.alerts,
                "playbooks": self.playbooks, "clock": self.clock, "version": _version(),
                "reload_rules": self.reload_rules, "settings": self.settings, "hub": self.hub,
                "console": operator_console}

    def _http_server(self) -> uvicorn.Server:
        entries = [TokenEntry(t.name, t.sha256, tuple(t.roles)) for t in self.settings.auth.tokens]
        app = build_app(state=self._app_state(), tokens=TokenBook(entries), on_auth_failure=self._auth_failed,
                        extra_routes=[*incidents.routes(), *audit.routes(), *alerts_api.routes(), *console.routes()],
                        session=console.session_principal)
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
        store_ok = self._store_ok and (self.store is None or self.store.healthy)
        checks["store"] = {"ok": store_ok, "backlog": self.store.backlog if self.store is not None else 0}
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
            await self._publish(changes)

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
                if batch.events or changes:
                    await self._save_state()
                self._set_store_ok(True)
                return
            except StoreUnavailable as err:
                self._set_store_ok(False)
                log.warning("store unavailable (%s); retrying in %.1fs", err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _save_state(self) -> None:
        """Window and alert state, saved before the batch is acknowledged: a restart neither re-counts nor
        re-fires (redelivered events are recognised by id inside the windows)."""
        assert self.store is not None
        await self.store.kv_put(SNAPSHOT_NS, "detection", self.detector.snapshot())
        await self.store.kv_put(SNAPSHOT_NS, "alerts", self.alerts.snapshot())

    def _set_store_ok(self, value: bool) -> None:
        self._store_ok = value
        self.metrics.store_up.set(1 if value else 0)

    async def _publish(self, changes: list[AlertChange], *, playbooks: bool = True) -> None:
        if self.alertmanager is not None:
            self.alertmanager.update(changes)
        if playbooks and self.playbooks is not None:
            await self.playbooks.handle(changes)
        for change in changes:
            self.hub.publish("alert", {"change": change.kind.value, "alert": alert_to_dict(change.alert)})

    async def reload_rules(self) -> list[Any]:
        """Validate and swap both packs (``POST /api/v1/rules/reload`` and the file watcher); a broken change
        is refused and the old rules stay in force. The attempt and the rules' content hash go to the ledger."""
        async with self._reload_lock:
            issues: list[Any] = list(self.detector.reload())
            if self.classifier is not None:  # hyperscan compiles take seconds: off the event loop
                issues += await asyncio.to_thread(self.classifier.reload)
        outcome = "error" if any(i.level == "error" for i in issues) else "success"
        log.log(logging.ERROR if outcome == "error" else logging.INFO, "rule reload: %s%s", outcome,
                "".join(f"\n  {i}" for i in issues))
        await self._ledger("rules_reload", {"outcome": outcome, "issues": [str(i) for i in issues],
                                            "rules_sha256": rules_sha256(rule_dirs(self.settings))})
        return issues

    async def _ledger(self, kind: str, payload: dict[str, Any]) -> None:
        if self.store is not None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.ledger_append(kind, payload)

    async def _watch_rules(self) -> None:
        """Reload when a rule file changes: in-place writes and atomic renames both show up here."""
        dirs = rule_dirs(self.settings)
        if not dirs:
            return
        async for changes in awatch(*dirs, debounce=500, step=50, recursive=True):
            if any(path.endswith((".yml", ".yaml")) for _, path in changes):
                await self.reload_rules()

    async def _auth_failed(self, reason: str, method: str, path: str) -> None:
        if self.store is not None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.ledger_append("auth_failure", {"reason": reason, "method": method, "path": path})

    # -- periodic work ----------------------------------------------------------------------------------
    async def _ticker(self) -> None:
        """Event-time work that needs no event: absence and silence rules, quiet-period resolution.
        The watermark trails the wall clock by the allowed lateness, so late events still count."""
        while True:
            await asyncio.sleep(1.0)
            watermark = self.clock.now() - self.lateness_seconds
            batch = Batch(detections=self.detector.advance(watermark))
            changes = self.alerts.observe(batch.detections, watermark) if batch.detections else []
            changes += self.alerts.tick(watermark)
            if changes or batch.detections:
                await self._store_retry(batch, changes)
                await self._save_state()
                await self._publish(changes)

    def _playbook_runner(self, http: httpx.AsyncClient) -> PlaybookRunner | None:
        paths = [p for p in self.settings.playbooks.paths if Path(p).is_dir()]
        if not paths or self.store is None:
            log.warning("no playbook folder found (%s): nobody will be paged", ", ".join(self.settings.playbooks.paths))
            return None
        pset = load_playbooks([Path(p) for p in paths], clock=self.clock)
        return PlaybookRunner(pset, store=self.store, clock=self.clock, http=http, metrics=self.metrics,
                              settings=self.settings.playbooks)

    async def _housekeeping(self) -> None:
        """Ledger checkpoints every minute; retention purge once a day (and at start)."""
        assert self.store is not None
        last_purge = -1e18
        while True:
            try:
                if self.clock.monotonic() - last_purge >= 86400:
                    await self.store.purge_expired()
                    last_purge = self.clock.monotonic()
                await self.store.checkpoint()
            except StoreUnavailable as err:
                log.warning("housekeeping postponed: %s", err)
            await asyncio.sleep(60)

    async def _restore(self) -> None:
        assert self.store is not None
        blob = await self.store.kv_get(SNAPSHOT_NS, "detection")
        if blob:
            self.detector.restore(blob)
        blob = await self.store.kv_get(SNAPSHOT_NS, "alerts")
        if blob:
            self.alerts.restore(blob)
            if self.alertmanager is not None:
                recent = self.alerts.recently_resolved(self.clock.now() - 300)
                self.alertmanager.update([AlertChange(ChangeKind.FIRED, a) for a in self.alerts.active()]
                                         + [AlertChange(ChangeKind.RESOLVED, a) for a in recent])

    # -- lifecycle --------------------------------------------------------------------------------------
    def request_shutdown(self) -> None:
        self._stop.set()

    async def run(self) -> int:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_shutdown)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        inner = await open_store(self.settings.store, clock=self.clock, metrics=self.metrics)
        self.store = ResilientStore(inner, Path(self.settings.store.journal_dir), self.settings.store.journal_max_bytes,
                                    metrics=self.metrics)
        await self.store.start()
        processor = self._processor()
        p = self.settings.pipeline
        self.pipeline = Pipeline(process=processor, finish=processor.finish, sink=self._sink,
                                 metrics=self.metrics, clock=self.clock,
                                 queue_max_records=p.queue_max_records, batch_max_records=p.batch_max_records,
                                 batch_max_seconds=p.batch_max_seconds)
        self._build_sources(self.pipeline)
        async with httpx.AsyncClient() as http:
            if self.settings.alertmanager is not None:
                self.alertmanager = build_client(self.settings.alertmanager, client=http, clock=self.clock,
                                                 metrics=self.metrics, public_url=self.settings.http.public_url)
            self.playbooks = self._playbook_runner(http)
            await self._restore()
            rules_hash = rules_sha256(rule_dirs(self.settings))
            await self._ledger("startup", {"version": _version(), "rules_sha256": rules_hash,
                                           "config_sha256": _config_hash(self.settings)})
            self.http_server = self._http_server()
            gcpolicy.settle()
            log.info("classification hot path: %s", native_status()[1])
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
                group.create_task(self._housekeeping(), name="housekeeping"),
            ]
            if self.alertmanager is not None:
                background.append(group.create_task(self.alertmanager.run(), name="alertmanager"))
            if self.playbooks is not None:
                background.append(group.create_task(self.playbooks.run(), name="playbooks"))
            if self.settings.rules.watch:
                background.append(group.create_task(self._watch_rules(), name="rules-watch"))
            http_task = group.create_task(self.http_server.serve(), name="http")
            source_tasks = [group.create_task(s.run(), name=f"source:{k}") for k, s in self.sources.items()]
            log.info("started: http on %s, sources %s", self.settings.http.address, ", ".join(self.sources) or "none")
            await self._stop.wait()
            await self._shutdown(source_tasks, http_task)
            for task in background:
                task.cancel()
            if self.alertmanager is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.alertmanager.send_pending(), 5)

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


class AlertLifecycle:
    """What the alerts API calls for a manual resolve: the book changes, the store and Alertmanager hear it;
    the API hands the changes to the playbooks itself."""

    def __init__(self, daemon: Daemon) -> None:
        self._daemon = daemon

    async def resolve(self, alert_id: str, *, principal: str, comment: str) -> list[AlertChange]:
        d = self._daemon
        change = d.alerts.resolve(alert_id, d.clock.now())
        if change is None:
            raise AlertNotFound(f"no firing alert {alert_id}")
        await d._store_retry(Batch(), [change])
        await d._save_state()
        await d._publish([change], playbooks=False)
        return [change]


def _config_hash(settings: Settings) -> str:
    import hashlib

    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()


def _version() -> str:
    import secops

    return secops.__version__

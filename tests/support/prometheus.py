"""A real Debian ``prometheus`` server on a free loopback port, scraping the daemon; stopped by pid."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.net import free_port, wait_until

PROMETHEUS_BIN = Path("/usr/bin/prometheus")


class Prometheus:
    def __init__(self, directory: Path, *, targets: list[str], rule_files: list[Path]) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = directory / "prometheus.yml"
        self.log = directory / "prometheus.log"
        self.targets = targets
        self.rule_files = rule_files
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Prometheus:
        if not PROMETHEUS_BIN.exists():
            raise AssertionError(f"{PROMETHEUS_BIN} is missing: install the Debian package prometheus")
        self.directory.mkdir(parents=True, exist_ok=True)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in self.rule_files],
            "scrape_configs": [{"job_name": "secops", "metrics_path": "/metrics",
                                "static_configs": [{"targets": self.targets}]}],
        }
        self.config.write_text(yaml.safe_dump(config), encoding="utf-8")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(PROMETHEUS_BIN), f"--config.file={self.config}", f"--storage.tsdb.path={self.directory / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", f"--web.external-url={self.url}"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, timeout=30, message="prometheus ready")
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log.read_text(errors='replace')[-2000:]}")
        return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200

    def api(self, path: str, **params: Any) -> Any:
        body = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5).json()
        assert body["status"] == "success", body
        return body["data"]

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

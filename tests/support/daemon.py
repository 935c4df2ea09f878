"""The daemon as users run it: ``python -m secops run -c FILE`` in its own process, stopped by pid."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml

from tests.support.net import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


class DaemonProcess:
    def __init__(self, workdir: Path, config: dict[str, Any], *, http_port: int | None = None) -> None:
        self.workdir = workdir
        self.http_port = http_port or free_port()
        config = dict(config)
        config.setdefault("http", {"address": f"127.0.0.1:{self.http_port}"})
        config.setdefault("state_dir", str(workdir / "var"))
        config.setdefault("store", {"type": "sqlite", "path": str(workdir / "var" / "secops.db")})
        pipeline = dict(config.get("pipeline", {}))
        pipeline.setdefault("dead_letter_dir", str(workdir / "var" / "deadletter"))
        config["pipeline"] = pipeline
        config.setdefault("rules", {"paths": [str(ROOT / "rules")], "watch": False})
        self.config = config
        self.config_path = workdir / "secops.yaml"
        self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self.log_path = workdir / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def db_path(self) -> Path:
        return Path(self.config["store"]["path"])

    def start(self, *, wait_ready: bool = False, timeout: float = 90) -> DaemonProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "secops", "run", "-c", str(self.config_path)],
                                         cwd=self.workdir, stdout=log, stderr=log)
        path = "/readyz" if wait_ready else "/healthz"
        try:
            wait_until(lambda: self._alive() and self.get(path).status_code == 200, timeout=timeout,
                       message=f"daemon {path}")
        except BaseException:
            self.kill()  # a daemon that did not come up must not outlive the test
            raise
        return self

    def _alive(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"daemon exited {self.proc.returncode}: {self.log_tail()}")
        return True

    def log_tail(self, size: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-size:] if self.log_path.exists() else ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=5, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.base_url + path, timeout=30, **kwargs)

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels`` (0 when absent)."""
        total = 0.0
        for line in self.get("/metrics").text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            head, _, value = line.rpartition(" ")
            series, _, label_text = head.partition("{")
            if series != name:
                continue
            if all(f'{k}="{v}"' in label_text for k, v in labels.items()):
                total += float(value)
        return total

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"daemon did not stop within {timeout}s: {self.log_tail()}") from None
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    # -- what reached the end of the pipeline --------------------------------------------------------
    def stored_events(self) -> list[dict[str, Any]]:
        if not self.db_path.exists():
            return []
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute("SELECT id, source, fields FROM events").fetchall()
        return [{"id": r[0], "source": r[1], "fields": orjson.loads(r[2])} for r in rows]

    def stored_count(self) -> int:
        if not self.db_path.exists():
            return 0
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10) as db:
            return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


def daemon_config(**sections: Any) -> dict[str, Any]:
    return dict(sections)


__all__ = ["DaemonProcess", "daemon_config", "free_port"]

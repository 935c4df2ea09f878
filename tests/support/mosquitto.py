"""A real mosquitto broker on a free loopback port, with persistence, stopped by pid."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.support.net import free_port, port_open, wait_until

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    def __init__(self, directory: Path | None = None, port: int | None = None) -> None:
        # mosquitto drops to user "mosquitto" when started as root, and pytest's tmp dirs are 0700 root:
        # give it a directory of its own that it can reach
        self.directory = directory or Path(tempfile.mkdtemp(prefix="secops-mosquitto-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o755)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.data = self.directory / "data"
        self.conf = self.directory / "mosquitto.conf"
        self.log = self.directory / "mosquitto.log"

    def start(self) -> Mosquitto:
        if not Path(MOSQUITTO).exists():
            raise AssertionError("mosquitto is not installed (make test installs the Debian package)")
        self.data.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            "per_listener_settings false\n"
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.data}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 500000\n"
            "max_inflight_messages 1000\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n",
            encoding="utf-8",
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam("mosquitto")
            for path in (self.directory, self.data):
                os.chown(path, user.pw_uid, user.pw_gid)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=log, stderr=log)
        wait_until(lambda: port_open(self.port) or self._died(), timeout=10, message="mosquitto to listen")
        return self

    def _died(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"mosquitto exited: {self.log.read_text(errors='replace')[-2000:]}")
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # SIGTERM writes the persistence file
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

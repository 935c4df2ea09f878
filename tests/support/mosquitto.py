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
from tests.support.tls import TlsFiles

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


class Mosquitto:
    def __init__(self, directory: Path | None = None, port: int | None = None, *, tls: TlsFiles | None = None,
                 users: dict[str, str] | None = None) -> None:
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
        self.tls = tls
        self.users = users or {}

    def start(self) -> Mosquitto:
        if not Path(MOSQUITTO).exists():
            raise AssertionError("mosquitto is not installed (make test installs the Debian package)")
        self.data.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            "per_listener_settings false\n"
            f"listener {self.port} 127.0.0.1\n"
            + self._security() +
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

    def _security(self) -> str:
        lines = []
        if self.tls is not None:
            lines += [f"cafile {self.tls.ca}", f"certfile {self.tls.cert}", f"keyfile {self.tls.key}"]
        if self.users:
            passwd = self.directory / "passwd"
            for n, (user, password) in enumerate(self.users.items()):
                flags = ["-b", "-c"] if n == 0 else ["-b"]
                subprocess.run([MOSQUITTO_PASSWD, *flags, str(passwd), user, password], check=True)
            passwd.chmod(0o644)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        return "".join(line + "\n" for line in lines)

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
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

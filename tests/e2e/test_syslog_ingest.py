"""Syslog ingest proven against real senders: util-linux logger and an rsyslog instance forwarding with omfwd."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import DaemonProcess
from tests.support.net import free_port, wait_until

pytestmark = pytest.mark.e2e
LOGGER = shutil.which("logger") or "/usr/bin/logger"
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    port = free_port()
    config = {"sources": {"syslog_in": {"type": "syslog", "mode": "both", "address": f"127.0.0.1:{port}",
                                        "max_record_bytes": 4096}}}
    d = DaemonProcess(tmp_path, config).start(wait_ready=True)
    d.syslog_port = port  # type: ignore[attr-defined]
    try:
        yield d
    finally:
        assert d.stop() == 0


def messages(daemon: DaemonProcess) -> list[str]:
    return [str(e["fields"].get("message", "")) for e in daemon.stored_events()]


def wait_for_marker(daemon: DaemonProcess, marker: str) -> dict:
    def find() -> dict | None:
        return next((e for e in daemon.stored_events() if marker in str(e["fields"].get("message", ""))), None)

    return wait_until(find, timeout=20, message=f"message {marker} stored")  # type: ignore[return-value]


def logger(*args: str) -> None:
    if not Path(LOGGER).exists():
        raise AssertionError("util-linux logger is not installed")
    subprocess.run([LOGGER, *args], check=True, timeout=10)


def test_logger_rfc5424_over_udp(daemon: DaemonProcess) -> None:
    marker = f"udp-{uuid.uuid4().hex[:8]}"
    logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(daemon.syslog_port), "-t", "egov-portal",  # type: ignore[attr-defined]
           "--msgid", "LOGIN", f"user login ok {marker}")
    event = wait_for_marker(daemon, marker)
    assert event["fields"]["process.name"] == "egov-portal"
    assert event["fields"]["log.syslog.version"] == "1" or event["fields"].get("log.syslog.msgid") == "LOGIN"


def test_logger_tcp_octet_counting(daemon: DaemonProcess) -> None:
    markers = [f"oc-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for marker in markers:
        logger("--rfc5424", "-T", "--octet-count", "-n", "127.0.0.1", "-P", str(daemon.syslog_port),  # type: ignore[attr-defined]
               f"octet counted {marker}")
    for marker in markers:
        wait_for_marker(daemon, marker)


def test_logger_tcp_lf_framing(daemon: DaemonProcess) -> None:
    marker = f"lf-{uuid.uuid4().hex[:8]}"
    logger("--rfc5424", "-T", "-n", "127.0.0.1", "-P", str(daemon.syslog_port), f"lf framed {marker}")  # type: ignore[attr-defined]
    wait_for_marker(daemon, marker)


def test_tcp_frames_mixed_in_one_connection_and_oversized_frame_dead_lettered(daemon: DaemonProcess) -> None:
    port = daemon.syslog_port  # type: ignore[attr-defined]
    first = b"<13>1 2026-01-01T00:00:00Z h app - - - mixed-one"
    big = b"<13>1 2026-01-01T00:00:00Z h app - - - " + b"x" * 10_000
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"%d %s" % (len(first), first) + b"<13>Jan  1 00:00:00 h app: mixed-two\n"
                     + b"%d %s" % (len(big), big) + b"<13>Jan  1 00:00:00 h app: mixed-three\n")
    wait_for_marker(daemon, "mixed-one")
    wait_for_marker(daemon, "mixed-two")
    wait_for_marker(daemon, "mixed-three")
    assert daemon.metric("secops_events_rejected_total", source="syslog_in", reason="too_long") == 1
    dead = (daemon.workdir / "var" / "deadletter" / "syslog_in.jsonl").read_text()
    assert '"reason":"too_long"' in dead


RSYSLOG_CONF = """\
global(workDirectory="{work}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{listen}")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="tcp" TCP_Framing="octet-counted"
           template="RSYSLOG_SyslogProtocol23Format")
*.* action(type="omfwd" target="127.0.0.1" port="{target}" protocol="udp"
           template="RSYSLOG_TraditionalForwardFormat")
"""


def test_rsyslog_omfwd_forwards_over_tcp_and_udp(daemon: DaemonProcess, tmp_path: Path) -> None:
    if not Path(RSYSLOGD).exists():
        raise AssertionError("rsyslog is not installed (make test installs the Debian package)")
    work = tmp_path / "rsyslog"
    work.mkdir()
    listen = free_port()
    conf = work / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(work=work, listen=listen, target=daemon.syslog_port))  # type: ignore[attr-defined]
    with open(work / "rsyslogd.log", "wb") as log:
        proc = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i", str(work / "rsyslogd.pid")],
                                stdout=log, stderr=log)
    try:
        marker = f"rs-{uuid.uuid4().hex[:8]}"

        def delivered() -> bool:  # rsyslog needs a moment to bind; resend until both copies arrive
            logger("-d", "-n", "127.0.0.1", "-P", str(listen), "-t", "gateway", f"forwarded {marker}")
            found = [m for m in messages(daemon) if marker in m]
            return len(found) >= 2

        wait_until(delivered, timeout=30, interval=0.5, message="rsyslog forwarded over TCP and UDP")
        forwarded = [e for e in daemon.stored_events() if marker in str(e["fields"].get("message", ""))]
        versions = {e["fields"].get("log.syslog.version") for e in forwarded}
        assert "1" in versions, "the RFC 5424 copy came over TCP with octet counting"
        assert None in versions, "the RFC 3164 copy came over UDP"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_syslog_over_tls(tmp_path: Path) -> None:
    import ssl

    from tests.support.tls import make_tls

    tls = make_tls(tmp_path / "tls")
    port = free_port()
    config = {"sources": {"syslog_tls": {"type": "syslog", "mode": "tcp", "address": f"127.0.0.1:{port}",
                                         "tls": {"cert_file": str(tls.cert), "key_file": str(tls.key)}}}}
    daemon = DaemonProcess(tmp_path, config).start(wait_ready=True)
    try:
        context = ssl.create_default_context(cafile=str(tls.ca))
        frame = b"<34>1 2026-11-26T10:00:00Z fw01 auth - - - tls-marker login failed"
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(b"%d %s" % (len(frame), frame))
        event = wait_for_marker(daemon, "tls-marker")
        assert event["fields"]["host.name"] == "fw01"
        with socket.create_connection(("127.0.0.1", port)) as plain:  # plain text on the TLS port is refused
            plain.sendall(b"<34>1 - - - - - - plain-marker\n")
        assert daemon.get("/healthz").status_code == 200
        assert not [m for m in messages(daemon) if "plain-marker" in m]
    finally:
        assert daemon.stop() == 0

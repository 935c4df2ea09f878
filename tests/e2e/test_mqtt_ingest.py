"""MQTT ingest against a real mosquitto: counts, SIGKILL, broker restart, SIGTERM under load."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import DaemonProcess
from tests.support.mosquitto import Mosquitto
from tests.support.net import wait_until
from tests.support.publisher import Publisher

pytestmark = pytest.mark.e2e


def mqtt_config(broker: Mosquitto, protocol: str = "5") -> dict[str, Any]:
    return {"sources": {"egov_mqtt": {"type": "mqtt", "url": broker.url, "topics": ["egov/logs/#"],
                                      "client_id": "secops-e2e", "protocol": protocol, "format": "json",
                                      "reconnect_min_seconds": 0.1, "reconnect_max_seconds": 1.0}}}


def distinct_ns(daemon: DaemonProcess) -> set[int]:
    return {int(e["fields"]["n"]) for e in daemon.stored_events()}


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_ten_thousand_qos1_events_are_all_received(tmp_path: Path, mosquitto: Mosquitto, protocol: str) -> None:
    daemon = DaemonProcess(tmp_path, mqtt_config(mosquitto, protocol)).start(wait_ready=True)
    publisher = Publisher(mosquitto.port)
    try:
        publisher.publish_range(0, 10_000)
        assert publisher.acked == 10_000
        wait_until(lambda: daemon.metric("secops_events_received_total", source="egov_mqtt") >= 10_000,
                   timeout=60, message="10,000 events received")
        assert daemon.metric("secops_events_received_total", source="egov_mqtt") == 10_000
        wait_until(lambda: daemon.stored_count() >= 10_000, timeout=30, message="10,000 events stored")
        assert distinct_ns(daemon) == set(range(10_000))
    finally:
        publisher.close()
        assert daemon.stop() == 0


def test_sigkill_mid_stream_loses_nothing(tmp_path: Path, mosquitto: Mosquitto) -> None:
    daemon = DaemonProcess(tmp_path, mqtt_config(mosquitto)).start(wait_ready=True)
    publisher = Publisher(mosquitto.port)
    done = threading.Thread(target=publisher.publish_range, args=(0, 20_000), daemon=True)
    try:
        done.start()
        wait_until(lambda: daemon.stored_count() >= 3_000, timeout=60, message="part of the stream stored")
        daemon.kill()  # SIGKILL: no drain, no clean disconnect
        done.join(timeout=120)
        assert publisher.acked == 20_000, "the broker took every message"
        daemon.start(wait_ready=True)
        wait_until(lambda: len(distinct_ns(daemon)) >= 20_000, timeout=120, message="all 20,000 ids stored")
        assert distinct_ns(daemon) == set(range(20_000))
    finally:
        publisher.close()
        daemon.stop()


def test_broker_restart_is_shown_and_loses_nothing(tmp_path: Path, mosquitto: Mosquitto) -> None:
    daemon = DaemonProcess(tmp_path, mqtt_config(mosquitto)).start(wait_ready=True)
    try:
        publisher = Publisher(mosquitto.port)
        publisher.publish_range(0, 2_000)
        publisher.close()
        wait_until(lambda: daemon.stored_count() >= 2_000, timeout=60, message="first half stored")
        mosquitto.stop()
        wait_until(lambda: daemon.get("/readyz").status_code == 503, timeout=15, message="/readyz shows the outage")
        body = daemon.get("/readyz").json()
        assert body["checks"]["source:egov_mqtt"]["ok"] is False
        mosquitto.start()
        # messages published while secops reconnects wait in its persistent session
        publisher = Publisher(mosquitto.port)
        publisher.publish_range(2_000, 4_000)
        publisher.close()
        wait_until(lambda: daemon.get("/readyz").status_code == 200, timeout=30, message="/readyz recovers")
        wait_until(lambda: len(distinct_ns(daemon)) >= 4_000, timeout=60, message="second half stored")
        assert distinct_ns(daemon) == set(range(4_000))
    finally:
        assert daemon.stop() == 0


def test_sigterm_under_load_exits_zero_and_acks_only_what_was_stored(tmp_path: Path, mosquitto: Mosquitto) -> None:
    daemon = DaemonProcess(tmp_path, mqtt_config(mosquitto)).start(wait_ready=True)
    publisher = Publisher(mosquitto.port)
    feeder = threading.Thread(target=publisher.publish_range, args=(0, 15_000), daemon=True)
    try:
        feeder.start()
        wait_until(lambda: daemon.stored_count() >= 2_000, timeout=60, message="load flowing")
        assert daemon.stop(signal.SIGTERM, timeout=30) == 0
        feeder.join(timeout=120)
        assert publisher.acked == 15_000
        # whatever secops did not store before exiting must still be waiting in its session
        daemon.start(wait_ready=True)
        wait_until(lambda: len(distinct_ns(daemon)) >= 15_000, timeout=120, message="every event handled")
        assert distinct_ns(daemon) == set(range(15_000))
    finally:
        publisher.close()
        daemon.stop()


def test_tls_with_username_and_password(tmp_path: Path) -> None:
    import os
    import shutil

    from tests.support.tls import make_tls

    broker = Mosquitto(users={"secops": "s3cret-ingest", "producer": "p-secret"})
    os.chmod(broker.directory, 0o755)
    tls = broker.tls = make_tls(broker.directory / "tls")  # where the broker's user can read them
    broker.start()
    config = {"sources": {"egov_mqtt": {"type": "mqtt", "url": broker.url, "topics": ["egov/logs/#"],
                                        "client_id": "secops-tls", "format": "json", "username": "secops",
                                        "password": {"env": "SECOPS_TEST_MQTT_PASSWORD"},
                                        "tls": {"ca_file": str(tls.ca)}}}}
    os.environ["SECOPS_TEST_MQTT_PASSWORD"] = "s3cret-ingest"  # inherited by the daemon process
    daemon = DaemonProcess(tmp_path, config)
    try:
        daemon.start(wait_ready=True)
        publisher = Publisher(broker.port, "egov/logs/tls", username="producer", password="p-secret",
                              ca_file=str(tls.ca))
        publisher.publish_range(0, 100)
        assert publisher.acked == 100
        wait_until(lambda: len(distinct_ns(daemon)) >= 100, timeout=30, message="events over TLS stored")
        publisher.close()
    finally:
        del os.environ["SECOPS_TEST_MQTT_PASSWORD"]
        daemon.stop()
        broker.stop()
        shutil.rmtree(broker.directory, ignore_errors=True)

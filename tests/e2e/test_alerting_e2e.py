"""Detection to alerts end to end: the daemon, a real mosquitto, a real Alertmanager with a webhook
receiver, and a real Prometheus scraping /metrics and evaluating deploy/prometheus rules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.alertmanager import TEST_CONFIG, Alertmanager, WebhookReceiver
from tests.support.daemon import ROOT, DaemonProcess
from tests.support.mosquitto import Mosquitto
from tests.support.net import wait_until
from tests.support.prometheus import Prometheus
from tests.support.publisher import Publisher

pytestmark = pytest.mark.e2e
SQLI = "5f0b8a8e-2d7c-4b71-9a3e-0c6a1f4e2b01"
BRUTE = "5f0b8a8e-2d7c-4b71-9a3e-0c6a1f4e2b07"
CST = timezone(timedelta(hours=8))


def access_line(ip: str, target: str, status: int = 200, agent: str = "Mozilla/5.0", at: datetime | None = None) -> str:
    when = (at or datetime.now(CST)).strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{ip} - - [{when}] "GET {target} HTTP/1.1" {status} 512 "-" "{agent}"'


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def alertmanager(tmp_path: Path, webhook: WebhookReceiver) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path / "am", TEST_CONFIG.format(url=webhook.url)).start()
    yield am
    am.stop()


def daemon_config(tmp_path: Path, broker: Mosquitto, am: Alertmanager | None) -> dict[str, Any]:
    key = tmp_path / "hmac.key"
    key.write_text("e2e-test-key-0123456789abcdef")
    config: dict[str, Any] = {
        "sources": {"egov_mqtt": {"type": "mqtt", "url": broker.url, "topics": ["egov/logs/#"],
                                  "client_id": "secops-alert-e2e", "format": "access_log"}},
        "rules": {"paths": [str(ROOT / "rules")], "watch": False, "lateness_seconds": 1},
        "alerting": {"rules": {SQLI: {"quiet_seconds": 3}}},
        "classification": {"hmac_key": f"file:{key}"},
        "playbooks": {"paths": [str(tmp_path / "no-playbooks")]},
    }
    if am is not None:
        config["alertmanager"] = {"urls": [am.url], "resend_interval_seconds": 2}
    return config


def sent_alerts(webhook: WebhookReceiver, status: str) -> list[dict[str, Any]]:
    return [a for body in webhook.bodies() for a in body["alerts"] if a["status"] == status]


def stored_alert_ids(daemon: DaemonProcess, rule_id: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(f"file:{daemon.db_path}?mode=ro", uri=True, timeout=10) as db:
        return [r[0] for r in db.execute("SELECT id FROM alerts WHERE rule_id = ? ORDER BY starts_at", (rule_id,))]


def test_attack_fires_then_resolves_through_alertmanager_and_prometheus_evaluates_rules(
        tmp_path: Path, mosquitto: Mosquitto, alertmanager: Alertmanager, webhook: WebhookReceiver) -> None:
    daemon = DaemonProcess(tmp_path, daemon_config(tmp_path, mosquitto, alertmanager)).start(wait_ready=True)
    prometheus = Prometheus(tmp_path / "prom", targets=[f"127.0.0.1:{daemon.http_port}"],
                            rule_files=[ROOT / "deploy/prometheus/secops-alerts.yml"]).start()
    publisher = Publisher(mosquitto.port, topic="egov/logs/portal")
    sent: list[str] = []

    def attack() -> None:
        text = access_line("203.0.113.7", f"/news.php?id=1%27%20union%20select%20{len(sent)},2--")
        publisher.client.publish("egov/logs/portal", text.encode(), qos=1).wait_for_publish(10)
        sent.append(text)

    def rules() -> dict[str, Any]:
        groups = prometheus.api("rules")["groups"]
        return {r["name"]: r for g in groups for r in g["rules"]}

    try:
        def firing_at_webhook() -> bool:
            attack()  # the attack goes on until Alertmanager has notified
            return bool(sent_alerts(webhook, "firing"))

        wait_until(firing_at_webhook, timeout=30, interval=0.5, message="firing alert at the webhook")
        firing = sent_alerts(webhook, "firing")[0]
        assert firing["labels"]["alertname"] == "WebSqlInjection"
        assert firing["labels"]["rule_id"] == SQLI
        assert firing["labels"]["severity"] == "high"
        assert firing["labels"]["data_grade"] in {"L1", "L2", "L3"}

        def prometheus_sees_it() -> bool:
            attack()  # keep the alert firing until Prometheus has scraped and evaluated it
            return rules()["SecopsHighAlertsFiring"]["state"] in ("pending", "firing")

        wait_until(prometheus_sees_it, timeout=60, interval=0.5, message="SecopsHighAlertsFiring pending")
        unhealthy = [r for r in rules().values() if r["health"] != "ok"]
        assert not unhealthy, unhealthy
        fired = prometheus.api("query", query='sum(secops_alerts_fired_total{severity="high"})')["result"]
        assert float(fired[0]["value"][1]) >= 1

        # the attack stops: the rule's quiet period (3 s) passes and the resolved notice arrives
        wait_until(lambda: sent_alerts(webhook, "resolved"), timeout=30, message="resolved alert at the webhook")
        assert sent_alerts(webhook, "resolved")[0]["labels"]["alertname"] == "WebSqlInjection"

        (tmp_path / "attack.log").write_text("\n".join(sent) + "\n")
        live_ids = stored_alert_ids(daemon, SQLI)
        assert len(live_ids) == 1, "one attack, one alert"
        replayed = replay(tmp_path, daemon, tmp_path / "attack.log")
        assert [a["id"] for a in replayed if a["labels"]["rule_id"] == SQLI] == live_ids
        assert replay(tmp_path, daemon, tmp_path / "attack.log") == replayed, "replay is deterministic"
    finally:
        publisher.close()
        prometheus.stop()
        assert daemon.stop() == 0


def replay(tmp_path: Path, daemon: DaemonProcess, log: Path) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "secops", "replay", "-c", str(daemon.config_path),
                          "--format", "access_log", "--source", "egov_mqtt", str(log)],
                         cwd=tmp_path, capture_output=True, check=True, timeout=120)
    return [orjson.loads(line)["alert"] for line in out.stdout.splitlines()
            if orjson.loads(line)["change"] == "fired"]


def test_sigkill_mid_correlation_window_fires_exactly_once(tmp_path: Path, mosquitto: Mosquitto) -> None:
    daemon = DaemonProcess(tmp_path, daemon_config(tmp_path, mosquitto, None)).start(wait_ready=True)
    publisher = Publisher(mosquitto.port, topic="egov/logs/portal")
    start = datetime.now(CST)
    failures = [access_line("198.51.100.9", "/api/login", 401, at=start + timedelta(seconds=n)) for n in range(14)]
    try:
        for text in failures[:6]:
            publisher.client.publish("egov/logs/portal", text.encode(), qos=1).wait_for_publish(10)
        wait_until(lambda: daemon.stored_count() >= 6, timeout=30, message="six failures stored")
        daemon.kill()  # mid-window: six of the ten needed
        daemon.start(wait_ready=True)
        for text in failures[6:]:
            publisher.client.publish("egov/logs/portal", text.encode(), qos=1).wait_for_publish(10)
        wait_until(lambda: daemon.stored_count() >= 14, timeout=30, message="all failures stored")
        wait_until(lambda: stored_alert_ids(daemon, BRUTE), timeout=30, message="brute-force alert fired")
        assert len(stored_alert_ids(daemon, BRUTE)) == 1
        assert daemon.metric("secops_alerts_fired_total", rule=BRUTE) == 1
    finally:
        publisher.close()
        assert daemon.stop() == 0

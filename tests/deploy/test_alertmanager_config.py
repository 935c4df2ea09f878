"""deploy/alertmanager: the example config is valid, routes by severity and data grade, and inhibits.

Debian's amtool and prometheus-alertmanager are required peers: missing binaries fail, they do not skip.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from secops.alerting.alertmanager import AlertmanagerClient
from secops.alerting.state import AlertBook
from secops.clock import SystemClock
from secops.model.alert import Detection, Severity
from tests.support.alertmanager import AMTOOL_BIN, Alertmanager, WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    if not AMTOOL_BIN.exists():
        pytest.fail(f"{AMTOOL_BIN} is missing: install the Debian package prometheus-alertmanager")
    return subprocess.run([str(AMTOOL_BIN), *args], capture_output=True, text=True, timeout=60, check=False)


def test_amtool_check_config_passes() -> None:
    result = amtool("check-config", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "2 inhibit rules" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (["severity=critical", "data_grade=CORE"], "data-security-officer,duty-pager"),
        (["severity=high", "data_grade=IMP"], "data-security-officer,duty-desk"),
        (["severity=medium", "data_grade=IMP"], "data-security-officer,soc-queue"),
        (["severity=critical", "data_grade=L2"], "duty-pager"),
        (["severity=high", "data_grade=L4"], "duty-pager"),
        (["severity=high", "data_grade=L3"], "duty-desk"),
        (["severity=high"], "duty-desk"),
        (["severity=low", "data_grade=L1"], "soc-queue"),
        (["alertname=Unlabelled"], "soc-queue"),
    ],
)
def test_routes_by_severity_and_data_grade(labels: list[str], receivers: str) -> None:
    result = amtool("config", "routes", "test", f"--config.file={CONFIG}", f"--verify.receivers={receivers}",
                    *labels)
    assert result.returncode == 0, f"{labels}: got {result.stdout.strip()!r}, want {receivers!r}"


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Alertmanager]:
    """The deploy config as shipped, with its webhook receivers pointed at a local receiver."""
    webhook = WebhookReceiver().start()
    base = webhook.url.rsplit("/", 1)[0]
    text = CONFIG.read_text(encoding="utf-8").replace("http://127.0.0.1:9095", base)
    peer = Alertmanager(tmp_path / "am", text)
    try:
        yield peer.start()
    finally:
        peer.stop()
        webhook.stop()


def detection(alertname: str, severity: Severity, source_ip: str, grade: str) -> Detection:
    return Detection(
        rule_id=alertname.lower(), alertname=alertname, severity=severity, timestamp=SystemClock().now(),
        group=(("source.ip", source_ip),), data_grade=grade, annotations={"summary": "测试"},
    )


async def test_critical_exfiltration_inhibits_high_alerts_of_the_same_source(deployed: Alertmanager) -> None:
    book = AlertBook()
    now = SystemClock().now()
    changes = book.observe(
        [
            detection("DataExfiltration", Severity.CRITICAL, "10.1.2.3", "IMP"),
            detection("WebSqlInjection", Severity.HIGH, "10.1.2.3", "L3"),
            detection("WebSqlInjection", Severity.HIGH, "10.9.9.9", "L3"),
        ],
        now,
    )
    async with httpx.AsyncClient() as http:
        client = AlertmanagerClient([deployed.url], client=http, clock=SystemClock())
        client.update(changes)
        assert await client.send_pending()
        response = await http.get(f"{deployed.url}/api/v2/alerts")
    response.raise_for_status()
    alerts: list[dict[str, Any]] = response.json()
    by_key = {(a["labels"]["alertname"], a["labels"]["source_ip"]): a for a in alerts}
    exfil = by_key[("DataExfiltration", "10.1.2.3")]
    same_source = by_key[("WebSqlInjection", "10.1.2.3")]
    other_source = by_key[("WebSqlInjection", "10.9.9.9")]
    assert exfil["status"]["state"] == "active"
    assert same_source["status"]["state"] == "suppressed"
    assert same_source["status"]["inhibitedBy"] == [exfil["fingerprint"]]
    assert other_source["status"]["state"] == "active"

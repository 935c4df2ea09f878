"""deploy/prometheus: promtool checks and unit tests of the alerting rules, and a lint of a secops scrape.

Debian's promtool is a required peer: a missing binary fails these tests, it does not skip them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest, start_http_server

from secops.telemetry.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
PROM_DIR = ROOT / "deploy" / "prometheus"
RULES = PROM_DIR / "secops-alerts.yml"
RULE_TESTS = PROM_DIR / "secops-alerts.test.yml"
PROMTOOL = Path("/usr/bin/promtool")

REQUIRED_ALERTS = {
    "SecopsCriticalAlertsFiring",
    "SecopsHighAlertsFiring",
    "SecopsImportantDataSeen",
    "SecopsSourceSilent",
    "SecopsDown",
    "SecopsNotificationsFailing",
    "SecopsRuleReloadFailed",
    "SecopsQueueSaturated",
}


def promtool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    if not PROMTOOL.exists():
        pytest.fail(f"{PROMTOOL} is missing: install the Debian package prometheus (make test does)")
    return subprocess.run(
        [str(PROMTOOL), *args], input=stdin.decode() if stdin is not None else None,
        capture_output=True, text=True, timeout=60, cwd=PROM_DIR, check=False,
    )


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load(RULES)["groups"] for rule in group["rules"] if "alert" in rule]


def test_promtool_check_rules_passes() -> None:
    result = promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_check_config_passes() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_scrape_config_targets_secops_metrics_endpoint() -> None:
    (job,) = [j for j in load(PROM_DIR / "prometheus.yml")["scrape_configs"] if j["job_name"] == "secops"]
    assert job["metrics_path"] == "/metrics"


def test_every_required_alert_is_defined_with_severity_and_summary() -> None:
    rules = {r["alert"]: r for r in alert_rules()}
    assert rules.keys() >= REQUIRED_ALERTS
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"informational", "low", "medium", "high", "critical"}, name
        assert rule["annotations"]["summary"], name


def test_every_rule_has_a_firing_and_a_silent_unit_test() -> None:
    cases: dict[str, list[list[Any]]] = {}
    for test in load(RULE_TESTS)["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(case.get("exp_alerts") or [])
    for rule in alert_rules():
        expectations = cases.get(rule["alert"], [])
        assert any(expectations), f"{rule['alert']}: no test where it fires"
        assert any(not e for e in expectations), f"{rule['alert']}: no test where it must stay silent"


def sample_metrics() -> Metrics:
    """A Metrics registry populated with one sample of every metric family."""
    m = Metrics(CollectorRegistry())
    m.events_received_total.labels("syslog").inc(10)
    m.events_rejected_total.labels("syslog", "bad_json").inc()
    m.events_dropped_total.labels("syslog").inc()
    m.events_processed_total.labels("syslog").inc(9)
    m.source_last_event_timestamp_seconds.labels("syslog").set(1_767_225_600)
    m.source_up.labels("syslog").set(1)
    m.queue_depth.labels("intake").set(12)
    m.queue_capacity.labels("intake").set(20_000)
    m.batch_seconds.observe(0.004)
    m.findings_total.labels("cn_mobile").inc(3)
    m.events_graded_total.labels("L3").inc(3)
    m.rules_loaded.labels("detection").set(42)
    m.rules_reload_total.labels("ok").inc()
    m.alerts_fired_total.labels("web-sqli", "high").inc()
    m.alerts_active.labels("high", "L3").set(1)
    m.notifications_total.labels("alertmanager", "sent").inc()
    m.store_backlog.set(0)
    m.store_up.set(1)
    return m


def sample_scrape() -> bytes:
    return generate_latest(sample_metrics().registry)


def test_promtool_check_metrics_accepts_a_live_secops_scrape() -> None:
    metrics = sample_metrics()
    server, thread = start_http_server(0, addr="127.0.0.1", registry=metrics.registry)
    try:
        response = httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    response.raise_for_status()
    result = promtool("check", "metrics", stdin=response.content)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b'secops_alerts_active{grade="L3",severity="high"} 1.0' in response.content


def test_promtool_check_metrics_would_catch_a_bad_name() -> None:
    bad = b"# HELP secops_latency_ms Latency\n# TYPE secops_latency_ms gauge\nsecops_latency_ms 1\n"
    assert promtool("check", "metrics", stdin=bad).returncode != 0


def test_rules_use_only_metrics_secops_exports() -> None:
    exported = set(re.findall(r"^# TYPE (\w+) ", sample_scrape().decode(), flags=re.MULTILINE))
    exported |= {f"{name}_total" for name in exported}
    used = {name for rule in alert_rules() for name in re.findall(r"\bsecops_\w+", rule["expr"])}
    assert used, "no secops metric found in the rules"
    assert used <= exported, f"rules use metrics secops does not export: {sorted(used - exported)}"

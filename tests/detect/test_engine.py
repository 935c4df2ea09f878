"""The engine: prefilter gives the same matches as evaluating every rule, detections, metrics, reload."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.errors import ConfigError
from secops.model.alert import Severity
from secops.telemetry.metrics import Metrics
from tests.detect.events import ev

WEB = """title: {title}
id: {rid}
logsource: {{category: webserver}}
detection:
  sel:
    cs-uri-query|contains: '{needle}'
  condition: sel
level: {level}
"""

MIXED = [
    ("sqli", "detection:\n  sel:\n    url.original|contains|all: [union, select]\n  condition: sel"),
    ("trav", "detection:\n  sel:\n    url.original|re: '\\.\\./\\.\\./'\n  condition: sel"),
    ("notadmin", "detection:\n  sel:\n    url.path|startswith: /admin\n  f:\n    source.ip|cidr: 10.0.0.0/8\n"
                 "  condition: sel and not f"),
    ("status", "detection:\n  sel:\n    http.response.status_code|gte: 500\n  condition: sel"),
    ("kw", "detection:\n  keywords: ['jndi:', 'sleep(']\n  condition: keywords"),
    ("neg", "detection:\n  sel:\n    http.request.method: POST\n  n:\n    url.path|endswith: .php\n"
            "  condition: sel and not n"),
    ("ua", "detection:\n  sel:\n    user_agent.original|contains: [sqlmap, nikto, nmap]\n  condition: sel"),
]


def write_mixed(root: Path) -> Path:
    folder = root / "mixed"
    folder.mkdir()
    for rid, body in MIXED:
        (folder / f"{rid}.yml").write_text(f"title: {rid}\nid: {rid}\nlogsource: {{category: webserver}}\n{body}\n")
    return folder


def random_event(rng: random.Random, i: int) -> dict[str, object]:
    paths = ["/admin/x", "/index.php", "/a/../../etc/passwd", "/api/login", "/q"]
    queries = ["", "?id=1 union select 2", "?x=${jndi:ldap://a}", "?t=sleep(5)", "?id=select"]
    agents = ["Mozilla/5.0", "sqlmap/1.7", "Nikto", "curl/8"]
    path = rng.choice(paths)
    return {"url.original": path + rng.choice(queries), "url.path": path,
            "http.request.method": rng.choice(["GET", "POST"]), "source.ip": rng.choice(["10.1.1.1", "8.8.8.8"]),
            "http.response.status_code": rng.choice([200, 404, 500, 503]),
            "user_agent.original": rng.choice(agents)}


def test_prefilter_matches_exactly_like_full_evaluation(tmp_path: Path) -> None:
    folder = write_mixed(tmp_path)
    fast = DetectionEngine(load_rules([folder]))
    full = DetectionEngine(load_rules([folder]), prefilter=False)
    rng = random.Random(7)
    for i in range(400):
        e = ev(random_event(rng, i), i)
        assert fast.matched_rules(e) == full.matched_rules(e), e.fields


def test_prefilter_skips_rules_whose_literals_are_absent(tmp_path: Path) -> None:
    folder = write_mixed(tmp_path)
    engine = DetectionEngine(load_rules([folder]))
    index = engine._c.index
    assert index.prefiltered == 6  # only "status" (a number comparison) has no literal
    plain = {"url.original": "/q", "url.path": "/q", "http.request.method": "GET"}
    ids = [engine.rules[i].id for i in index.candidates(plain)]
    assert ids == ["status"]
    post = dict(plain, **{"http.request.method": "POST"})
    assert [engine.rules[i].id for i in index.candidates(post)] == ["neg", "status"]


def test_category_routing_skips_webserver_rules_for_dns_events(write_rule: Callable[[str, str], Path],
                                                                tmp_path: Path) -> None:
    write_rule("w.yml", WEB.format(title="w", rid="w", needle="evil", level="low"))
    engine = DetectionEngine.load([tmp_path / "rules"])
    assert engine.matched_rules(ev({"dns.question.name": "evil.example", "event.category": "network"})) == []
    assert engine.matched_rules(ev({"url.original": "/evil"})) == ["w"]


def test_detection_carries_rule_and_event(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("w.yml", WEB.format(title="SQL 注入", rid="w1", needle="union select", level="high"))
    engine = DetectionEngine.load([tmp_path / "rules"])
    event = ev({"url.original": "/a?id=1 union select 1", "data.grade": "L3"}, 5)
    [d] = engine.process(event)
    assert (d.rule_id, d.severity, d.timestamp, d.event_ids, d.data_grade) == (
        "w1", Severity.HIGH, event.timestamp, (event.id,), "L3")
    assert d.annotations["title"] == "SQL 注入"
    assert len(d.rule_hash) == 16


@pytest.mark.parametrize(("grade", "expected"), [("", Severity.MEDIUM), ("L3", Severity.MEDIUM),
                                                 ("L4", Severity.HIGH), ("IMP", Severity.CRITICAL),
                                                 ("CORE", Severity.CRITICAL)])
def test_severity_follows_data_grade(write_rule: Callable[[str, str], Path], tmp_path: Path, grade: str,
                                     expected: Severity) -> None:
    write_rule("w.yml", WEB.format(title="w", rid="w", needle="export", level="medium"))
    engine = DetectionEngine.load([tmp_path / "rules"])
    [d] = engine.process(ev({"url.original": "/export", "data.grade": grade}))
    assert d.severity is expected


def test_load_raises_with_every_error(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", WEB.format(title="a", rid="a", needle="x", level="urgent"))
    write_rule("b.yml", WEB.format(title="b", rid="b", needle="x", level="low").replace("|contains", "|bogus"))
    with pytest.raises(ConfigError) as info:
        DetectionEngine.load([tmp_path / "rules"])
    text = str(info.value)
    assert "a.yml:8:8:" in text
    assert "b.yml:6:5:" in text


def test_per_rule_metrics(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("w.yml", WEB.format(title="w", rid="w", needle="evil", level="low"))
    registry = CollectorRegistry()
    engine = DetectionEngine.load([tmp_path / "rules"], metrics=Metrics(registry))
    engine.process(ev({"url.original": "/evil"}))
    engine.process(ev({"url.original": "/fine"}))
    engine.flush_metrics()
    assert registry.get_sample_value("secops_rule_matches_total", {"rule": "w"}) == 1
    assert registry.get_sample_value("secops_rule_evaluations_total", {"rule": "w"}) == 1  # prefiltered once
    assert registry.get_sample_value("secops_rules_loaded", {"kind": "detection"}) == 1
    assert (registry.get_sample_value("secops_rule_evaluation_seconds_total", {"rule": "w"}) or 0) > 0


def test_reload_keeps_old_rules_when_new_one_is_broken(write_rule: Callable[[str, str], Path],
                                                       tmp_path: Path) -> None:
    path = write_rule("w.yml", WEB.format(title="w", rid="w", needle="evil", level="low"))
    registry = CollectorRegistry()
    engine = DetectionEngine.load([tmp_path / "rules"], metrics=Metrics(registry))
    path.write_text(WEB.format(title="w", rid="w", needle="evil", level="low").replace("condition: sel",
                                                                                      "condition: sel and"))
    issues = engine.reload()
    assert [f"{i.path}:{i.line}" for i in issues if i.level == "error"] == [f"{path}:7"]
    assert engine.matched_rules(ev({"url.original": "/evil"})) == ["w"]
    assert registry.get_sample_value("secops_rules_reload_total", {"outcome": "error"}) == 1
    path.write_text(WEB.format(title="w", rid="w", needle="bad", level="low"))
    assert [i for i in engine.reload() if i.level == "error"] == []
    assert engine.matched_rules(ev({"url.original": "/evil"})) == []
    assert engine.matched_rules(ev({"url.original": "/bad"})) == ["w"]


def test_rule_on_source_id_is_not_lost_by_the_prefilter(write_rule: Callable[[str, str], Path],
                                                         tmp_path: Path) -> None:
    write_rule("s.yml", "title: s\nid: s\nlogsource: {product: secops}\ndetection:\n  sel:\n"
                        "    secops.source|startswith: gateway\n  condition: sel\n")
    engine = DetectionEngine.load([tmp_path / "rules"])
    assert engine._c.index.prefiltered == 1
    assert engine.matched_rules(ev({"message": "x"}, source="gateway-1")) == ["s"]
    assert engine.matched_rules(ev({"message": "x"}, source="mqtt")) == []

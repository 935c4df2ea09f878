"""Sandboxed templates: refused at load, stopped at render, plain-text fallback when delivering."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from secops.clock import FakeClock
from secops.playbooks.loader import check
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore, recording_actions
from secops.playbooks.templates import TemplateRenderError, TemplateSet
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import fired, load, make_alert, write_dir

PB = """
channels:
  hook: {type: webhook, url: "http://127.0.0.1:9/x"}
playbooks:
  - id: p
    steps: [{notify: {channels: [hook], template: custom}}]
"""


def _with_template(tmp_path: Path, text: str) -> Path:
    root = write_dir(tmp_path, ("pb.yaml", PB))
    (root / "templates" / "zh-CN" / "custom.title.j2").write_text("标题 {{ count }}", encoding="utf-8")
    (root / "templates" / "zh-CN" / "custom.text.j2").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("source", "expect"), [
    ("{{ ''.__class__.__mro__ }}", "outside the template sandbox"),
    ("line1\n{{ alerts['__globals__'] }}", "outside the template sandbox"),
    ("{{ 'x'|center(999999999) }}", "integer literal over"),
    ("{% for a in alerts %}{% for b in alerts %}{% for c in alerts %}x{% endfor %}{% endfor %}{% endfor %}",
     "nested deeper"),
    ("{% if %}", "template syntax"),
])
def test_unsafe_template_refused_at_load_with_position(tmp_path: Path, source: str, expect: str) -> None:
    root = _with_template(tmp_path, source)
    issues = [i for i in check([root], clock=FakeClock()) if i.level == "error"]
    assert any(expect in i.message and i.path.endswith("custom.text.j2") for i in issues), issues
    if "__globals__" in source:
        assert any(i.line == 2 for i in issues)


@pytest.mark.parametrize(("source", "reason"), [
    ("{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}", "too_large"),
    ("{{ 'x' * 99999 * 2 }}", "error"),
    ("{{ no_such_variable }}", "error"),
    ("{{ range(5000)|list }}", "error"),
])
def test_runaway_template_stopped_at_render(source: str, reason: str) -> None:
    ts = TemplateSet(max_output_bytes=65536, time_limit_seconds=0.5)
    assert ts.add_source("zh-CN", "t", "text", source, "t.j2") == []
    with pytest.raises(TemplateRenderError) as err:
        ts.render("zh-CN", "t", "text", {"alerts": []})
    assert err.value.reason == reason


async def test_failed_render_falls_back_to_plain_text(tmp_path: Path) -> None:
    root = _with_template(tmp_path, "{% for i in range(1000) %}{% for j in range(1000) %}xx{% endfor %}{% endfor %}")
    pset = load(root.parent, templates=False)
    clock, sent, store = FakeClock(), [], MemoryStore()  # type: list[Sent]
    async with httpx.AsyncClient() as http:
        runner = PlaybookRunner(pset, store=store, clock=clock, http=http, metrics=Metrics(),
                                actions=recording_actions(pset, clock, sent))
        await runner.handle([fired(make_alert(clock))])
        await runner.tick()
    (msg,) = [s.message for s in sent]
    assert "批量身份证号外发" in msg.title
    assert "xxxx" not in msg.text
    assert len(msg.text) < 2000
    assert any(p.get("event") == "template_fallback" and p["reason"] == "too_large"
               for k, p in store.ledger if k == "playbook")


def test_shipped_templates_compile_in_both_languages() -> None:
    from tests.playbooks.helpers import TEMPLATES

    ts = TemplateSet()
    assert ts.load_dir(TEMPLATES) == []
    for name in ("page", "escalation", "update", "ack", "resolved", "flapping", "digest", "reminder"):
        assert ts.has("zh-CN", name)
        assert ts.has("en", name)

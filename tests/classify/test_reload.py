"""Hot reload while events flow: valid changes apply keeping window state; broken ones are refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from secops.classify import synth
from secops.classify.engine import Classifier
from secops.classify.reload import watch_rules
from secops.errors import Issue
from secops.telemetry.metrics import Metrics
from tests.classify.conftest import KEY

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC).timestamp()
EGRESS = {"source.ip": "10.7.7.7", "destination.zone": "internet"}


class Watch:
    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.results: list[list[Issue]] = []
        self.stop = asyncio.Event()
        self.flowing = 0

    async def until(self, predicate: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; reload results: {self.results}")
            await asyncio.sleep(0.05)

    async def flow(self) -> None:
        """Events keep flowing during reloads (plain ones, not part of any window)."""
        while not self.stop.is_set():
            self.classifier.classify_text("GET /index.html sjhm=13800138000")
            self.flowing += 1
            await asyncio.sleep(0.005)


@pytest.fixture
async def watch(pack_dir: Path) -> AsyncIterator[Watch]:
    metrics = Metrics(CollectorRegistry())
    classifier = Classifier.load([pack_dir], hmac_key=KEY, metrics=metrics)
    w = Watch(classifier)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(watch_rules([pack_dir], classifier, on_result=w.results.append, stop_event=w.stop,
                                   debounce_milliseconds=50), name="watch-rules")
        tg.create_task(w.flow(), name="event-flow")
        await asyncio.sleep(0.3)  # let the watcher start
        yield w
        w.stop.set()


def reload_count(w: Watch, outcome: str) -> float:
    assert w.classifier.metrics is not None
    value = w.classifier.metrics.registry.get_sample_value("secops_rules_reload_total", {"outcome": outcome})
    return value or 0.0


async def test_in_place_edit_applies_and_keeps_window_state(watch: Watch, pack_dir: Path) -> None:
    c = watch.classifier
    first = c.classify_text(synth.text("cn_resident_id", 600, seed=1), EGRESS, timestamp=T0)
    assert first.grade == "L4"
    assert c.classify_text(synth.text("cn_mobile", 9)).grade == "L3"
    items = pack_dir / "20-items.yaml"
    with items.open("r+", encoding="utf-8") as f:  # in-place write, same inode
        text = f.read().replace("when: {subjects: {gte: 10, categories: [pi.*]}}",
                                "when: {subjects: {gte: 5, categories: [pi.*]}}")
        f.seek(0)
        f.write(text)
        f.truncate()
    await watch.until(lambda: watch.results == [[]], "the edit to apply")
    assert c.classify_text(synth.text("cn_mobile", 9)).grade == "L4"  # new threshold in force
    second = c.classify_text(synth.text("cn_resident_id", 600, seed=2), EGRESS, timestamp=T0 + 120)
    assert second.grade == "IMP"  # 600 before the reload + 600 after: the window survived
    assert reload_count(watch, "success") == 1
    assert watch.flowing > 0


async def test_broken_atomic_rename_is_refused_and_old_rules_stay(watch: Watch, pack_dir: Path) -> None:
    c = watch.classifier
    items = pack_dir / "20-items.yaml"
    broken = items.read_text(encoding="utf-8").replace("then: {grade: L4, tags: [profiled-person]}",
                                                        "then: {grade: L9, tags: [profiled-person]}")
    tmp = pack_dir / ".20-items.yaml.tmp"
    tmp.write_text(broken, encoding="utf-8")
    os.replace(tmp, items)  # atomic rename over the rule file
    await watch.until(lambda: len(watch.results) == 1, "the broken change to be refused")
    (issues,) = watch.results
    assert any("undefined grade 'L9'" in i.message and i.path.endswith("20-items.yaml") for i in issues)
    assert reload_count(watch, "error") == 1
    assert c.classify_text("xm=张三&sjhm=13800138000").rules == ("profiled-person",)  # old rule works

    fixed = broken.replace("grade: L9", "grade: IMP")
    tmp.write_text(fixed, encoding="utf-8")
    os.replace(tmp, items)
    await watch.until(lambda: len(watch.results) == 2, "the fixed change to apply")
    assert watch.results[1] == []
    assert c.classify_text("xm=张三&sjhm=13800138000").grade == "IMP"


def test_reload_api_returns_issues_and_keeps_rules(pack_dir: Path) -> None:
    c = Classifier.load([pack_dir], hmac_key=KEY)
    (pack_dir / "99-bad.yaml").write_text("rules:\n  - id: x\n    when: {detector: nope}\n    then: {grade: L1}\n",
                                          encoding="utf-8")
    issues = c.reload()
    assert [(i.line, "unknown detector nope" in i.message) for i in issues] == [(3, True)]
    assert c.classify_text("sfzh=460105199003071239").grade == "L4"

"""Operator console in headless Chromium: first render, filter change and a live burst, at scale.

    python -m bench.console_bench [--alerts 5000] [--groups 300] [--burst-rate 100] [--burst-seconds 10]

The console app (real routes, auth, CSP, console service, SSE) is served by uvicorn in this process over
a real PlaybookRunner (in-memory store, recording channels); alerts go in through ``runner.handle`` and
the hub exactly as the daemon hands them over. Chromium (Debian's, headless) signs in and loads ``/``.

Figures:
- first render: navigation start -> the first complete render (state fetched, parsed, DOM built), then
  one more frame so layout is included;
- filter change: grade, state, free text and clearing, each from the event to the next frame;
- burst: ``--burst-rate`` new alerts per second for ``--burst-seconds``; the page is polled every 50 ms for
  how many alerts its last completed render covered. Lag per alert = first poll at which it was rendered
  minus when it was published. "Not falling behind" = the last second's lag is no worse than the first's
  and everything is on screen shortly after the burst ends.

The baseline, in the same run, is the same page with ``--baseline-alerts`` (50) alerts in 3 groups.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.async_api import Page, async_playwright

from secops.api import alerts, console
from secops.api.app import build_app
from secops.api.auth import TokenBook, TokenEntry, hash_token
from secops.api.hub import Hub
from secops.clock import SystemClock
from secops.model.alert import Alert, AlertChange, AlertStatus, ChangeKind, alert_id, alert_to_dict, fingerprint
from secops.playbooks.loader import load_playbooks
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore, Sent, recording_actions
from secops.telemetry.metrics import Metrics

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
GRADES = ("L1", "L2", "L3", "L4", "IMP", "CORE")
SEVERITIES = ("critical", "high", "medium", "low")
PLAYBOOK = """
channels:
  pager: {type: sms, url: "http://127.0.0.1:9/sms"}
playbooks:
  - id: main
    group_by: [alertname]
    steps:
      - notify: {tier: duty, channels: [pager]}
      - wait_for_ack: {timeout_seconds: 3600}
      - escalate: {tier: lead, channels: [pager]}
"""
ONCALL = """
people:
  zhang_san: {name: 张三, contacts: [{channel: pager, to: zs}]}
  wang_wu: {name: 王五, contacts: [{channel: pager, to: ww}]}
oncall:
  tiers:
    - {id: duty, name: 值班员, members: [zhang_san]}
    - {id: lead, name: 值班长, members: [wang_wu]}
"""
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))"


class Bench:
    def __init__(self, workdir: Path) -> None:
        pb = workdir / "pb"
        pb.mkdir()
        (pb / "oncall.yaml").write_text(ONCALL, encoding="utf-8")
        (pb / "pb.yaml").write_text(PLAYBOOK, encoding="utf-8")
        self.clock = SystemClock()
        self.pset = load_playbooks([pb], clock=self.clock)
        self.sent: list[Sent] = []
        self.hub = Hub(queue_size=5000)
        self.workdir = workdir
        self.seq = 0

    async def serve(self, http: httpx.AsyncClient) -> tuple[uvicorn.Server, int]:
        self.runner = PlaybookRunner(self.pset, store=MemoryStore(), clock=self.clock, http=http, metrics=Metrics(),
                                     actions=recording_actions(self.pset, self.clock, self.sent))  # type: ignore[arg-type]
        self.stopping = asyncio.Event()
        service = console.build_service(state_dir=self.workdir / "var", clock=self.clock, hub=self.hub,
                                        metrics=Metrics(), runner=self.runner, book=None, store=self.runner.store,
                                        readiness=None, source_keys=["http"], stopping=self.stopping)
        tokens = TokenBook([TokenEntry("zhang_san", hash_token("op-token"), ("operator",))])
        app = build_app(state={"playbooks": self.runner, "version": "bench", "console": service, "hub": self.hub},
                        tokens=tokens, extra_routes=[*alerts.routes(), *console.routes()],
                        session=console.session_principal)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        self.server_task = asyncio.create_task(server.serve(), name="bench-http")
        for _ in range(400):  # up to 20 s
            if server.started:
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the console app did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        return server, int(port)

    def alert(self, group: int, grade: str | None = None) -> Alert:
        self.seq += 1
        labels = {"alertname": f"Rule{group:03d}", "rule_id": f"rule-{group:03d}",
                  "severity": SEVERITIES[group % len(SEVERITIES)], "data_grade": grade or GRADES[group % len(GRADES)],
                  "host": f"host-{self.seq:05d}"}
        fp = fingerprint(labels)
        now = self.clock.now()
        annotations = {"summary": f"第 {group} 组告警 {self.seq}：数据外发", "samples": '{"cn_mobile":["138****8000"]}'}
        return Alert(alert_id(fp, now), fp, labels, annotations, AlertStatus.FIRING, now, now)

    async def add(self, count: int, groups: int) -> None:
        batch = [AlertChange(ChangeKind.FIRED, self.alert(i % groups)) for i in range(count)]
        for start in range(0, len(batch), 500):
            await self.runner.handle(batch[start:start + 500])
        await self.runner.tick()

    async def publish_one(self, groups: int) -> None:
        change = AlertChange(ChangeKind.FIRED, self.alert(self.seq % groups))
        await self.runner.handle([change])
        self.hub.publish("alert", {"change": "fired", "alert": alert_to_dict(change.alert)})


async def first_render(page: Page, url: str) -> float:
    await page.goto(url)
    await page.wait_for_function("() => Number(document.body.dataset.renders || 0) > 0", timeout=60_000)
    await page.evaluate(NEXT_FRAME)
    return float(await page.evaluate("() => Number(document.body.dataset.firstRenderMs)"))


async def filter_changes(page: Page) -> dict[str, float]:
    changes = {"grade=IMP": ("f-grade", "IMP"), "state=unacked": ("f-state", "unacked"),
               "view=flat": ("f-view", "flat"), "view=grouped": ("f-view", ""), "clear": ("f-grade", "")}
    out = {}
    for name, (element, value) in changes.items():
        out[name] = float(await page.evaluate("""async ([id, value]) => {
            const t0 = performance.now();
            const el = document.getElementById(id);
            el.value = value;
            el.dispatchEvent(new Event('change'));
            document.body.offsetHeight;
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
            return performance.now() - t0;
        }""", [element, value]))
    await page.evaluate("() => { location.hash = '#/alerts'; }")
    await page.evaluate(NEXT_FRAME)
    return out


async def burst(bench: Bench, page: Page, *, rate: int, seconds: int, groups: int) -> dict[str, Any]:
    base = int((await page.evaluate("() => window.secopsConsole.stats()"))["renderedRows"])
    published: list[float] = []
    polls: list[tuple[float, int]] = []
    done = asyncio.Event()

    async def poller() -> None:
        deadline = time.monotonic() + seconds + 15
        while time.monotonic() < deadline:
            stats = await page.evaluate("() => window.secopsConsole.stats()")
            polls.append((time.monotonic(), int(stats["renderedRows"]) - base))
            if done.is_set() and polls[-1][1] >= len(published):
                return
            await asyncio.sleep(0.05)

    task = asyncio.create_task(poller())
    start = time.monotonic()
    for i in range(rate * seconds):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        await bench.publish_one(groups)
        published.append(time.monotonic())
    done.set()
    await task
    lags = []
    for k, at in enumerate(published, start=1):
        seen = next((t for t, n in polls if n >= k and t >= at), None)
        lags.append((seen - at) if seen is not None else float("inf"))
    first, last = lags[:rate], lags[-rate:]
    return {"sent": len(published), "send_seconds": published[-1] - start, "rendered": polls[-1][1] if polls else 0,
            "lag_p50": statistics.median(lags), "lag_p95": sorted(lags)[int(0.95 * len(lags)) - 1],
            "lag_max": max(lags), "first_second_p95": sorted(first)[int(0.95 * len(first)) - 1],
            "last_second_p95": sorted(last)[int(0.95 * len(last)) - 1]}


async def measure(total: int, groups: int, args: argparse.Namespace, browser: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp))
        async with httpx.AsyncClient() as http:
            server, port = await bench.serve(http)
            try:
                await bench.add(total, groups)
                context = await browser.new_context(viewport={"width": 1920, "height": 1080})
                base = f"http://127.0.0.1:{port}"
                login = await context.request.post(base + "/api/v1/console/login",
                                                   headers={"Authorization": "Bearer op-token"})
                assert login.ok, await login.text()
                page = await context.new_page()
                result: dict[str, Any] = {"first_render_ms": await first_render(page, base + "/")}
                result["stats"] = await page.evaluate("() => window.secopsConsole.stats()")
                result["timeline"] = await page.evaluate("""() => performance.getEntriesByType('resource')
                    .map(e => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.responseEnd)])""")
                result["filters_ms"] = await filter_changes(page)
                if args.burst_seconds and total > args.baseline_alerts:
                    result["burst"] = await burst(bench, page, rate=args.burst_rate, seconds=args.burst_seconds,
                                                  groups=groups)
                await context.close()
                return result
            finally:
                bench.stopping.set()
                server.should_exit = True
                await asyncio.wait_for(bench.server_task, 10)


async def main(args: argparse.Namespace) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        baseline = await measure(args.baseline_alerts, 3, args, browser)
        big = await measure(args.alerts, args.groups, args, browser)
        await browser.close()
    report(args, baseline, big)


def report(args: argparse.Namespace, baseline: dict[str, Any], big: dict[str, Any]) -> None:
    print(f"first render: {args.alerts} alerts/{args.groups} groups {big['first_render_ms']:.0f} ms; "
          f"baseline {args.baseline_alerts} alerts {baseline['first_render_ms']:.0f} ms; "
          f"ratio {big['first_render_ms'] / baseline['first_render_ms']:.2f}x "
          f"(of which building the DOM {big['stats']['lastRenderMs']:.0f} ms, {big['stats']['dom']} elements; "
          f"baseline {baseline['stats']['lastRenderMs']:.0f} ms)")
    for name, ms in big["filters_ms"].items():
        base = baseline["filters_ms"][name]
        print(f"filter {name:14s}: {ms:7.1f} ms (baseline {base:6.1f} ms, ratio {ms / max(base, 0.1):.1f}x)")
    b = big.get("burst")
    if b:
        print(f"burst: {b['sent']} alerts in {b['send_seconds']:.1f} s ({b['sent'] / b['send_seconds']:.0f}/s); "
              f"rendered {b['rendered']}; lag p50 {b['lag_p50'] * 1000:.0f} ms, p95 {b['lag_p95'] * 1000:.0f} ms, "
              f"max {b['lag_max'] * 1000:.0f} ms; p95 first second {b['first_second_p95'] * 1000:.0f} ms, "
              f"last second {b['last_second_p95'] * 1000:.0f} ms")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--alerts", type=int, default=5000)
    p.add_argument("--groups", type=int, default=300)
    p.add_argument("--baseline-alerts", type=int, default=50)
    p.add_argument("--burst-rate", type=int, default=100)
    p.add_argument("--burst-seconds", type=int, default=10)
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))

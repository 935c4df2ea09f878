"""Every channel type against a real loopback peer: payloads, vendor signatures, zh-CN email, MQTT, masking."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
from pathlib import Path

import aiomqtt
import httpx
import orjson
import pytest

from secops.clock import FakeClock
from secops.playbooks.config import PlaybookSettings, SecretRef
from secops.playbooks.runner import PlaybookRunner
from secops.playbooks.simulate import MemoryStore
from secops.telemetry.metrics import Metrics
from tests.playbooks.helpers import fired, load, make_alert
from tests.playbooks.peers import HttpReceiver, SmtpServer
from tests.support.mosquitto import Mosquitto

RAW_ID = "46010219900101123X"
MASKED_ID = "4601**********123X"


def config(receiver: HttpReceiver, smtp: SmtpServer, broker: Mosquitto) -> str:
    return f"""
channels:
  hook: {{type: webhook, url: "{receiver.url('/hook')}", secret: {{env: T_HOOK_SECRET}}}}
  wc: {{type: wecom, robots: [{{url: {{env: T_WC_URL}}}}]}}
  ding: {{type: dingtalk, robots: [{{url: {{env: T_DING_URL}}, secret: {{env: T_DING_SECRET}}}}], keyword: 安全告警}}
  fs: {{type: feishu, robots: [{{url: {{env: T_FS_URL}}, secret: {{env: T_FS_SECRET}}}}]}}
  mail: {{type: email, host: 127.0.0.1, port: {smtp.port}, starttls: false, sender: "secops@example.gov.cn"}}
  sms: {{type: sms, url: "{receiver.url('/sms')}"}}
  wall: {{type: mqtt, url: "{broker.url}", topic: secops/wall, client_id: secops-test-notify}}
people:
  alice:
    name: 张三
    contacts:
      - {{channel: ding, mention: "13800000001"}}
      - {{channel: wc, mention: zhangsan}}
      - {{channel: fs, mention: ou_alice}}
      - {{channel: mail, to: alice@example.gov.cn}}
      - {{channel: sms, to: "13800000001"}}
oncall:
  tiers: [{{id: duty, members: [alice]}}]
playbooks:
  - id: all
    group_by: [alertname]
    steps:
      - notify: {{tier: duty, channels: [hook, wc, ding, fs, mail, sms, wall]}}
      - wait_for_ack: {{timeout_seconds: 3600}}
"""


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch, receiver: HttpReceiver) -> dict[str, str]:
    values = {
        "T_HOOK_SECRET": "hook-secret", "T_WC_URL": receiver.url("/cgi-bin/webhook/send?key=wc-key-0001"),
        "T_DING_URL": receiver.url("/robot/send?access_token=ding-token"), "T_DING_SECRET": "SECding",
        "T_FS_URL": receiver.url("/open-apis/bot/v2/hook/fs-token"), "T_FS_SECRET": "fs-secret",
        "T_ACK_SECRET": "ack-link-secret",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


async def _deliver(tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, broker: Mosquitto,
                   http: httpx.AsyncClient) -> tuple[list[bytes], FakeClock]:
    pset = load(tmp_path, ("all.yaml", config(receiver, smtp, broker)))
    clock = FakeClock(1_790_000_000.0)
    settings = PlaybookSettings(ack_link_secret=SecretRef(env="T_ACK_SECRET"), public_base_url="https://soc.example")
    runner = PlaybookRunner(pset, store=MemoryStore(), clock=clock, http=http, metrics=Metrics(), settings=settings)
    annotations = {"summary": f"发现身份证号 {RAW_ID} 外发", "samples": MASKED_ID, "category": "个人信息"}
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="secops-test-sub") as sub:
        await sub.subscribe("secops/wall", qos=1)
        await runner.handle([fired(make_alert(clock, annotations=annotations))])
        await runner.tick()
        async with asyncio.timeout(10):
            mqtt_payload = bytes((await anext(sub.messages)).payload)  # type: ignore[arg-type]
    bodies = [r.body for r in receiver.received] + [m[2] for m in smtp.messages] + [mqtt_payload]
    return bodies, clock


def _decoded(body: bytes) -> str:
    """The text a receiver sees: JSON as is, email with every MIME part decoded."""
    if body.lstrip().startswith((b"{", b"[")):
        return body.decode("utf-8")
    mail = email.message_from_bytes(body, policy=email.policy.default)
    parts = [str(mail["Subject"])]
    parts += [p.get_content() for p in mail.walk() if p.get_content_maintype() == "text"]  # type: ignore[attr-defined]
    return "\n".join(parts)


async def test_raw_resident_id_never_leaves_only_its_masked_form(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    bodies, _ = await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    assert len(bodies) == 7  # webhook, wecom, dingtalk, feishu, sms, email, mqtt
    for body in bodies:
        text = _decoded(body)
        assert RAW_ID not in text
        assert RAW_ID.encode() not in body
        assert MASKED_ID in text


async def test_webhook_hmac_signature_verifies(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    (req,) = receiver.requests("/hook")
    ts = req.headers["X-Secops-Timestamp"]
    expected = hmac.new(b"hook-secret", f"{ts}.".encode() + req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Secops-Signature"] == f"sha256={expected}"
    data = orjson.loads(req.body)
    assert data["kind"] == "page"
    assert data["alerts"][0]["annotations"]["samples"] == MASKED_ID


async def test_dingtalk_signature_verifies_with_vendor_algorithm(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    _, clock = await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    (req,) = receiver.requests("/robot/send")
    ts = req.query["timestamp"][0]
    assert abs(int(ts) - clock.now() * 1000) < 3_600_000
    mac = hmac.new(b"SECding", f"{ts}\nSECding".encode(), hashlib.sha256).digest()
    assert req.query["sign"][0] == base64.b64encode(mac).decode()  # parse_qs already url-decoded it
    body = orjson.loads(req.body)
    assert body["msgtype"] == "markdown"
    assert body["at"]["atMobiles"] == ["13800000001"]
    assert "安全告警" in body["markdown"]["title"]
    assert "@13800000001" in body["markdown"]["text"]
    assert "](https://soc.example/ack/" in body["markdown"]["text"]  # the signed ack link for alice


async def test_feishu_signature_verifies_with_vendor_algorithm(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    (req,) = receiver.requests("/open-apis/bot/v2/hook/fs-token")
    body = orjson.loads(req.body)
    key = f"{body['timestamp']}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "interactive"


async def test_wecom_markdown_with_mention(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    (req,) = receiver.requests("/cgi-bin/webhook/send")
    assert req.query["key"] == ["wc-key-0001"]
    content = orjson.loads(req.body)["markdown"]["content"]
    assert "<@zhangsan>" in content
    assert len(content.encode()) <= 4096


async def test_zh_cn_email_received(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    ((_sender, rcpts, raw),) = smtp.messages
    assert rcpts == ["alice@example.gov.cn"]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Subject"].startswith("【安全告警】批量身份证号外发")
    plain = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "重要数据（疑似）" in plain
    assert "高危" in plain
    assert "个人信息" in plain
    assert "<table" in html
    assert MASKED_ID in html


async def test_mqtt_and_sms_payloads(
        tmp_path: Path, receiver: HttpReceiver, smtp: SmtpServer, mosquitto: Mosquitto, http: httpx.AsyncClient,
        secrets: dict[str, str]) -> None:
    bodies, _ = await _deliver(tmp_path, receiver, smtp, mosquitto, http)
    wall = orjson.loads(bodies[-1])
    assert wall["kind"] == "page"
    assert wall["alerts"][0]["labels"]["data_grade"] == "IMP"
    (sms,) = receiver.requests("/sms")
    data = orjson.loads(sms.body)
    assert data["to"] == ["13800000001"]
    assert len(data["text"]) <= 300
    assert "/ack/" in data["text"]

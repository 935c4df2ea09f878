from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import orjson
import pytest

from secops.clock import FakeClock
from secops.playbooks.actions.base import BuildContext, Message, Outcome
from secops.playbooks.actions.feishu import MAX_BODY_BYTES, FeishuChannel, build, feishu_sign
from tests.playbooks.peers import HttpReceiver, Reply


def test_sign_matches_fixed_vector() -> None:
    # ts in seconds; key = f"{ts}\n{secret}"; message empty; base64, not urlencoded
    assert feishu_sign("feishu-test-secret", 1767225600) == "+O/t8xQIQMWSvTBZyknDY29EsHsGDkn69jEmEuuS2Fs="


def test_sign_is_not_dingtalk_scheme() -> None:
    secret, ts = "feishu-test-secret", 1767225600
    ding_style = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert feishu_sign(secret, ts) != ding_style.decode()


@pytest.mark.parametrize("code", [11232, 9499])
async def test_throttle_codes_are_throttled(code: int, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch,
                                            http: httpx.AsyncClient) -> None:
    receiver.script["/hook/x"] = [Reply(200, orjson.dumps({"code": code, "msg": "too many request"}))]
    monkeypatch.setenv("T_FS_URL", receiver.url("/hook/x"))
    model = FeishuChannel.model_validate({"type": "feishu", "robots": [{"url": {"env": "T_FS_URL"}}]})
    result = await build("fs", model, BuildContext(http, FakeClock())).send(Message("page", "t", "x", "k"))
    assert result.outcome is Outcome.THROTTLED
    assert result.vendor_code == code


async def test_body_stays_under_cap(receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch,
                                    http: httpx.AsyncClient) -> None:
    monkeypatch.setenv("T_FS_URL", receiver.url("/hook/x"))
    model = FeishuChannel.model_validate({"type": "feishu", "robots": [{"url": {"env": "T_FS_URL"}}]})
    text = "\n".join(f"第{i}条 告警 数据分级 重要数据" for i in range(3000))
    await build("fs", model, BuildContext(http, FakeClock())).send(Message("digest", "t", text, "k", link="L"))
    assert len(receiver.bodies("/hook/x")[0]) <= MAX_BODY_BYTES

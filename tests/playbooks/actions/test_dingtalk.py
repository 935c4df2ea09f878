from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote_plus

import httpx
import orjson
import pytest

from secops.clock import FakeClock
from secops.playbooks.actions.base import BuildContext, Message, Outcome
from secops.playbooks.actions.dingtalk import MAX_BODY_BYTES, DingtalkChannel, build, dingtalk_sign
from tests.playbooks.peers import HttpReceiver, Reply


def test_sign_matches_fixed_vector() -> None:
    # ts in milliseconds; key = secret; message = f"{ts}\n{secret}"; base64 then urlencoded
    assert dingtalk_sign("SECtestsecret0123456789", 1767225600000) == "K0XOijPqsJ5oLM7VhFM2PDNZ%2BMqQsCjQXdlMAPgRjX4%3D"


def test_sign_is_not_feishu_scheme() -> None:
    secret, ts = "SECtestsecret0123456789", 1767225600000
    feishu_style = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert unquote_plus(dingtalk_sign(secret, ts)) != feishu_style


async def _action(receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient,
                  clock: FakeClock):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("T_DING_URL", receiver.url("/robot/send?access_token=tok"))
    monkeypatch.setenv("T_DING_SECRET", "SECabc")
    model = DingtalkChannel.model_validate(
        {"type": "dingtalk", "robots": [{"url": {"env": "T_DING_URL"}, "secret": {"env": "T_DING_SECRET"}}]})
    return build("ding", model, BuildContext(http, clock))


async def test_throttle_code_is_throttled(receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch,
                                          http: httpx.AsyncClient) -> None:
    receiver.script["/robot/send"] = [Reply(200, b'{"errcode":130101,"errmsg":"send too fast"}')]
    action = await _action(receiver, monkeypatch, http, FakeClock())
    result = await action.send(Message("page", "t", "x", "k"))
    assert result.outcome is Outcome.THROTTLED
    assert result.vendor_code == 130101


async def test_long_text_truncated_under_cap_with_more_and_link(
        receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient) -> None:
    action = await _action(receiver, monkeypatch, http, FakeClock())
    text = "\n".join(f"- 告警{i} 身份证号样本 4601**********123X \"quoted\"" for i in range(2000))
    result = await action.send(Message("digest", "汇总", text, "k", link="http://console/#/alerts"))
    assert result.outcome is Outcome.SENT
    body = receiver.bodies("/robot/send")[0]
    assert len(body) <= MAX_BODY_BYTES
    content = orjson.loads(body)["markdown"]["text"]
    assert "另有" in content
    assert "http://console/#/alerts" in content

from __future__ import annotations

import httpx
import orjson
import pytest

from secops.clock import FakeClock
from secops.playbooks.actions.base import BuildContext, Message, Outcome, redact_url
from secops.playbooks.actions.wecom import WecomChannel, build


async def test_markdown_content_capped_at_4096_bytes(monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient,
                                                     receiver) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("T_WC_URL", receiver.url("/cgi-bin/webhook/send?key=0000-secret-key"))
    model = WecomChannel.model_validate({"type": "wecom", "robots": [{"url": {"env": "T_WC_URL"}}]})
    text = "\n".join(f"告警 {i}：重要数据外发" for i in range(1000))
    result = await build("wc", model, BuildContext(http, FakeClock())).send(
        Message("page", "标题", text, "k", mentions=("zhangsan",), link="http://c"))
    assert result.outcome is Outcome.SENT
    content = orjson.loads(receiver.bodies("/cgi-bin/webhook/send")[0])["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert "<@zhangsan>" in content
    assert "另有" in content


def test_redacted_url_hides_key() -> None:
    shown = redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    assert "693a91f6" not in shown
    assert "key" not in shown
    assert shown.startswith("https://qyapi.weixin.qq.com/")

"""SMS through an HTTP gateway. Presets give Aliyun's and Tencent Cloud's request shapes; ``generic``
posts ``{"to": [...], "text": "..."}`` (optionally HMAC-signed like the webhook).

SMS is external: text is always masked and kept short (``max_chars``) with a console link.
Aliyun (Dysmsapi SendSms, RPC style, HMAC-SHA1 signature v1) and Tencent (SendSms, TC3-HMAC-SHA256)
need a template approved by the vendor; the alert summary is passed as the template parameter ``content``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.actions.http import dumps, post
from secops.playbooks.actions.webhook import webhook_signature
from secops.playbooks.config import SecretRef
from secops.playbooks.textfit import cut_utf8


class SmsChannel(ChannelModel):
    type: Literal["sms"] = "sms"
    preset: Literal["generic", "aliyun", "tencent"] = "generic"
    url: str
    access_key_id: SecretRef | None = None
    access_key_secret: SecretRef | None = None
    sign_name: str = ""
    template_code: str = ""
    sdk_app_id: str = ""
    region: str = "ap-guangzhou"
    max_chars: int = Field(default=300, ge=20, le=1000)


def _pct(value: str) -> str:
    return quote(value, safe="-_.~")


def aliyun_query(params: dict[str, str], secret: str) -> str:
    """Aliyun RPC signature v1: HMAC-SHA1 over ``POST&%2F&<percent-encoded canonical query>``."""
    canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{_pct('/')}&{_pct(canonical)}"
    sig = base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    return canonical + "&Signature=" + _pct(sig)


def tencent_authorization(secret_id: str, secret: str, body: bytes, ts: int, host: str) -> str:
    """Tencent Cloud TC3-HMAC-SHA256 for service ``sms``."""
    date = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join([
        "POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
        "content-type;host", hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{secret}".encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


@dataclass(slots=True)
class SmsAction:
    channel: str
    model: SmsChannel
    ctx: BuildContext
    key_id: str | None
    key_secret: str | None
    type_name: str = "sms"
    limits: VendorLimits | None = None
    robot_count: int = 0
    per_person: bool = True

    def text(self, message: Message) -> str:
        link = message.ack_links[0][1] if message.ack_links else message.link
        room = self.model.max_chars - len(link) - 1
        return f"{message.title} {message.text}"[: max(room, 10)].replace("\n", " ") + " " + link

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        if not message.recipients:
            return SendResult(Outcome.FAILED, "no recipient number")
        text = self.text(message)
        if self.model.preset == "aliyun":
            return await self._aliyun(message, text)
        if self.model.preset == "tencent":
            return await self._tencent(message, text)
        body = dumps({"to": list(message.recipients), "text": text, "idempotency_key": message.idempotency_key})
        ts = int(self.ctx.clock.now())
        headers = {"X-Secops-Timestamp": str(ts)}
        if self.key_secret:
            headers["X-Secops-Signature"] = webhook_signature(self.key_secret, ts, body)
        return await post(self.ctx.http, self.model.url, body=body, timeout=self.model.timeout_seconds,
                          headers=headers)

    async def _aliyun(self, message: Message, text: str) -> SendResult:
        now = datetime.fromtimestamp(self.ctx.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {
            "AccessKeyId": self.key_id or "", "Action": "SendSms", "Format": "JSON", "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": now, "PhoneNumbers": ",".join(message.recipients), "SignName": self.model.sign_name,
            "TemplateCode": self.model.template_code,
            "TemplateParam": dumps({"content": cut_utf8(text, 600)}).decode(),
        }
        body = aliyun_query(params, self.key_secret or "").encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return await post(self.ctx.http, self.model.url, body=body, timeout=self.model.timeout_seconds,
                          headers=headers, vendor=_aliyun_check)

    async def _tencent(self, message: Message, text: str) -> SendResult:
        body = dumps({
            "PhoneNumberSet": [f"+86{r}" if not r.startswith("+") else r for r in message.recipients],
            "SmsSdkAppId": self.model.sdk_app_id, "SignName": self.model.sign_name,
            "TemplateId": self.model.template_code, "TemplateParamSet": [cut_utf8(text, 600)],
        })
        ts = int(self.ctx.clock.now())
        host = self.model.url.split("://", 1)[-1].split("/", 1)[0]
        headers = {
            "Authorization": tencent_authorization(self.key_id or "", self.key_secret or "", body, ts, host),
            "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(ts),
            "X-TC-Region": self.model.region,
        }
        return await post(self.ctx.http, self.model.url, body=body, timeout=self.model.timeout_seconds,
                          headers=headers, vendor=_tencent_check)


def _aliyun_check(reply: Any) -> SendResult:
    code = reply.get("Code") if isinstance(reply, dict) else None
    if code in (None, "OK"):
        return SendResult(Outcome.SENT)
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        return SendResult(Outcome.THROTTLED, "aliyun business limit")
    return SendResult(Outcome.FAILED, f"aliyun error {str(code)[:80]}")


def _tencent_check(reply: Any) -> SendResult:
    response = reply.get("Response", {}) if isinstance(reply, dict) else {}
    error = response.get("Error") if isinstance(response, dict) else None
    if not error:
        return SendResult(Outcome.SENT)
    code = str(error.get("Code", ""))[:80]
    if "LimitExceeded" in code:
        return SendResult(Outcome.THROTTLED, f"tencent {code}")
    return SendResult(Outcome.FAILED, f"tencent error {code}")


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> SmsAction:
    if not isinstance(model, SmsChannel):
        raise TypeError("sms action needs an SmsChannel")
    key_id = model.access_key_id.resolve() if model.access_key_id else None
    key_secret = model.access_key_secret.resolve() if model.access_key_secret else None
    return SmsAction(channel, model, ctx, key_id, key_secret)

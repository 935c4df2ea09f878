"""Email over SMTP (STARTTLS when configured): UTF-8 subject, a text part and an HTML part."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

import aiosmtplib
from pydantic import Field

from secops.playbooks.actions.base import BuildContext, ChannelModel, Message, Outcome, SendResult, VendorLimits
from secops.playbooks.config import SecretRef


class EmailChannel(ChannelModel):
    type: Literal["email"] = "email"
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    use_tls: bool = False
    sender: str
    username: SecretRef | None = None
    password: SecretRef | None = None
    max_body_bytes: int = Field(default=512 * 1024, ge=1024)


def build_email(message: Message, sender: str, sent_at: float) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = ", ".join(message.recipients)
    mail["Date"] = formatdate(sent_at, localtime=False)
    mail["Message-ID"] = make_msgid(idstring=message.idempotency_key[:32].replace(":", "."))
    mail["X-Secops-Idempotency-Key"] = message.idempotency_key
    links = "".join(f"\n确认 / Ack ({p}): {u}" for p, u in message.ack_links)
    mail.set_content(message.text + links + (f"\n\n{message.link}" if message.link else ""), charset="utf-8")
    if message.html:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


@dataclass(slots=True)
class EmailAction:
    channel: str
    model: EmailChannel
    ctx: BuildContext
    username: str | None
    password: str | None
    type_name: str = "email"
    limits: VendorLimits | None = None
    robot_count: int = 0
    per_person: bool = True

    async def send(self, message: Message, *, robot: int = 0) -> SendResult:
        if not message.recipients:
            return SendResult(Outcome.FAILED, "no recipient address")
        mail = build_email(message, self.model.sender, self.ctx.clock.now())
        try:
            await aiosmtplib.send(
                mail, hostname=self.model.host, port=self.model.port, start_tls=self.model.starttls,
                use_tls=self.model.use_tls, username=self.username, password=self.password,
                timeout=self.model.timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as err:
            outcome = Outcome.RETRY if err.code >= 400 and err.code < 500 else Outcome.FAILED
            return SendResult(outcome, f"SMTP {err.code}", status=err.code)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as err:
            return SendResult(Outcome.RETRY, f"SMTP transport error ({type(err).__name__})")
        return SendResult(Outcome.SENT)


def build(channel: str, model: ChannelModel, ctx: BuildContext) -> EmailAction:
    if not isinstance(model, EmailChannel):
        raise TypeError("email action needs an EmailChannel")
    username = model.username.resolve() if model.username else None
    password = model.password.resolve() if model.password else None
    return EmailAction(channel, model, ctx, username, password)

"""Signed ack links: bound to one person and one alert, expiring, single-use.

A token is ``base64url(payload) "." base64url(HMAC_SHA256(secret, payload))`` with payload
``{"a": alert_id, "p": person, "e": expiry, "n": nonce}``. Single use is enforced by the runner, which
records the nonce in the store when the link is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from secops.errors import SecopsError


class AckLinkError(SecopsError):
    """The link is malformed, tampered with, expired or used; ``reason`` is a bounded label."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"ack link refused: {reason}")


@dataclass(frozen=True, slots=True)
class AckClaim:
    alert_id: str
    person: str
    expires_at: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, alert_id: str, person: str, expires_at: float, nonce: str | None = None) -> str:
    payload = json.dumps(
        {"a": alert_id, "p": person, "e": int(expires_at), "n": nonce or secrets.token_urlsafe(12)},
        separators=(",", ":"), sort_keys=True,
    ).encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(secret: bytes, token: str, now: float) -> AckClaim:
    """The claim in ``token``; AckLinkError when it is malformed, tampered with or expired."""
    try:
        payload_b64, mac_b64 = token.split(".")
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except ValueError:
        raise AckLinkError("malformed") from None
    if not hmac.compare_digest(hmac.new(secret, payload, hashlib.sha256).digest(), mac):
        raise AckLinkError("bad_signature")
    try:
        data = json.loads(payload)
        claim = AckClaim(str(data["a"]), str(data["p"]), float(data["e"]), str(data["n"]))
    except (ValueError, KeyError, TypeError):
        raise AckLinkError("malformed") from None
    if now >= claim.expires_at:
        raise AckLinkError("expired")
    return claim

"""credential: passwords, tokens, secrets and verification codes after their field names."""

from __future__ import annotations

import re

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict

KEYS = (r"(?:password|passwd|passwrd|pass|pwd|passcode|mima|mm|yzm|otp|secret|client_?secret|token|"
        r"access_?token|refresh_?token|auth_?token|api_?key|apikey|access_?key|secret_?key|private_?key|"
        r"密码|口令|验证码)")
VALUE = r"[^\s\"'&,;<>|]+"
SEP = r"[\"']?[ \t]{0,2}[:=][ \t]{0,2}[\"']?"
_SPLIT = re.compile(r"^(?P<key>.*?)[\"']?\s*[:=]\s*[\"']?(?P<value>[^\s\"'&,;<>|]*)$", re.S)
_BEARER = re.compile(r"(?i)^authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic)\s+(?P<value>\S+)$")
PLACEHOLDERS = frozenset({"null", "none", "nil", "undefined", "true", "false", "xxx", "xxxx", "test",
                          "changeme", "password", "empty", "redacted", "hidden", "masked", "secret", "token"})
_TOKEN_KEYS = ("token", "secret", "key")


def _value(match: str) -> tuple[str, str] | None:
    bearer = _BEARER.match(match)
    if bearer:
        return "token", bearer.group("value")
    m = _SPLIT.match(match)
    return (m.group("key").lower(), m.group("value")) if m else None


def validate(value: str, params: Params) -> Verdict | None:
    split = _value(value)
    if split is None:
        return None
    key, secret = split
    if len(secret) < 4 or len(secret) > 4096 or set(secret) <= {"*", "x", "X", "#"} or secret.lower() in PLACEHOLDERS:
        return None
    if any(k in key for k in _TOKEN_KEYS) and (len(secret) < 8 or v.shannon_entropy(secret) < 2.5):
        return None
    if key in ("yzm", "otp", "验证码") and not secret.isdigit():
        return None
    return Verdict(secret, 0.8)


def validate_masked(value: str) -> bool:
    split = _value(value)
    return split is not None and set(split[1]) <= {"*"} and len(split[1]) >= 3


DETECTOR = Detector(
    name="credential",
    shapes=(
        Shape(f"{KEYS}{SEP}{VALUE}", right="value", utf8=True, exclusive=False, caseless=True),
        Shape(f"[a-z](?:Password|Passwd|Pwd|Token|Secret|ApiKey|SecretKey|AccessKey){SEP}{VALUE}",
              left="none", right="value", exclusive=False),
        Shape(r"authorization[\"']?[ \t]{0,2}[:=][ \t]{0,2}[\"']?(?:bearer|basic)[ \t][A-Za-z0-9._~+/=-]{8,}",
              right="value", caseless=True, exclusive=False),
        Shape(f"{KEYS}{SEP}\\*{{3,32}}", right="value", masked=True, utf8=True, exclusive=False,
              caseless=True),
    ),
    validate=validate,
    validate_masked=validate_masked,
    category="pi.credential",
    mask="secret",
    priority=85,
    description="Credential: value after a password/token/secret/验证码 field, placeholders and "
                "low-entropy tokens dropped",
)

"""Masking shapes per detector. Everything that leaves classification (alerts, notifications, exports,
console, logs) carries values through ``mask``: ``4601**********123X``, ``138****8000``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Final, Literal

Policy = Literal["masked", "masked_hash", "raw"]


def _keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


def mask_id(value: str) -> str:
    return _keep(value, 4, 4)


def mask_mobile(value: str) -> str:
    digits = value[-11:] if len(value) > 11 else value
    return _keep(digits, 3, 4)


def mask_phone(value: str) -> str:
    return _keep(value, 4, 2)


def mask_card(value: str) -> str:
    return _keep(value, 6, 4)


def mask_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_generic(value)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(value: str) -> str:
    keep = 2 if len(value) >= 4 else 1
    return value[:keep] + "*" * (len(value) - keep)


def mask_address(value: str) -> str:
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


def mask_secret(value: str) -> str:
    return "******"


def mask_ip(value: str) -> str:
    if ":" in value:
        groups = value.split(":")
        return ":".join(groups[:2]) + ":*"
    second = value.find(".", value.find(".") + 1)
    if second > 0 and value.count(".") == 3:  # a dotted quad (nearly every log line): no lists built
        return value[:second] + ".*.*"
    parts = value.split(".")
    return ".".join(parts[:2] + ["*"] * (len(parts) - 2))


def mask_plate(value: str) -> str:
    return _keep(value, 2, 2)


def mask_vin(value: str) -> str:
    return _keep(value, 3, 4)


def mask_geo(value: str) -> str:
    return ",".join(p.split(".")[0] + "." + p.split(".")[1][:1] + "***" if "." in p else p for p in value.split(","))


def mask_code(value: str) -> str:
    return _keep(value, 2, 2) if len(value) <= 10 else _keep(value, 6, 4)


def mask_generic(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    keep = max(1, len(value) // 5)
    return _keep(value, keep, keep)


SHAPES: dict[str, Callable[[str], str]] = {
    "id": mask_id, "mobile": mask_mobile, "phone": mask_phone, "card": mask_card, "email": mask_email,
    "name": mask_name, "address": mask_address, "secret": mask_secret, "ip": mask_ip, "plate": mask_plate,
    "vin": mask_vin, "geo": mask_geo, "code": mask_code, "generic": mask_generic,
}

# detector name -> shape; kept here (not imported from detectors) so any component can mask cheaply
BY_DETECTOR: dict[str, str] = {
    "cn_resident_id": "id", "cn_resident_id15": "id", "cn_uscc": "code", "cn_org_code": "code",
    "bank_card": "card", "cn_mobile": "mobile", "cn_landline": "phone", "email": "email",
    "cn_passport": "code", "cn_travel_permit": "code", "hk_id": "code", "tw_id": "code", "cn_plate": "plate",
    "vin": "vin", "ipv4": "ip", "ipv6": "ip", "credential": "secret", "geo_coordinate": "geo",
    "cn_name": "name", "cn_address": "address",
}


_BY_DETECTOR_FN: Final[dict[str, Callable[[str], str]]] = {d: SHAPES[s] for d, s in BY_DETECTOR.items()}


def mask(detector: str, value: str) -> str:
    """The masked form of ``value`` found by ``detector`` (unknown detectors get the generic shape)."""
    return _BY_DETECTOR_FN.get(detector, mask_generic)(value)


def for_channel(detector: str, value: str, policy: Policy = "masked", *, hmac_key: bytes = b"") -> str:
    """A value as a channel may see it. ``masked`` (the default everywhere), ``masked_hash`` (masked plus a
    keyed hash, so an auditor can match two records without seeing the value) or ``raw`` (only for a
    channel explicitly configured to receive more)."""
    if policy == "raw":
        return value
    shown = mask(detector, value)
    if policy == "masked_hash":
        if not hmac_key:
            raise ValueError("masked_hash needs the deployment's HMAC key")
        digest = hmac.new(hmac_key, value.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{shown}#{digest}"
    return shown

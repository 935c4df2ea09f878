"""The detector registry: stable names (DESIGN.md) mapped to detector definitions, one module each."""
# ruff: noqa: E402  (the native path must be in place before the detector modules import)

from __future__ import annotations

from secops.native import extend_path

extend_path(__name__, __path__)

from secops.classify.detectors import (
    address,
    bank_card,
    credential,
    email,
    geo,
    hk_id,
    ipv4,
    ipv6,
    landline,
    mobile,
    name,
    org_code,
    passport,
    plate,
    resident_id,
    resident_id15,
    travel_permit,
    tw_id,
    uscc,
    vin,
)
from secops.classify.detectors.base import Detector, Params, Shape, Verdict
from secops.registry import Registry

DETECTORS: Registry[Detector] = Registry("detector")
for _module in (resident_id, resident_id15, uscc, org_code, bank_card, mobile, landline, email, passport,
                travel_permit, hk_id, tw_id, plate, vin, ipv4, ipv6, credential, geo, name, address):
    DETECTORS.add(_module.DETECTOR.name, _module.DETECTOR)

__all__ = ["DETECTORS", "Detector", "Params", "Shape", "Verdict"]

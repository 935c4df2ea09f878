"""geo_coordinate: precise locations (>= 4 decimals) after a latitude key, or lat/lng pairs with evidence."""

from __future__ import annotations

import re

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

NUM = r"-?[0-9]{1,3}\.[0-9]{4,10}"
LAT_KEYS = r"(?:lat|latitude|wd|weidu|纬度)"
_NUMS = re.compile(r"-?[0-9]{1,3}\.[0-9]+")


def _in_range(lat: float, lng: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lng <= 180 and not (lat == 0 and lng == 0)


def validate(value: str, params: Params) -> Verdict | None:
    nums = [float(n) for n in _NUMS.findall(value)]
    if len(nums) == 1:  # after a latitude key: the key is the evidence
        return Verdict(f"{nums[0]:.6f}", 0.8) if -90 <= nums[0] <= 90 and nums[0] != 0 else None
    if len(nums) != 2:
        return None
    a, b = nums
    if not (_in_range(a, b) or _in_range(b, a)):
        return None
    return Verdict(f"{a:.6f},{b:.6f}", 0.35)  # a bare pair needs a field name or context


DETECTOR = Detector(
    name="geo_coordinate",
    shapes=(
        Shape(f"{LAT_KEYS}[\"']?[ \\t]{{0,2}}[:=][ \\t]{{0,2}}[\"']?{NUM}", right="digit",
              utf8=True, caseless=True, exclusive=False),
        Shape(f"{NUM}[ \\t]?,[ \\t]?{NUM}", left="alnum_dot", right="alnum_dot"),
    ),
    validate=validate,
    category="pi.location.precise",
    mask="geo",
    hints=frozenset({"gps", "location", "loc", "coord", "coords", "coordinate", "latlng", "lnglat", "jwd",
                     "position", "zb", "经纬度", "坐标", "位置", "定位"}),
    context=("经纬度", "坐标", "定位", "gps", "location"),
    priority=50,
    description="Precise location: >= 4 decimal places, in range; bare pairs need a field or context",
)

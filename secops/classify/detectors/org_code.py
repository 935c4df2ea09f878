"""cn_org_code: organization code (GB 11714-1997)."""

from __future__ import annotations

from secops.classify import validators as v
from secops.classify.detectors.base import Detector, Params, Shape, Verdict


def validate(value: str, params: Params) -> Verdict | None:
    if not v.org_code(value):
        return None
    # the dashed form is distinctive; a bare or all-letter token needs a field name or context
    return Verdict(value, 0.7 if "-" in value and not value[:8].isalpha() else 0.3)


DETECTOR = Detector(
    name="cn_org_code",
    shapes=(Shape(r"[0-9A-Z]{8}-[0-9X]"), Shape(r"[0-9A-Z]{8}[0-9X]")),
    validate=validate,
    category="org.public_registry",
    mask="code",
    hints=frozenset({"zzjgdm", "jgdm", "orgcode", "organizationcode", "组织机构代码", "机构代码"}),
    context=("机构代码", "orgcode"),
    priority=40,
    description="Organization code: weights 3,7,9,10,5,8,4,2, check 11 - sum mod 11",
)
